/// Depthwise convolution (one filter per channel, groups = channels: MobileNet, EfficientNet) by
/// direct loops. As GEMMs these are 1 × k² × pixels products, one per channel, where BLAS call
/// overhead dominates; here each kernel tap is one pass over a row, with the valid column range
/// worked out once so the inner loop has no bounds checks. Parallel over channels.
struct DepthwiseKernel {
    let g: WindowGeometry   // channels = 1: one plane
    let batch: Int, channels: Int
    let relu: Bool

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
                    if relu {
                        let y = output + p * outPlane
                        for i in 0..<outPlane { masked[i] = y[i] > 0 ? dy[i] : 0 }
                    } else {
                        masked.update(from: dy, count: outPlane)
                    }
                    for i in 0..<outPlane { biasSum += masked[i] }
                    for ki in 0..<kh {
                        for kj in 0..<kw {
                            let cols = columns(kj), offset = kj * g.dilationWidth - g.padLeft, tap = w[ki * kw + kj]
                            var sum: Float = 0
                            for oh in 0..<g.outputHeight {
                                guard let ih = row(oh, ki) else { continue }
                                let source = x + ih * g.width + offset, gradient = masked + oh * outW
                                for ow in cols { sum += gradient[ow] * source[ow * s] }
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
}
