import Foundation
import FoveaCore

/// Deterministic weights both Fovea and the PyTorch fixture scripts compute from a tensor's name
/// (Scripts/make_zoo_fixtures.py, `reference_values`), so parity tests need no weight files.
/// u_i = ((i · 2654435761 + fnv1a(name)) mod 2³²) / 2³², then mapped by the kind of tensor.
public func referenceValues(name: String, shape: [Int]) -> Tensor {
    var hash: UInt32 = 0x811C_9DC5
    for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
    let count = shape.reduce(1, *)
    let leaf = name.split(separator: ".").last.map(String.init) ?? name
    let result = Tensor(zeros: shape)
    for i in 0..<count {
        let u = Double((UInt64(i) &* 2_654_435_761 &+ UInt64(hash)) % (1 << 32)) / 4_294_967_296
        let a = 2 * u - 1
        let value: Double
        switch name == "input" ? "input" : leaf {
        case "input": value = a
        case "num_batches_tracked": value = 0
        case "running_mean": value = 0.1 * a
        case "running_var": value = 0.5 + u
        default:
            if shape.count <= 1 { value = leaf.hasSuffix("weight") ? 0.75 + 0.5 * u : 0.1 * a }
            else { value = a * (6.0 / Double(count / shape[0])).squareRoot() }
        }
        result.pointer[i] = Float(value)
    }
    return result
}
