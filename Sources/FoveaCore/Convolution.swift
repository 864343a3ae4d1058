import CKernels
/// An activation applied inside a kernel's output pass instead of as a separate op: a clamp to
/// [floor, ceiling], whose gradient passes where the output lies strictly inside the clamp.
public enum FusedActivation: Sendable, Equatable {
    case none, relu, relu6

    public var floor: Float { self == .none ? -.infinity : 0 }
    public var ceiling: Float { self == .relu6 ? 6 : .infinity }

    /// Whether the gradient flows through an output value `y` (as PyTorch, not where y is NaN).
    @inline(__always) public func passes(_ y: Float) -> Bool {
        switch self {
        case .none: true
        case .relu: y > 0
        case .relu6: y > 0 && y < 6
        }
    }
}

/// 2-D convolution (cross-correlation, as PyTorch) by im2col + GEMM, parallel over the batch.
///
/// input [N, C, H, W], weight [O, C/groups, kh, kw], bias [O] → [N, O, Hout, Wout].
/// With `activation: .relu` the ReLU is applied in the same pass as the bias.
extension Tensor {
    public func conv2d(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1),
                       padding: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1, activation: FusedActivation = .none,
                       packs: WeightPacks? = nil) -> Tensor {
        precondition(rank == 4 && weight.rank == 4, "conv2d: input \(describe(shape: shape)), weight \(describe(shape: weight.shape))")
        let batch = shape[0], outChannels = weight.shape[0]
        precondition(groups > 0 && shape[1] % groups == 0 && outChannels % groups == 0 && weight.shape[1] * groups == shape[1],
                     "conv2d: input \(describe(shape: shape)) does not fit weight \(describe(shape: weight.shape)) with \(groups) groups")
        let geometry = WindowGeometry(channels: shape[1] / groups, height: shape[2], width: shape[3],
                                      kernel: (weight.shape[2], weight.shape[3]), stride: stride,
                                      padding: padding, dilation: dilation)
        precondition(geometry.isValid, "conv2d: kernel \(weight.shape[2])×\(weight.shape[3]) does not fit input \(describe(shape: shape))")
        if let live = LiveTaps.crop(geometry, batch: shape[0], backward: GradientRecording.isEnabled
                                   && (requiresGrad || weight.requiresGrad || (bias?.requiresGrad ?? false))) {
            let g = live.geometry
            return conv2d(weight: weight.croppedKernel(rows: live.rows, columns: live.columns), bias: bias, stride: stride,
                          padding: (g.padTop, g.padLeft, g.padBottom, g.padRight), dilation: dilation, groups: groups,
                          activation: activation)
        }
        let kernel = ConvolutionKernel(geometry: geometry, batch: batch, outChannels: outChannels, groups: groups,
                                       activation: activation)
        let result = Tensor(uninitializedShape: [batch, outChannels, geometry.outputHeight, geometry.outputWidth])
        kernel.forward(input: pointer, weight: weight.pointer, epilogue: ConvolutionEpilogue(bias: bias?.pointer, activation: activation),
                       output: result.pointer, packs: packs)

        let input = detached(), w = weight.detached(), output = result.detached()
        var inputs = [self, weight]
        if let bias { inputs.append(bias) }
        return Tensor.record(result, op: "conv2d", inputs: inputs) { g, needs in
            kernel.gradients(input: input, weight: w, output: output.pointer, outputGrad: g.pointer, needs: needs)
        }
    }
}

/// The convolution arithmetic, free of autodiff, so it can be benchmarked and reused.
///
/// Each thread takes a contiguous share of the batch and unfolds several of its images side by
/// side into one column matrix, so one wide GEMM replaces many narrow ones (deep layers have only
/// 8×8 or 4×4 outputs per image, far too few columns for BLAS to run well). The pass that moves
/// the GEMM result into NCHW also adds the bias and applies the fused activation; in backward,
/// the matching pass applies the activation's mask and sums the bias gradient.
public struct ConvolutionKernel: Sendable {
    public let geometry: WindowGeometry   // per group: channels = C / groups
    public let batch: Int, outChannels: Int, groups: Int
    public let activation: FusedActivation

    public init(geometry: WindowGeometry, batch: Int, outChannels: Int, groups: Int, activation: FusedActivation = .none) {
        self.geometry = geometry; self.batch = batch; self.outChannels = outChannels; self.groups = groups
        self.activation = activation
    }

    var outPlane: Int { geometry.outputHeight * geometry.outputWidth }
    var inPlane: Int { geometry.height * geometry.width }
    var patch: Int { geometry.channels * geometry.kernelHeight * geometry.kernelWidth }  // K of the GEMM
    var outPerGroup: Int { outChannels / groups }
    /// Images unfolded into one GEMM: as many as keep the column buffer within `columnBudget`.
    var imagesPerGEMM: Int { Swift.max(1, Swift.min(batch, ConvolutionKernel.columnBudget / Swift.max(1, patch * outPlane))) }
    /// 64 K floats (256 KB): the column buffer stays in Zen 3's 512 KB L2, with room for the
    /// other operands, between im2col and the product that reads it. 8 MB went to memory and back
    /// (ResNet-20 trained 15 % slower); 1 MB, the budget until Fovea's own product kernels read
    /// the columns, was 2–5 % slower than 256 KB on LeNet-5, keras-cifar-cnn and ResNet-20 (A/B,
    /// medians of 4, in ±15 % noise); 128 KB was no better overall.
    static let columnBudget = 1 << 16

    /// Splits the batch into `perThread` contiguous shares per thread. More shares than threads
    /// are taken in turn (parallelFor's shared counter), so a thread the VM stalls hands its later
    /// ones over, at the price of one scratch buffer per share.
    func shares(perThread: Int = 1) -> (count: Int, range: (Int) -> Range<Int>) {
        let count = Swift.max(1, Swift.min(ThreadPool.shared.threadCount * perThread, batch))
        return (count, { c in (batch * c / count)..<(batch * (c + 1) / count) })
    }

    /// One filter per channel: direct loops beat one tiny GEMM per channel.
    var depthwise: DepthwiseKernel? {
        geometry.channels == 1 && outPerGroup == 1 && groups > 1
            ? DepthwiseKernel(g: geometry, batch: batch, channels: groups, activation: activation) : nil
    }

    public func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        output: UnsafeMutablePointer<Float>) {
        forward(input: input, weight: weight, epilogue: ConvolutionEpilogue(bias: bias, activation: activation), output: output)
    }

    /// The kernels `forward` can pick, in the order it tries them.
    enum ForwardPath {
        case depthwise(DepthwiseKernel), laneWinograd(ChannelLaneWinograd), winograd(WinogradKernel), rowProducts(RowProductConvolution)
        case channelVectors(ChannelVectorConvolution), direct(DirectConvolution), panels(PanelConvolution), unfolding
    }

    var forwardPath: ForwardPath { forwardPath(weightsKept: false) }

    /// The kernels that compute dW faster than im2col + GEMM where they apply, in `backward`'s order.
    enum WeightGradientPath {
        case laneWinograd(ChannelLaneWinograd), outerProducts(OuterProductWeightGradient), winograd(WinogradKernel)
        case rowProducts(DirectWeightGradient)

        /// Whether `backward` runs it beside dX by Wᵀ · dY and col2im where dX is no transposed
        /// convolution; Winograd's dW was never measured there, and such layers take im2col for both.
        var pairsWithUnfoldedInputGradient: Bool { if case .winograd = self { false } else { true } }
    }

    /// The dW kernel `backward` takes (nil: im2col + GEMM).
    var weightGradientPath: WeightGradientPath? {
        guard depthwise == nil else { return nil }
        if let lanes = ChannelLaneWinograd(weightGradientOf: self) { return .laneWinograd(lanes) }
        if let outer = OuterProductWeightGradient(self) { return .outerProducts(outer) }
        if let winograd = WinogradKernel(weightGradientOf: self) { return .winograd(winograd) }
        if let direct = DirectWeightGradient(self) { return .rowProducts(direct) }
        return nil
    }

    /// The path with the weight's packs kept from earlier calls (`WeightPacks`) or made now: kept
    /// transforms let Winograd run single images too (see `WinogradKernel(_:weightsKept:)`).
    func forwardPath(weightsKept: Bool) -> ForwardPath {
        if let depthwise { return .depthwise(depthwise) }
        if let lanes = ChannelLaneWinograd(self, weightsKept: weightsKept) { return .laneWinograd(lanes) }
        if let winograd = WinogradKernel(self, weightsKept: weightsKept) { return .winograd(winograd) }
        if let channelVectors = ChannelVectorConvolution(oneImage: self, weightsKept: weightsKept) { return .channelVectors(channelVectors) }
        if let rowProducts = RowProductConvolution(self) { return .rowProducts(rowProducts) }
        if let channelVectors = ChannelVectorConvolution(self) { return .channelVectors(channelVectors) }
        if let direct = DirectConvolution(self) { return .direct(direct) }
        if let panels = PanelConvolution(self) { return .panels(panels) }
        return .unfolding
    }

    /// The GEMM, then `epilogue` in the same pass that moves the product into NCHW. `packs`: the
    /// weight's layouts kept between calls (inference; see `WeightPacks`).
    public func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                        output: UnsafeMutablePointer<Float>, packs: WeightPacks? = nil) {
        switch forwardPath(weightsKept: packs != nil) {
        case let .depthwise(kernel): kernel.forward(input: input, weight: weight, epilogue: epilogue, output: output)
        case let .laneWinograd(kernel): kernel.forward(input: input, weight: weight, epilogue: epilogue, output: output, packs: packs)
        case let .winograd(kernel): kernel.forward(input: input, weight: weight, epilogue: epilogue, output: output, packs: packs)
        case let .rowProducts(kernel): kernel.forward(input: input, weight: weight, epilogue: epilogue, output: output)
        case let .channelVectors(kernel): kernel.forward(input: input, weight: weight, epilogue: epilogue, output: output, packs: packs)
        case let .direct(kernel): kernel.forward(input: input, weight: weight, epilogue: epilogue, output: output, packs: packs)
        case let .panels(kernel): kernel.forward(input: input, weight: weight, epilogue: epilogue, output: output)
        case .unfolding: forwardByUnfolding(input: input, weight: weight, epilogue: epilogue, output: output)
        }
    }

    /// `forward`, then a 2×2 stride-2 max pool (floor): `output` is [N, O, Hout / 2, Wout / 2], and
    /// each window's winner (its offset within its plane) goes to `winners` (same layout) where
    /// given, for the gradient. Where the kernel takes whole images one per thread (direct,
    /// channel vectors), each image is pooled by its thread straight after, from cache (see
    /// `ConvolutionImageOutputs`), and where the direct kernel's threads share an image's rows
    /// (no winners kept), each pools its own; elsewhere the two run one after the other. With
    /// AVX-512 the direct and channel-vector tiles pool in their registers instead and write only
    /// the pooled output and the winners (then also where one image's rows are shared).
    public func forwardMaxPooled(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                                 output: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<Int32>? = nil,
                                 packs: WeightPacks? = nil) {
        let g = geometry
        precondition(g.outputHeight >= 2 && g.outputWidth >= 2, "forwardMaxPooled: output \(g.outputHeight)×\(g.outputWidth) is under 2×2")
        // Made where a kernel takes them (their per-thread buffers sized as the kernel is called).
        func outputs(buffered: Bool) -> ConvolutionImageOutputs {
            ConvolutionImageOutputs(pooledInto: output, winners: winners, channels: outChannels, height: g.outputHeight, width: g.outputWidth,
                                    buffered: buffered)
        }
        // Kept packs bring Winograd to one image (see `forward`), but not in place of a direct
        // kernel that pools in its registers: 128 → 128 at 16×16 on one image, the direct kernel
        // pooled 0.275–0.278 ms, Winograd and the pool pass 0.274–0.32 (convolution-bench pooled).
        var path = forwardPath(weightsKept: packs != nil)
        if case .winograd = path, case let .direct(kernel) = forwardPath, kernel.poolsInRegisters(epilogue: epilogue) {
            path = .direct(kernel)
        }
        if let kernel = channelVectorsPoolingFewImages(path, epilogue: epilogue) {
            return kernel.forward(input: input, weight: weight, epilogue: epilogue, outputs: outputs(buffered: false), packs: packs)
        }
        switch path {
        case let .channelVectors(kernel) where kernel.runsImageByImage:
            let buffered = !kernel.poolsInRegisters(epilogue: epilogue)
            kernel.forward(input: input, weight: weight, epilogue: epilogue, outputs: outputs(buffered: buffered), packs: packs)
        case let .direct(kernel) where winners == nil || kernel.runsImageByImage || kernel.poolsInRegisters(epilogue: epilogue):
            let buffered = !kernel.poolsInRegisters(epilogue: epilogue)
            kernel.forward(input: input, weight: weight, epilogue: epilogue, outputs: outputs(buffered: buffered), packs: packs)
        default:
            let whole = TensorStorage(uninitializedCount: batch * outChannels * outPlane)
            withExtendedLifetime(whole) {
                forward(input: input, weight: weight, epilogue: epilogue, output: whole.pointer, packs: packs)
                ThreadPool.shared.parallelRanges(batch * outChannels, chunksPerThread: poolingChunksPerThread) { range in
                    fovea_max_pool_halving(whole.pointer, Int32(g.outputHeight), Int32(g.outputWidth), Int32(range.lowerBound),
                                           Int32(range.upperBound), output, winners)
                }
            }
        }
    }

    /// On fewer images than `forward` gives the channel-vector kernel (with AVX-512),
    /// where it would pick the panels: the channel-vector tiles pooling in registers, the threads
    /// sharing each image's pooled rows. keras-cifar-cnn's 32 → 64 on one image (convolution-bench
    /// pooled, 2 threads): the panels and their pool pass 0.069–0.086 ms, the pooled tiles 0.054–0.056.
    /// Up to 512 KB of weights: 256 → 256 at 8×8 (2.3 MB) ran 0.77–0.81 ms there against the
    /// panels' and the pool pass's 0.37–0.39 (convolution-bench pooled, two runs).
    func channelVectorsPoolingFewImages(_ path: ForwardPath, epilogue: ConvolutionEpilogue) -> ChannelVectorConvolution? {
        guard case .panels = path, let kernel = ChannelVectorConvolution(anyShape: self), !kernel.runsImageByImage,
              outChannels % Int(FOVEA_CHANNEL_GROUP) == 0, outChannels >= 32, kernel.poolsInRegisters(epilogue: epilogue),
              outChannels * patch * MemoryLayout<Float>.stride <= 1 << 19
        else { return nil }
        return kernel
    }

    /// Whether `forwardMaxPooled` without winners (inference) pools each image, or each thread's
    /// rows of it, straight after its convolution, from cache.
    public var poolsWhileInCache: Bool {
        let path = forwardPath
        if channelVectorsPoolingFewImages(path, epilogue: ConvolutionEpilogue()) != nil { return true }
        return switch path {
        case let .channelVectors(kernel): kernel.runsImageByImage
        case .direct: true
        default: false
        }
    }

    /// The kernel `forward` picks, in its order (benchmarks print it beside their timings).
    public var forwardKernelName: String { forwardKernelName(weightsKept: false) }

    /// The kernel `forward` picks when handed the weight's packs (a layer at inference).
    public func forwardKernelName(weightsKept: Bool) -> String {
        switch forwardPath(weightsKept: weightsKept) {
        case .depthwise: "depthwise"
        case .laneWinograd: "channel-lane Winograd 4×4"
        case let .winograd(winograd): winograd.outputTile == 4 ? "Winograd 4×4" : "Winograd"
        case .rowProducts: "row products"
        case .channelVectors: "channel vectors"
        case .direct: "direct"
        case .panels: "panels"
        case .unfolding: "im2col + GEMM"
        }
    }

    /// Whether `forward` runs Winograd, F(2×2, 3×3) or F(4×4, 3×3) (see `WinogradKernel`).
    public var usesWinograd: Bool { WinogradKernel(self) != nil }   // groups 1 only, so never depthwise

    /// The im2col + GEMM path, whichever kernel `forward` would pick (benchmarks compare against it).
    public func forwardByUnfolding(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                                   output: UnsafeMutablePointer<Float>) {
        if batch == 1 && groups == 1 && ThreadPool.shared.threadCount > 1 {
            return forwardSingleImage(input: input, weight: weight, epilogue: epilogue, output: output)
        }
        let g = geometry, outPlane = outPlane, patch = patch, outPerGroup = outPerGroup
        let inputSize = g.channels * groups * inPlane, outputSize = outChannels * outPlane
        let (shareCount, share) = shares()
        if readsInputAsColumns {
            // The image is its own column matrix: one GEMM straight into the output, epilogue in place.
            return ThreadPool.shared.parallelFor(shareCount) { s in
                for n in share(s) {
                    let target = output + n * outputSize
                    gemm(m: outChannels, n: outPlane, k: patch, a: weight, lda: patch, b: input + n * inputSize, ldb: outPlane,
                         c: target, ldc: outPlane)
                    for o in 0..<outChannels {
                        epilogue.apply(channel: o, source: target + o * outPlane, target: target + o * outPlane,
                                       residual: epilogue.residual.map { $0 + n * outputSize + o * outPlane }, count: outPlane)
                    }
                }
            }
        }
        let perGEMM = imagesPerGEMM
        ThreadPool.shared.parallelFor(shareCount) { s in
            let images = share(s)
            let capacity = Swift.min(perGEMM, images.count) * outPlane
            let columns = TensorStorage(uninitializedCount: patch * capacity)
            let product = TensorStorage(uninitializedCount: outPerGroup * capacity)
            defer { withExtendedLifetime((columns, product)) {} }
            for start in stride(from: images.lowerBound, to: images.upperBound, by: perGEMM) {
                let count = Swift.min(perGEMM, images.upperBound - start), width = count * outPlane
                for group in 0..<groups {
                    for i in 0..<count {
                        im2col(g, input: input + (start + i) * inputSize + group * g.channels * inPlane,
                               columns: columns.pointer + i * outPlane, rowStride: width)
                    }
                    gemm(m: outPerGroup, n: width, k: patch, a: weight + group * outPerGroup * patch, lda: patch,
                         b: columns.pointer, ldb: width, c: product.pointer, ldc: width)
                    for o in 0..<outPerGroup {
                        let channel = group * outPerGroup + o
                        for i in 0..<count {
                            let offset = (start + i) * outputSize + channel * outPlane
                            epilogue.apply(channel: channel, source: product.pointer + o * width + i * outPlane,
                                           target: output + offset, residual: epilogue.residual.map { $0 + offset }, count: outPlane)
                        }
                    }
                }
            }
        }
    }

    /// A 1×1 stride-1 convolution without groups on planes of at least `directPointwisePlane`
    /// pixels multiplies each image [C, H·W] as it lies, instead of copying it into a column buffer
    /// first (im2col is then a plain copy: 9 % of MobileNetV2's training step). Smaller planes
    /// still gather several images into one wider GEMM, which BLAS runs faster than many narrow ones.
    public var readsInputAsColumns: Bool { geometry.isPointwise && groups == 1 && outPlane >= ConvolutionKernel.directPointwisePlane }
    static let directPointwisePlane = 256

    /// One image cannot be split over the batch: the threads share the unfolding by input
    /// channels, then the GEMM and epilogue by output channels (batch-1 latency).
    func forwardSingleImage(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                            output: UnsafeMutablePointer<Float>) {
        let g = geometry, outPlane = outPlane, patch = patch, inPlane = inPlane, taps = g.kernelHeight * g.kernelWidth
        // A 1×1 stride-1 window's column matrix is the image itself.
        let columns = TensorStorage(uninitializedCount: g.isPointwise ? 1 : patch * outPlane)
        let product = TensorStorage(uninitializedCount: outChannels * outPlane)
        defer { withExtendedLifetime(product) {} }
        if !g.isPointwise {
            ThreadPool.shared.parallelRanges(g.channels) { channels in
                var part = g
                part.channels = channels.count
                im2col(part, input: input + channels.lowerBound * inPlane, columns: columns.pointer + channels.lowerBound * taps * outPlane)
            }
        }
        let unfolded = g.isPointwise ? input : UnsafePointer(columns.pointer)
        // `columns` is read only through `unfolded` from here on: keep it alive until the GEMMs end.
        withExtendedLifetime(columns) {
            ThreadPool.shared.parallelRanges(outChannels, minimumPerChunk: 4) { rows in
                gemm(m: rows.count, n: outPlane, k: patch, a: weight + rows.lowerBound * patch, lda: patch,
                     b: unfolded, ldb: outPlane, c: product.pointer + rows.lowerBound * outPlane, ldc: outPlane)
                for o in rows {
                    epilogue.apply(channel: o, source: product.pointer + o * outPlane, target: output + o * outPlane,
                                   residual: epilogue.residual.map { $0 + o * outPlane }, count: outPlane)
                }
            }
        }
    }

    /// Whether `backward` writes every element of `inputGrad` (so it need not start at zero).
    public var writesWholeInputGradient: Bool { depthwise == nil && inputGradientAsConvolution != nil }

    /// The gradients `needs` asks for — input, weight and, where it has a third entry, bias — as
    /// new tensors, by `backward`. dX is zeroed only where the kernel accumulates into it (col2im);
    /// the transposed form writes every element.
    func gradients(input: Tensor, weight: Tensor, output: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>,
                   needs: [Bool]) -> [Tensor?] {
        let gradInput = needs[0]
            ? (writesWholeInputGradient ? Tensor(uninitializedShape: input.shape) : Tensor(zeros: input.shape)) : nil
        let gradWeight = needs[1] ? Tensor(uninitializedShape: weight.shape) : nil
        let gradBias = needs.count > 2 && needs[2] ? Tensor(uninitializedShape: [outChannels]) : nil
        backward(input: input.pointer, weight: weight.pointer, output: output, outputGrad: outputGrad,
                 inputGrad: gradInput?.pointer, weightGrad: gradWeight?.pointer, biasGrad: gradBias?.pointer)
        return [gradInput, gradWeight, gradBias]
    }

    /// Any of the three gradients may be nil (not needed). `inputGrad` must start at zero unless
    /// `writesWholeInputGradient`. `output` is the forward result, read for the fused activation's mask.
    public func backward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGrad: UnsafePointer<Float>, inputGrad: UnsafeMutablePointer<Float>?,
                         weightGrad: UnsafeMutablePointer<Float>?, biasGrad: UnsafeMutablePointer<Float>?) {
        if let depthwise {
            return depthwise.backward(input: input, weight: weight, output: output, outputGrad: outputGrad,
                                      inputGrad: inputGrad, weightGrad: weightGrad, biasGrad: biasGrad)
        }
        if let weightGrad, let path = weightGradientPath {
            func weightGradient(_ maskedGradient: UnsafePointer<Float>) {
                switch path {
                case let .laneWinograd(kernel): kernel.weightGradient(input: input, outputGrad: maskedGradient, into: weightGrad)
                case let .outerProducts(kernel): kernel.weightGradient(input: input, outputGrad: maskedGradient, into: weightGrad)
                case let .winograd(kernel): kernel.weightGradient(input: input, outputGrad: maskedGradient, into: weightGrad)
                case let .rowProducts(kernel): kernel.weightGradient(input: input, outputGrad: maskedGradient, into: weightGrad)
                }
            }
            if inputGrad == nil || inputGradientAsConvolution != nil {
                return backwardMaskingOnce(output: output, outputGrad: outputGrad, weight: weight, inputGrad: inputGrad, biasGrad: biasGrad,
                                           weightGradient: weightGradient)
            }
            if path.pairsWithUnfoldedInputGradient {
                // A convolution whose dX is no transposed convolution (a strided one; a valid one
                // without AVX-512, see `inputGradientAsConvolution`): dW by its kernel, dX by Wᵀ · dY
                // and col2im, no im2col at all (LeNet-5's second convolution spent 10 % of the training
                // step in im2col for dW alone). dY is masked once; the unfolding pass takes it as it is.
                let unmasked = ConvolutionKernel(geometry: geometry, batch: batch, outChannels: outChannels, groups: groups)
                return backwardMaskingOnce(output: output, outputGrad: outputGrad, weight: weight, inputGrad: nil, biasGrad: biasGrad) {
                    weightGradient($0)
                    unmasked.backwardByUnfolding(input: input, weight: weight, output: output, outputGrad: $0, inputGrad: inputGrad,
                                                 weightGrad: nil, biasGrad: nil)
                }
            }
        }
        if let inputGrad, let transposed = inputGradientAsConvolution {
            // (dX alone, as for a frozen layer or a pooled one whose dW is done: no pass over dY for nothing.)
            if weightGrad != nil || biasGrad != nil {
                backwardByUnfolding(input: input, weight: weight, output: output, outputGrad: outputGrad, inputGrad: nil,
                                    weightGrad: weightGrad, biasGrad: biasGrad)
            }
            return inputGradientByConvolution(transposed, weight: weight, output: output, outputGrad: outputGrad, inputGrad: inputGrad)
        }
        backwardByUnfolding(input: input, weight: weight, output: output, outputGrad: outputGrad, inputGrad: inputGrad,
                            weightGrad: weightGrad, biasGrad: biasGrad)
    }

    /// The gradients by im2col + GEMM: dW += dY · colsᵀ, and dX by col2im of Wᵀ · dY (not
    /// depthwise; `backward` picks the faster kernels where they apply; benchmarks compare them
    /// with this). `inputGrad` must start at zero.
    public func backwardByUnfolding(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, output: UnsafePointer<Float>,
                                    outputGrad: UnsafePointer<Float>, inputGrad: UnsafeMutablePointer<Float>?,
                                    weightGrad: UnsafeMutablePointer<Float>?, biasGrad: UnsafeMutablePointer<Float>?) {
        precondition(depthwise == nil, "backwardByUnfolding does not run depthwise convolutions")
        let g = geometry, outPlane = outPlane, patch = patch, outPerGroup = outPerGroup, activation = activation
        let inputSize = g.channels * groups * inPlane, outputSize = outChannels * outPlane
        let weightCount = outChannels * patch
        let (shareCount, share) = shares()
        let direct = readsInputAsColumns
        // Each GEMM for dW reads and writes the whole [out × patch] gradient: with few pixels per
        // image, the column budget alone made that traffic the product's (ResNet-18's 2×2 planes:
        // 7 images, k = 28, 2.4 MB of dW rewritten per 28 columns). At least out / outPlane images
        // per GEMM keep it below the columns' own.
        let perGEMM = direct ? 1 : (weightGrad == nil ? imagesPerGEMM
            : Swift.max(imagesPerGEMM, Swift.min(batch, (outPerGroup + outPlane - 1) / outPlane)))
        // One image's columns past the budget, weight gradient only: unfolded and multiplied in runs
        // of output pixels within the budget, so that they stay in cache between im2col and the
        // product (the seed ResNet's 64 channels at 32×32: 2.4 MB of columns per image, more than
        // L2; convolution-bench weight-gradients, 3 rounds: 19.1–22.0 → 15.9–17.4 ms in runs of 128
        // pixels, the rule's 112 there; runs of 256 and 512 gained less).
        let pixelRun = weightGrad != nil && inputGrad == nil && !direct && perGEMM == 1 && g.unfoldsByShifting
            && patch * outPlane > ConvolutionKernel.columnBudget && inPlane < 1 << 24
            ? Swift.max(16, ConvolutionKernel.columnBudget / patch / 16 * 16) : outPlane
        // Each share accumulates its own weight and bias gradients (its first GEMM writes them);
        // they are summed at the end.
        let weightPartials = weightGrad == nil ? [] : (0..<shareCount).map { _ in TensorStorage(uninitializedCount: weightCount) }
        let biasPartials = (0..<shareCount).map { _ in TensorStorage(repeating: 0, count: outChannels) }
        ThreadPool.shared.parallelFor(shareCount) { s in
            let images = share(s)
            let capacity = Swift.min(perGEMM, images.count) * outPlane
            let columns = TensorStorage(uninitializedCount: patch * (pixelRun < outPlane ? pixelRun : capacity))
            let gradient = TensorStorage(uninitializedCount: outPerGroup * capacity)
            defer { withExtendedLifetime((columns, gradient)) {} }
            let biasSums = biasPartials[s].pointer
            for start in stride(from: images.lowerBound, to: images.upperBound, by: perGEMM) {
                let count = Swift.min(perGEMM, images.upperBound - start), width = count * outPlane
                for group in 0..<groups {
                    // Gather dY for these images as [outPerGroup, width], masked by the activation.
                    for o in 0..<outPerGroup {
                        let channel = group * outPerGroup + o
                        var sum: Float = 0
                        for i in 0..<count {
                            let offset = (start + i) * outputSize + channel * outPlane
                            sum += activation.maskGradient(outputGrad + offset, output: output + offset,
                                                           into: gradient.pointer + o * width + i * outPlane, count: outPlane)
                        }
                        biasSums[channel] += sum
                    }
                    if let _ = weightGrad, pixelRun < outPlane {
                        let image = input + start * inputSize + group * g.channels * inPlane
                        for first in stride(from: 0, to: outPlane, by: pixelRun) {
                            let pixels = first..<Swift.min(outPlane, first + pixelRun)
                            im2colPixels(g, input: image, pixels: pixels, columns: columns.pointer, rowStride: pixels.count)
                            gemm(transposeB: true, m: outPerGroup, n: patch, k: pixels.count, a: gradient.pointer + first, lda: width,
                                 b: columns.pointer, ldb: pixels.count, beta: start == images.lowerBound && first == 0 ? 0 : 1,
                                 c: weightPartials[s].pointer + group * outPerGroup * patch, ldc: patch)
                        }
                    } else if let _ = weightGrad {
                        if !direct {
                            for i in 0..<count {
                                im2col(g, input: input + (start + i) * inputSize + group * g.channels * inPlane,
                                       columns: columns.pointer + i * outPlane, rowStride: width)
                            }
                        }
                        // dW[g] += dY[g] · colsᵀ
                        gemm(transposeB: true, m: outPerGroup, n: patch, k: width, a: gradient.pointer, lda: width,
                             b: direct ? input + start * inputSize : UnsafePointer(columns.pointer), ldb: width,
                             beta: start == images.lowerBound ? 0 : 1,
                             c: weightPartials[s].pointer + group * outPerGroup * patch, ldc: patch)
                    }
                    if let inputGrad {
                        // dcols = W[g]ᵀ · dY[g], folded back into each image.
                        gemm(transposeA: true, m: patch, n: width, k: outPerGroup, a: weight + group * outPerGroup * patch,
                             lda: patch, b: gradient.pointer, ldb: width, c: columns.pointer, ldc: width)
                        for i in 0..<count {
                            col2im(g, columns: columns.pointer + i * outPlane,
                                   output: inputGrad + (start + i) * inputSize + group * g.channels * inPlane, rowStride: width)
                        }
                    }
                }
            }
        }
        if let weightGrad { sumOfPartials(weightPartials, count: weightCount, into: weightGrad) }
        if let biasGrad { sumOfPartials(biasPartials, count: outChannels, into: biasGrad) }
    }

    /// For stride 1 without groups, dX is itself a convolution: dY, padded by (k − 1)·d − pad,
    /// correlated with the weights flipped in space and with in/out channels swapped. That runs
    /// the forward kernel (an im2col of dY and a GEMM with K = out·k², written straight into dX),
    /// instead of a GEMM with K = out channels (16 in ResNet-20's first stage: mostly memory
    /// traffic) followed by a scatter-add col2im.
    var inputGradientAsConvolution: ConvolutionKernel? {
        let g = geometry
        // Stride 1: the transposed convolution pads dY by span − padding on each side (span =
        // (k − 1)·d), which gives the input's size. "Same" padding swaps the two sides. A smaller
        // output (a valid convolution) pads dY by more than it holds: with the AVX2 kernels and
        // im2col that lost (LeNet-5 trained 35 % slower), but with AVX-512's direct and
        // channel-vector tiles it beats Wᵀ · dY and col2im: A/B on the Xeon, LeNet-5 training
        // medians 28.4k → 31.3k img/s, keras-cifar-cnn even (5.39k → 5.31k, within noise).
        let spanH = (g.kernelHeight - 1) * g.dilationHeight, spanW = (g.kernelWidth - 1) * g.dilationWidth
        let sameSize = g.outputHeight == g.height && g.outputWidth == g.width
        guard groups == 1, g.strideHeight == 1, g.strideWidth == 1, sameSize || fovea_wide_tiles_available() != 0,
              g.padTop <= spanH, g.padBottom <= spanH, g.padLeft <= spanW, g.padRight <= spanW
        else { return nil }
        let transposed = WindowGeometry(channels: outChannels, height: g.outputHeight, width: g.outputWidth,
                                        kernel: (g.kernelHeight, g.kernelWidth),
                                        padding: (top: spanH - g.padTop, left: spanW - g.padLeft, bottom: spanH - g.padBottom, right: spanW - g.padRight),
                                        dilation: (g.dilationHeight, g.dilationWidth))
        return ConvolutionKernel(geometry: transposed, batch: batch, outChannels: g.channels, groups: 1)
    }

    /// Writes dX (every element) by running `transposed` over dY (masked by the fused ReLU, if any).
    private func inputGradientByConvolution(_ transposed: ConvolutionKernel, weight: UnsafePointer<Float>,
                                            output: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>,
                                            inputGrad: UnsafeMutablePointer<Float>) {
        let masked = maskedOutputGradient(outputGrad, output: output, biasGrad: nil)
        let gradient = masked.map { UnsafePointer($0.pointer) } ?? outputGrad
        // As a last use, `.pointer` would let a release build free the copy before the kernel reads it.
        withExtendedLifetime(masked) {
            inputGradient(transposed, weight: weight, maskedGradient: gradient, inputGrad: inputGrad)
        }
    }

    /// dX = the transposed convolution of the (already masked) output gradient.
    private func inputGradient(_ transposed: ConvolutionKernel, weight: UnsafePointer<Float>,
                               maskedGradient gradient: UnsafePointer<Float>, inputGrad: UnsafeMutablePointer<Float>) {
        let g = geometry, taps = g.kernelHeight * g.kernelWidth, inChannels = g.channels
        // W'[c, o, tap'] = W[o, c, last tap − tap'].
        // In blocks of 16 output channels, so that both sides run in order (o outermost wrote a
        // 9-float block every outChannels · taps floats: ResNet-18's 11 M weights, 2.7 % of its
        // training step), split between the threads by input channels for large weights.
        let flipped = TensorStorage(uninitializedCount: outChannels * inChannels * taps)
        let outChannels = outChannels, target = flipped.pointer, block = 16
        ThreadPool.shared.parallelRanges(inChannels, minimumPerChunk: Swift.max(1, (1 << 16) / (outChannels * taps))) { channels in
            for first in stride(from: 0, to: outChannels, by: block) {
                for c in channels {
                    for o in first..<Swift.min(first + block, outChannels) {
                        let source = weight + (o * inChannels + c) * taps, destination = target + (c * outChannels + o) * taps
                        for t in 0..<taps { destination[taps - 1 - t] = source[t] }
                    }
                }
            }
        }
        // The flipped weights live through the call: as a last use, `.pointer` would let a release
        // build free them before the kernel reads them (the panel kernel's own allocations then
        // reused their memory, and ResNet-152 trained on garbage gradients).
        withExtendedLifetime(flipped) {
            transposed.forward(input: gradient, weight: flipped.pointer, epilogue: ConvolutionEpilogue(), output: inputGrad)
        }
    }

    /// All three gradients with the weight gradient by another kernel than im2col (Winograd's
    /// domain, or row products of the padded image): dY is masked once (and summed for the bias),
    /// then read by `weightGradient` and, for dX, by the transposed convolution.
    private func backwardMaskingOnce(output: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     inputGrad: UnsafeMutablePointer<Float>?, biasGrad: UnsafeMutablePointer<Float>?,
                                     weightGradient: (UnsafePointer<Float>) -> Void) {
        let masked = maskedOutputGradient(outputGrad, output: output, biasGrad: biasGrad)
        let gradient = masked.map { UnsafePointer($0.pointer) } ?? outputGrad
        withExtendedLifetime(masked) {
            weightGradient(gradient)
            if let inputGrad, let transposed = inputGradientAsConvolution {
                inputGradient(transposed, weight: weight, maskedGradient: gradient, inputGrad: inputGrad)
            }
        }
    }

    /// dY masked by the fused activation (nil without one: dY is then the gradient as it is), with
    /// each output channel's sum written to `biasGrad` where given. One pass, split by channels.
    private func maskedOutputGradient(_ outputGrad: UnsafePointer<Float>, output: UnsafePointer<Float>,
                                      biasGrad: UnsafeMutablePointer<Float>?) -> TensorStorage? {
        let outChannels = outChannels, outPlane = outPlane, batch = batch, activation = activation
        let masked = activation == .none ? nil : TensorStorage(uninitializedCount: batch * outChannels * outPlane)
        guard masked != nil || biasGrad != nil else { return nil }
        ThreadPool.shared.parallelRanges(outChannels, chunksPerThread: 4) { channels in   // runs taken in turn, as pooling's
            for o in channels {
                var sum: Float = 0
                for n in 0..<batch {
                    let offset = (n * outChannels + o) * outPlane
                    if let masked {
                        sum += activation.maskGradient(outputGrad + offset, output: output + offset,
                                                       into: masked.pointer + offset, count: outPlane)
                    } else {
                        sum += planeSum(outputGrad + offset, count: outPlane)
                    }
                }
                biasGrad?[o] = sum
            }
        }
        return masked
    }
}

/// Σ p[i] over `count` floats, in eight lanes (a scalar float loop does not vectorise).
private func planeSum(_ p: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        lanes += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var sum = lanes.sum()
    while i < count { sum += p[i]; i += 1 }
    return sum
}
