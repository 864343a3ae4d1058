import CKernels

/// Elementwise arithmetic with broadcasting, and its gradients.
extension Tensor {
    /// a + b for tensors of one shape, in C's vector lanes (`fovea_add`): `binary` calls its
    /// closure once per element, and gradient accumulation (autograd adds the gradients of a
    /// tensor used twice, as every residual block's input) spent 4 % of ResNet-20's step there.
    static func sum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let result = Tensor(uninitializedShape: a.shape)
        addElements(a.pointer, b.pointer, into: result.pointer, count: a.count)
        return result
    }

    /// out[i] = a[i] + b[i] for i < count, split between the threads; `out` may be `a` or `b`.
    static func addElements(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        ThreadPool.shared.parallelElements(count) { range in
            fovea_add(a + range.lowerBound, b + range.lowerBound, out + range.lowerBound, range.count)
        }
    }

    /// Shared forward for the four binary ops: same-shape fast path, otherwise broadcasting.
    @inline(__always)
    static func binary(_ a: Tensor, _ b: Tensor, _ name: String, _ f: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape {
            let result = Tensor(uninitializedShape: a.shape)
            let pa = a.pointer, pb = b.pointer, pr = result.pointer
            ThreadPool.shared.parallelElements(a.count) { range in
                for i in range { pr[i] = f(pa[i], pb[i]) }
            }
            return result
        }
        guard let outShape = broadcastShape(a.shape, b.shape) else {
            preconditionFailure("\(name): shapes \(describe(shape: a.shape)) and \(describe(shape: b.shape)) do not broadcast")
        }
        let result = Tensor(uninitializedShape: outShape)
        let pa = a.pointer, pb = b.pointer, pr = result.pointer
        forEachBroadcast(outShape, broadcastStrides(of: a.shape, into: outShape),
                         broadcastStrides(of: b.shape, into: outShape)) { o, i, j in pr[o] = f(pa[i], pb[j]) }
        return result
    }

    public func adding(_ other: Tensor) -> Tensor {
        let result = shape == other.shape ? Tensor.sum(self, other) : Tensor.binary(self, other, "add", +)
        let sa = shape, sb = other.shape
        return Tensor.record(result, op: "add", inputs: [self, other]) { g, needs in
            [needs[0] ? g.sumToShape(sa) : nil, needs[1] ? g.sumToShape(sb) : nil]
        }
    }

    public func subtracting(_ other: Tensor) -> Tensor {
        let result = Tensor.binary(self, other, "subtract", -)
        let sa = shape, sb = other.shape
        return Tensor.record(result, op: "subtract", inputs: [self, other]) { g, needs in
            [needs[0] ? g.sumToShape(sa) : nil, needs[1] ? g.negated().sumToShape(sb) : nil]
        }
    }

    public func multiplying(_ other: Tensor) -> Tensor {
        let result = Tensor.binary(self, other, "multiply", *)
        let a = detached(), b = other.detached()
        return Tensor.record(result, op: "multiply", inputs: [self, other]) { g, needs in
            [needs[0] ? Tensor.binary(g, b, "multiply", *).sumToShape(a.shape) : nil,
             needs[1] ? Tensor.binary(g, a, "multiply", *).sumToShape(b.shape) : nil]
        }
    }

    public func dividing(by other: Tensor) -> Tensor {
        let result = Tensor.binary(self, other, "divide", /)
        let a = detached(), b = other.detached()
        return Tensor.record(result, op: "divide", inputs: [self, other]) { g, needs in
            [needs[0] ? Tensor.binary(g, b, "divide", /).sumToShape(a.shape) : nil,
             // d(a/b)/db = −a/b²
             needs[1] ? Tensor.binary(Tensor.binary(g, a, "multiply", *), Tensor.binary(b, b, "multiply", *), "divide") { -$0 / $1 }
                .sumToShape(b.shape) : nil]
        }
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { a.adding(b) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.subtracting(b) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.multiplying(b) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.dividing(by: b) }

    public static func + (a: Tensor, s: Float) -> Tensor { a.mapped("add scalar", { $0 + s }, derivative: { _, _ in 1 }) }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.scaled(by: s) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.scaled(by: 1 / s) }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func * (s: Float, a: Tensor) -> Tensor { a.scaled(by: s) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.negated() + s }
    public static prefix func - (a: Tensor) -> Tensor { a.negated() }

    public func scaled(by s: Float) -> Tensor {
        let result = mapValues { $0 * s }
        return Tensor.record(result, op: "scale", inputs: [self]) { g, _ in [g.mapValues { $0 * s }] }
    }

    public func negated() -> Tensor { scaled(by: -1) }
}
