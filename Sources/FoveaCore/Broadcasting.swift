/// NumPy/PyTorch broadcasting: shapes are aligned at the right, and a dimension of 1 stretches.
public func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = Swift.max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        if da == db || db == 1 { result[i] = da } else if da == 1 { result[i] = db } else { return nil }
    }
    return result
}

/// Row-major strides of `shape` as seen from a broadcast `outShape`: 0 where the dimension stretches.
func broadcastStrides(of shape: [Int], into outShape: [Int]) -> [Int] {
    let offset = outShape.count - shape.count
    var strides = [Int](repeating: 0, count: outShape.count)
    var step = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i + offset] = shape[i] == 1 && outShape[i + offset] != 1 ? 0 : step
        step *= shape[i]
    }
    return strides
}

public func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var step = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i] = step
        step *= shape[i]
    }
    return strides
}

/// Walks every element of `outShape` in row-major order, handing `body` the output offset
/// and the matching offsets into two broadcast inputs. The innermost dimension is a plain
/// loop so the common cases (bias rows, per-channel scales) stay fast.
@inline(__always)
func forEachBroadcast(_ outShape: [Int], _ stridesA: [Int], _ stridesB: [Int],
                      _ body: (_ out: Int, _ a: Int, _ b: Int) -> Void) {
    let total = outShape.reduce(1, *)
    if total == 0 { return }
    if outShape.isEmpty { body(0, 0, 0); return }
    let last = outShape.count - 1
    let inner = outShape[last], sa = stridesA[last], sb = stridesB[last]
    var index = [Int](repeating: 0, count: outShape.count)
    var offsetA = 0, offsetB = 0, out = 0
    while out < total {
        var ia = offsetA, ib = offsetB
        for _ in 0..<inner {
            body(out, ia, ib)
            out += 1; ia += sa; ib += sb
        }
        // Advance the outer multi-index (odometer style).
        var d = last - 1
        while d >= 0 {
            index[d] += 1
            offsetA += stridesA[d]; offsetB += stridesB[d]
            if index[d] < outShape[d] { break }
            offsetA -= stridesA[d] * outShape[d]; offsetB -= stridesB[d] * outShape[d]
            index[d] = 0
            d -= 1
        }
    }
}

extension Tensor {
    /// Sums a gradient of a broadcast result back to this shape (the adjoint of broadcasting).
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let result = Tensor(zeros: target)
        let strides = broadcastStrides(of: target, into: shape)
        let source = pointer, destination = result.pointer
        forEachBroadcast(shape, strides, strides) { out, t, _ in destination[t] += source[out] }
        return result
    }

    /// Materialises this tensor broadcast to `target`.
    public func broadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(broadcastShape(shape, target) == target,
                     "cannot broadcast \(describe(shape: shape)) to \(describe(shape: target))")
        let result = Tensor(uninitializedShape: target)
        let strides = broadcastStrides(of: shape, into: target)
        let source = pointer, destination = result.pointer
        forEachBroadcast(target, strides, strides) { out, s, _ in destination[out] = source[s] }
        let inputShape = shape
        return Tensor.record(result, op: "broadcast", inputs: [self]) { g, _ in [g.sumToShape(inputShape)] }
    }
}
