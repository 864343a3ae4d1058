// Winograd F(2×2, 3×3) and the AVX2 panel kernel against im2col + GEMM, one 3×3 "same" convolution at a time, on the layer
// shapes of the benchmark models: the measurements behind `WinogradKernel`'s selection policy.
//
//     swift build -c release --product convolution-bench
//     env -u OPENBLAS_CORETYPE .build/release/convolution-bench [threads [table ...]]
//
// LAYERS=text limits the direct, pooled-gradients and outer-product-weight-gradients tables to the layers whose names contain it.
import CKernels
import FoveaCore
import FoveaTestSupport
import Foundation

/// Whether LAYERS (if set) is part of the layer's name.
func layerChosen(_ name: String) -> Bool { ProcessInfo.processInfo.environment["LAYERS"].map { name.contains($0) } ?? true }

func medianMilliseconds(warmUps: Int = 2, runs: Int = 7, before: () -> Void = {}, _ body: () -> Void) -> Double {
    for _ in 0..<warmUps { body() }
    var times: [Double] = []
    for _ in 0..<runs {
        before()
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[times.count / 2]
}

/// 64 MB streamed through between timed calls: more than this machine's L2 and L3 together.
let evictionBuffer = [Float](repeating: 1, count: 16 << 20)

/// The median time of `body` with the caches emptied of its operands before each call (a layer
/// inside a model finds its weights evicted by the layers before it; repeated calls find them hot).
func coldMilliseconds(_ body: () -> Void) -> Double {
    var sink: Float = 0
    defer { precondition(sink > 0) }   // the reads are used: not optimised away
    return medianMilliseconds(warmUps: 0, runs: 9, before: {
        evictionBuffer.withUnsafeBufferPointer { b in for i in stride(from: 0, to: b.count, by: 16) { sink += b[i] } }
    }, body)
}

/// One layer's random operands for the forward tables, and the median time of each forward kernel
/// on them (NaN where that kernel cannot run the shape).
struct ForwardCase {
    let geometry: WindowGeometry, kernel: ConvolutionKernel, x: Tensor, w: Tensor, y: TensorStorage

    init(batch: Int, channels: Int, out: Int, size: Int, window: Int, stride: Int = 1, pad: Int, seed: UInt64) {
        geometry = WindowGeometry(channels: channels, height: size, width: size, kernel: (window, window), stride: (stride, stride),
                                  padding: (pad, pad, pad, pad))
        var generator = SeededGenerator(seed: seed)
        x = Tensor.normal([batch, channels, size, size], using: &generator)
        w = Tensor.normal([out, channels, window, window], std: 0.05, using: &generator)
        y = TensorStorage(uninitializedCount: batch * out * geometry.outputHeight * geometry.outputWidth)
        kernel = ConvolutionKernel(geometry: geometry, batch: batch, outChannels: out, groups: 1)
    }

    var flops: Double {
        let g = geometry
        return 2.0 * Double(kernel.batch * kernel.outChannels * g.channels * g.kernelHeight * g.kernelWidth * g.outputHeight * g.outputWidth)
    }

    enum Path { case unfolding, panels, direct, rowProducts, channelVectors, winograd }

    func milliseconds(_ path: Path) -> Double {
        let (k, x, w, y) = (kernel, x.pointer, w.pointer, y.pointer)
        switch path {
        case .unfolding: return medianMilliseconds { k.forwardByUnfolding(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: y) }
        case .panels:
            guard k.canRunOnPanels else { return .nan }
            return medianMilliseconds { k.forwardByPanels(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: y) }
        case .direct:
            guard k.canRunDirectly else { return .nan }
            return medianMilliseconds { k.forwardDirectly(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: y) }
        case .rowProducts:
            guard k.canRunOnRowProducts else { return .nan }
            return medianMilliseconds { k.forwardByRowProducts(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: y) }
        case .channelVectors:
            guard k.canRunOnChannelVectors else { return .nan }
            return medianMilliseconds { k.forwardByChannelVectors(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: y) }
        case .winograd:
            // F(2×2, 3×3) on "same" 3×3 layers, as the direct table has always timed it.
            guard geometry.padTop == 1, let winograd = WinogradKernel(geometry: geometry, batch: k.batch, outChannels: k.outChannels)
            else { return .nan }
            return medianMilliseconds { winograd.forward(input: x, weight: w, output: y) }
        }
    }
}

let threads = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 2 : 2
ThreadPool.shared.setThreadCount(threads)
// (batch, channels in = out, height = width, padding, where it occurs)
let layers: [(Int, Int, Int, Int, String)] = [
    (128, 16, 32, 1, "ResNet-20 stage 1"), (128, 32, 16, 1, "ResNet-20 stage 2"), (128, 64, 8, 1, "ResNet-20 stage 3"),
    (32, 32, 32, 1, "SimpleCNN block 1"), (32, 64, 16, 1, "SimpleCNN block 2"), (32, 128, 8, 1, "SimpleCNN block 3"),
    (32, 64, 32, 1, "seed ResNet stage 1"), (32, 128, 16, 1, "seed ResNet stage 2"), (32, 256, 8, 1, "seed ResNet stage 3"),
    (64, 64, 8, 1, "ResNet-18 layer1 at 32×32"), (64, 128, 4, 1, "ResNet-18 layer2"), (64, 256, 2, 1, "ResNet-18 layer3"),
    (64, 512, 1, 1, "ResNet-18 layer4"),
    (1, 256, 8, 1, "one image"),
]
// Layers Winograd does not take: (batch, in, out, size, padding, stride, where it occurs).
let otherLayers: [(Int, Int, Int, Int, Int, Int, String)] = [
    (128, 3, 16, 32, 1, 1, "ResNet-20 stem"), (128, 16, 32, 32, 1, 2, "ResNet-20 stage 2 entry (stride 2)"),
    (64, 3, 32, 32, 0, 1, "keras-cifar-cnn conv2d (valid)"), (64, 32, 64, 15, 0, 1, "keras-cifar-cnn conv2d_1 (valid)"),
    (32, 3, 32, 32, 1, 1, "SimpleCNN block 1 entry"),
]
func forwardTable() {
    print("| layer | batch | channels | input | im2col + GEMM ms | Winograd ms | panels ms | panels GFLOP/s | Winograd speed-up | panels speed-up | conv2d runs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for (batch, channels, size, pad, name) in layers {
        let g = WindowGeometry(channels: channels, height: size, width: size, kernel: (3, 3), padding: (pad, pad, pad, pad))
        var generator = SeededGenerator(seed: 1)
        let x = Tensor.normal([batch, channels, size, size], using: &generator)
        let w = Tensor.normal([channels, channels, 3, 3], std: 0.05, using: &generator)
        let y = TensorStorage(uninitializedCount: batch * channels * g.outputHeight * g.outputWidth)
        let unfolding = ConvolutionKernel(geometry: g, batch: batch, outChannels: channels, groups: 1)
        let winograd = WinogradKernel(geometry: g, batch: batch, outChannels: channels)!
        let a = medianMilliseconds { unfolding.forwardByUnfolding(input: x.pointer, weight: w.pointer, epilogue: ConvolutionEpilogue(), output: y.pointer) }
        let b = medianMilliseconds { winograd.forward(input: x.pointer, weight: w.pointer, output: y.pointer) }
        let c = unfolding.canRunOnPanels
            ? medianMilliseconds { unfolding.forwardByPanels(input: x.pointer, weight: w.pointer, epilogue: ConvolutionEpilogue(), output: y.pointer) }
            : .nan
        let flops = 2.0 * Double(batch * channels * channels * 9 * g.outputHeight * g.outputWidth)
        print(String(format: "| %@ | %d | %d | %d×%d | %.2f | %.2f | %.2f | %.0f | %.2f× | %.2f× | %@ |", name, batch, channels, size, size,
                     a, b, c, flops / c / 1e6, a / b, a / c,
                     unfolding.forwardKernelName))
    }
}

func otherLayersTable() {
    print("")
    print("| layer | batch | in → out | input | stride | im2col + GEMM ms | panels ms | direct ms | best GFLOP/s | best speed-up | conv2d runs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for (batch, channels, out, size, pad, stride, name) in otherLayers {
        let layer = ForwardCase(batch: batch, channels: channels, out: out, size: size, window: 3, stride: stride, pad: pad, seed: 1)
        let a = layer.milliseconds(.unfolding), b = layer.milliseconds(.panels), c = layer.milliseconds(.direct)
        let best = [b, c].filter { !$0.isNaN }.min() ?? a
        print(String(format: "| %@ | %d | %d → %d | %d×%d | %d | %.3f | %.3f | %.3f | %.0f | %.2f× | %@ |", name, batch, channels, out, size, size,
                     stride, a, b, c, layer.flops / best / 1e6, a / best, layer.kernel.forwardKernelName))
    }
}

// The weight gradient dW[O × K] += dY[O × width] · columns[K × width]ᵀ, one thread's GEMM per
// layer shape (width = the images one 256 KB column buffer holds × output pixels, as training runs them): BLAS's sgemm
// against the row-products kernel that reads both operands along their rows.
func rowProductsTable() {
    print("")
    print("| layer | O × K × width | BLAS ms | row products ms | row products GFLOP/s | speed-up |")
    print("|---|---|---|---|---|---|")
    let weightGradients: [(Int, Int, Int, String)] = [
        (6, 25, 2352, "LeNet-5 conv 1"), (16, 150, 400, "LeNet-5 conv 2"),
        (32, 27, 1800, "keras-cifar-cnn conv2d"), (64, 288, 169, "keras-cifar-cnn conv2d_1"),
        (16, 144, 1024, "ResNet-20 stage 1"), (32, 288, 256, "ResNet-20 stage 2"), (64, 576, 64, "ResNet-20 stage 3"),
        (64, 576, 1024, "seed ResNet stage 1"), (128, 1152, 256, "seed ResNet stage 2"), (256, 2304, 64, "seed ResNet stage 3"),
        (128, 1152, 48, "ResNet-18 layer2 at 32×32"), (512, 4608, 14, "ResNet-18 layer4"),
        // Dense layers' forward, Y = X · Wᵀ: batch × outputs × inputs.
        (64, 128, 2304, "keras-cifar-cnn dense"), (64, 120, 400, "LeNet-5 fc1"), (32, 512, 8192, "SimpleCNN dense"),
        (64, 10, 1280, "MobileNetV2 classifier"), (64, 10, 512, "ResNet-18 fc"), (8, 128, 2304, "keras-cifar-cnn dense, 8 images"),
        (2, 128, 2304, "keras-cifar-cnn dense, 2 images"),
    ]
    if fovea_panel_convolution_available() != 0 {
        for (rows, depth, width, name) in weightGradients {
            var generator = SeededGenerator(seed: 2)
            let dy = Tensor.normal([rows, width], using: &generator), columns = Tensor.normal([depth, width], using: &generator)
            let dw = TensorStorage(repeating: 0, count: rows * depth)
            let a = medianMilliseconds {
                sgemm(transposeB: true, m: rows, n: depth, k: width, a: dy.pointer, lda: width, b: columns.pointer, ldb: width,
                     beta: 1, c: dw.pointer, ldc: depth)
            }
            let b = medianMilliseconds {
                fovea_accumulate_row_products(Int32(rows), dy.pointer, width, Int32(depth), columns.pointer, width, width, dw.pointer, depth)
            }
            let flops = 2.0 * Double(rows * depth * width)
            print(String(format: "| %@ | %d × %d × %d | %.3f | %.3f | %.0f | %.2f× |", name, rows, depth, width, a, b, flops / b / 1e6, a / b))
        }
    }
}

// C[m × n] = A[m × k] · B[k × n] with a small depth k: a convolution over few input channels
// (A = weights, B = columns), or the column gradient Wᵀ · dY over few output channels; one thread.
func smallDepthTable() {
    print("")
    print("| product | m × n × k | BLAS ms | small-depth ms | speed-up | Aᵀ: BLAS ms | small-depth ms | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    let smallDepthProducts: [(Int, Int, Int, String)] = [
        (6, 2352, 25, "LeNet-5 conv 1 forward"), (16, 400, 150, "LeNet-5 conv 2 forward"), (150, 400, 16, "LeNet-5 conv 2 dcols"),
        (32, 1800, 27, "keras-cifar-cnn conv2d forward"), (288, 169, 64, "keras-cifar-cnn conv2d_1 dcols"),
        (16, 2048, 27, "ResNet-20 stem forward"), (144, 256, 32, "ResNet-20 stride-2 entry dcols"),
        (32, 256, 144, "ResNet-20 stride-2 entry forward"),
        (16, 1024, 144, "ResNet-20 stage 1 dX as convolution"), (16, 1024, 96, "MobileNetV2 16 → 96 dcols"),
        (96, 1024, 24, "MobileNetV2 96 → 24 dcols"), (32, 1024, 27, "MobileNetV2 stem forward"),
    ]
    if fovea_panel_convolution_available() != 0 {
        for (m, n, k, name) in smallDepthProducts {
            var generator = SeededGenerator(seed: 3)
            // A is [m × k], or read transposed from [k × m] as the column gradient reads the weights.
            let a = Tensor.normal([m, k], using: &generator), b = Tensor.normal([k, n], using: &generator)
            let c = TensorStorage(repeating: 0, count: m * n)
            let blas = medianMilliseconds { sgemm(m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: n, c: c.pointer, ldc: n) }
            let ours = medianMilliseconds { fovea_multiply_small_depth(Int32(m), n, Int32(k), a.pointer, k, 1, b.pointer, n, c.pointer, n) }
            let blasT = medianMilliseconds {
                sgemm(transposeA: true, m: m, n: n, k: k, a: a.pointer, lda: m, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
            }
            let oursT = medianMilliseconds { fovea_multiply_small_depth(Int32(m), n, Int32(k), a.pointer, 1, m, b.pointer, n, c.pointer, n) }
            print(String(format: "| %@ | %d × %d × %d | %.3f | %.3f | %.2f× | %.3f | %.3f | %.2f× |", name, m, n, k, blas, ours, blas / ours,
                         blasT, oursT, blasT / oursT))
        }
    }
}

// A layer's weight gradient, both threads: im2col + GEMM (dW += dY · columnsᵀ) against Winograd's
// domain (16 products dU_ξ += dM_ξ · V_ξᵀ, transformed back), on the 3×3 "same" layers of `layers`
// with ≥ 32 channels.
func weightGradientTable() {
    print("")
    print("| layer | batch | channels | input | im2col + GEMM ms | Winograd ms | speed-up | backward takes |")
    print("|---|---|---|---|---|---|---|---|")
    for (batch, channels, size, pad, name) in layers where channels >= 32 && size >= 2 {
        let g = WindowGeometry(channels: channels, height: size, width: size, kernel: (3, 3), padding: (pad, pad, pad, pad))
        var generator = SeededGenerator(seed: 4)
        let x = Tensor.normal([batch, channels, size, size], using: &generator)
        let w = Tensor.normal([channels, channels, 3, 3], std: 0.05, using: &generator)
        let y = Tensor.normal([batch, channels, g.outputHeight, g.outputWidth], using: &generator)
        let dy = Tensor.normal([batch, channels, g.outputHeight, g.outputWidth], using: &generator)
        let dw = TensorStorage(repeating: 0, count: channels * channels * 9)
        let kernel = ConvolutionKernel(geometry: g, batch: batch, outChannels: channels, groups: 1)
        let winograd = WinogradKernel(geometry: g, batch: batch, outChannels: channels)!
        let a = medianMilliseconds {
            kernel.backwardByUnfolding(input: x.pointer, weight: w.pointer, output: y.pointer, outputGrad: dy.pointer, inputGrad: nil,
                                       weightGrad: dw.pointer, biasGrad: nil)
        }
        let b = medianMilliseconds { winograd.weightGradient(input: x.pointer, outputGrad: dy.pointer, into: dw.pointer) }
        print(String(format: "| %@ | %d | %d | %d×%d | %.2f | %.2f | %.2f× | %@ |", name, batch, channels, size, size, a, b, a / b,
                     kernel.weightGradientUsesWinograd ? "Winograd" : "im2col + GEMM"))
    }
}

// The direct kernel (padded input read in place) against im2col + GEMM and the panels, both
// threads: (batch, in, out, size, kernel, padding, where it occurs).
func directTable() {
    print("")
    print("| layer | batch | in → out | input | kernel | im2col + GEMM ms | panels ms | Winograd ms | direct ms | direct GFLOP/s | direct speed-up | conv2d runs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    let directLayers: [(Int, Int, Int, Int, Int, Int, String)] = [
        (128, 3, 16, 32, 3, 1, "ResNet-20 stem"), (128, 16, 16, 32, 3, 1, "ResNet-20 stage 1 (and its dX)"),
        (128, 32, 32, 16, 3, 1, "ResNet-20 stage 2 (and its dX)"), (128, 64, 64, 8, 3, 1, "ResNet-20 stage 3"),
        (64, 3, 32, 32, 3, 0, "keras-cifar-cnn conv2d (valid)"), (64, 32, 64, 15, 3, 0, "keras-cifar-cnn conv2d_1 (valid)"),
        (1, 3, 32, 32, 3, 0, "keras-cifar-cnn conv2d, one image"),
        (64, 1, 6, 28, 5, 2, "LeNet-5 conv 1"), (64, 6, 16, 14, 5, 0, "LeNet-5 conv 2 (valid)"),
        (32, 3, 32, 32, 3, 1, "SimpleCNN block 1 entry"), (32, 16, 32, 32, 3, 1, "16 → 32 at 32×32"),
        (32, 32, 32, 32, 3, 1, "SimpleCNN block 1"), (32, 64, 64, 16, 3, 1, "SimpleCNN block 2"),
        (32, 64, 64, 32, 3, 1, "seed ResNet stage 1"), (64, 128, 128, 16, 3, 1, "128 channels at 16×16"),
        (1, 16, 16, 32, 3, 1, "ResNet-20 stage 1, one image"), (1, 32, 32, 16, 3, 1, "ResNet-20 stage 2, one image"),
        (1, 64, 64, 8, 3, 1, "ResNet-20 stage 3, one image"), (1, 32, 64, 15, 3, 0, "keras-cifar-cnn conv2d_1, one image"),
        (1, 64, 64, 16, 3, 1, "SimpleCNN block 2, one image"), (1, 128, 128, 8, 3, 1, "SimpleCNN block 3, one image"),
        (1, 64, 64, 32, 3, 1, "seed ResNet stage 1, one image"), (1, 256, 256, 8, 3, 1, "seed ResNet stage 3, one image"),
        (1, 32, 32, 32, 3, 1, "SimpleCNN block 1, one image"), (1, 128, 128, 16, 3, 1, "seed ResNet stage 2, one image"),
        (1, 1, 6, 28, 5, 2, "LeNet-5 conv 1, one image"), (1, 6, 16, 14, 5, 0, "LeNet-5 conv 2, one image"),
        (1, 16, 16, 16, 3, 1, "16 channels at 16×16, one image"), (1, 32, 32, 24, 3, 1, "32 channels at 24×24, one image"),
        (1, 16, 16, 24, 3, 1, "16 channels at 24×24, one image"), (1, 32, 32, 12, 3, 1, "32 channels at 12×12, one image"),
        (1, 16, 16, 12, 3, 1, "16 channels at 12×12, one image"), (1, 8, 8, 16, 3, 1, "8 channels at 16×16, one image"),
        (1, 32, 48, 20, 3, 1, "32 → 48 at 20×20, one image"),
    ]
    for (batch, channels, out, size, window, pad, name) in directLayers where layerChosen(name) {
        let layer = ForwardCase(batch: batch, channels: channels, out: out, size: size, window: window, pad: pad, seed: 5)
        guard layer.kernel.canRunDirectly else { continue }
        let a = layer.milliseconds(.unfolding), b = layer.milliseconds(.panels), d = layer.milliseconds(.winograd)
        let c = layer.milliseconds(.direct)
        print(String(format: "| %@ | %d | %d → %d | %d×%d | %d×%d | %.3f | %.3f | %.3f | %.3f | %.0f | %.2f× | %@ |", name, batch, channels,
                     out, size, size, window, window, a, b, d, c, layer.flops / c / 1e6, a / c, layer.kernel.forwardKernelName))
    }
}

// The weight gradient from padded planes (DirectWeightGradient) against im2col + GEMM (dW only),
// both threads: (batch, in, out, size, kernel, padding, where it occurs).
func directWeightGradientTable() {
    print("")
    print("| layer | batch | in → out | input | kernel | im2col + GEMM ms | direct ms | direct GFLOP/s | speed-up | backward takes |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    let directLayers: [(Int, Int, Int, Int, Int, Int, String)] = [
        (128, 3, 16, 32, 3, 1, "ResNet-20 stem"), (128, 16, 16, 32, 3, 1, "ResNet-20 stage 1"),
        (128, 32, 32, 16, 3, 1, "ResNet-20 stage 2"), (128, 64, 64, 8, 3, 1, "ResNet-20 stage 3"),
        (64, 3, 32, 32, 3, 0, "keras-cifar-cnn conv2d (valid)"), (64, 32, 64, 15, 3, 0, "keras-cifar-cnn conv2d_1 (valid)"),
        (64, 1, 6, 28, 5, 2, "LeNet-5 conv 1"), (64, 6, 16, 14, 5, 0, "LeNet-5 conv 2 (valid)"),
        (32, 3, 32, 32, 3, 1, "SimpleCNN block 1 entry"), (32, 32, 32, 32, 3, 1, "SimpleCNN block 1"),
        (32, 64, 64, 16, 3, 1, "SimpleCNN block 2"),
    ]
    for (batch, channels, out, size, window, pad, name) in directLayers {
        let g = WindowGeometry(channels: channels, height: size, width: size, kernel: (window, window), padding: (pad, pad, pad, pad))
        var generator = SeededGenerator(seed: 6)
        let x = Tensor.normal([batch, channels, size, size], using: &generator)
        let w = Tensor.normal([out, channels, window, window], std: 0.05, using: &generator)
        let y = Tensor.normal([batch, out, g.outputHeight, g.outputWidth], using: &generator)
        let dy = Tensor.normal([batch, out, g.outputHeight, g.outputWidth], using: &generator)
        let dw = TensorStorage(repeating: 0, count: out * channels * window * window)
        let kernel = ConvolutionKernel(geometry: g, batch: batch, outChannels: out, groups: 1)
        guard kernel.canComputeWeightGradientDirectly else { continue }
        let a = medianMilliseconds {
            kernel.backwardByUnfolding(input: x.pointer, weight: w.pointer, output: y.pointer, outputGrad: dy.pointer, inputGrad: nil,
                                       weightGrad: dw.pointer, biasGrad: nil)
        }
        let b = medianMilliseconds { kernel.weightGradientDirectly(input: x.pointer, outputGrad: dy.pointer, into: dw.pointer) }
        let flops = 2.0 * Double(batch * out * channels * window * window * g.outputHeight * g.outputWidth)
        let takes = kernel.weightGradientUsesWinograd ? "Winograd" : kernel.weightGradientRunsDirectly ? "direct" : "im2col + GEMM"
        print(String(format: "| %@ | %d | %d → %d | %d×%d | %d×%d | %.3f | %.3f | %.0f | %.2f× | %@ |", name, batch, channels, out,
                     size, size, window, window, a, b, flops / b / 1e6, a / b, takes))
    }
}

// 3×3 weight gradients by outer products (AVX-512) against the row products, im2col + GEMM and,
// where it applies, Winograd; the kernel `backward` takes is named last.
func outerProductWeightGradientTable() {
    print("")
    print("| layer | batch | in → out | input | stride | im2col + GEMM ms | row products ms | Winograd ms | outer products ms | outer GFLOP/s | speed-up against the best other | backward takes |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    let layers: [(Int, Int, Int, Int, Int, Int, String)] = [
        (128, 3, 16, 32, 1, 1, "ResNet-20 stem"), (128, 16, 16, 32, 1, 1, "ResNet-20 stage 1"),
        (128, 16, 32, 32, 1, 2, "ResNet-20 stage 2 entry"), (128, 32, 32, 16, 1, 1, "ResNet-20 stage 2"),
        (128, 32, 64, 16, 1, 2, "ResNet-20 stage 3 entry"), (128, 64, 64, 8, 1, 1, "ResNet-20 stage 3"),
        (64, 3, 32, 32, 0, 1, "keras-cifar-cnn conv2d (valid)"), (64, 32, 64, 15, 0, 1, "keras-cifar-cnn conv2d_1 (valid)"),
        (32, 3, 32, 32, 1, 1, "SimpleCNN block 1 entry"), (32, 32, 32, 32, 1, 1, "SimpleCNN block 1"),
        (32, 64, 64, 16, 1, 1, "SimpleCNN block 2"), (32, 128, 128, 8, 1, 1, "SimpleCNN block 3"),
        (32, 64, 64, 32, 1, 1, "seed ResNet stage 1"), (32, 128, 128, 16, 1, 1, "seed ResNet stage 2"),
        (32, 256, 256, 8, 1, 1, "seed ResNet stage 3"), (64, 64, 64, 8, 1, 1, "ResNet-18 layer1 at 32×32"),
        (64, 128, 128, 4, 1, 1, "ResNet-18 layer2"), (2, 64, 64, 224, 1, 1, "VGG-16 block 1 at 224×224 (bands of rows)"),
    ]
    for (batch, channels, out, size, pad, stride, name) in layers where layerChosen(name) {
        let g = WindowGeometry(channels: channels, height: size, width: size, kernel: (3, 3), stride: (stride, stride),
                               padding: (pad, pad, pad, pad))
        var generator = SeededGenerator(seed: 6)
        let x = Tensor.normal([batch, channels, size, size], using: &generator)
        let w = Tensor.normal([out, channels, 3, 3], std: 0.05, using: &generator)
        let y = Tensor.normal([batch, out, g.outputHeight, g.outputWidth], using: &generator)
        let dy = Tensor.normal([batch, out, g.outputHeight, g.outputWidth], using: &generator)
        let dw = TensorStorage(repeating: 0, count: out * channels * 9)
        let kernel = ConvolutionKernel(geometry: g, batch: batch, outChannels: out, groups: 1)
        guard kernel.canComputeWeightGradientByOuterProducts else { continue }
        let a = medianMilliseconds {
            kernel.backwardByUnfolding(input: x.pointer, weight: w.pointer, output: y.pointer, outputGrad: dy.pointer, inputGrad: nil,
                                       weightGrad: dw.pointer, biasGrad: nil)
        }
        let b = kernel.canComputeWeightGradientDirectly
            ? medianMilliseconds { kernel.weightGradientDirectly(input: x.pointer, outputGrad: dy.pointer, into: dw.pointer) } : .nan
        let winograd = stride == 1 ? WinogradKernel(geometry: g, batch: batch, outChannels: out) : nil
        let c = winograd.map { w in medianMilliseconds { w.weightGradient(input: x.pointer, outputGrad: dy.pointer, into: dw.pointer) } } ?? .nan
        let d = medianMilliseconds { kernel.weightGradientByOuterProducts(input: x.pointer, outputGrad: dy.pointer, into: dw.pointer) }
        let flops = 2.0 * Double(batch * out * channels * 9 * g.outputHeight * g.outputWidth)
        let best = [a, b, c].filter { !$0.isNaN }.min()!
        let takes = kernel.weightGradientRunsOnOuterProducts ? "outer products" : kernel.weightGradientUsesWinograd ? "Winograd"
            : kernel.weightGradientRunsDirectly ? "row products" : "im2col + GEMM"
        print(String(format: "| %@ | %d | %d → %d | %d×%d | %d | %.3f | %.3f | %.3f | %.3f | %.0f | %.2f× | %@ |", name, batch, channels, out,
                     size, size, stride, a, b, c, d, flops / d / 1e6, best / d, takes))
    }
}

// Valid layers' backward: im2col + GEMM for dW and dX (what backward runs) against the direct
// weight gradient plus dX as the full transposed convolution on the direct kernel (padding k − 1).
// An experiment: it won here on LeNet-5's conv 2 but not inside the training step, so `backward`
// does not take it (BENCHMARKS.md, sixth session).
func validBackwardTable() {
    print("")
    print("| layer | batch | in → out | input | kernel | im2col + GEMM (dW + dX) ms | direct dW + transposed dX ms | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    let validLayers: [(Int, Int, Int, Int, Int, String)] = [
        (64, 6, 16, 14, 5, "LeNet-5 conv 2"), (64, 32, 64, 15, 3, "keras-cifar-cnn conv2d_1"),
    ]
    for (batch, channels, out, size, window, name) in validLayers {
        let g = WindowGeometry(channels: channels, height: size, width: size, kernel: (window, window))
        var generator = SeededGenerator(seed: 7)
        let x = Tensor.normal([batch, channels, size, size], using: &generator)
        let w = Tensor.normal([out, channels, window, window], std: 0.05, using: &generator)
        let y = Tensor.normal([batch, out, g.outputHeight, g.outputWidth], using: &generator)
        let dy = Tensor.normal([batch, out, g.outputHeight, g.outputWidth], using: &generator)
        let dw = TensorStorage(repeating: 0, count: out * channels * window * window)
        let dx = TensorStorage(repeating: 0, count: batch * channels * size * size)
        let kernel = ConvolutionKernel(geometry: g, batch: batch, outChannels: out, groups: 1)
        let full = WindowGeometry(channels: out, height: g.outputHeight, width: g.outputWidth, kernel: (window, window),
                                  padding: (window - 1, window - 1, window - 1, window - 1))
        let transposed = ConvolutionKernel(geometry: full, batch: batch, outChannels: channels, groups: 1)
        let flipped = Tensor.normal([channels, out, window, window], std: 0.05, using: &generator)
        let a = medianMilliseconds {
            kernel.backwardByUnfolding(input: x.pointer, weight: w.pointer, output: y.pointer, outputGrad: dy.pointer,
                                       inputGrad: dx.pointer, weightGrad: dw.pointer, biasGrad: nil)
        }
        let b = medianMilliseconds {
            kernel.weightGradientDirectly(input: x.pointer, outputGrad: dy.pointer, into: dw.pointer)
            transposed.forwardDirectly(input: dy.pointer, weight: flipped.pointer, epilogue: ConvolutionEpilogue(), output: dx.pointer)
        }
        print(String(format: "| %@ | %d | %d → %d | %d×%d | %d×%d | %.3f | %.3f | %.2f× |", name, batch, channels, out, size, size,
                     window, window, a, b, a / b))
    }
}

/// Layers whose windows read the image through a few taps only (`LiveTaps`): the whole kernel, as
/// `ConvolutionKernel` runs it, against `conv2d`, which crops the window (weight copy included)
/// where that pays; forward alone, then forward + backward (dX, dW, bias).
func liveTapsTable() {
    print("")
    print("| layer | batch | in → out | input | stride | whole kernel forward ms | conv2d forward ms | speed-up | whole kernel forward + backward ms | conv2d forward + backward ms | speed-up | conv2d crops (forward / with backward) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    let deadTapLayers: [(Int, Int, Int, Int, Int, String)] = [
        (64, 512, 512, 1, 1, "ResNet-18 layer4 at 32×32"), (64, 256, 512, 2, 2, "ResNet-18 layer4 entry"),
        (64, 128, 32, 1, 1, "DenseNet-121 last block 3×3"), (1, 512, 512, 1, 1, "ResNet-18 layer4, one image"),
    ]
    for (batch, channels, out, size, stride, name) in deadTapLayers {
        let g = WindowGeometry(channels: channels, height: size, width: size, kernel: (3, 3), stride: (stride, stride),
                               padding: (1, 1, 1, 1))
        var generator = SeededGenerator(seed: 9)
        let x = Tensor.normal([batch, channels, size, size], using: &generator)
        let w = Tensor.normal([out, channels, 3, 3], std: 0.05, using: &generator), b = Tensor.normal([out], using: &generator)
        let outputShape = [batch, out, g.outputHeight, g.outputWidth]
        let y = TensorStorage(uninitializedCount: outputShape.reduce(1, *)), dy = Tensor.normal(outputShape, using: &generator)
        let dx = TensorStorage(uninitializedCount: x.count), dw = TensorStorage(uninitializedCount: w.count)
        let db = TensorStorage(uninitializedCount: out)
        let kernel = ConvolutionKernel(geometry: g, batch: batch, outChannels: out, groups: 1)
        let crops = [false, true].map { ConvolutionKernel.cropPaysOff(g, batch: batch, backward: $0) ? "yes" : "no" }.joined(separator: " / ")
        let wholeForward = medianMilliseconds { kernel.forward(input: x.pointer, weight: w.pointer, bias: b.pointer, output: y.pointer) }
        let croppedForward = medianMilliseconds {
            _ = x.conv2d(weight: w, bias: b, stride: (stride, stride), padding: (1, 1, 1, 1))
        }
        let wholeStep = medianMilliseconds {
            kernel.forward(input: x.pointer, weight: w.pointer, bias: b.pointer, output: y.pointer)
            if !kernel.writesWholeInputGradient { dx.pointer.update(repeating: 0, count: x.count) }
            kernel.backward(input: x.pointer, weight: w.pointer, output: y.pointer, outputGrad: dy.pointer,
                            inputGrad: dx.pointer, weightGrad: dw.pointer, biasGrad: db.pointer)
        }
        let croppedStep = medianMilliseconds {
            let (xi, wi, bi) = (x.requiringGrad(), w.requiringGrad(), b.requiringGrad())
            (xi.conv2d(weight: wi, bias: bi, stride: (stride, stride), padding: (1, 1, 1, 1)) * dy).sum().backward()
        }
        print(String(format: "| %@ | %d | %d → %d | %d×%d | %d | %.3f | %.3f | %.2f× | %.3f | %.3f | %.2f× | %@ |", name, batch, channels, out,
                     size, size, stride, wholeForward, croppedForward, wholeForward / croppedForward, wholeStep, croppedStep,
                     wholeStep / croppedStep, crops))
    }
}

// One image on planes of at most 16 output pixels (ResNet-18 on 32×32 inputs at batch 1, after the
// live-tap crop of its last stage): (in, out, size, kernel, stride, padding, where it occurs).
func smallPlanesTable() {
    print("")
    print("| layer | in → out | input | kernel | stride | im2col + GEMM ms | panels ms | row products ms | row products GB/s of weights | speed-up | channel vectors (kept packs) ms | conv2d runs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    let smallPlaneLayers: [(Int, Int, Int, Int, Int, Int, String)] = [
        (128, 128, 4, 3, 1, 1, "ResNet-18 layer2"), (64, 128, 8, 3, 2, 1, "ResNet-18 layer2 entry"),
        (256, 256, 2, 3, 1, 1, "ResNet-18 layer3"), (128, 256, 4, 3, 2, 1, "ResNet-18 layer3 entry"),
        (512, 512, 1, 1, 1, 0, "ResNet-18 layer4 (cropped to 1×1)"), (256, 512, 2, 2, 2, 0, "ResNet-18 layer4 entry (cropped to 2×2)"),
        (256, 256, 4, 3, 1, 1, "seed ResNet stage 3 at 4×4"), (320, 1280, 1, 1, 1, 0, "MobileNetV2 last 1×1"),
        (256, 256, 3, 3, 1, 1, "256 channels at 3×3"), (512, 512, 7, 3, 1, 1, "ResNet-18 layer4 at 224×224"),
    ]
    for (channels, out, size, window, stride, pad, name) in smallPlaneLayers {
        let layer = ForwardCase(batch: 1, channels: channels, out: out, size: size, window: window, stride: stride, pad: pad, seed: 11)
        let a = layer.milliseconds(.unfolding), b = layer.milliseconds(.panels), c = layer.milliseconds(.rowProducts)
        let packs = WeightPacks(of: layer.w), k = layer.kernel
        let vectors = k.canRunOnChannelVectors ? medianMilliseconds {
            k.forwardByChannelVectors(input: layer.x.pointer, weight: layer.w.pointer, epilogue: ConvolutionEpilogue(),
                                      output: layer.y.pointer, packs: packs)
        } : .nan
        print(String(format: "| %@ | %d → %d | %d×%d | %d×%d | %d | %.3f | %.3f | %.3f | %.1f | %.2f× | %.3f | %@ |", name, channels, out, size,
                     size, window, window, stride, a, b, c, Double(layer.w.count * 4) / c / 1e6, Swift.min(a, b) / c, vectors,
                     k.forwardKernelName(weightsKept: true)))
    }
}

// Strided layers: the direct kernel on column phases against im2col + GEMM and the panels'
// gathered unfold, both threads: (batch, in, out, size, kernel, padding, stride, where it occurs).
func stridedTable() {
    print("")
    print("| layer | batch | in → out | input | kernel | stride | im2col + GEMM ms | panels ms | direct ms | direct GFLOP/s | direct speed-up | channel vectors ms | conv2d runs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    let stridedLayers: [(Int, Int, Int, Int, Int, Int, Int, String)] = [
        (128, 16, 32, 32, 3, 1, 2, "ResNet-20 stage 2 entry"), (128, 32, 64, 16, 3, 1, 2, "ResNet-20 stage 3 entry"),
        (64, 32, 64, 16, 3, 1, 2, "ResNet-20 stage 3 entry, batch 64"),
        (32, 64, 128, 32, 3, 1, 2, "seed ResNet stage 2 entry"), (32, 128, 256, 16, 3, 1, 2, "seed ResNet stage 3 entry"),
        (64, 3, 64, 32, 7, 3, 2, "ResNet-18 stem at 32×32"), (64, 64, 128, 8, 3, 1, 2, "ResNet-18 layer2 entry at 32×32"),
        (64, 128, 256, 4, 3, 1, 2, "ResNet-18 layer3 entry at 32×32"), (64, 3, 32, 32, 3, 1, 2, "MobileNetV2 stem at 32×32"),
        (8, 3, 64, 224, 7, 3, 2, "ResNet-18 stem at 224×224"), (8, 3, 64, 224, 11, 2, 4, "AlexNet stem at 224×224"),
        (1, 16, 32, 32, 3, 1, 2, "ResNet-20 stage 2 entry, one image"), (1, 32, 64, 16, 3, 1, 2, "ResNet-20 stage 3 entry, one image"),
        (1, 3, 64, 32, 7, 3, 2, "ResNet-18 stem at 32×32, one image"),
    ]
    for (batch, channels, out, size, window, pad, stride, name) in stridedLayers {
        let layer = ForwardCase(batch: batch, channels: channels, out: out, size: size, window: window, stride: stride, pad: pad, seed: 7)
        guard layer.kernel.canRunDirectly else { continue }
        let a = layer.milliseconds(.unfolding), b = layer.milliseconds(.panels), c = layer.milliseconds(.direct)
        let vectors = layer.milliseconds(.channelVectors)
        print(String(format: "| %@ | %d | %d → %d | %d×%d | %d×%d | %d | %.3f | %.3f | %.3f | %.0f | %.2f× | %.3f | %@ |", name, batch, channels,
                     out, size, size, window, window, stride, a, b, c, layer.flops / c / 1e6, Swift.min(a, b.isNaN ? a : b) / c,
                     vectors, layer.kernel.forwardKernelName))
    }
}

// Dense layers and batched products outside any convolution: `gemm` splits a large product
// between the threads (one thread against both; inference, then forward and backward).
func denseTable() {
    print("")
    print("| layer | batch | in → out | inference ms, 1 thread | 2 threads | speed-up | training step ms, 1 thread | 2 threads | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    let denseLayers: [(Int, Int, Int, String)] = [
        (64, 2304, 128, "keras-cifar-cnn dense"), (32, 8192, 512, "SimpleCNN dense"), (64, 400, 120, "LeNet-5 fc1"),
        (64, 1280, 10, "MobileNetV2 classifier"), (64 * 65, 192, 576, "ViT-Tiny qkv (64 images of 65 tokens)"),
        (64 * 65, 192, 768, "ViT-Tiny MLP up"),
    ]
    for (batch, inFeatures, outFeatures, name) in denseLayers {
        var generator = SeededGenerator(seed: 8)
        let x = Tensor.normal([batch, inFeatures], using: &generator).requiringGrad()
        let w = Tensor.normal([outFeatures, inFeatures], std: 0.05, using: &generator).requiringGrad()
        let b = Tensor.normal([outFeatures], using: &generator).requiringGrad()
        let probe = Tensor.normal([batch, outFeatures], using: &generator)
        var times: [Double] = []
        for count in [1, threads] {
            ThreadPool.shared.setThreadCount(count)
            times.append(medianMilliseconds { _ = withoutGradients { x.linear(weight: w, bias: b) } })
            times.append(medianMilliseconds { (x.linear(weight: w, bias: b) * probe).sum().backward() })
        }
        ThreadPool.shared.setThreadCount(threads)
        print(String(format: "| %@ | %d | %d → %d | %.3f | %.3f | %.2f× | %.3f | %.3f | %.2f× |", name, batch, inFeatures, outFeatures,
                     times[0], times[2], times[0] / times[2], times[1], times[3], times[1] / times[3]))
    }
}

/// Winograd F(2×2, 3×3) against F(4×4, 3×3) (its default block and a 4× larger one) and the best
/// of the panel and direct kernels, on 3×3 "same" layers.
func winogradTilesTable() {
    print("")
    print("| layer | batch | channels | plane | F(2×2) ms | F(4×4) ms | F(4×4), 2 MB blocks ms | panels / direct ms | F(4×4) GFLOP/s | F(4×4) speed-up over F(2×2) | conv2d runs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    let cases: [(Int, Int, Int, String)] = [
        (32, 64, 32, "seed ResNet stage 1"), (32, 128, 16, "seed ResNet stage 2"), (32, 256, 8, "seed ResNet stage 3"),
        (128, 16, 32, "ResNet-20 stage 1"), (128, 32, 16, "ResNet-20 stage 2"), (32, 32, 32, "SimpleCNN block 1"),
        (32, 64, 16, "SimpleCNN block 2"), (32, 128, 8, "SimpleCNN block 3"), (64, 64, 8, "ResNet-18 layer1 at 32×32"),
        (64, 128, 4, "ResNet-18 layer2 at 32×32"), (16, 128, 32, "VGG-style 128 at 32×32"),
        (8, 64, 56, "ResNet-18 layer1 at 224×224"), (8, 128, 28, "ResNet-18 layer2 at 224×224"),
    ]
    for (batch, channels, size, name) in cases {
        let layer = ForwardCase(batch: batch, channels: channels, out: channels, size: size, window: 3, pad: 1, seed: 12)
        let (x, w, y) = (layer.x.pointer, layer.w.pointer, layer.y.pointer)
        let g = layer.geometry
        let times = [(2, WinogradKernel.defaultBlockBudget), (4, WinogradKernel.defaultBlockBudget), (4, 2 * WinogradKernel.defaultBlockBudget)]
            .map { tile, budget -> Double in
                guard let kernel = WinogradKernel(geometry: g, batch: batch, outChannels: channels, blockBudget: budget, outputTile: tile)
                else { return .nan }
                return medianMilliseconds { kernel.forward(input: x, weight: w, output: y) }
            }
        let other = [layer.milliseconds(.panels), layer.milliseconds(.direct)].filter { !$0.isNaN }.min() ?? .nan
        print(String(format: "| %@ | %d | %d | %d×%d | %.3f | %.3f | %.3f | %.3f | %.0f | %.2f× | %@ |", name, batch, channels, size, size,
                     times[0], times[1], times[2], other, layer.flops / times[1] / 1e6, times[0] / times[1],
                     layer.kernel.forwardKernelName))
    }
}

/// Winograd F(4×4) with channels in the lanes (`ChannelLaneWinograd`) against the kernel `forward`
/// picks otherwise, the direct kernel and the channel vectors, with its largest difference from
/// the direct kernel relative to the largest output: (batch, channels in = out, size, where it occurs).
func laneWinogradTable() {
    print("")
    print("| layer | batch | channels | plane | direct ms | channel vectors ms | tiles-in-lanes F(4×4) ms | channel-lane F(4×4) ms | GFLOP/s (direct-equivalent) | speed-up over the best other | relative difference | conv2d runs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    let cases: [(Int, Int, Int, String)] = [
        (128, 16, 32, "ResNet-20 stage 1"), (64, 16, 32, "ResNet-20 stage 1"), (128, 32, 16, "ResNet-20 stage 2"),
        (64, 32, 16, "ResNet-20 stage 2"), (128, 64, 8, "ResNet-20 stage 3"), (64, 64, 8, "ResNet-20 stage 3"),
        (32, 32, 32, "SimpleCNN block 1"), (32, 64, 16, "SimpleCNN block 2"), (32, 128, 8, "SimpleCNN block 3"),
        (32, 64, 32, "seed ResNet stage 1"), (32, 128, 16, "seed ResNet stage 2"), (32, 256, 8, "seed ResNet stage 3"),
        (64, 64, 8, "ResNet-18 layer1 at 32×32"), (8, 64, 56, "ResNet-18 layer1 at 224×224"),
        (8, 128, 28, "ResNet-18 layer2 at 224×224"),
    ]
    for (batch, channels, size, name) in cases where layerChosen(name) {
        let layer = ForwardCase(batch: batch, channels: channels, out: channels, size: size, window: 3, pad: 1, seed: 12)
        let (k, x, w, y) = (layer.kernel, layer.x.pointer, layer.w.pointer, layer.y.pointer)
        guard k.canRunChannelLaneWinograd else { continue }
        let count = batch * channels * size * size
        let reference = TensorStorage(uninitializedCount: count)
        k.forwardDirectly(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: reference.pointer)
        k.forwardByChannelLaneWinograd(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: y)
        var largest: Float = 0, difference: Float = 0
        for i in 0..<count {
            largest = max(largest, abs(reference.pointer[i]))
            difference = max(difference, abs(reference.pointer[i] - y[i]))
        }
        let g = layer.geometry
        let tiles = WinogradKernel(geometry: g, batch: batch, outChannels: channels, outputTile: 4).map { kernel in
            medianMilliseconds { kernel.forward(input: x, weight: w, output: y) }
        } ?? .nan
        let lanes = medianMilliseconds { k.forwardByChannelLaneWinograd(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: y) }
        let direct = layer.milliseconds(.direct), vectors = layer.milliseconds(.channelVectors)
        let best = [direct, vectors, tiles].filter { !$0.isNaN }.min() ?? .nan
        print(String(format: "| %@ | %d | %d | %d×%d | %.3f | %.3f | %.3f | %.3f | %.0f | %.2f× | %.1e | %@ |", name, batch, channels, size, size,
                     direct, vectors, tiles, lanes, layer.flops / lanes / 1e6, best / lanes, difference / largest, k.forwardKernelName))
    }
}

/// dW by channel-lane Winograd against the outer products (the kernel `backward` picked before it),
/// with its largest difference from them relative to the largest element: (batch, channels, size, where).
func laneWinogradGradientsTable() {
    print("")
    print("| layer | batch | channels | plane | outer products ms | channel-lane Winograd ms | speed-up | relative difference | backward takes |")
    print("|---|---|---|---|---|---|---|---|---|")
    let cases: [(Int, Int, Int, String)] = [
        (128, 16, 32, "ResNet-20 stage 1"), (128, 32, 16, "ResNet-20 stage 2"), (128, 64, 8, "ResNet-20 stage 3"),
        (32, 32, 32, "SimpleCNN block 1"), (32, 64, 16, "SimpleCNN block 2"), (32, 128, 8, "SimpleCNN block 3"),
        (32, 64, 32, "seed ResNet stage 1"), (32, 128, 16, "seed ResNet stage 2"), (32, 256, 8, "seed ResNet stage 3"),
        (64, 64, 8, "ResNet-18 layer1 at 32×32"),
    ]
    for (batch, channels, size, name) in cases where layerChosen(name) {
        let layer = ForwardCase(batch: batch, channels: channels, out: channels, size: size, window: 3, pad: 1, seed: 14)
        let k = layer.kernel, x = layer.x.pointer
        guard k.canRunChannelLaneWinograd, k.canComputeWeightGradientByOuterProducts else { continue }
        var generator = SeededGenerator(seed: 15)
        let dy = Tensor.normal([batch, channels, size, size], using: &generator)
        let count = channels * channels * 9
        let outer = TensorStorage(uninitializedCount: count), lanes = TensorStorage(uninitializedCount: count)
        let outerMs = medianMilliseconds { k.weightGradientByOuterProducts(input: x, outputGrad: dy.pointer, into: outer.pointer) }
        let lanesMs = medianMilliseconds { k.weightGradientByChannelLaneWinograd(input: x, outputGrad: dy.pointer, into: lanes.pointer) }
        var largest: Float = 0, difference: Float = 0
        for i in 0..<count {
            largest = max(largest, abs(outer.pointer[i]))
            difference = max(difference, abs(outer.pointer[i] - lanes.pointer[i]))
        }
        let takes = k.weightGradientRunsChannelLaneWinograd ? "channel-lane Winograd" : "other"
        print(String(format: "| %@ | %d | %d | %d×%d | %.3f | %.3f | %.2f× | %.1e | %@ |", name, batch, channels, size, size,
                     outerMs, lanesMs, outerMs / lanesMs, difference / largest, takes))
    }
}

/// The channel-vector kernel (output channels in the lanes) against the direct and panel kernels
/// and Winograd: (batch, in, out, size, kernel, padding, where it occurs).
func channelVectorsTable() {
    print("")
    print("| layer | batch | in → out | input | direct ms | panels ms | Winograd ms | channel vectors ms | channel vectors GFLOP/s | speed-up over the best other | conv2d runs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    let cases: [(Int, Int, Int, Int, Int, Int, String)] = [
        (64, 32, 64, 15, 3, 0, "keras-cifar-cnn conv2d_1 (valid)"), (64, 3, 32, 32, 3, 0, "keras-cifar-cnn conv2d (valid)"),
        (128, 16, 16, 32, 3, 1, "ResNet-20 stage 1"), (128, 32, 32, 16, 3, 1, "ResNet-20 stage 2"), (128, 64, 64, 8, 3, 1, "ResNet-20 stage 3"),
        (32, 128, 128, 8, 3, 1, "SimpleCNN block 3"), (32, 256, 256, 8, 3, 1, "seed ResNet stage 3"), (64, 64, 64, 8, 3, 1, "ResNet-18 layer1 at 32×32"),
        (64, 6, 16, 14, 5, 0, "LeNet-5 conv 2 (valid)"), (32, 64, 64, 16, 3, 1, "SimpleCNN block 2"),
        (1, 32, 64, 15, 3, 0, "keras-cifar-cnn conv2d_1, one image"), (1, 16, 16, 32, 3, 1, "ResNet-20 stage 1, one image"),
        (1, 32, 32, 16, 3, 1, "ResNet-20 stage 2, one image"), (1, 64, 64, 8, 3, 1, "ResNet-20 stage 3, one image"),
    ]
    for (batch, channels, out, size, window, pad, name) in cases {
        let layer = ForwardCase(batch: batch, channels: channels, out: out, size: size, window: window, pad: pad, seed: 13)
        let a = layer.milliseconds(.direct), b = layer.milliseconds(.panels), d = layer.milliseconds(.winograd)
        let c = layer.milliseconds(.channelVectors)
        let best = [a, b, d].filter { !$0.isNaN }.min() ?? .nan
        print(String(format: "| %@ | %d | %d → %d | %d×%d | %.3f | %.3f | %.3f | %.3f | %.0f | %.2f× | %@ |", name, batch, channels, out, size, size,
                     a, b, d, c, layer.flops / c / 1e6, best / c, layer.kernel.forwardKernelName))
    }
}

@inline(never) func busyWork(_ steps: Int) {
    var x: Double = 1
    for i in 0..<steps { x = x * 1.0000001 + Double(i & 1) }
    if x == 0 { print(x) }
}

/// The round trip of one `parallelFor` with nothing to do: what each layer of a batch-1 forward pays to share its work.
func dispatchTable() {
    print("\n| job | µs per call |\n|---|---|")
    for spin in [1000, 10000, 100000] {
        let calls = 200
        let one = medianMilliseconds { for _ in 0..<calls { for _ in 0..<2 { busyWork(spin) } } }
        let two = medianMilliseconds { for _ in 0..<calls { ThreadPool.shared.parallelFor(2) { _ in busyWork(spin) } } }
        print(String(format: "| 2 × %d steps: serial %.2f µs, parallelFor(2) %.2f µs |", spin, one * 1000 / Double(calls), two * 1000 / Double(calls)))
    }
    for (name, count) in [("parallelFor(2), empty", 2), ("parallelFor(16), empty", 16)] {
        let calls = 20_000
        let ms = medianMilliseconds { for _ in 0..<calls { ThreadPool.shared.parallelFor(count) { _ in } } }
        print(String(format: "| %@ | %.2f |", name, ms * 1000 / Double(calls)))
    }
}

/// ResNet-20's and SimpleCNN's layers on one image, through the kernel `forward` picks (run at 1 and 2 threads to see what sharing one image gains).
func batchOneTable() {
    print("\n| layer | in → out | input | stride | ms | GFLOP/s | kept packs ms | kept packs, cold caches ms | conv2d runs (kept) | direct ms | panels ms | F(2×2) kept ms | F(4×4) kept ms | channel-lane F(4×4) kept ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (channels, out, size, stride, name) in [(3, 16, 32, 1, "ResNet-20 stem"), (16, 16, 32, 1, "ResNet-20 stage 1"),
                                                (16, 32, 32, 2, "ResNet-20 stage 2 entry"), (32, 32, 16, 1, "ResNet-20 stage 2"),
                                                (32, 64, 16, 2, "ResNet-20 stage 3 entry"), (64, 64, 8, 1, "ResNet-20 stage 3"),
                                                (3, 32, 32, 1, "SimpleCNN block 1 entry"), (32, 32, 32, 1, "SimpleCNN block 1"),
                                                (32, 64, 16, 1, "SimpleCNN block 2 entry"), (64, 64, 16, 1, "SimpleCNN block 2"),
                                                (64, 128, 8, 1, "SimpleCNN block 3 entry"), (128, 128, 8, 1, "SimpleCNN block 3"),
                                                (64, 64, 32, 1, "seed ResNet stage 1"), (128, 128, 16, 1, "seed ResNet stage 2"),
                                                (256, 256, 8, 1, "seed ResNet stage 3"),
                                                (64, 64, 56, 1, "ResNet-18 layer1 at 224"), (128, 128, 28, 1, "ResNet-18 layer2 at 224"),
                                                (256, 256, 14, 1, "ResNet-18 layer3 at 224"), (256, 256, 16, 1, "256 at 16×16"),
                                                (256, 256, 56, 1, "VGG-16 conv3 at 224"), (512, 512, 28, 1, "VGG-16 conv4 at 224")]
    where ProcessInfo.processInfo.environment["LAYER"].map({ $0 == name }) ?? true {
        let layer = ForwardCase(batch: 1, channels: channels, out: out, size: size, window: 3, stride: stride, pad: 1, seed: 1)
        let (k, x, w, y) = (layer.kernel, layer.x.pointer, layer.w.pointer, layer.y.pointer)
        let calls = Int(ProcessInfo.processInfo.environment["CALLS"] ?? "") ?? 100
        func time(_ body: () -> Void) -> Double { medianMilliseconds { for _ in 0..<calls { body() } } / Double(calls) }
        let ms = time { k.forward(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: y) }
        // As a layer at inference runs it: the weight's packs kept from the calls before.
        let packs = WeightPacks(of: layer.w)
        let kept = time { k.forward(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: y, packs: packs) }
        let cold = coldMilliseconds { k.forward(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: y, packs: packs) }
        let direct = k.canRunDirectly ? time { k.forwardDirectly(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: y) } : .nan
        let panels = k.canRunOnPanels ? time { k.forwardByPanels(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: y) } : .nan
        func winograd(_ tile: Int) -> Double {
            guard size % tile == 0, let winograd = WinogradKernel(geometry: k.geometry, batch: 1, outChannels: out, outputTile: tile)
            else { return .nan }
            let packs = WeightPacks(of: layer.w)
            return time { winograd.forward(input: x, weight: w, output: y, packs: packs) }
        }
        let lanes = k.canRunChannelLaneWinograd ? time {
            k.forwardByChannelLaneWinograd(input: x, weight: w, epilogue: ConvolutionEpilogue(), output: y, packs: packs)
        } : .nan
        print(String(format: "| %@ | %d → %d | %d×%d | %d | %.4f | %.0f | %.4f | %.4f | %@ | %.4f | %.4f | %.4f | %.4f | %.4f |", name, channels, out, size,
                     size, stride, ms, layer.flops / ms / 1e6, kept, cold, "\(k.forwardKernelName) (\(k.forwardKernelName(weightsKept: true)))",
                     direct, panels, winograd(2), winograd(4), lanes))
    }
}

/// The direct kernel's weight packing, per layer: every thread packs for itself on one image.
func packTable() {
    print("\n| weights | µs per pack |\n|---|---|")
    for (channels, out) in [(32, 32), (64, 64), (128, 128)] {
        var window = fovea_window(channels: Int32(channels), height: 16, width: 16, kernel_height: 3, kernel_width: 3, stride_height: 1,
                                  stride_width: 1, pad_top: 1, pad_left: 1, dilation_height: 1, dilation_width: 1,
                                  output_height: 16, output_width: 16)
        let w = TensorStorage(repeating: 0.5, count: out * channels * 9), packed = TensorStorage(uninitializedCount: out * channels * 9)
        let ms = medianMilliseconds { for _ in 0..<200 { fovea_direct_pack_weights(&window, w.pointer, Int32(out), packed.pointer) } }
        print(String(format: "| %d → %d, 3×3 | %.2f |", channels, out, ms * 1000 / 200))
    }
}

/// Convolution → ReLU → 2×2 max pool at inference: `forwardMaxPooled` (which pools in the direct
/// and channel-vector tiles' registers with AVX-512) against `forward` then the pool pass.
func pooledTable() {
    print("\n| layer | batch | in → out | input | forward + pool ms | pooled ms | speed-up | conv2d runs | pooled, kept packs ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    let cases: [(Int, Int, Int, Int, Int, Int, String)] = [
        (64, 3, 32, 32, 3, 0, "keras-cifar-cnn conv2d"), (64, 32, 64, 15, 3, 0, "keras-cifar-cnn conv2d_1"),
        (64, 1, 6, 28, 5, 2, "LeNet-5 conv 1"), (64, 6, 16, 14, 5, 0, "LeNet-5 conv 2"),
        (1, 3, 32, 32, 3, 0, "keras-cifar-cnn conv2d, one image"), (1, 32, 64, 15, 3, 0, "keras-cifar-cnn conv2d_1, one image"),
        (1, 1, 6, 28, 5, 2, "LeNet-5 conv 1, one image"), (1, 6, 16, 14, 5, 0, "LeNet-5 conv 2, one image"),
        (1, 32, 64, 32, 3, 1, "32 → 64 at 32×32, one image"), (1, 64, 128, 16, 3, 1, "64 → 128 at 16×16, one image"),
        (1, 128, 128, 16, 3, 1, "128 → 128 at 16×16, one image"), (1, 256, 256, 8, 3, 1, "256 → 256 at 8×8, one image"),
    ]
    for (batch, channels, out, size, window, pad, name) in cases {
        let layer = ForwardCase(batch: batch, channels: channels, out: out, size: size, window: window, pad: pad, seed: 5)
        let (k, x, w, y, g) = (layer.kernel, layer.x.pointer, layer.w.pointer, layer.y.pointer, layer.geometry)
        let pooled = TensorStorage(uninitializedCount: batch * out * (g.outputHeight / 2) * (g.outputWidth / 2))
        let relu = ConvolutionEpilogue(activation: .relu)
        let calls = batch == 1 ? 50 : 1
        let separate = medianMilliseconds {
            for _ in 0..<calls {
                k.forward(input: x, weight: w, epilogue: relu, output: y)
                ThreadPool.shared.parallelRanges(batch * out) { r in
                    fovea_max_pool_halving(y, Int32(g.outputHeight), Int32(g.outputWidth), Int32(r.lowerBound), Int32(r.upperBound),
                                           pooled.pointer, nil)
                }
            }
        } / Double(calls)
        let fused = medianMilliseconds {
            for _ in 0..<calls { k.forwardMaxPooled(input: x, weight: w, epilogue: relu, output: pooled.pointer) }
        } / Double(calls)
        // As a layer at inference runs it: with its weight's packs kept from the calls before.
        let packs = WeightPacks(of: layer.w)
        let kept = medianMilliseconds {
            for _ in 0..<calls { k.forwardMaxPooled(input: x, weight: w, epilogue: relu, output: pooled.pointer, packs: packs) }
        } / Double(calls)
        print(String(format: "| %@ | %d | %d → %d | %d×%d | %.4f | %.4f | %.2f× | %@ | %.4f |", name, batch, channels, out, size, size,
                     separate, fused, separate / fused, k.forwardKernelName, kept))
    }
}

// A convolution → 2×2 max pool's gradients from the pool's winners (what `conv2dMaxPooled`'s
// backward runs with AVX-512) against the kernels over dY's planes (what it ran before: dX by
// `backward` without dW, the transposed convolution; dW by the outer products), the planes'
// writing by the pool's backward not counted; random winners, every window's gradient nonzero.
func pooledGradientsTable() {
    print("")
    print("| layer | batch | in → out | input | dX over dY ms | dX from the windows ms | speed-up | dW by outer products ms | dW from the windows ms | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    let layers: [(Int, Int, Int, Int, Int, String)] = [
        (64, 32, 64, 15, 0, "keras-cifar-cnn conv2d_1 (valid)"), (32, 32, 32, 32, 1, "SimpleCNN block 1"),
        (32, 64, 64, 16, 1, "SimpleCNN block 2"), (32, 128, 128, 8, 1, "SimpleCNN block 3"),
    ]
    for (batch, channels, out, size, pad, name) in layers where layerChosen(name) {
        let g = WindowGeometry(channels: channels, height: size, width: size, kernel: (3, 3), padding: (pad, pad, pad, pad))
        let kernel = ConvolutionKernel(geometry: g, batch: batch, outChannels: out, groups: 1)
        guard kernel.inputGradientRunsOnPooledWindows, kernel.weightGradientRunsOnPooledWindows else { continue }
        var generator = SeededGenerator(seed: 7)
        let x = Tensor.normal([batch, channels, size, size], using: &generator)
        let w = Tensor.normal([out, channels, 3, 3], std: 0.05, using: &generator)
        let (pooledHeight, pooledWidth) = (g.outputHeight / 2, g.outputWidth / 2), planes = batch * out
        let pooled = Tensor.normal([planes * pooledHeight * pooledWidth], using: &generator)
        let winners = randomPoolWinners(planes: planes, pooledHeight: pooledHeight, pooledWidth: pooledWidth,
                                        outputWidth: g.outputWidth, using: &generator)
        let dy = TensorStorage(uninitializedCount: planes * g.outputHeight * g.outputWidth)
        fovea_max_pool_halving_backward(pooled.pointer, winners, Int32(g.outputHeight), Int32(g.outputWidth), 0, Int32(planes), dy.pointer)
        let dx = TensorStorage(uninitializedCount: batch * channels * size * size), dw = TensorStorage(uninitializedCount: out * channels * 9)
        let denseInput = medianMilliseconds {
            kernel.backward(input: x.pointer, weight: w.pointer, output: dy.pointer, outputGrad: dy.pointer, inputGrad: dx.pointer,
                            weightGrad: nil, biasGrad: nil)
        }
        let sparseInput = medianMilliseconds {
            kernel.inputGradientFromPooledWindows(pooledGradient: pooled.pointer, winners: winners, weight: w.pointer, into: dx.pointer)
        }
        let denseWeight = medianMilliseconds { kernel.weightGradientByOuterProducts(input: x.pointer, outputGrad: dy.pointer, into: dw.pointer) }
        let sparseWeight = medianMilliseconds {
            kernel.weightGradientFromPooledWindows(input: x.pointer, pooledGradient: pooled.pointer, winners: winners, into: dw.pointer)
        }
        print(String(format: "| %@ | %d | %d → %d | %d×%d | %.3f | %.3f | %.2f× | %.3f | %.3f | %.2f× |", name, batch, channels, out, size, size,
                     denseInput, sparseInput, denseInput / sparseInput, denseWeight, sparseWeight, denseWeight / sparseWeight))
    }
}

let tables: [(String, () -> Void)] = [
    ("pooled-gradients", pooledGradientsTable),
    ("outer-product-weight-gradients", outerProductWeightGradientTable),
    ("pooled", pooledTable),
    ("pack", packTable),
    ("batch-one", batchOneTable),
    ("dispatch", dispatchTable),
    ("forward", forwardTable), ("other-layers", otherLayersTable), ("row-products", rowProductsTable),
    ("small-depth", smallDepthTable), ("weight-gradients", weightGradientTable), ("direct", directTable),
    ("direct-weight-gradients", directWeightGradientTable), ("valid-backward", validBackwardTable),
    ("live-taps", liveTapsTable), ("small-planes", smallPlanesTable), ("strided", stridedTable), ("dense", denseTable),
    ("winograd-tiles", winogradTilesTable), ("channel-vectors", channelVectorsTable), ("lane-winograd", laneWinogradTable),
    ("lane-winograd-gradients", laneWinogradGradientsTable),
]
// Any further arguments name the tables to run (all by default).
let chosen = Set(CommandLine.arguments.dropFirst(2))
for (name, table) in tables where chosen.isEmpty || chosen.contains(name) { table() }
