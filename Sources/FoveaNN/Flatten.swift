/// [N, d1, d2, …] → [N, d1·d2·…], in row-major (C, H, W) order as PyTorch's `nn.Flatten`.
public final class Flatten: Module {
    public init() {}
    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        guard input.rank >= 1 else { throw FoveaError.shape("cannot flatten a scalar") }
        return input.rank == 2 ? input : input.flattened(from: 1)
    }
}
