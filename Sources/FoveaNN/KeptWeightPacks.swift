import FoveaCore
import Synchronization

/// The `WeightPacks` of the weight a layer runs at inference, kept until that weight changes: a
/// new `version` of the parameter, or another tensor (a crop to other live taps).
final class KeptWeightPacks: Sendable {
    private struct Entry {
        let version: Int
        let packs: WeightPacks
    }
    private let entry = Mutex<Entry?>(nil)

    /// The packs for `weight` at `version`, kept from an earlier call or new (then empty).
    func packs(for weight: Tensor, version: Int) -> WeightPacks {
        entry.withLock { entry in
            // The kept packs hold their weight alive, so the same address is the same tensor.
            if let kept = entry, kept.version == version, kept.packs.weight.pointer == weight.pointer { return kept.packs }
            let packs = WeightPacks(of: weight)
            entry = Entry(version: version, packs: packs)
            return packs
        }
    }
}
