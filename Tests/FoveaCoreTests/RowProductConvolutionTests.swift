import FoveaCore
import FoveaTestSupport
import Testing

/// The row-product kernel for one image on a few output pixels against the float64 definition:
/// 1 to 4 pixels (tiles of 3 pixels and the 1 or 2 left), patches over 512 floats (two passes of
/// the kernel's width blocks) and not a multiple of 8 (masked tails), padding read by some taps,
/// stride, dilation, groups with chunks of output channels straddling two groups, pointwise
/// windows (the image read in place, or transposed), every epilogue.
@Suite(.enabled(if: ConvolutionKernel(geometry: WindowGeometry(channels: 1, height: 1, width: 1, kernel: (1, 1)),
                                      batch: 1, outChannels: 1, groups: 1).canRunOnRowProducts, "needs AVX2 and FMA"))
struct RowProductConvolutionTests {
    typealias Case = PanelConvolutionTests.Case

    static let cases: [Case] = [
        Case(batch: 1, channels: 70, out: 13, height: 2, width: 2, kernel: (3, 3), padding: (1, 1, 1, 1)),    // 4 pixels, depth 630, channels split
        Case(batch: 1, channels: 9, out: 7, height: 1, width: 1, kernel: (3, 3), padding: (1, 1, 1, 1)),      // 1 pixel, 8 taps padding
        Case(batch: 1, channels: 20, out: 18, height: 4, width: 4, kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1)),
        Case(batch: 1, channels: 5, out: 11, height: 5, width: 3, kernel: (2, 2), stride: (3, 2), dilation: (2, 1)),  // 2 pixels
        Case(batch: 1, channels: 12, out: 10, height: 1, width: 3, kernel: (3, 3), padding: (1, 1, 1, 1), groups: 2),  // 3 pixels
        Case(batch: 1, channels: 33, out: 20, height: 1, width: 1, kernel: (1, 1)),                                // pointwise, read in place
        Case(batch: 1, channels: 17, out: 9, height: 2, width: 2, kernel: (1, 1)),                                 // pointwise, transposed
        Case(batch: 1, channels: 70, out: 9, height: 2, width: 2, kernel: (1, 1)),                                 // the same, channels split between threads
        Case(batch: 1, channels: 16, out: 12, height: 1, width: 2, kernel: (1, 1), groups: 4),                      // pointwise, grouped
    ]

    @Test(arguments: cases) func rowProductsMatchTheDefinitionWithTheWholeEpilogue(c: Case) {
        PanelConvolutionTests.expectMatchesTheDefinition(c) { kernel, x, w, epilogue, y in
            #expect(kernel.runsOnRowProducts)
            kernel.forwardByRowProducts(input: x, weight: w, epilogue: epilogue, output: y)
        }
    }

    /// One image on 1–4 output pixels takes the row products; 16 pixels (and batches) the panels
    /// (convolution-bench small-planes).
    @Test func selectionPolicy() {
        func kernel(batch: Int, size: Int, stride: Int = 1) -> ConvolutionKernel {
            let g = WindowGeometry(channels: 256, height: size, width: size, kernel: (3, 3), stride: (stride, stride),
                                   padding: (1, 1, 1, 1))
            return ConvolutionKernel(geometry: g, batch: batch, outChannels: 256, groups: 1)
        }
        #expect(kernel(batch: 1, size: 2).runsOnRowProducts)
        #expect(kernel(batch: 1, size: 1).runsOnRowProducts)
        #expect(kernel(batch: 1, size: 4, stride: 2).runsOnRowProducts)
        #expect(!kernel(batch: 1, size: 4).runsOnRowProducts && kernel(batch: 1, size: 4).runsOnPanels)
        #expect(!kernel(batch: 1, size: 3).runsOnRowProducts && kernel(batch: 1, size: 3).runsOnPanels)
        #expect(!kernel(batch: 64, size: 2).runsOnRowProducts)
        #expect(!kernel(batch: 1, size: 7).runsOnPanels)   // 49 pixels: im2col + BLAS
        // The name benchmarks print follows the same choice.
        #expect(kernel(batch: 1, size: 2).forwardKernelName == "row products")
        #expect(kernel(batch: 1, size: 4).forwardKernelName == "panels")
        #expect(kernel(batch: 1, size: 7).forwardKernelName == "im2col + GEMM")
    }
}
