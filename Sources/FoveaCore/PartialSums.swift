import CKernels

/// target[i] = Σ partials[s][i] for i < count: the per-share gradients a kernel's threads
/// accumulated apart, summed in C vectors, split between the threads from 16 K floats up (a Swift
/// loop on the calling thread was a serial 0.3 ms per layer on ResNet-18's 590 K-weight layers).
func sumOfPartials(_ partials: [TensorStorage], count: Int, into target: UnsafeMutablePointer<Float>) {
    precondition(!partials.isEmpty, "sumOfPartials needs at least one partial")
    let sources = partials.map { UnsafePointer($0.pointer) }
    withExtendedLifetime(partials) {
        ThreadPool.shared.parallelRanges(count, minimumPerChunk: 1 << 14) { range in
            let (first, count) = (range.lowerBound, range.count)
            guard sources.count > 1 else { return (target + first).update(from: sources[0] + first, count: count) }
            fovea_add(sources[0] + first, sources[1] + first, target + first, count)
            for source in sources.dropFirst(2) { fovea_add(target + first, source + first, target + first, count) }
        }
    }
}
