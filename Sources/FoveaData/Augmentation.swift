/// One image being augmented: [C, H, W] Float pixels in row-major order.
public struct ImageBuffer: Equatable, Sendable {
    public var pixels: [Float]
    public let channels: Int, height: Int, width: Int

    public init(pixels: [Float], channels: Int, height: Int, width: Int) {
        precondition(pixels.count == channels * height * width, "image buffer size")
        self.pixels = pixels; self.channels = channels; self.height = height; self.width = width
    }

    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { pixels[(c * height + y) * width + x] }
        set { pixels[(c * height + y) * width + x] = newValue }
    }

    /// Bilinear sample at real coordinates (x, y) of channel c; `fill` outside the image.
    public func bilinear(_ c: Int, _ y: Float, _ x: Float, fill: Float) -> Float {
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        let fx = x - Float(x0), fy = y - Float(y0)
        func at(_ yy: Int, _ xx: Int) -> Float { yy >= 0 && yy < height && xx >= 0 && xx < width ? self[c, yy, xx] : fill }
        let top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx
        let bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx
        return top * (1 - fy) + bottom * fy
    }
}

/// A random, per-image transformation. Randomness comes only from the generator passed in,
/// which the pipeline derives from (seed, epoch, sample), so results do not depend on threads.
public protocol ImageTransform: Sendable {
    func apply(_ image: inout ImageBuffer, using generator: inout SeededGenerator)
}

/// Transforms applied in order, to every image of a batch.
public struct AugmentationPipeline: Sendable {
    public let transforms: [any ImageTransform]
    public init(_ transforms: [any ImageTransform]) { self.transforms = transforms }

    public var isEmpty: Bool { transforms.isEmpty }

    /// Augments a batch [N, C, H, W]. Sample i uses a generator seeded from (`seed`, `keys[i]`),
    /// so the same seed and keys give the same pixels whatever the thread count.
    public func apply(to images: Tensor, seed: UInt64, keys: [Int]) -> Tensor {
        precondition(images.rank == 4 && keys.count == images.shape[0], "augment: batch \(describe(shape: images.shape)), \(keys.count) keys")
        let (c, h, w) = (images.shape[1], images.shape[2], images.shape[3])
        let size = c * h * w
        let result = Tensor(uninitializedShape: images.shape)
        let source = images.pointer, destination = result.pointer
        ThreadPool.shared.parallelFor(images.shape[0]) { n in
            var generator = SeededGenerator(seed: seed ^ (UInt64(truncatingIfNeeded: keys[n]) &* 0x9E37_79B9_7F4A_7C15))
            var image = ImageBuffer(pixels: Array(UnsafeBufferPointer(start: source + n * size, count: size)),
                                    channels: c, height: h, width: w)
            for transform in transforms { transform.apply(&image, using: &generator) }
            image.pixels.withUnsafeBufferPointer { (destination + n * size).update(from: $0.baseAddress!, count: size) }
        }
        return result
    }

    /// Parses the CLI form: `flip,vflip,crop=4,rotate=15,scale=0.1,translate=0.1,brightness=0.2,contrast=0.2,hue=0.05,noise=0.02`.
    public static func parse(_ text: String) throws -> AugmentationPipeline {
        var transforms: [any ImageTransform] = []
        var affine = RandomAffine(degrees: 0, scale: 0, translate: 0)
        var affineIndex: Int?
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0].lowercased()
            func value(_ fallback: Float) throws -> Float {
                guard parts.count == 2 else { return fallback }
                guard let v = Float(parts[1]), v.isFinite, v >= 0 else {
                    throw FoveaError.argument("augmentation '\(item)': '\(parts[1])' is not a non-negative number")
                }
                return v
            }
            switch name {
            case "flip", "hflip": transforms.append(HorizontalFlip(probability: try value(0.5)))
            case "vflip": transforms.append(VerticalFlip(probability: try value(0.5)))
            case "crop": transforms.append(RandomCrop(padding: Int(try value(4))))
            case "rotate", "scale", "translate":
                if affineIndex == nil { affineIndex = transforms.count; transforms.append(affine) }
                switch name {
                case "rotate": affine.degrees = try value(15)
                case "scale": affine.scale = try value(0.1)
                default: affine.translate = try value(0.1)
                }
                transforms[affineIndex!] = affine
            case "brightness": transforms.append(Brightness(maxDelta: try value(0.2)))
            case "contrast": transforms.append(Contrast(maxDelta: try value(0.2)))
            case "hue": transforms.append(HueShift(maxShift: try value(0.05)))
            case "noise": transforms.append(GaussianNoise(std: try value(0.02)))
            default:
                throw FoveaError.argument("unknown augmentation '\(name)'; known: flip, vflip, crop=PAD, rotate=DEG, scale=F, translate=F, brightness=F, contrast=F, hue=F, noise=σ")
            }
        }
        return AugmentationPipeline(transforms)
    }
}
