import CKernels

/// Where a convolution kernel that works image by image (one image per thread at a time, or one
/// image at a time with its rows shared) writes each image's output: straight into the output
/// tensor, or, at inference where a 2×2 stride-2 max pool follows, into a buffer, pooled into the
/// output by the thread that wrote it as soon as its image (or its rows) are done.
/// The pool then reads the activation from L2 instead of memory, and the full-size activation is
/// never written out (keras-cifar-cnn's first convolution writes 7.4 MB per batch of 64 that its
/// pool read back: 13 % of inference at batch 64 went to the pool alone). With AVX-512, at
/// inference, the direct and channel-vector tiles go further and pool in their registers: no
/// buffers then (`buffered: false`), only `output`.
struct ConvolutionImageOutputs {
    /// The tensor the caller gets: the convolution's output, or the pooled one.
    let output: UnsafeMutablePointer<Float>
    let channels: Int, height: Int, width: Int
    let pooled: Bool
    /// Where the pool writes each window's winner (its offset within its plane), for the
    /// gradient; nil at inference.
    let winners: UnsafeMutablePointer<Int32>?
    /// One image's convolution output per thread when pooled.
    private let buffers: [TensorStorage]

    /// Convolution output [N, channels, height, width] written in place.
    init(_ output: UnsafeMutablePointer<Float>, channels: Int, height: Int, width: Int) {
        self.output = output; self.channels = channels; self.height = height; self.width = width
        pooled = false; winners = nil; buffers = []
    }

    /// Convolution output of `channels` × `height` × `width` per image, max-pooled 2×2 with stride 2
    /// (floor) into `pooledOutput` [N, channels, height / 2, width / 2], each window's winner to
    /// `winners` (same layout) where given. Not `buffered` where the kernel pools in its registers
    /// and writes `pooledOutput` itself.
    init(pooledInto pooledOutput: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<Int32>? = nil,
         channels: Int, height: Int, width: Int, buffered: Bool = true) {
        self.output = pooledOutput; self.channels = channels; self.height = height; self.width = width
        pooled = true; self.winners = winners
        buffers = !buffered ? [] : (0..<ThreadPool.shared.threadSlots).map { _ in TensorStorage(uninitializedCount: channels * height * width) }
    }

    /// Where image `n`'s convolution output goes when thread `thread` computes it.
    func target(image n: Int, thread: Int) -> UnsafeMutablePointer<Float> {
        pooled ? buffers[thread].pointer : output + n * channels * height * width
    }

    /// Called by the thread that wrote image `n` once its output is complete.
    func finish(image n: Int, thread: Int) {
        guard pooled else { return }
        let pooledSize = channels * (height / 2) * (width / 2)
        fovea_max_pool_halving(buffers[thread].pointer, Int32(height), Int32(width), 0, Int32(channels),
                               output + n * pooledSize, winners.map { $0 + n * pooledSize })
    }

    /// Where image `n`'s convolution output goes when the threads share its rows.
    func sharedTarget(image n: Int) -> UnsafeMutablePointer<Float> {
        pooled ? buffers[0].pointer : output + n * channels * height * width
    }

    /// The output rows a thread of a shared image computes for its share `pairs` of pooled rows
    /// (each pooled row is two output rows): when pooled, only the rows the pool reads.
    func rows(forPooledRows pairs: Range<Int>) -> Range<Int> { (2 * pairs.lowerBound)..<(2 * pairs.upperBound) }

    /// Called by the thread that wrote rows `rows(forPooledRows: pairs)` of image `n` (from
    /// `sharedTarget`), in every channel: pools them into pooled rows `pairs`. Not with `winners`
    /// (the pool would give offsets within the rows, not the plane).
    func finish(image n: Int, pooledRows pairs: Range<Int>) {
        precondition(winners == nil, "ConvolutionImageOutputs: rows shared between threads keep no winners")
        guard pooled, !pairs.isEmpty else { return }
        fovea_max_pool_halving_rows(buffers[0].pointer, Int32(height), Int32(width), 0, Int32(channels), Int32(pairs.lowerBound),
                                    Int32(pairs.upperBound), output + n * channels * (height / 2) * (width / 2), nil)
    }

    /// Keeps the buffers alive while a kernel writes through their pointers.
    func keepAlive<R>(_ body: () throws -> R) rethrows -> R { try withExtendedLifetime(buffers, body) }
}
