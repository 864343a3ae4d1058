/// Every error a user can cause: bad files, shapes, labels or options.
/// The message names the file, layer or shape involved and reads as one line.
public struct FoveaError: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        case shapeMismatch, invalidArgument, io, format, numerical, unknownName
    }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public static func shape(_ message: String) -> FoveaError { FoveaError(.shapeMismatch, message) }
    public static func argument(_ message: String) -> FoveaError { FoveaError(.invalidArgument, message) }
    public static func io(_ message: String) -> FoveaError { FoveaError(.io, message) }
    public static func format(_ message: String) -> FoveaError { FoveaError(.format, message) }
}

/// Formats a shape the way PyTorch prints it: [2, 3, 32, 32].
public func describe(shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
