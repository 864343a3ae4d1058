import Foundation

/// A Keras-style model summary: one row per layer with its output shape and parameter count.
public struct ModelSummary: Sendable, Codable {
    public struct Row: Sendable, Codable {
        public let name: String
        public let type: String
        public let details: String
        /// Output shape without the batch dimension (C, H, W for images).
        public let outputShape: [Int]
        public let params: Int
    }
    public let inputShape: [Int]
    public let rows: [Row]
    public let params: Int
    public let trainable: Int
    /// Multiply-accumulates of one forward pass for one image (convolutions, dense layers, attention).
    public let multiplyAccumulates: Int

    /// Runs one inference pass on a zero batch of `inputShape` (no batch dimension) and records every layer.
    public init(of model: Module, inputShape: [Int]) throws {
        var rows: [Row] = []
        var macs = 0
        let context = ForwardContext.inference
        context.recorder = { path, layer, output in
            rows.append(Row(name: path, type: layer.typeName, details: layer.details,
                            outputShape: Array(output.shape.dropFirst()), params: layer.parameterCount))
        }
        context.costRecorder = { layer, input, output in
            macs += (layer as? MultiplyAccumulateCounting)?.multiplyAccumulates(input: input.shape, output: output.shape) ?? 0
        }
        _ = try withoutGradients { try model.forward(Tensor(zeros: [1] + inputShape), context) }
        self.inputShape = inputShape
        self.rows = rows
        params = model.parameterCount
        trainable = model.trainableParameterCount
        multiplyAccumulates = macs
    }

    /// The table as text, Keras layout: layer (type), output shape, parameters; then totals.
    public func table(title: String) -> String {
        let header = ("Layer (type)", "Output shape", "Params")
        let cells = rows.map { ("\($0.name) (\($0.type))", "(" + $0.outputShape.map(String.init).joined(separator: ", ") + ")",
                                $0.params.formatted) }
        let w0 = max(header.0.count, cells.map(\.0.count).max() ?? 0) + 2
        let w1 = max(header.1.count, cells.map(\.1.count).max() ?? 0) + 2
        let w2 = max(header.2.count, cells.map(\.2.count).max() ?? 0)
        let rule = String(repeating: "─", count: w0 + w1 + w2)
        func line(_ a: String, _ b: String, _ c: String) -> String {
            a.padding(toLength: w0, withPad: " ", startingAt: 0) + b.padding(toLength: w1, withPad: " ", startingAt: 0)
                + String(repeating: " ", count: w2 - c.count) + c
        }
        var out = ["Model: \(title)  input (" + inputShape.map(String.init).joined(separator: ", ") + ")", rule,
                   line(header.0, header.1, header.2), rule]
        out += cells.map { line($0.0, $0.1, $0.2) }
        out += [rule, "Total params: \(params.formatted)", "Trainable params: \(trainable.formatted)",
                "Non-trainable params: \((params - trainable).formatted)",
                "FLOPs per image: \(Self.describeFLOPs(2 * multiplyAccumulates)) (\(multiplyAccumulates.formatted) multiply-accumulates)", rule]
        return out.joined(separator: "\n")
    }
}

extension ModelSummary {
    /// 3_640_000_000 → "3.64 G".
    public static func describeFLOPs(_ flops: Int) -> String {
        let value = Double(flops)
        for (limit, unit) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] where value >= limit {
            return String(format: "%.3g %@", value / limit, unit)
        }
        return "\(flops)"
    }
}

extension Int {
    /// 1338661 → "1,338,661".
    public var formatted: String {
        let digits = String(Swift.abs(self))
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (self < 0 ? "-" : "") + groups.joined(separator: ",")
    }
}
