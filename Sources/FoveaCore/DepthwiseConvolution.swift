import CKernels

/// Depthwise convolution (one filter per channel, groups = channels: MobileNet, EfficientNet) by
/// direct loops. As GEMMs these are 1 × k² × pixels products, one per channel, where BLAS call
/// overhead dominates; here each kernel tap is one pass over a row, with the valid column range
/// worked out once so the inner loop has no bounds checks. Parallel over channels.
struct DepthwiseKernel {
    let g: WindowGeometry   // channels = 1: one plane
    let batch: Int, channels: Int
    let activation: FusedActivation

    var inPlane: Int { g.height * g.width }
    var outPlane: Int { g.outputHeight * g.outputWidth }

    /// Output columns ow whose input column ow·stride − padLeft + kj·dilation lies inside the row.
    @inline(__always) func columns(_ kj: Int) -> Range<Int> {
        let offset = kj * g.dilationWidth - g.padLeft, s = g.strideWidth
        let low = offset >= 0 ? 0 : (-offset + s - 1) / s
        let high = g.width - 1 - offset < 0 ? 0 : Swift.min(g.outputWidth, (g.width - 1 - offset) / s + 1)
        return low..<Swift.max(low, high)
    }

    @inline(__always) func row(_ oh: Int, _ ki: Int) -> Int? {
        let ih = oh * g.strideHeight - g.padTop + ki * g.dilationHeight
        return ih >= 0 && ih < g.height ? ih : nil
    }

    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue, output: UnsafeMutablePointer<Float>) {
        if inPlane <= DepthwiseKernel.channelsLastLimit {
            return forwardChannelsLast(input: input, weight: weight, epilogue: epilogue, output: output)
        }
        let (kh, kw, outW, s) = (g.kernelHeight, g.kernelWidth, g.outputWidth, g.strideWidth)
        ThreadPool.shared.parallelRanges(batch * channels) { planes in
            for p in planes {
                let c = p % channels, x = input + p * inPlane, y = output + p * outPlane, w = weight + c * kh * kw
                y.update(repeating: 0, count: outPlane)
                for ki in 0..<kh {
                    for kj in 0..<kw {
                        let tap = w[ki * kw + kj], cols = columns(kj), offset = kj * g.dilationWidth - g.padLeft
                        for oh in 0..<g.outputHeight {
                            guard let ih = row(oh, ki) else { continue }
                            let source = x + ih * g.width + offset, target = y + oh * outW
                            if s == 1 {
                                for ow in cols { target[ow] += tap * source[ow] }
                            } else {
                                for ow in cols { target[ow] += tap * source[ow * s] }
                            }
                        }
                    }
                }
                epilogue.apply(channel: c, source: y, target: y, residual: epilogue.residual.map { $0 + p * outPlane }, count: outPlane)
            }
        }
    }

    /// `inputGrad` must start at zero.
    func backward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>,
                  inputGrad: UnsafeMutablePointer<Float>?, weightGrad: UnsafeMutablePointer<Float>?, biasGrad: UnsafeMutablePointer<Float>?) {
        if inPlane <= DepthwiseKernel.channelsLastLimit {
            return backwardChannelsLast(input: input, weight: weight, output: output, outputGrad: outputGrad,
                                        inputGrad: inputGrad, weightGrad: weightGrad, biasGrad: biasGrad)
        }
        let (kh, kw, outW, s) = (g.kernelHeight, g.kernelWidth, g.outputWidth, g.strideWidth)
        ThreadPool.shared.parallelRanges(channels) { channelRange in
            let masked = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, outPlane))
            defer { masked.deallocate() }
            for c in channelRange {
                let w = weight + c * kh * kw
                var biasSum: Float = 0
                var tapSums = [Float](repeating: 0, count: kh * kw)
                for n in 0..<batch {
                    let p = n * channels + c, x = input + p * inPlane, dy = outputGrad + p * outPlane
                    biasSum += activation.maskGradient(dy, output: output + p * outPlane, into: masked, count: outPlane)
                    for ki in 0..<kh {
                        for kj in 0..<kw {
                            let cols = columns(kj), offset = kj * g.dilationWidth - g.padLeft, tap = w[ki * kw + kj]
                            var sum: Float = 0
                            for oh in 0..<g.outputHeight {
                                guard let ih = row(oh, ki) else { continue }
                                let source = x + ih * g.width + offset, gradient = masked + oh * outW
                                if s == 1 {
                                    sum += dot(gradient + cols.lowerBound, source + cols.lowerBound, count: cols.count)
                                } else {
                                    for ow in cols { sum += gradient[ow] * source[ow * s] }
                                }
                                if let inputGrad {
                                    let target = inputGrad + p * inPlane + ih * g.width + offset
                                    for ow in cols { target[ow * s] += tap * gradient[ow] }
                                }
                            }
                            tapSums[ki * kw + kj] += sum
                        }
                    }
                }
                if let weightGrad { for t in 0..<(kh * kw) { weightGrad[c * kh * kw + t] = tapSums[t] } }
                biasGrad?[c] = biasSum
            }
        }
    }

    /// Planes of at most this many pixels go channels-last (`forwardChannelsLast`, `backwardChannelsLast`).
    static let channelsLastLimit = 256

    /// The window of one plane as the C kernels take it.
    private var window: fovea_window { fovea_window(g) }

    /// For small planes (MobileNetV2's later stages at CIFAR sizes are 16×16 down to 1×1) the
    /// per-plane loops above do almost no work per iteration. The C kernel
    /// (`fovea_depthwise_forward_image`) moves each image to a padded [pixel][channel] copy, makes
    /// every (output pixel, tap) pair one multiply-add of whole channel vectors (16 lanes with
    /// AVX-512), and moves the result back through the epilogue. A batch is shared out by images;
    /// one image by channels (on a single thread it was 12 % of MobileNetV2's batch-1 forward
    /// pass, the other thread waiting), from 32 channels up: shares of at least 64 left its first
    /// two depthwise layers (32 and 96 channels, on its largest planes) to the caller alone, 5 %
    /// of its batch-1 samples.
    func forwardChannelsLast(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                             output: UnsafeMutablePointer<Float>) {
        if batch == 1 {
            ThreadPool.shared.parallelRanges(channels, minimumPerChunk: 16) { range in
                forwardChannelsLast(images: 0..<1, channels: range, input: input, weight: weight, epilogue: epilogue, output: output)
            }
        } else {
            ThreadPool.shared.parallelRanges(batch) { images in
                forwardChannelsLast(images: images, channels: 0..<channels, input: input, weight: weight, epilogue: epilogue, output: output)
            }
        }
    }

    private func forwardChannelsLast(images: Range<Int>, channels range: Range<Int>, input: UnsafePointer<Float>,
                                     weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue, output: UnsafeMutablePointer<Float>) {
        var window = window
        let width = Int32(range.count), first = range.lowerBound, taps = g.kernelHeight * g.kernelWidth
        let scratch = TensorStorage(uninitializedCount: fovea_depthwise_scratch_floats(&window, width))
        var shareEpilogue = fovea_epilogue(bias: epilogue.bias.map { $0 + first }, scale: epilogue.scale.map { $0 + first },
                                           shift: epilogue.shift.map { $0 + first }, residual: nil,
                                           floor: epilogue.activation.floor, ceiling: epilogue.activation.ceiling)
        fovea_depthwise_prepare(&window, width, weight + first * taps, &shareEpilogue, scratch.pointer)
        for n in images {
            let offset = (n * channels + first) * inPlane, outOffset = (n * channels + first) * outPlane
            fovea_depthwise_forward_image(&window, width, input + offset, scratch.pointer,
                                          epilogue.residual.map { $0 + outOffset }, output + outOffset)
        }
        withExtendedLifetime(scratch) {}
    }

    /// The backward pass of `forwardChannelsLast`, for the same small planes
    /// (`fovea_depthwise_backward_image`): parallel over images, each thread adding into its own
    /// dW and bias sums, added up at the end. `inputGrad` is overwritten.
    func backwardChannelsLast(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, output: UnsafePointer<Float>,
                              outputGrad: UnsafePointer<Float>, inputGrad: UnsafeMutablePointer<Float>?,
                              weightGrad: UnsafeMutablePointer<Float>?, biasGrad: UnsafeMutablePointer<Float>?) {
        let taps = g.kernelHeight * g.kernelWidth, channels = channels, inPlane = inPlane, outPlane = outPlane
        let code = activation.kernelCode, window = window
        let shareCount = Swift.min(ThreadPool.shared.threadCount, batch)
        // Per share: dW as [tap][channel], then the bias sums.
        let partials = (0..<shareCount).map { _ in TensorStorage(repeating: 0, count: (taps + 1) * channels) }
        ThreadPool.shared.parallelFor(shareCount) { share in
            var window = window
            let scratch = TensorStorage(uninitializedCount: fovea_depthwise_scratch_floats(&window, Int32(channels)))
            fovea_depthwise_prepare(&window, Int32(channels), weight, nil, scratch.pointer)
            let tapSums = partials[share].pointer, biasSums = partials[share].pointer + taps * channels
            for n in (batch * share / shareCount)..<(batch * (share + 1) / shareCount) {
                let offset = n * channels * inPlane, outOffset = n * channels * outPlane
                fovea_depthwise_backward_image(&window, Int32(channels), input + offset, output + outOffset, outputGrad + outOffset,
                                               code, scratch.pointer, tapSums, biasSums, inputGrad.map { $0 + offset })
            }
            withExtendedLifetime(scratch) {}
        }
        // Kept alive through the last read of their pointers (the optimiser may otherwise free them
        // right after `.pointer`: the bias gradient read freed memory in release builds).
        withExtendedLifetime(partials) {
            for share in 1..<shareCount {
                for i in 0..<((taps + 1) * channels) { partials[0].pointer[i] += partials[share].pointer[i] }
            }
            if let weightGrad {
                for c in 0..<channels { for t in 0..<taps { weightGrad[c * taps + t] = partials[0].pointer[t * channels + c] } }
            }
            if let biasGrad { biasGrad.update(from: partials[0].pointer + taps * channels, count: channels) }
        }
    }
}

/// Σ a[i]·b[i] over `count` floats in eight float lanes.
@inline(__always)
private func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        lanes += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var sum = lanes.sum()
    while i < count { sum += a[i] * b[i]; i += 1 }
    return sum
}
