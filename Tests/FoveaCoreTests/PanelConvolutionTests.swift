import FoveaCore
import FoveaTestSupport
import Testing

/// The AVX2 panel kernel (and im2col + BLAS beside it) against the float64 definition, over the geometries its unfold treats apart:
/// stride-1 "same" rows (contiguous masked loads), strides, valid windows, dilation and
/// asymmetric padding (gathers), panels that straddle two images, channel counts that leave
/// a partial tile, depths over one L1 block, groups, and every part of the epilogue.
@Suite(.enabled(if: ConvolutionKernel(geometry: WindowGeometry(channels: 1, height: 1, width: 1, kernel: (1, 1)),
                                      batch: 1, outChannels: 1, groups: 1).canRunOnPanels, "needs AVX2 and FMA"))
struct PanelConvolutionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var batch: Int, channels: Int, out: Int, height: Int, width: Int
        var kernel: (Int, Int), stride: (Int, Int) = (1, 1)
        var padding: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0)
        var dilation: (Int, Int) = (1, 1), groups = 1
        var testDescription: String { "\(batch)×\(channels)×\(height)×\(width) → \(out), k\(kernel) s\(stride) p\(padding) d\(dilation) g\(groups)" }
    }

    static let cases: [Case] = [
        Case(batch: 3, channels: 5, out: 7, height: 8, width: 8, kernel: (3, 3), padding: (1, 1, 1, 1)),     // same, shifted
        Case(batch: 2, channels: 3, out: 16, height: 5, width: 3, kernel: (3, 3), padding: (1, 1, 1, 1)),    // panels straddle images
        Case(batch: 2, channels: 40, out: 13, height: 6, width: 7, kernel: (3, 3), padding: (1, 1, 1, 1)),   // depth 360: two blocks
        Case(batch: 2, channels: 4, out: 6, height: 9, width: 11, kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1)),
        Case(batch: 3, channels: 3, out: 5, height: 10, width: 10, kernel: (5, 5)),                              // valid (LeNet)
        Case(batch: 1, channels: 6, out: 12, height: 12, width: 12, kernel: (3, 3), padding: (2, 2, 2, 2), dilation: (2, 2)),
        Case(batch: 2, channels: 3, out: 4, height: 7, width: 9, kernel: (2, 3), stride: (1, 2), padding: (0, 2, 1, 0)),
        Case(batch: 1, channels: 8, out: 20, height: 4, width: 4, kernel: (1, 1)),                              // pointwise, 1 image
        Case(batch: 2, channels: 5, out: 37, height: 6, width: 6, kernel: (3, 3), padding: (1, 1, 1, 1)),     // AVX-512 tiles of 10, 9, 9, 9 rows
        Case(batch: 2, channels: 6, out: 8, height: 7, width: 7, kernel: (3, 3), padding: (1, 1, 1, 1), groups: 2),
        Case(batch: 1, channels: 3, out: 9, height: 33, width: 35, kernel: (7, 7), stride: (2, 2), padding: (3, 3, 3, 3)),
    ]

    /// Where `conv2d` picks the panels: 64+ output channels per group, or a single image at any
    /// channel count, and at least 4 panels of 16 pixels, or one image on 1 or 2 panels
    /// (BENCHMARKS.md; 1–4 pixels go to the row products first).
    @Test func selectionPolicy() {
        func runs(batch: Int, channels: Int, out: Int, size: Int) -> Bool {
            let g = WindowGeometry(channels: channels, height: size, width: size, kernel: (3, 3), padding: (1, 1, 1, 1))
            return ConvolutionKernel(geometry: g, batch: batch, outChannels: out, groups: 1).runsOnPanels
        }
        #expect(runs(batch: 8, channels: 32, out: 64, size: 8))
        #expect(!runs(batch: 8, channels: 16, out: 32, size: 8))        // batched, < 64 channels: im2col + BLAS
        #expect(runs(batch: 1, channels: 16, out: 16, size: 32))        // one image: panels at any width
        #expect(runs(batch: 1, channels: 256, out: 256, size: 4))       // one image, 16 pixels: one panel
        #expect(!runs(batch: 1, channels: 256, out: 256, size: 6))      // one image, 36 pixels: im2col + BLAS
        #expect(!runs(batch: 2, channels: 256, out: 256, size: 4))      // 2 images, 2 panels: im2col + BLAS
    }

    @Test(arguments: cases) func panelsMatchTheDefinitionWithTheWholeEpilogue(c: Case) {
        PanelConvolutionTests.expectMatchesTheDefinition(c) { kernel, x, w, epilogue, y in
            #expect(kernel.canRunOnPanels)
            kernel.forwardByPanels(input: x, weight: w, epilogue: epilogue, output: y)
        }
    }

    /// Runs `forward` on case `c` with no epilogue, bias + ReLU, and batch norm + residual +
    /// ReLU6, and compares it (and im2col + BLAS) with the float64 definition.
    static func expectMatchesTheDefinition(
        _ c: Case, tolerance: Double = 1e-5,
        forward: (ConvolutionKernel, UnsafePointer<Float>, UnsafePointer<Float>, ConvolutionEpilogue, UnsafeMutablePointer<Float>) -> Void
    ) {
        let g = WindowGeometry(channels: c.channels / c.groups, height: c.height, width: c.width, kernel: c.kernel,
                               stride: c.stride, padding: c.padding, dilation: c.dilation)
        let kernel = ConvolutionKernel(geometry: g, batch: c.batch, outChannels: c.out, groups: c.groups)
        let x = randomTensor([c.batch, c.channels, c.height, c.width], seed: 11)
        let w = randomTensor([c.out, c.channels / c.groups, c.kernel.0, c.kernel.1], seed: 12)
        let outputCount = c.batch * c.out * g.outputHeight * g.outputWidth
        let bias = randomTensor([c.out], seed: 13), scale = randomTensor([c.out], seed: 14), shift = randomTensor([c.out], seed: 15)
        let residual = randomTensor([outputCount], seed: 16)
        let epilogues: [(String, ConvolutionEpilogue)] = [
            ("plain", ConvolutionEpilogue()),
            ("bias + ReLU", ConvolutionEpilogue(bias: bias.pointer, activation: .relu)),
            ("batch norm + residual + ReLU6", ConvolutionEpilogue(bias: bias.pointer, scale: scale.pointer, shift: shift.pointer,
                                                                   residual: residual.pointer, activation: .relu6)),
        ]
        // The tensors are reached only through pointers below: keep them alive (release builds free early).
        withExtendedLifetime((x, w, bias, scale, shift, residual)) {
        for (name, epilogue) in epilogues {
            // NaN where the output starts: every element must be written.
            let fast = Tensor(repeating: .nan, shape: [outputCount]), slow = Tensor(repeating: .nan, shape: [outputCount])
            forward(kernel, x.pointer, w.pointer, epilogue, fast.pointer)
            kernel.forwardByUnfolding(input: x.pointer, weight: w.pointer, epilogue: epilogue, output: slow.pointer)
            // Both sum in float, in different orders: each is compared with the float64 definition.
            let exact = reference(c, g, x: x, w: w, epilogue: epilogue)
            #expect(peakRelativeError(fast.scalars, exact) < tolerance, "\(name)")
            #expect(peakRelativeError(slow.scalars, exact) < 1e-5, "\(name) (im2col + BLAS)")
        }
        }
    }

    /// The convolution and its epilogue straight from their definitions, in float64.
    static func reference(_ c: Case, _ g: WindowGeometry, x: Tensor, w: Tensor, epilogue e: ConvolutionEpilogue) -> [Double] {
        let xs = x.scalars.map(Double.init), ws = w.scalars.map(Double.init)
        let (oh, ow, perGroup, inPerGroup) = (g.outputHeight, g.outputWidth, c.out / c.groups, c.channels / c.groups)
        var out = [Double](repeating: 0, count: c.batch * c.out * oh * ow)
        for n in 0..<c.batch { for o in 0..<c.out { for y in 0..<oh { for xx in 0..<ow {
            var sum = 0.0
            for ic in 0..<inPerGroup { for i in 0..<c.kernel.0 { for j in 0..<c.kernel.1 {
                let iy = y * c.stride.0 - c.padding.top + i * c.dilation.0, ix = xx * c.stride.1 - c.padding.left + j * c.dilation.1
                guard iy >= 0 && iy < c.height && ix >= 0 && ix < c.width else { continue }
                let channel = (o / perGroup) * inPerGroup + ic
                sum += xs[((n * c.channels + channel) * c.height + iy) * c.width + ix] * ws[((o * inPerGroup + ic) * c.kernel.0 + i) * c.kernel.1 + j]
            } } }
            let at = ((n * c.out + o) * oh + y) * ow + xx
            let value = (sum + Double(e.bias?[o] ?? 0)) * Double(e.scale?[o] ?? 1) + Double(e.shift?[o] ?? 0) + Double(e.residual?[at] ?? 0)
            out[at] = Swift.min(Swift.max(value, Double(e.activation.floor)), Double(e.activation.ceiling))
        } } } }
        return out
    }
}
