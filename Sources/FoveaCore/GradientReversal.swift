/// The gradient-reversal layer of Ganin & Lempitsky, "Unsupervised Domain Adaptation by
/// Backpropagation", ICML 2015: the identity going forward, −λ times the gradient going back,
/// so whatever sits before it learns to *maximise* the loss of whatever sits after it.
extension Tensor {
    public func reversingGradient(scale lambda: Float) -> Tensor {
        Tensor.record(detached(), op: "gradientReversal", inputs: [self]) { g, _ in [g.mapValues { -lambda * $0 }] }
    }
}
