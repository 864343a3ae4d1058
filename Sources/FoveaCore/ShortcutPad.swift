/// The parameter-free "option A" shortcut of He et al. 2016 (§4.2): keep every `stride`-th pixel
/// and add zero channels, `padBefore` in front and `padAfter` behind.
/// [N, C, H, W] → [N, padBefore + C + padAfter, ⌈H/stride⌉, ⌈W/stride⌉].
extension Tensor {
    public func subsampledWithZeroChannels(stride: Int, padBefore: Int, padAfter: Int) -> Tensor {
        precondition(rank == 4 && stride >= 1 && padBefore >= 0 && padAfter >= 0, "subsample: input \(describe(shape: shape))")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride, oc = padBefore + c + padAfter
        let result = Tensor(zeros: [n, oc, oh, ow])
        for b in 0..<n { for ch in 0..<c { for y in 0..<oh { for x in 0..<ow {
            result.pointer[((b * oc + ch + padBefore) * oh + y) * ow + x] = pointer[((b * c + ch) * h + y * stride) * w + x * stride]
        } } } }
        let inputShape = shape
        return Tensor.record(result, op: "subsampledWithZeroChannels", inputs: [self]) { g, _ in
            let grad = Tensor(zeros: inputShape)
            for b in 0..<n { for ch in 0..<c { for y in 0..<oh { for x in 0..<ow {
                grad.pointer[((b * c + ch) * h + y * stride) * w + x * stride] = g.pointer[((b * oc + ch + padBefore) * oh + y) * ow + x]
            } } } }
            return [grad]
        }
    }
}
