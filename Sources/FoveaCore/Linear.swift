/// y = x · Wᵀ + b with PyTorch's weight layout [out, in]; one GEMM each way.
extension Tensor {
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(rank == 2 && weight.rank == 2 && shape[1] == weight.shape[1],
                     "linear: input \(describe(shape: shape)) does not fit weight \(describe(shape: weight.shape))")
        let batch = shape[0], inFeatures = shape[1], outFeatures = weight.shape[0]
        let result = Tensor(uninitializedShape: [batch, outFeatures])
        if let bias {
            for n in 0..<batch { (result.pointer + n * outFeatures).update(from: bias.pointer, count: outFeatures) }
        }
        gemm(transposeB: true, m: batch, n: outFeatures, k: inFeatures, a: pointer, lda: inFeatures,
             b: weight.pointer, ldb: inFeatures, beta: bias == nil ? 0 : 1, c: result.pointer, ldc: outFeatures)
        let x = detached(), w = weight.detached()
        var inputs = [self, weight]
        if let bias { inputs.append(bias) }
        return Tensor.record(result, op: "linear", inputs: inputs) { g, needs in
            var gx: Tensor?, gw: Tensor?, gb: Tensor?
            if needs[0] {  // dX = dY · W
                gx = Tensor(uninitializedShape: x.shape)
                gemm(m: batch, n: inFeatures, k: outFeatures, a: g.pointer, lda: outFeatures,
                     b: w.pointer, ldb: inFeatures, c: gx!.pointer, ldc: inFeatures)
            }
            if needs[1] {  // dW = dYᵀ · X
                gw = Tensor(uninitializedShape: w.shape)
                gemm(transposeA: true, m: outFeatures, n: inFeatures, k: batch, a: g.pointer, lda: outFeatures,
                     b: x.pointer, ldb: inFeatures, c: gw!.pointer, ldc: inFeatures)
            }
            if needs.count > 2 && needs[2] { gb = g.sum(axes: [0]).detached() }
            return [gx, gw, gb]
        }
    }
}
