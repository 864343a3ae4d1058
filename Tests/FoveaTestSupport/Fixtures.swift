import Foundation
import FoveaCore

/// One PyTorch reference case from a fixture file written by Scripts/make_core_fixtures.py.
public struct ReferenceCase: Decodable {
    public struct Array: Decodable {
        public let shape: [Int]
        public let data: [Double]
        public var tensor: Tensor { try! Tensor(data.map(Float.init), shape: shape) }
    }
    public let name: String
    public let inputs: [Array]
    public let output: Array
    public let gradOutput: Array
    public let gradInputs: [Array]
    public let params: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case name, inputs, output, params
        case gradOutput = "grad_output", gradInputs = "grad_inputs"
    }
}

/// Just enough JSON to read fixture parameters.
public enum JSONValue: Decodable {
    case number(Double), array([JSONValue]), object([String: JSONValue]), string(String)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let n = try? container.decode(Double.self) { self = .number(n) }
        else if let a = try? container.decode([JSONValue].self) { self = .array(a) }
        else if let o = try? container.decode([String: JSONValue].self) { self = .object(o) }
        else { self = .string(try container.decode(String.self)) }
    }

    public var int: Int { if case let .number(n) = self { return Int(n) }; fatalError("not a number: \(self)") }
    public var double: Double { if case let .number(n) = self { return n }; fatalError("not a number: \(self)") }
    public var ints: [Int] { if case let .array(a) = self { return a.map(\.int) }; fatalError("not an array: \(self)") }
    public var referenceArray: ReferenceCase.Array {
        guard case let .object(o) = self, let shape = o["shape"]?.ints, case let .array(d)? = o["data"] else { fatalError("not an array object") }
        return ReferenceCase.Array(shape: shape, data: d.map(\.double))
    }
}


public func loadReferenceCases(from url: URL) throws -> [String: ReferenceCase] {
    struct File: Decodable { let cases: [ReferenceCase] }
    let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    return Dictionary(uniqueKeysWithValues: file.cases.map { ($0.name, $0) })
}
