import FoveaCore

/// A 2×2 max pool's winners as random as they come: for every window of `planes` planes of
/// pooled height × width, the offset in its output plane (`outputWidth` wide) of one of its four
/// cells, drawn from `generator`. For the pooled gradients' tests and benchmarks, which need
/// winners anywhere in their windows, not only where a forward pass would put them.
public func randomPoolWinners(planes: Int, pooledHeight: Int, pooledWidth: Int, outputWidth: Int,
                              using generator: inout SeededGenerator) -> [Int32] {
    var winners = [Int32]()
    winners.reserveCapacity(planes * pooledHeight * pooledWidth)
    for _ in 0..<planes {
        for py in 0..<pooledHeight {
            for px in 0..<pooledWidth {
                let cell = Int.random(in: 0..<4, using: &generator)
                winners.append(Int32((2 * py + cell / 2) * outputWidth + 2 * px + cell % 2))
            }
        }
    }
    return winners
}
