import Foundation

/// NumPy's .npy arrays and .npz archives (numpy.save / savez / savez_compressed). Nothing is
/// unpickled: object arrays are refused.
public enum NumPy {
    public struct Array {
        public let shape: [Int]
        /// Values in C (row-major) order, converted to Float.
        public let values: [Float]
        /// The dtype as NumPy names it ('<f8', '|u1', …).
        public let dtype: String
    }

    public static func read(_ path: String) throws -> Array { try decode(readFile(path), source: path) }

    public static func readArchive(_ path: String) throws -> [String: Array] {
        var arrays: [String: Array] = [:]
        for (name, data) in try ZipArchive.members(readFile(path), source: path) where name.hasSuffix(".npy") {
            arrays[String(name.dropLast(4))] = try decode(data, source: "\(path):\(name)")
        }
        return arrays
    }

    public static func decode(_ data: Data, source: String) throws -> Array {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array.magic.elementsEqual(bytes[1..<6]) else {
            throw FoveaError.format("\(source): not a .npy file (bad magic)")
        }
        let major = bytes[6]
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : (bytes.count >= 12 ? Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24 : -1)
        let headerStart = major == 1 ? 10 : 12
        guard headerLength >= 0, headerStart + headerLength <= bytes.count else {
            throw FoveaError.format("\(source): truncated .npy header")
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = field("descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) }),
              let fortranText = field("fortran_order", in: header), let shapeText = field("shape", in: header) else {
            throw FoveaError.format("\(source): malformed .npy header")
        }
        let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.compactMap { Int($0) }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw FoveaError.format("\(source): bad shape \(shapeText)") }
        let count = shape.reduce(1, *)
        guard let width = elementWidth(descr) else {
            throw FoveaError.format("\(source): dtype \(descr) is not supported (numeric arrays only; nothing is unpickled)")
        }
        let start = headerStart + headerLength
        guard bytes.count - start == count * width else {
            throw FoveaError.format("\(source): array \(describe(shape: shape)) \(descr) needs \(count * width) bytes, the file has \(bytes.count - start) (truncated or corrupt)")
        }
        var values = [Float](repeating: 0, count: count)
        let bigEndian = descr.hasPrefix(">")
        let kind = descr.dropFirst().first!
        for i in 0..<count {
            var chunk = Swift.Array(bytes[(start + i * width)..<(start + (i + 1) * width)])
            if bigEndian { chunk.reverse() }
            values[i] = chunk.withUnsafeBytes { raw -> Float in
                switch (kind, width) {
                case ("f", 4): Float(bitPattern: raw.loadUnaligned(as: UInt32.self))
                case ("f", 8): Float(Double(bitPattern: raw.loadUnaligned(as: UInt64.self)))
                case ("f", 2): Float(Float16(bitPattern: raw.loadUnaligned(as: UInt16.self)))
                case ("u", 1), ("b", 1): Float(raw[0])
                case ("i", 1): Float(Int8(bitPattern: raw[0]))
                case ("u", 2): Float(raw.loadUnaligned(as: UInt16.self))
                case ("i", 2): Float(raw.loadUnaligned(as: Int16.self))
                case ("u", 4): Float(raw.loadUnaligned(as: UInt32.self))
                case ("i", 4): Float(raw.loadUnaligned(as: Int32.self))
                case ("u", 8): Float(raw.loadUnaligned(as: UInt64.self))
                default: Float(raw.loadUnaligned(as: Int64.self))
                }
            }
        }
        if fortranText.contains("True"), shape.count > 1 {
            // Fortran order: the first index varies fastest; reorder to C order.
            let reversed = Swift.Array(shape.reversed())
            values = try Tensor(values, shape: reversed).permuted(Swift.Array((0..<shape.count).reversed())).scalars
        }
        return Array(shape: shape, values: values, dtype: descr)
    }

    static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        let rest = header[keyRange.upperBound...].drop { $0 == ":" || $0 == " " }
        if rest.first == "(" { return rest.firstIndex(of: ")").map { String(rest[...$0]) } }
        return String(rest.prefix { $0 != "," && $0 != "}" })
    }

    static func elementWidth(_ descr: String) -> Int? {
        guard descr.count >= 3, "<>|=".contains(descr.first!), "fuib".contains(descr.dropFirst().first!),
              let width = Int(descr.dropFirst(2)), [1, 2, 4, 8].contains(width) else { return nil }
        return width
    }

    /// A dataset from an .npz: `x_train`/`y_train` (+ `x_test`/`y_test`, Keras's layout), or `x`/`y`,
    /// or `images`/`labels`. Images may be NHW, NHWC (C ≤ 4, transposed to NCHW) or NCHW; uint8
    /// pixels are divided by 255.
    public static func dataset(_ path: String) throws -> (train: Dataset, test: Dataset?) {
        let arrays = try readArchive(path)
        func pair(_ x: String, _ y: String) throws -> Dataset? {
            guard let images = arrays[x], let labels = arrays[y] else { return nil }
            return try makeDataset(images: images, labels: labels, name: "\(path):\(x)", classes: nil)
        }
        let keys = arrays.keys.sorted().joined(separator: ", ")
        guard let train = try pair("x_train", "y_train") ?? pair("x", "y") ?? pair("images", "labels") else {
            throw FoveaError.format("\(path): expected arrays x_train/y_train, x/y or images/labels; found \(keys)")
        }
        var test = try pair("x_test", "y_test")
        if let t = test, t.classCount != train.classCount {
            test = try Dataset(name: t.name, images: t.images, labels: t.labels, classNames: train.classNames)
        }
        return (train, test)
    }

    static func makeDataset(images: Array, labels: Array, name: String, classes: Int?) throws -> Dataset {
        let s = images.shape
        var tensor: Tensor
        switch s.count {
        case 3: tensor = try Tensor(images.values, shape: [s[0], 1, s[1], s[2]])
        case 4 where [1, 3].contains(s[1]): tensor = try Tensor(images.values, shape: s)
        case 4 where s[3] <= 4: tensor = try Tensor(images.values, shape: s).permuted([0, 3, 1, 2])
        default: throw FoveaError.shape("\(name): images of shape \(describe(shape: s)) are not NHW, NHWC or NCHW")
        }
        if images.dtype.hasSuffix("u1") { tensor = tensor.mapValues { $0 / 255 } }
        let integerLabels = labels.values.map { Int($0) }
        guard labels.shape.count == 1, labels.values.count == tensor.shape[0],
              zip(integerLabels, labels.values).allSatisfy({ Float($0) == $1 && $0 >= 0 }) else {
            throw FoveaError.format("\(name): labels must be \(tensor.shape[0]) non-negative integers, got shape \(describe(shape: labels.shape))")
        }
        let count = classes ?? ((integerLabels.max() ?? 0) + 1)
        return try Dataset(name: name, images: tensor.detached(), labels: integerLabels, classNames: (0..<count).map(String.init))
    }
}

extension NumPy.Array {
    static let magic = [UInt8]("NUMPY".utf8)
}
