/// Matrix products through `gemm`.
extension Tensor {
    /// [m, k] · [k, n] → [m, n]; with rank 3 inputs, a batch of products ([b, m, k] · [b, k, n]).
    public func matmul(_ other: Tensor) -> Tensor {
        let a = self, b = other
        precondition((a.rank == 2 && b.rank == 2) || (a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0]),
                     "matmul of \(describe(shape: a.shape)) and \(describe(shape: b.shape))")
        let batch = a.rank == 3 ? a.shape[0] : 1
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        precondition(b.shape[b.rank - 2] == k,
                     "matmul: inner dimensions differ in \(describe(shape: a.shape)) · \(describe(shape: b.shape))")
        let outShape = a.rank == 3 ? [batch, m, n] : [m, n]
        let result = Tensor(uninitializedShape: outShape)
        // A batch of products (attention's heads) shares out over the threads, each product whole.
        ThreadPool.shared.parallelFor(batch) { i in
            gemm(m: m, n: n, k: k, a: a.pointer + i * m * k, lda: k, b: b.pointer + i * k * n, ldb: n,
                 c: result.pointer + i * m * n, ldc: n)
        }
        let da = a.detached(), db = b.detached()
        return Tensor.record(result, op: "matmul", inputs: [a, b]) { g, needs in
            var gradA: Tensor?, gradB: Tensor?
            if needs[0] {
                let ga = Tensor(uninitializedShape: da.shape)
                ThreadPool.shared.parallelFor(batch) { i in  // dA = dC · Bᵀ
                    gemm(transposeB: true, m: m, n: k, k: n, a: g.pointer + i * m * n, lda: n,
                         b: db.pointer + i * k * n, ldb: n, c: ga.pointer + i * m * k, ldc: k)
                }
                gradA = ga
            }
            if needs[1] {
                let gb = Tensor(uninitializedShape: db.shape)
                ThreadPool.shared.parallelFor(batch) { i in  // dB = Aᵀ · dC
                    gemm(transposeA: true, m: k, n: n, k: m, a: da.pointer + i * m * k, lda: k,
                         b: g.pointer + i * m * n, ldb: n, c: gb.pointer + i * k * n, ldc: n)
                }
                gradB = gb
            }
            return [gradA, gradB]
        }
    }
}
