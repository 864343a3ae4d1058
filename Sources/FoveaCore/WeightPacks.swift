import Synchronization

/// One convolution weight in the layouts the kernels read it in (the direct kernel's tiles, the
/// channel-vector groups, Winograd's transformed weights), made on first use and kept while the
/// weight stays as it is: ONNX Runtime prepacks its weights the same way when a session starts.
///
/// Every call otherwise packs the weight again, on the calling thread before the workers start:
/// on one image that was 5–8 % of keras-cifar-cnn's and SimpleCNN's forward pass, the second
/// thread waiting through it. A layer at inference keeps one per value of its weight
/// (`Conv2D`, by the parameter's `version`); training, whose weights move every step, passes none.
///
/// The packs belong to one weight tensor, which they keep alive: a kernel handed packs for other
/// memory (a weight cropped to its live taps on the way, say) ignores them and packs as before.
public final class WeightPacks: Sendable {
    /// The layouts kept: which kernel reads it, the layout's variant (the direct kernel's strip
    /// width, Winograd's tile) and its size in floats.
    struct Layout: Hashable {
        enum Reader: Hashable { case direct, channelVectors, winograd, laneWinograd }
        let reader: Reader, variant: Int, count: Int
    }

    /// The weight the packs were made from.
    public let weight: Tensor
    private let packs = Mutex<[Layout: TensorStorage]>([:])

    public init(of weight: Tensor) { self.weight = weight.detached() }

    /// The packs in `layout` of `weights` (filled by `pack` the first time), or nil where these
    /// packs belong to other memory.
    func kept(_ weights: UnsafePointer<Float>, layout: Layout, pack: (UnsafeMutablePointer<Float>) -> Void) -> TensorStorage? {
        guard UnsafePointer(weight.pointer) == weights else { return nil }
        return packs.withLock { packs in
            if let kept = packs[layout] { return kept }
            let storage = TensorStorage(uninitializedCount: layout.count)
            pack(storage.pointer)
            packs[layout] = storage
            return storage
        }
    }

    /// How many layouts are kept, and their floats (tests).
    public var layoutCount: Int { packs.withLock { $0.count } }
    public var floatCount: Int { packs.withLock { $0.keys.reduce(0) { $0 + $1.count } } }
}

extension Optional where Wrapped == WeightPacks {
    /// `weights` in `layout`: the kept packs where there are some for this memory, else packed now
    /// into fresh storage.
    func packed(_ weights: UnsafePointer<Float>, layout: WeightPacks.Layout,
                pack: (UnsafeMutablePointer<Float>) -> Void) -> TensorStorage {
        if let kept = self?.kept(weights, layout: layout, pack: pack) { return kept }
        let storage = TensorStorage(uninitializedCount: layout.count)
        pack(storage.pointer)
        return storage
    }
}
