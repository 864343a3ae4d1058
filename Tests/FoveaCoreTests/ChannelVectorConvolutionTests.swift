import CKernels
import FoveaCore
import FoveaTestSupport
import Testing

/// The channel-vector kernel (output channels in the lanes: AVX2 tiles of 1–6 pixels, AVX-512 tiles
/// of 1–4 channel groups × 1–8 pixels) against the float64 definition: planes whose pixel count
/// leaves every tile size last,
/// output channels in whole and partial 16-lane groups, strides, dilation, asymmetric padding,
/// a padded 1×1 window, valid windows read from the input in place, and both ways of sharing the
/// work (images in turn; one or few images by channel groups and runs of tiles).
@Suite(.enabled(if: ConvolutionKernel(geometry: WindowGeometry(channels: 1, height: 3, width: 3, kernel: (3, 3)),
                                      batch: 1, outChannels: 1, groups: 1).canRunOnChannelVectors, "needs AVX2 and FMA"))
struct ChannelVectorConvolutionTests {
    typealias Case = PanelConvolutionTests.Case

    static let cases: [Case] = [
        Case(batch: 4, channels: 32, out: 64, height: 15, width: 15, kernel: (3, 3)),                           // 169 = 28 · 6 + 1
        Case(batch: 5, channels: 6, out: 16, height: 14, width: 14, kernel: (5, 5)),                            // 100 = 16 · 6 + 4
        Case(batch: 4, channels: 5, out: 7, height: 8, width: 8, kernel: (3, 3), padding: (1, 1, 1, 1)),      // 7 of 16 lanes
        Case(batch: 1, channels: 40, out: 33, height: 6, width: 7, kernel: (3, 3), padding: (1, 1, 1, 1)),    // 3 groups, one image
        Case(batch: 2, channels: 4, out: 20, height: 9, width: 11, kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1)),  // 5 · 6
        Case(batch: 3, channels: 6, out: 12, height: 12, width: 12, kernel: (3, 3), padding: (2, 2, 2, 2), dilation: (2, 2)),
        Case(batch: 1, channels: 3, out: 16, height: 33, width: 35, kernel: (7, 7), stride: (2, 2), padding: (3, 3, 3, 3)),
        Case(batch: 4, channels: 2, out: 17, height: 7, width: 24, kernel: (2, 3), padding: (0, 2, 1, 0)),    // 8 · 23 = 30 · 6 + 4
        Case(batch: 2, channels: 7, out: 3, height: 5, width: 5, kernel: (1, 1), padding: (1, 1, 1, 1)),      // 49 = 8 · 6 + 1
        Case(batch: 6, channels: 3, out: 32, height: 4, width: 5, kernel: (3, 3), stride: (1, 3), padding: (1, 1, 1, 1)),  // 8 = 6 + 2
        // Valid windows read the input in place: one image by groups and runs, and a batch.
        Case(batch: 1, channels: 8, out: 32, height: 11, width: 9, kernel: (3, 3)),                            // 63 = 10 · 6 + 3
        Case(batch: 2, channels: 5, out: 24, height: 6, width: 13, kernel: (2, 4), dilation: (2, 3)),
        // AVX-512 blocks of channel groups: 4 + 3 groups in runs of 6 (81 = 13 · 6 + 3); 4 + 2 groups, the
        // last one of 8 lanes, in runs of 6 and of 8 (30 = 5 · 6 = 3 · 8 + 6), valid, whole images in turn;
        // 2 groups in runs of 8 ending in 7 (23 = 2 · 8 + 7); one image's 3 groups taken one at a time.
        Case(batch: 4, channels: 5, out: 112, height: 9, width: 9, kernel: (3, 3), padding: (1, 1, 1, 1)),
        Case(batch: 4, channels: 4, out: 88, height: 7, width: 8, kernel: (3, 3)),
        Case(batch: 4, channels: 3, out: 32, height: 3, width: 25, kernel: (3, 3)),
        Case(batch: 1, channels: 3, out: 40, height: 5, width: 7, kernel: (3, 3), padding: (1, 1, 1, 1)),
        // One image on a plane of few tiles, the threads sharing the 64-channel blocks: 3 blocks (the
        // last one group) over 9 pixels, padded; 2 blocks over 4 pixels, strided; valid, 2 × 2.
        Case(batch: 1, channels: 9, out: 144, height: 3, width: 3, kernel: (3, 3), padding: (1, 1, 1, 1)),
        Case(batch: 1, channels: 8, out: 128, height: 4, width: 4, kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1)),
        Case(batch: 1, channels: 7, out: 192, height: 4, width: 4, kernel: (3, 3)),
    ]

    @Test(arguments: cases) func channelVectorsMatchTheDefinitionWithTheWholeEpilogue(c: Case) {
        PanelConvolutionTests.expectMatchesTheDefinition(c) { kernel, x, w, epilogue, y in
            #expect(kernel.canRunOnChannelVectors)
            kernel.forwardByChannelVectors(input: x, weight: w, epilogue: epilogue, output: y)
        }
    }

    /// Where `conv2d` picks it: batches of at least two images per thread, stride 1 (or 2 on rows under 16), whole
    /// 16-channel groups, patches of 64 and more, output rows that are not whole 8-pixel vectors
    /// (with AVX-512 those too where there are 64 channels or more).
    @Test func selectionPolicy() {
        let threads = ThreadPool.shared.threadCount
        func kernel(batch: Int = 2 * threads, channels: Int = 32, out: Int = 64, size: Int = 15, window: Int = 3,
                    stride: Int = 1) -> ConvolutionKernel {
            let g = WindowGeometry(channels: channels, height: size, width: size, kernel: (window, window), stride: (stride, stride))
            return ConvolutionKernel(geometry: g, batch: batch, outChannels: out, groups: 1)
        }
        #expect(kernel().runsOnChannelVectors)                                          // keras-cifar-cnn's 13×13
        #expect(kernel().forwardKernelName == "channel vectors")
        #expect(kernel(channels: 6, out: 16, size: 14, window: 5).runsOnChannelVectors)  // LeNet-5's 10×10
        // 8×8 outputs: with AVX-512 where there are 64 channels (four groups per tile), else not.
        #expect(kernel(size: 10).runsOnChannelVectors == (fovea_wide_tiles_available() != 0))
        #expect(!kernel(channels: 32, out: 32, size: 10).runsOnChannelVectors)
        #expect(!kernel(size: 6).runsOnChannelVectors)                                   // 4×4 outputs: under 64 pixels
        #expect(!kernel(channels: 3, out: 32, size: 32).runsOnChannelVectors)            // patch of 27
        #expect(!kernel(out: 40).runsOnChannelVectors)                                   // 16 + 16 + 8 channels
        #expect(kernel(size: 29, stride: 2).runsOnChannelVectors)                       // 14×14
        // ResNet-20's stage 3 entry (8×8 outputs of 64 channels) with AVX-512; not a stride of 3,
        // not rows of 16 (the direct kernel's).
        #expect(kernel(size: 17, stride: 2).runsOnChannelVectors == (fovea_wide_tiles_available() != 0))
        #expect(!kernel(size: 29, stride: 3).runsOnChannelVectors)
        #expect(!kernel(size: 33, stride: 2).runsOnChannelVectors)
        #expect(!kernel(batch: 1).runsOnChannelVectors)
    }

    /// One image on a plane of 2 to 49 pixels with ≥ 128 channels, where the weight's packs are kept
    /// (inference) and AVX-512 runs: ResNet-18's 4×4 and 2×2 stages at 3×32×32; not one pixel, not
    /// without kept packs, not 64 channels.
    @Test func oneImageOnSmallPlanesWithKeptPacks() {
        func kernel(channels: Int = 128, size: Int = 4, batch: Int = 1) -> ConvolutionKernel {
            let g = WindowGeometry(channels: channels, height: size, width: size, kernel: (3, 3), padding: (1, 1, 1, 1))
            return ConvolutionKernel(geometry: g, batch: batch, outChannels: channels, groups: 1)
        }
        let wide = fovea_wide_tiles_available() != 0 && ThreadPool.shared.threadCount > 1
        #expect((kernel().forwardKernelName(weightsKept: true) == "channel vectors") == wide)
        #expect((kernel(channels: 256, size: 2).forwardKernelName(weightsKept: true) == "channel vectors") == wide)
        #expect((kernel(channels: 512, size: 7).forwardKernelName(weightsKept: true) == "channel vectors") == wide)
        #expect(kernel().forwardKernelName != "channel vectors")
        #expect(kernel(channels: 512, size: 1).forwardKernelName(weightsKept: true) != "channel vectors")
        #expect(kernel(channels: 64).forwardKernelName(weightsKept: true) != "channel vectors")
        #expect(kernel(size: 8).forwardKernelName(weightsKept: true) != "channel vectors")
    }
}
