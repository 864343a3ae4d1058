#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The activations of modern CNNs and transformers, with PyTorch's definitions.
extension Tensor {
    /// min(max(x, 0), 6) — MobileNetV2.
    public func relu6() -> Tensor {
        mapped("relu6", { Swift.min(Swift.max($0, 0), 6) }, derivative: { x, _ in x > 0 && x < 6 ? 1 : 0 })
    }

    /// x·σ(x) (Swish) — EfficientNet.
    public func silu() -> Tensor {
        mapped("silu", { $0 / (1 + expf(-$0)) }, derivative: { x, _ in
            let s = 1 / (1 + expf(-x))
            return s * (1 + x * (1 - s))
        })
    }

    /// ½x(1 + erf(x/√2)), the exact GELU (PyTorch's default) — ViT.
    public func gelu() -> Tensor {
        mapped("gelu", { 0.5 * $0 * (1 + erff($0 * 0.70710678)) }, derivative: { x, _ in
            0.5 * (1 + erff(x * 0.70710678)) + x * expf(-0.5 * x * x) * 0.39894228
        })
    }

    /// x·relu6(x + 3)/6 — MobileNetV3.
    public func hardswish() -> Tensor {
        mapped("hardswish", { $0 * Swift.min(Swift.max($0 + 3, 0), 6) / 6 }, derivative: { x, _ in
            x < -3 ? 0 : (x > 3 ? 1 : (2 * x + 3) / 6)
        })
    }

    /// Input rows (or columns) of output cell i: ⌊i·size/out⌋ ..< ⌈(i+1)·size/out⌉, PyTorch's rule.
    public static func adaptivePoolingWindow(_ i: Int, _ size: Int, _ out: Int) -> Range<Int> {
        (i * size / out)..<(((i + 1) * size + out - 1) / out)
    }

    /// Average pooling to a fixed output size (cells from `adaptivePoolingWindow`), as PyTorch's
    /// `adaptive_avg_pool2d`.
    public func adaptiveAvgPool2d(outputSize: (Int, Int)) -> Tensor {
        precondition(rank == 4 && outputSize.0 > 0 && outputSize.1 > 0, "adaptiveAvgPool2d: input \(describe(shape: shape))")
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let (oh, ow) = outputSize
        let window = Tensor.adaptivePoolingWindow
        let result = Tensor(uninitializedShape: [shape[0], shape[1], oh, ow])
        let source = pointer, destination = result.pointer
        ThreadPool.shared.parallelRanges(planes) { range in
            for p in range {
                for y in 0..<oh {
                    for x in 0..<ow {
                        let rows = window(y, h, oh), columns = window(x, w, ow)
                        var sum: Float = 0
                        for r in rows { for c in columns { sum += source[(p * h + r) * w + c] } }
                        destination[(p * oh + y) * ow + x] = sum / Float(rows.count * columns.count)
                    }
                }
            }
        }
        let inputShape = shape
        return Tensor.record(result, op: "adaptiveAvgPool2d", inputs: [self]) { g, _ in
            let grad = Tensor(zeros: inputShape)
            for p in 0..<planes {
                for y in 0..<oh {
                    for x in 0..<ow {
                        let rows = window(y, h, oh), columns = window(x, w, ow)
                        let share = g.pointer[(p * oh + y) * ow + x] / Float(rows.count * columns.count)
                        for r in rows { for c in columns { grad.pointer[(p * h + r) * w + c] += share } }
                    }
                }
            }
            return [grad]
        }
    }
}
