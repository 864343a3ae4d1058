/// Squeeze-and-excitation — J. Hu, L. Shen, G. Sun, "Squeeze-and-Excitation Networks", CVPR 2018.
///
/// Each channel is rescaled by a gate computed from the global average of all channels:
/// x · σ(fc2(act(fc1(mean(x))))). The two 1×1 convolutions are named `fc1`/`fc2` as in
/// torchvision's `SqueezeExcitation`, so EfficientNet weights load one to one.
public final class SqueezeExcitation: Module {
    public let channels: Int, squeezeChannels: Int
    public let activation: Activation
    public let fc1: Conv2D, fc2: Conv2D

    public init(_ channels: Int, squeezeChannels: Int, activation: Activation = .relu, generator g: inout SeededGenerator) {
        self.channels = channels; self.squeezeChannels = squeezeChannels; self.activation = activation
        fc1 = Conv2D(channels, squeezeChannels, kernelSize: 1, generator: &g)
        fc2 = Conv2D(squeezeChannels, channels, kernelSize: 1, generator: &g)
    }

    public var children: [(name: String, module: Module)] { [("fc1", fc1), ("fc2", fc2)] }
    public var summarisedAsOneRow: Bool { true }
    public var details: String { "\(channels)→\(squeezeChannels)→\(channels), \(activation.rawValue)" }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        guard input.rank == 4, input.shape[1] == channels else {
            throw FoveaError.shape("expects input [N, \(channels), H, W], got \(describe(shape: input.shape))")
        }
        let squeezed = input.globalAvgPool2d().reshaped([input.shape[0], channels, 1, 1])
        let hidden = activation.apply(try context.run(fc1, named: "fc1", squeezed))
        let gate = try context.run(fc2, named: "fc2", hidden).sigmoid()
        return input * gate
    }
}
