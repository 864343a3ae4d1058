import CKernels

/// Kernel taps that read only padding, whatever the output pixel.
///
/// On small planes a window with padding reads the image through a few of its taps: a 3×3
/// window with padding 1 on a 1×1 plane (ResNet-18's last stage on 32×32 inputs, DenseNet's last
/// block, the last depthwise layers of MobileNetV2 and EfficientNet) reads it only through its
/// centre, and the other eight taps multiply zeros. `conv2d` runs such a layer on the cropped
/// window instead (there a 1×1, pointwise convolution: a ninth of the arithmetic and of the
/// weights read), with the padding shrunk so that every output reads the same pixels as before.
/// The result is the same sum without its zero terms, and the taps left out get the gradient
/// they have, zero. `FOVEA_LIVE_TAPS=0` turns it off (A/B runs).
enum LiveTaps {
    static let isEnabled = kernelSwitchedOn("FOVEA_LIVE_TAPS")

    /// The crop of `geometry` to its live taps, where there is one and it saves more than it costs.
    /// The crop copies the weights on every call (and their gradient back in training): reading a
    /// weight costs about what 15 FLOPs do on this kind of machine (a 9.4 MB weight copies in ~0.5
    /// ms), and each output pixel of the batch saves 2 FLOPs per weight per tap left out. One image
    /// on ResNet-18's 1×1 planes would spend more on the copy than it saves (batch-1 latency 2.3 →
    /// 5.6 ms when it cropped). Keeping 4 taps of 9 (ResNet-18's stride-2 entry to layer 4) gained
    /// nothing in forward alone (0.80–1.15× of the whole kernel, against 0.96–0.99× for the same
    /// call uncropped) but 1.08–1.67× with backward (convolution-bench live-taps): without a gradient
    /// to compute, the crop must leave at most a quarter of the taps (1 of 9 ran 1.85–4.56×).
    static func crop(_ geometry: WindowGeometry, batch: Int, backward: Bool)
        -> (geometry: WindowGeometry, rows: Range<Int>, columns: Range<Int>)? {
        guard isEnabled, let live = geometry.croppedToLiveTaps else { return nil }
        let taps = geometry.kernelHeight * geometry.kernelWidth, kept = live.rows.count * live.columns.count
        guard backward || 4 * kept <= taps else { return nil }
        return batch * geometry.outputHeight * geometry.outputWidth * (taps - kept) >= 16 * taps ? live : nil
    }

    /// The taps `0..<kernel` along one axis that read the image for at least one of `outputs`
    /// outputs: tap i reads row o·stride + i·dilation − padBefore of output o. Empty where none does.
    static func live(size: Int, kernel: Int, stride: Int, padBefore: Int, dilation: Int, outputs: Int) -> Range<Int> {
        var first = kernel, last = -1
        for i in 0..<kernel {
            let offset = i * dilation - padBefore
            // The first output whose row is not above the image.
            let firstOutput = offset >= 0 ? 0 : (-offset + stride - 1) / stride
            if firstOutput < outputs && firstOutput * stride + offset < size {
                first = Swift.min(first, i)
                last = i
            }
        }
        return first <= last ? first..<(last + 1) : 0..<0
    }
}

extension WindowGeometry {
    /// The same convolution on the kernel rows and columns that read the image, where some read
    /// only padding: the cropped geometry (same output size, less padding) and the taps kept.
    /// Nil where every tap is live, where none is (the output is then the bias alone, left to the
    /// general path), or where the crop would need negative padding (a dead tap between live ones
    /// under dilation).
    public var croppedToLiveTaps: (geometry: WindowGeometry, rows: Range<Int>, columns: Range<Int>)? {
        let rows = LiveTaps.live(size: height, kernel: kernelHeight, stride: strideHeight, padBefore: padTop,
                                 dilation: dilationHeight, outputs: outputHeight)
        let columns = LiveTaps.live(size: width, kernel: kernelWidth, stride: strideWidth, padBefore: padLeft,
                                    dilation: dilationWidth, outputs: outputWidth)
        guard !rows.isEmpty, !columns.isEmpty, rows.count < kernelHeight || columns.count < kernelWidth else { return nil }
        var g = self
        g.kernelHeight = rows.count
        g.kernelWidth = columns.count
        g.padTop -= rows.lowerBound * dilationHeight
        g.padBottom -= (kernelHeight - rows.upperBound) * dilationHeight
        g.padLeft -= columns.lowerBound * dilationWidth
        g.padRight -= (kernelWidth - columns.upperBound) * dilationWidth
        guard g.padTop >= 0, g.padBottom >= 0, g.padLeft >= 0, g.padRight >= 0, g.isValid,
              g.outputHeight == outputHeight, g.outputWidth == outputWidth else { return nil }
        return (g, rows, columns)
    }
}

extension ConvolutionKernel {
    /// `geometry.croppedToLiveTaps` unless `FOVEA_LIVE_TAPS=0`: the crop to run on where the cropped
    /// weight is kept between calls (a layer at inference, `Conv2D`), so the cost rule of
    /// `cropPaysOff`, which charges each call for the copy, does not apply.
    public static func liveTapCrop(_ geometry: WindowGeometry) -> (geometry: WindowGeometry, rows: Range<Int>, columns: Range<Int>)? {
        LiveTaps.isEnabled ? geometry.croppedToLiveTaps : nil
    }

    /// Whether conv2d runs `geometry` on its live taps for a batch of `batch` images, when a gradient
    /// is recorded (`backward`) or not (tests, benchmarks).
    public static func cropPaysOff(_ geometry: WindowGeometry, batch: Int, backward: Bool) -> Bool {
        LiveTaps.crop(geometry, batch: batch, backward: backward) != nil
    }
}

extension Tensor {
    /// Taps `rows × columns` of a convolution weight [O, C, kh, kw] → [O, C, rows, columns]; the
    /// gradient goes back to those taps, zero elsewhere.
    public func croppedKernel(rows: Range<Int>, columns: Range<Int>) -> Tensor {
        precondition(rank == 4 && rows.lowerBound >= 0 && rows.upperBound <= shape[2]
                     && columns.lowerBound >= 0 && columns.upperBound <= shape[3],
                     "croppedKernel \(rows) × \(columns) out of bounds for weight \(describe(shape: shape))")
        let filters = shape[0] * shape[1], (kh, kw) = (shape[2], shape[3])
        let result = Tensor(uninitializedShape: [shape[0], shape[1], rows.count, columns.count])
        // In blocks of filters over the threads (C: ResNet-18's 8 M weights of its last stage are
        // cropped and put back every step; a Swift loop over them was 5 % of its training step).
        func inBlocks(_ body: (_ first: Int, _ count: Int) -> Void) {
            ThreadPool.shared.parallelRanges(filters, minimumPerChunk: 1 << 14) { range in body(range.lowerBound, range.count) }
        }
        let (r0, rn, c0, cn) = (Int32(rows.lowerBound), Int32(rows.count), Int32(columns.lowerBound), Int32(columns.count))
        let (fullTaps, keptTaps) = (kh * kw, rows.count * columns.count)
        let (source, target) = (pointer, result.pointer)
        inBlocks { first, count in
            fovea_crop_taps(source + first * fullTaps, count, Int32(kh), Int32(kw), r0, rn, c0, cn, target + first * keptTaps)
        }
        let fullShape = shape
        return Tensor.record(result, op: "croppedKernel", inputs: [self]) { g, _ in
            let grad = Tensor(uninitializedShape: fullShape)
            let (source, target) = (g.pointer, grad.pointer)
            inBlocks { first, count in
                fovea_expand_taps(source + first * keptTaps, count, Int32(kh), Int32(kw), r0, rn, c0, cn, target + first * fullTaps)
            }
            return [grad]
        }
    }
}
