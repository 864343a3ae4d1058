/// Sums, means, maxima and arg-maxima over axes.
extension Tensor {
    /// Normalises possibly negative axes and checks them.
    func resolvedAxes(_ axes: [Int]) -> [Int] {
        let resolved = axes.map { $0 < 0 ? $0 + rank : $0 }
        precondition(resolved.allSatisfy { (0..<rank).contains($0) } && Set(resolved).count == resolved.count,
                     "invalid axes \(axes) for shape \(describe(shape: shape))")
        return resolved.sorted()
    }

    /// (outer, axis length, inner) of a row-major view around one axis.
    func split(at axis: Int) -> (outer: Int, length: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// The sum of every element, as a rank-0 tensor.
    public func sum() -> Tensor { sum(axes: Array(0..<rank)) }
    public func mean() -> Tensor { mean(axes: Array(0..<rank)) }

    public func sum(axes: [Int], keepingDims: Bool = false) -> Tensor {
        let axes = resolvedAxes(axes)
        var kept = shape
        for axis in axes { kept[axis] = 1 }
        let result = Tensor(zeros: kept)
        let source = pointer, destination = result.pointer
        if let first = axes.first, axes.last! - first + 1 == axes.count {
            // Consecutive axes (a loss's total, a bias gradient's sum over the batch): a view
            // [outer, length, inner] summed over its middle, in vector loops.
            sumMiddle(source, into: destination, outer: shape[..<first].reduce(1, *),
                      length: shape[first...axes.last!].reduce(1, *), inner: shape[(axes.last! + 1)...].reduce(1, *))
        } else {
            let strides = broadcastStrides(of: kept, into: shape)
            forEachBroadcast(shape, strides, strides) { i, o, _ in destination[o] += source[i] }
        }
        let finalShape = keepingDims ? kept : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        let output = Tensor(shape: finalShape, storage: result.storage)
        let inputShape = shape
        return Tensor.record(output, op: "sum", inputs: [self]) { g, _ in
            [Tensor(shape: kept, storage: g.storage).broadcast(to: inputShape).detached()]
        }
    }

    public func mean(axes: [Int], keepingDims: Bool = false) -> Tensor {
        let n = resolvedAxes(axes).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepingDims: keepingDims).scaled(by: 1 / Float(Swift.max(n, 1)))
    }

    /// Maximum along one axis; the gradient flows to the first maximal element.
    public func max(axis: Int, keepingDims: Bool = false) -> Tensor {
        let axis = resolvedAxes([axis])[0]
        let (outer, length, inner) = split(at: axis)
        precondition(length > 0, "max over an empty axis of \(describe(shape: shape))")
        var kept = shape
        kept[axis] = 1
        let result = Tensor(uninitializedShape: kept)
        var winners = [Int32](repeating: 0, count: outer * inner)
        let source = pointer, destination = result.pointer
        for o in 0..<outer {
            for i in 0..<inner {
                var best = source[o * length * inner + i], bestIndex = 0
                for l in 1..<length {
                    let v = source[(o * length + l) * inner + i]
                    if v > best || (v.isNaN && !best.isNaN) { best = v; bestIndex = l }
                }
                destination[o * inner + i] = best
                winners[o * inner + i] = Int32(bestIndex)
            }
        }
        let finalShape = keepingDims ? kept : shape.enumerated().filter { $0.offset != axis }.map(\.element)
        let output = Tensor(shape: finalShape, storage: result.storage)
        let inputShape = shape
        return Tensor.record(output, op: "max", inputs: [self]) { g, _ in
            let grad = Tensor(zeros: inputShape)
            for o in 0..<outer {
                for i in 0..<inner {
                    grad.pointer[(o * length + Int(winners[o * inner + i])) * inner + i] = g.pointer[o * inner + i]
                }
            }
            return [grad]
        }
    }

    /// Index of the (first) maximum along an axis; no gradient.
    public func argmax(axis: Int) -> [Int] {
        let axis = resolvedAxes([axis])[0]
        let (outer, length, inner) = split(at: axis)
        var result = [Int](repeating: 0, count: outer * inner)
        let source = pointer
        for o in 0..<outer {
            for i in 0..<inner {
                var best = -Float.infinity, bestIndex = 0
                for l in 0..<length where source[(o * length + l) * inner + i] > best {
                    best = source[(o * length + l) * inner + i]
                    bestIndex = l
                }
                result[o * inner + i] = bestIndex
            }
        }
        return result
    }
}

/// destination[o·inner + i] = Σ_l source[(o·length + l)·inner + i] (destination zeroed): whole
/// rows added eight floats at a time, or, with inner = 1, each run of `length` summed in eight
/// lanes. Large sums share out over the threads by `o`, or by columns `i` where `outer` is 1.
private func sumMiddle(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                       outer: Int, length: Int, inner: Int) {
    func sum(outer range: Range<Int>, columns: Range<Int>) {
        for o in range {
            if inner == 1 {
                let run = source + o * length
                var lanes = SIMD8<Float>(), l = 0
                while l + 8 <= length {
                    lanes += UnsafeRawPointer(run + l).loadUnaligned(as: SIMD8<Float>.self)
                    l += 8
                }
                var total = lanes.sum()
                while l < length { total += run[l]; l += 1 }
                destination[o] = total
                continue
            }
            let target = destination + o * inner
            for l in 0..<length {
                let row = source + (o * length + l) * inner
                var i = columns.lowerBound
                while i + 8 <= columns.upperBound {
                    let sum = UnsafeRawPointer(target + i).loadUnaligned(as: SIMD8<Float>.self)
                        + UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(target + i).storeBytes(of: sum, as: SIMD8<Float>.self)
                    i += 8
                }
                while i < columns.upperBound { target[i] += row[i]; i += 1 }
            }
        }
    }
    let pool = ThreadPool.shared
    if pool.threadCount > 1 && outer * length * inner >= 1 << 16 {
        if outer >= pool.threadCount {
            return pool.parallelRanges(outer) { sum(outer: $0, columns: 0..<inner) }
        }
        if outer == 1 && inner >= 64 * pool.threadCount {
            // Column shares of whole vectors, so no two threads write the same cache line twice.
            return pool.parallelRanges(inner / 16) { blocks in
                sum(outer: 0..<1, columns: blocks.lowerBound * 16..<(blocks.upperBound == inner / 16 ? inner : blocks.upperBound * 16))
            }
        }
    }
    sum(outer: 0..<outer, columns: 0..<inner)
}
