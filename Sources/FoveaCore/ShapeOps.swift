/// Reshape, permute, concatenate and slice: ops that move or reinterpret elements.
extension Tensor {
    /// Same elements, new shape; one dimension may be −1 (inferred). Shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0,
                         "cannot reshape \(describe(shape: shape)) to \(describe(shape: newShape))")
            target[inferred] = count / known
        }
        precondition(target.reduce(1, *) == count && target.allSatisfy { $0 >= 0 },
                     "cannot reshape \(describe(shape: shape)) to \(describe(shape: newShape))")
        let inputShape = shape
        return Tensor.record(Tensor(shape: target, storage: storage), op: "reshape", inputs: [self]) { g, _ in
            [Tensor(shape: inputShape, storage: g.storage)]
        }
    }

    /// Keeps the first `startAxis` dimensions and flattens the rest into one.
    public func flattened(from startAxis: Int = 1) -> Tensor {
        reshaped(Array(shape[..<startAxis]) + [shape[startAxis...].reduce(1, *)])
    }

    /// Reorders dimensions: result dimension i is input dimension `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<rank), "invalid permutation \(order) for shape \(describe(shape: shape))")
        let outShape = order.map { shape[$0] }
        let inStrides = contiguousStrides(shape)
        let gathered = order.map { inStrides[$0] }
        let result = Tensor(uninitializedShape: outShape)
        let source = pointer, destination = result.pointer
        forEachBroadcast(outShape, gathered, gathered) { o, i, _ in destination[o] = source[i] }
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        return Tensor.record(result, op: "permute", inputs: [self]) { g, _ in [g.permuted(inverse)] }
    }

    /// Swaps the last two dimensions.
    public func transposed() -> Tensor {
        precondition(rank >= 2, "transpose needs rank ≥ 2, got \(describe(shape: shape))")
        var order = Array(0..<rank)
        order.swapAt(rank - 1, rank - 2)
        return permuted(order)
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate of no tensors")
        let first = tensors[0]
        let axis = axis < 0 ? axis + first.rank : axis
        for t in tensors {
            var a = t.shape, b = first.shape
            precondition(a.count == b.count && (0..<a.count).contains(axis),
                         "concatenate: shapes \(describe(shape: t.shape)) and \(describe(shape: first.shape)) along axis \(axis)")
            a[axis] = 0; b[axis] = 0
            precondition(a == b, "concatenate: shapes \(describe(shape: t.shape)) and \(describe(shape: first.shape)) differ off axis \(axis)")
        }
        let lengths = tensors.map { $0.shape[axis] }
        var outShape = first.shape
        outShape[axis] = lengths.reduce(0, +)
        let outer = first.shape[..<axis].reduce(1, *), inner = first.shape[(axis + 1)...].reduce(1, *)
        let result = Tensor(uninitializedShape: outShape)
        let total = outShape[axis] * inner
        var offset = 0
        for (t, length) in zip(tensors, lengths) {
            let block = length * inner
            for o in 0..<outer {
                (result.pointer + o * total + offset).update(from: t.pointer + o * block, count: block)
            }
            offset += block
        }
        return record(result, op: "concatenate", inputs: tensors) { g, needs in
            var start = 0
            return zip(lengths, needs).map { length, needed in
                defer { start += length }
                return needed ? g.slice(axis: axis, start..<(start + length)).detached() : nil
            }
        }
    }

    /// Elements with index in `range` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = axis < 0 ? axis + rank : axis
        precondition((0..<rank).contains(axis) && range.lowerBound >= 0 && range.upperBound <= shape[axis],
                     "slice \(range) on axis \(axis) out of bounds for \(describe(shape: shape))")
        let (outer, length, inner) = split(at: axis)
        var outShape = shape
        outShape[axis] = range.count
        let result = Tensor(uninitializedShape: outShape)
        let block = range.count * inner
        for o in 0..<outer {
            (result.pointer + o * block).update(from: pointer + (o * length + range.lowerBound) * inner, count: block)
        }
        let inputShape = shape
        return Tensor.record(result, op: "slice", inputs: [self]) { g, _ in
            let grad = Tensor(zeros: inputShape)
            for o in 0..<outer {
                (grad.pointer + (o * length + range.lowerBound) * inner).update(from: g.pointer + o * block, count: block)
            }
            return [grad]
        }
    }

    /// Rows `indices` along the first axis (a batch gather); no gradient.
    public func gatherRows(_ indices: [Int]) -> Tensor {
        let rowSize = count / Swift.max(shape[0], 1)
        let result = Tensor(uninitializedShape: [indices.count] + shape.dropFirst())
        for (r, index) in indices.enumerated() {
            (result.pointer + r * rowSize).update(from: pointer + index * rowSize, count: rowSize)
        }
        return result
    }
}
