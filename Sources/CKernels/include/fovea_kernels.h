#ifndef FOVEA_KERNELS_H
#define FOVEA_KERNELS_H

// Convolution kernels that need instructions Swift cannot ask for without unsafe flags:
// AVX2 + FMA, enabled per function and chosen at run time, so the package still builds
// and runs anywhere (elsewhere `fovea_panel_convolution_available` returns 0 and Fovea
// keeps its im2col + BLAS path). Also the one C call Swift's Glibc module does not
// expose (`mallopt`, behind `fovea_keep_freed_memory`).

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Rows of the weight matrix per micro-kernel tile, and output columns (pixels) per panel.
enum { FOVEA_TILE_ROWS = 6, FOVEA_PANEL_COLUMNS = 16 };

/// Spare floats after the direct kernel's padded planes: its 16-pixel loads may run past the last row.
enum { FOVEA_DIRECT_SLACK = 16, FOVEA_DIRECT_MAXIMUM_STRIDE = 4 };

/// Geometry of one group's window over an NCHW image (as Swift's WindowGeometry).
typedef struct {
    int channels, height, width;
    int kernel_height, kernel_width;
    int stride_height, stride_width;
    int pad_top, pad_left;
    int dilation_height, dilation_width;
    int output_height, output_width;
} fovea_window;

/// y = clamp((acc + bias[o]) · scale[o] + shift[o] + residual, floor, ceiling); any pointer may be NULL.
/// `residual` has the output's layout and is offset like it.
typedef struct {
    const float *bias, *scale, *shift, *residual;
    float floor, ceiling;
} fovea_epilogue;

/// glibc only (elsewhere nothing): blocks under `mmap_threshold` bytes come from the heap
/// instead of fresh mmaps, and up to `trim_threshold` bytes of free heap stay mapped.
void fovea_keep_freed_memory(size_t mmap_threshold, size_t trim_threshold);

#if defined(__linux__)
/// Loads OpenBLAS (once; see blas_loader.c for why Fovea loads it itself): NULL when loaded,
/// else a message that says what is missing.
const char *fovea_blas_load(void);
/// The kernel family OpenBLAS chose ("SkylakeX", "Haswell", "Zen", …), or "none".
const char *fovea_blas_core(void);
/// cblas_sgemm / cblas_sgemv, row-major; only after fovea_blas_load() returned NULL.
void fovea_blas_sgemm(int transpose_a, int transpose_b, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc);
void fovea_blas_sgemv(int transpose, int m, int n, float alpha, const float *a, int lda, const float *x, int incx,
                      float beta, float *y, int incy);
#endif

/// 1 when the CPU has AVX-512 and FOVEA_AVX512 is not "0" (read once): the kernels then run
/// their 512-bit tiles.
int fovea_wide_tiles_available(void);

/// 1 on a CPU that runs 512-bit operations on 256-bit units (AMD Zen 4), where AVX-512 tiles
/// multiply no faster than AVX2's. Read once.
int fovea_avx512_in_halves(void);

/// Floats per vector of the element-wise kernels below: 16 with AVX-512 (as
/// fovea_wide_tiles_available), 8 with AVX2 + FMA, else 1 (plain C, any CPU); FOVEA_VECTOR_LANES
/// (16, 8 or 1) caps it. Read once.
int fovea_vector_lanes(void);

/// out[i] = a[i] + b[i] for i < count (out may be a or b). Any CPU (arithmetic_lanes.h).
void fovea_add(const float *a, const float *b, float *out, size_t count);

/// y = max(x, 0) over `count` floats (NaN passes); its gradient is `fovea_mask_gradient`'s.
void fovea_relu(const float *x, float *y, size_t count);

/// `fovea_copy_rows` for `planes` planes of `rows` rows each (source planes contiguous), plane p's
/// rows from `target + p · target_plane`.
void fovea_copy_planes(const float *source, size_t planes, size_t rows, size_t width, float *target, size_t target_stride,
                       size_t target_plane);

/// means[p] = the mean of plane p's `plane` floats, for p < planes (planes contiguous in `x`). Any CPU.
void fovea_plane_means(const float *x, size_t planes, size_t plane, float *means);

/// `rows` rows of `width` floats, contiguous in `source`, to rows `target_stride` floats apart in
/// `target` (a plane into a padded copy's interior).
void fovea_copy_rows(const float *source, size_t rows, size_t width, float *target, size_t target_stride);

/// Of `filters` kernels of kernel_height × kernel_width taps, taps [first_row, +rows) ×
/// [first_column, +columns) of each, contiguous, to `cropped` (LiveTaps.swift).
void fovea_crop_taps(const float *full, size_t filters, int kernel_height, int kernel_width, int first_row, int rows,
                     int first_column, int columns, float *cropped);
/// fovea_crop_taps's adjoint: `full` gets the cropped taps back and zero in every other tap.
void fovea_expand_taps(const float *cropped, size_t filters, int kernel_height, int kernel_width, int first_row,
                       int rows, int first_column, int columns, float *full);

/// One SGD step over `count` parameters, PyTorch's rule: g = grad + wd·θ; with `velocity` (not
/// NULL) v = μ·v + g and the step v (`nesterov`: g + μ·v), else g; θ −= lr·step.
void fovea_sgd_step(float *theta, const float *grad, float *velocity, size_t count, float lr, float wd, float mu,
                    int nesterov);

/// One Adam step over `count` parameters, PyTorch's rule: g = grad + l2·θ; θ ·= shrink; m = β1·m +
/// (1 − β1)·g; v = β2·v + (1 − β2)·g·g; θ −= step_size · m / (√v / root_correction2 + ε).
void fovea_adam_step(float *theta, const float *grad, float *m, float *v, size_t count, float l2, float shrink, float beta1,
                     float beta2, float step_size, float root_correction2, float epsilon);

/// The activation fused into a layer, whose backward pass masks the gradient by the layer's output.
enum { FOVEA_ACTIVATION_NONE = 0, FOVEA_ACTIVATION_RELU = 1, FOVEA_ACTIVATION_RELU6 = 2 };

/// target[i] = dy[i] where the activation let y[i] through (ReLU: y > 0; ReLU6: 0 < y < 6; not
/// where y is NaN), else 0; returns Σ target[i] (summed in float lanes). `target` may be `dy`.
float fovea_mask_gradient(const float *dy, const float *y, float *target, size_t count, int activation);

// Batch norm's passes over one channel's run of `count` floats (any CPU; batch_norm_lanes.h).
// Float lanes within blocks of 1,024 values, double across blocks; the sums are added to *sum…

/// *sum += Σ(x − shift), *squares += Σ(x − shift)².
void fovea_batch_norm_shifted_sums(const float *x, size_t count, float shift, double *sum, double *squares);
/// d = dy masked by the activation's output y (written to `masked` unless the activation is
/// none; y unused then); *sum += Σd, *centered += Σd·(x − mean).
void fovea_batch_norm_gradient_sums(const float *dy, const float *y, float *masked, const float *x, size_t count,
                                    float mean, int activation, double *sum, double *centered);
/// out = clamp((x − mean)·scale + shift + residual, floor, ceiling); residual may be NULL; NaN passes the clamp.
void fovea_batch_norm_normalise(const float *x, float *out, const float *residual, size_t count, float mean, float scale,
                                float shift, float floor, float ceiling);
/// dx = scale·(d − mean_dy − (x − mean)·k); with x NULL, dx = scale·d.
void fovea_batch_norm_input_gradient(const float *d, const float *x, float *dx, size_t count, float scale,
                                     float mean_dy, float mean, float k);

// The same over a run of several small planes, the statistics given per float (each plane's
// value repeated), the sums kept per float in float (the caller adds up each plane, in double).

/// sums[i] += x[i] − shifts[i], squares[i] += (x[i] − shifts[i])².
void fovea_batch_norm_slice_sums(const float *x, const float *shifts, size_t count, float *sums, float *squares);
/// As fovea_batch_norm_gradient_sums, per float: sums[i] += d[i], centered[i] += d[i]·(x[i] − means[i]).
void fovea_batch_norm_slice_gradient_sums(const float *dy, const float *y, float *masked, const float *x,
                                          const float *means, size_t count, int activation, float *sums, float *centered);
/// As fovea_batch_norm_normalise with per-float statistics.
void fovea_batch_norm_slice_normalise(const float *x, float *out, const float *residual, size_t count, const float *means,
                                      const float *scales, const float *shifts, float floor, float ceiling);
/// As fovea_batch_norm_input_gradient with per-float statistics.
void fovea_batch_norm_slice_input_gradient(const float *d, const float *x, float *dx, size_t count, const float *scales,
                                           const float *mean_dys, const float *means, const float *ks);
/// scale[c] = gamma[c] / √(variance[c] + epsilon): batch norm folded into a convolution at inference.
void fovea_batch_norm_folded_scale(const float *gamma, const float *variance, float epsilon, size_t count, float *scale);

/// im2col where the stride is 1 and output rows are as wide as input rows (each column row is
/// the input plane shifted, padding zeroed): output pixels [first_pixel, end_pixel) of the image
/// [C × H × W] to C·kh·kw rows of end_pixel − first_pixel floats, row r at columns + r·row_stride.
/// Any CPU (im2col_lanes.h).
void fovea_im2col_shifted(const fovea_window *window, const float *input, int first_pixel, int end_pixel, float *columns,
                          size_t row_stride);

/// im2col for any geometry, each output vector's cells gathered: for short or strided rows.
/// Any CPU (im2col_lanes.h).
void fovea_im2col_gathered(const fovea_window *window, const float *input, float *columns, size_t row_stride);

/// Each output pixel's window as one row of `patches` ([H_out·W_out × C·kh·kw], the weights'
/// (c, i, j) order, zero where it reads padding): the part of every row for channels
/// [first_channel, end_channel). For one image on a few pixels (RowProductConvolution.swift).
void fovea_gather_patches(const fovea_window *window, const float *input, int first_channel, int end_channel,
                          float *patches);

/// im2col's adjoint: adds the columns [C·kh·kw rows × H_out·W_out, row r at columns + r·row_stride]
/// back into the image gradient `output` [C × H × W]. Any CPU (col2im_lanes.h).
void fovea_col2im(const fovea_window *window, const float *columns, float *output, size_t row_stride);

/// 2×2 max pooling with stride 2 over planes [first_plane, end_plane) of H × W planes (floor(H/2) ×
/// floor(W/2) outputs each): the first maximum of each window wins, a NaN beats everything (as
/// PyTorch); each winner's offset within its plane to `indices` (same layout as the output) when
/// not NULL. Any CPU (max_pool_lanes.h).
void fovea_max_pool_halving(const float *input, int height, int width, int first_plane, int end_plane, float *output,
                            int32_t *indices);
/// The same over output rows [first_row, end_row) of each plane only (threads sharing one image
/// each pool the rows they wrote); `indices` still count within the whole plane.
void fovea_max_pool_halving_rows(const float *input, int height, int width, int first_plane, int end_plane, int first_row,
                                 int end_row, float *output, int32_t *indices);
/// Its backward pass: every cell of input_gradient's planes [first_plane, end_plane) written, with
/// its window's gradient where `indices` names it, else 0.
void fovea_max_pool_halving_backward(const float *output_gradient, const int32_t *indices, int height, int width,
                                     int first_plane, int end_plane, float *input_gradient);

/// Max pooling of any window (one channel's geometry, dilation included), by the rule above:
/// planes [first_plane, end_plane) of H × W planes to H_out × W_out outputs each, padding −∞; the
/// winners' offsets within their plane to `indices` when not NULL. Any CPU (max_pool_lanes.h).
void fovea_max_pool_gathered(const float *input, const fovea_window *window, int first_plane, int end_plane, float *output,
                             int32_t *indices);

// Depthwise convolution, channels-last within (any CPU; depthwise_convolution.c). The window's
// `channels` is unused: `channels` here is how many planes one call takes. A scratch buffer of
// fovea_depthwise_scratch_floats floats holds the packed weights, the epilogue and one image's
// channels-last copies; fovea_depthwise_prepare fills it once, then each image call reuses it.

size_t fovea_depthwise_scratch_floats(const fovea_window *window, int channels);
/// Packs weights [channels × kh·kw] and the epilogue's bias, scale, shift and clamp (e may be NULL,
/// and is not kept) into the scratch, and clears the rest.
void fovea_depthwise_prepare(const fovea_window *window, int channels, const float *weights, const fovea_epilogue *e,
                             float *scratch);
/// One image: image [channels × H × W] → output [channels × H_out × W_out] through the prepared
/// epilogue; residual (output's layout, may be NULL) added before the clamp.
void fovea_depthwise_forward_image(const fovea_window *window, int channels, const float *image, float *scratch,
                                   const float *residual, float *output);
/// One image's backward pass: output_gradient masked by the activation at `output` (the forward
/// pass's result); tap_sums [kh·kw × channels] and bias_sums [channels] are
/// added to; input_gradient [channels × H × W] (may be NULL) is overwritten.
void fovea_depthwise_backward_image(const fovea_window *window, int channels, const float *image, const float *output,
                                    const float *output_gradient, int activation, float *scratch, float *tap_sums,
                                    float *bias_sums, float *input_gradient);

/// 1 when this CPU runs the AVX2/FMA kernels.
int fovea_panel_convolution_available(void);

/// Output columns are the pixels of `images` images laid end to end; panel p holds columns
/// [16p, 16p + 16). Computes panels [first_panel, end_panel): unfolds each straight into the
/// micro-kernel's layout (no column matrix, no packing pass), multiplies it by rows
/// [first_row, end_row) of the row-major weights [out channels × C·kh·kw] and writes those
/// channels through the epilogue into NCHW `output` (image n's channel o at
/// output + n·output_image_stride + o·H_out·W_out).
void fovea_panel_convolution(const fovea_window *window, const float *input, size_t input_image_stride,
                             const float *weights, int first_row, int end_row,
                             float *output, size_t output_image_stride, const fovea_epilogue *epilogue,
                             int images, size_t first_panel, size_t end_panel);

/// weights [O × depth] → the layout `fovea_direct_convolution` reads for this window: each tile's
/// output channels [o, o + R) as [depth × R] at `packed + o · depth` (O · depth floats). Once per
/// convolution, not per image: packing per call cost more than it saved on 8×8 planes.
void fovea_direct_pack_weights(const fovea_window *window, const float *weights, int out_channels, float *packed);

/// One image's convolution, straight from a padded copy of the input (C planes of
/// padded_height × padded_width, the padding already in them; with a horizontal stride s of 2 to
/// FOVEA_DIRECT_MAXIMUM_STRIDE each padded row stores its s column phases one after the other,
/// columns 0, s, 2s, … first, then 1, s + 1, …): output rows
/// [first_y, end_y) of every channel, 16 pixels of a row at a time, each patch element read at
/// its offset in the padded planes instead of from an im2col column matrix; the epilogue is
/// applied in registers. `output` (and the epilogue's residual, which must not alias it) point at
/// the image's channel 0, laid out [out_channels × H_out × W_out]. The padded planes must be
/// followed by FOVEA_DIRECT_SLACK readable floats (lanes past a row's end are read, not used).
/// `weights` packed by `fovea_direct_pack_weights`. Only where `fovea_panel_convolution_available()`.
void fovea_direct_convolution(const fovea_window *window, const float *padded, int padded_height, int padded_width,
                              const float *weights, int out_channels, int first_y, int end_y,
                              float *output, const fovea_epilogue *epilogue);

/// 1 where `fovea_direct_convolution_pooled` runs for this window (AVX-512 and output rows of more
/// than 8 pixels, as its weights are then packed).
int fovea_direct_pools_in_registers(const fovea_window *window);

/// `fovea_direct_convolution` max-pooled 2×2 with stride 2 (floor) in registers: output row pairs
/// [first_pair, end_pair) — rows 2·first_pair … 2·end_pair − 1, and only the columns the pool
/// reads — each pair's pooled row into `output` [out_channels × ⌊H_out / 2⌋ × ⌊W_out / 2⌋] (the
/// image's pooled planes): the epilogue's affine per pixel, the window's maximum (a NaN wins),
/// the clamp; where `winners` is given (training), each window's winner there too, as
/// `fovea_channel_vector_convolution_pooled` gives it. No residual. Only where
/// `fovea_direct_pools_in_registers`.
void fovea_direct_convolution_pooled(const fovea_window *window, const float *padded, int padded_height, int padded_width,
                                     const float *weights, int out_channels, int first_pair, int end_pair, float *output,
                                     int32_t *winners, const fovea_epilogue *epilogue);

/// Output channels per vector pair of the channel-vector kernel, and groups per packed block (the
/// AVX-512 tile takes a whole block: 64 channels).
enum { FOVEA_CHANNEL_GROUP = 16, FOVEA_CHANNEL_BLOCK = 4 };

/// weights [O × depth] → packed [⌈O / 16⌉ groups × depth × 16], channels past O zero: the layout
/// `fovea_channel_vector_convolution` reads (`packed` 32-byte aligned).
void fovea_channel_vector_pack_weights(const float *weights, int out_channels, int depth, float *packed);

/// One image's convolution with output channels in the vector lanes: each tile is 16 channels of
/// up to 6 output pixels, every patch element one broadcast input value per pixel times two
/// vectors of packed weights, from a padded copy of the input (C planes of padded_height ×
/// padded_width, stride 1 layout, any stride and dilation) — so planes of any width fill the
/// lanes, where the direct kernel fills 16 pixels of one row. Channel groups [first_group,
/// end_group) over output pixels [first_pixel, end_pixel) (row-major in the output plane).
/// `output` (and the epilogue's residual, which must not alias it) point at the image's channel
/// 0, laid out [out_channels × H_out × W_out]. Only where `fovea_panel_convolution_available()`.
void fovea_channel_vector_convolution(const fovea_window *window, const float *padded, int padded_height, int padded_width,
                                      const float *packed, int out_channels, int first_group, int end_group,
                                      int first_pixel, int end_pixel, float *output, const fovea_epilogue *epilogue);

/// One image's convolution (stride 1, any dilation and padding, as above) max-pooled 2×2 with
/// stride 2 (floor) in registers, pooled rows [first_row, end_row): only the output pixels the
/// pool reads are computed, and each window's maximum of the epilogue's affine values (a NaN
/// wins), clamped, goes to `output` [out_channels × ⌊H_out / 2⌋ × ⌊W_out / 2⌋] (the image's pooled
/// planes), and where `winners` is given (training), each window's winner there too, by the
/// pool's rule (see fovea_max_pool_halving) among the clamped values: its cell's offset in the
/// H_out × W_out plane. No residual. Only where `fovea_wide_tiles_available()`.
void fovea_channel_vector_convolution_pooled(const fovea_window *window, const float *padded, int padded_height,
                                             int padded_width, const float *packed, int out_channels,
                                             int first_row, int end_row, float *output, int32_t *winners,
                                             const fovea_epilogue *epilogue);

/// c[i][j] += Σ_v a[i][v] · b[j][v] for i < rows_a, j < rows_b, v < width (row strides lda, ldb,
/// ldc): C += A · Bᵀ with both operands read along their rows, as they lie — no packing and no
/// transposition. A convolution's weight gradient, dY · columnsᵀ, is this shape: few rows, long rows.
/// Only where `fovea_panel_convolution_available()` (AVX2 + FMA).
void fovea_accumulate_row_products(int rows_a, const float *a, size_t lda, int rows_b, const float *b, size_t ldb,
                                   size_t width, float *c, size_t ldc);

/// As `fovea_accumulate_row_products`, with row j of b starting at b + b_offsets[j]: rows that
/// overlap, such as the shifted windows of one padded image (a convolution's weight gradient
/// without im2col: row (c, i, j) of the column matrix is padded plane c seen from tap (i, j)).
void fovea_accumulate_offset_row_products(int rows_a, const float *a, size_t lda, int rows_b, const float *b,
                                          const size_t *b_offsets, size_t width, float *c, size_t ldc);

/// target[p · lanes + o] = source[o · pixels + p]: `channels` planes of `pixels` floats as pixel
/// rows of `lanes` floats (a multiple of 16 ≥ channels; the lanes past `channels` are zero).
/// Only where `fovea_wide_tiles_available()` (AVX-512).
void fovea_transpose_to_pixel_major(const float *source, int channels, int pixels, float *target, int lanes);

/// An image's [channels × height × width] planes as the pixel rows of its zero-padded geometry:
/// rows[(y · padded_width + x) · lanes + c], lanes past the channels and the padding zero. Only
/// where `fovea_wide_tiles_available()` (AVX-512).
void fovea_planes_to_pixel_rows(const float *image, const fovea_window *window, int padded_height, int padded_width,
                                float *rows, int lanes);
/// The reverse: the rows' interior (padding dropped) into the image's planes, every float written.
void fovea_pixel_rows_to_planes(const float *rows, const fovea_window *window, int padded_width, int lanes, float *image);

/// A 3×3 convolution's weight gradient from its 2×2 max pool's (masked) gradient alone, one
/// image: accumulated[o][tap][lanes] += g · the pixel row the tap of the winner's window reads,
/// for each window's gradient g (zeros skipped), `rows` as fovea_planes_to_pixel_rows writes
/// them, `corners[cell]` the row of output cell `cell`'s window corner. Only where
/// `fovea_wide_tiles_available()` (AVX-512).
void fovea_pooled_weight_gradient(const fovea_window *window, int padded_width, const float *rows, const float *pooled_gradient,
                                  const int32_t *winners, int out_channels, const int *corners, float *accumulated, int lanes);

/// A convolution's input gradient from its 2×2 max pool's (masked) gradient alone, one image, as
/// pixel rows (scratch of padded_height × padded_width rows of `lanes` floats: the input's
/// zero-padded geometry; move them to planes with fovea_pixel_rows_to_planes): each window's
/// gradient g (zeros skipped) times its output channel's packed weights (packed[tap][o][lanes],
/// input channels in the lanes, zero past them) added to the rows its winner's window reads,
/// `corners[cell]` the row of output cell `cell`'s window corner. Only where
/// `fovea_wide_tiles_available()` (AVX-512).
void fovea_pooled_input_gradient(const fovea_window *window, int padded_height, int padded_width, const int *corners,
                                 const float *pooled_gradient, const int32_t *winners, int out_channels, const float *packed,
                                 float *rows, int lanes);

/// The same rows from a 2×2 max pool's gradient instead of the height × width planes it would
/// write: each channel's window gradients go to the rows of their winners (`winners`: offsets
/// within the plane, one per window, each one of its window's cells, as fovea_max_pool_halving
/// writes them), every other float of target[height · width × lanes] is zero. Only where
/// `fovea_wide_tiles_available()` (AVX-512).
void fovea_pooled_gradient_to_pixel_major(const float *pooled_gradient, const int32_t *winners, int channels, int height,
                                          int width, float *target, int lanes);

/// A 3×3 convolution's weight gradient (any stride, no dilation) as outer products:
/// accumulated[(c·9 + i·3 + j) · lanes + o] += Σ_{n, y, x} gradient[n][y·Wout + x][o] ·
/// padded[n·image_stride + c·plane_stride + (y·sh + i)·padded_width + x·sw + j], over `images`
/// zero-padded images and their output gradients in pixel-major rows of `lanes` floats (see
/// `fovea_transpose_to_pixel_major`). Only where `fovea_wide_tiles_available()` (AVX-512).
void fovea_outer_product_weight_gradient(const fovea_window *g, const float *padded, size_t image_stride,
                                         size_t plane_stride, int padded_width, int images,
                                         const float *gradient, int lanes, float *accumulated);

/// c[m × n] = a[m × k] · b[k × n], row-major; a's element (r, d) lies at a + r·a_row_stride +
/// d·a_depth_stride (so a can be read transposed where it lies). A multiply whose depth k
/// is too small to pay for sgemm's packing of both operands and its clearing of c (a convolution
/// with few input channels, or the column gradient Wᵀ · dY over few output channels).
/// 6 × 16 tiles straight from and into the operands. Only where `fovea_panel_convolution_available()`.
void fovea_multiply_small_depth(int m, size_t n, int k, const float *a, size_t a_row_stride, size_t a_depth_stride,
                                const float *b, size_t ldb, float *c, size_t ldc);

/// Winograd F(2×2, 3×3)'s input transform (any CPU; winograd2_lanes.h): V_ξ[c, q] = (Bᵀ d B)_ξ for
/// tiles [first_tile, first_tile + count) of tile row `tile_row` of one image (`channels` planes of
/// height × width, zero outside), written to v + (ξ·channels + c)·stride + q, ξ = 4i + j. The
/// scratch holds fovea_winograd2_scratch_floats(count) floats.
size_t fovea_winograd2_scratch_floats(int tile_columns);
void fovea_winograd2_transform_input(const float *image, int channels, int height, int width, int pad_top, int pad_left,
                                     int tile_row, int first_tile, int count, float *v, size_t stride, float *scratch);

/// Winograd F(4×4, 3×3), the transforms (`winograd4.c`); only where
/// `fovea_panel_convolution_available()`. Position ξ = 6i + j of the 6×6 transformed tile.
///
/// U_ξ = (G g Gᵀ)_ξ for weight pairs [first_pair, end_pair) of the [pairs × 3 × 3] weights, written
/// to u + ξ·pairs + pair.
void fovea_winograd4_transform_weights(const float *weight, size_t first_pair, size_t end_pair, size_t pairs, float *u);

/// Floats of scratch the input and output transforms need for rows of `tile_columns` tiles.
size_t fovea_winograd4_scratch_floats(int tile_columns);

/// V_ξ[c, q] = (Bᵀ d B)_ξ for tiles [first_tile, first_tile + count) of tile row `tile_row` of one
/// image (`channels` planes of height × width, zero outside), written to v + (ξ·channels + c)·stride + q;
/// it writes whole groups of eight tiles, so each row of v must have room for 7 floats past tile count − 1.
void fovea_winograd4_transform_input(const float *image, int channels, int height, int width, int pad_top, int pad_left,
                                     int tile_row, int first_tile, int count, float *v, size_t stride, float *scratch);

/// Y = Aᵀ M A for the same tiles, every output channel, from M_ξ[o, q] at m + (ξ·out_channels + o)·stride + q
/// (readable 8 floats past the last tile), through the epilogue into the image's output
/// [out_channels × out_height × out_width] (the epilogue's residual offset like it); outputs past
/// the image's edge are dropped.
void fovea_winograd4_transform_output(const float *m, size_t stride, int out_channels, int out_height, int out_width,
                                      int tile_row, int first_tile, int count, float *output, const fovea_epilogue *e,
                                      float *scratch);

/// Winograd F(4×4, 3×3) with channels in the vector lanes (`channel_lane_winograd.c`): stride 1,
/// padding 1, channels and out_channels multiples of 16, height and width multiples of 4. Only
/// where `fovea_wide_tiles_available()` (AVX-512).
///
/// Tiles per block (8 where the plane's 4×4 tiles come in eights, else 4): the forward's tile
/// ranges start and end on blocks.
int fovea_lane_winograd_block_tiles(int height, int width);
/// Floats of scratch one image needs (its padded pixel-major copy, one block's V and M).
size_t fovea_lane_winograd_scratch_floats(int channels, int out_channels, int height, int width);
/// weight [out_channels × channels × 3 × 3] → u [36 × channels × out_channels] (U_ξ = G g Gᵀ with
/// output channels contiguous), input channels [first_channel, end_channel).
void fovea_lane_winograd_pack_weights(const float *weight, int channels, int out_channels, int first_channel,
                                      int end_channel, float *u);
/// One image [channels × height × width] → output [out_channels × height × width] through the
/// epilogue (its residual in the output's layout, not aliasing it): tiles [first_tile, end_tile)
/// in row-major tile order (both multiples of 8 where the tile count is, else of 4), output
/// channels [first_out, end_out) (multiples of 16).
void fovea_lane_winograd_forward_image(const float *image, int channels, int height, int width, const float *u,
                                       int out_channels, float *output, const fovea_epilogue *e, int first_tile,
                                       int end_tile, int first_out, int end_out, float *scratch);

/// Its weight gradient (`channel_lane_winograd_weight_gradient.c`), same shapes: one image's
/// dU [36 × channels × out_channels] added to `du` from the image [channels × H × W] and its output
/// gradient [out_channels × H × W]; scratch of fovea_lane_winograd_gradient_scratch_floats floats.
size_t fovea_lane_winograd_gradient_scratch_floats(int channels, int out_channels, int height, int width);
void fovea_lane_winograd_weight_gradient_image(const float *image, int channels, int height, int width,
                                               const float *output_gradient, int out_channels, float *du, float *scratch);
/// dW [out_channels × channels × 3 × 3] = Gᵀ dU G from the sum of `partial_count` dU partials, for
/// input channels [first_channel, end_channel) (written, not added to).
void fovea_lane_winograd_weight_gradient_finish(const float *const *partials, int partial_count, int channels, int out_channels,
                                                int first_channel, int end_channel, float *weight_gradient);

#ifdef __cplusplus
}
#endif

#endif
