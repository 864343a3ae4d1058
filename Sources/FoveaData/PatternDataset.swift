#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The built-in synthetic pattern dataset: line, diagonal, circular and noise textures with
/// random period, phase, colour and position, plus Gaussian pixel noise. It needs no files,
/// so `fovea train` works on a fresh machine. Period, phase, duty cycle, colour and centre
/// are drawn per image, so a class is a texture, not a template.
public struct PatternDataset {
    /// The classes in label order. The first five are the standard set; ten adds five more.
    public static let allClassNames = [
        "horizontal_lines", "vertical_lines", "diagonal", "circular", "random_noise",
        "checkerboard", "cross", "anti_diagonal", "dots", "squares",
    ]

    public struct Configuration: Sendable, Equatable {
        public var samples = 2000
        public var imageSize = 32
        public var channels = 3
        public var classes = 5
        /// Standard deviation of the Gaussian noise added to every pixel (images are in [0, 1]).
        public var noise: Float = 0.1
        public var seed: UInt64 = 42

        public init(samples: Int = 2000, imageSize: Int = 32, channels: Int = 3, classes: Int = 5,
                    noise: Float = 0.1, seed: UInt64 = 42) {
            self.samples = samples; self.imageSize = imageSize; self.channels = channels
            self.classes = classes; self.noise = noise; self.seed = seed
        }

        /// The harder variant: ten classes, 64×64, heavy noise.
        public static var tenClassNoisy: Configuration {
            Configuration(samples: 2000, imageSize: 64, channels: 3, classes: 10, noise: 0.3)
        }

        func validate() throws {
            guard samples > 0 else { throw FoveaError.argument("pattern dataset: samples must be positive, got \(samples)") }
            guard imageSize >= 8 else { throw FoveaError.argument("pattern dataset: image size must be at least 8, got \(imageSize)") }
            guard channels == 1 || channels == 3 else { throw FoveaError.argument("pattern dataset: channels must be 1 or 3, got \(channels)") }
            guard (2...PatternDataset.allClassNames.count).contains(classes) else {
                throw FoveaError.argument("pattern dataset: classes must be in 2...\(PatternDataset.allClassNames.count), got \(classes)")
            }
            guard noise >= 0, noise.isFinite else { throw FoveaError.argument("pattern dataset: noise must be ≥ 0, got \(noise)") }
        }
    }

    /// Generates the dataset. Classes are balanced (sample i has class i mod K before shuffling);
    /// every sample draws from its own generator derived from the seed, so the result does not
    /// depend on the thread count.
    public static func generate(_ config: Configuration) throws -> Dataset {
        try config.validate()
        let size = config.imageSize, channels = config.channels, plane = size * size
        let images = Tensor(uninitializedShape: [config.samples, channels, size, size])
        var order = Array(0..<config.samples)
        var shuffler = SeededGenerator(seed: config.seed)
        order.shuffle(using: &shuffler)
        let labels = order.map { $0 % config.classes }
        let output = images.pointer
        ThreadPool.shared.parallelFor(config.samples) { i in
            var generator = SeededGenerator(seed: config.seed &+ 0x9E37_79B9 &* UInt64(i + 1))
            let pattern = PatternDataset.pattern(labels[i], size: size, using: &generator)
            for c in 0..<channels {
                // A random colour: each channel scales the pattern and sits on its own background.
                let gain = channels == 1 ? 1 : generator.nextUniform(0.5, 1)
                let background = generator.nextUniform(0, 0.2)
                let target = output + (i * channels + c) * plane
                for p in 0..<plane {
                    let value = background + gain * pattern[p] * (1 - background) + config.noise * generator.nextNormal()
                    target[p] = Swift.min(1, Swift.max(0, value))
                }
            }
        }
        return try Dataset(name: "patterns", images: images, labels: labels,
                           classNames: Array(allClassNames.prefix(config.classes)))
    }

    /// One pattern in [0, 1], size × size, row-major.
    static func pattern(_ label: Int, size: Int, using g: inout SeededGenerator) -> [Float] {
        let period = g.nextUniform(4, Float(size) / 4)
        let phase = g.nextUniform(0, 2 * .pi)
        let duty = g.nextUniform(0.3, 0.6)  // fraction of each period that is "on"
        let centerX = g.nextUniform(0.3, 0.7) * Float(size), centerY = g.nextUniform(0.3, 0.7) * Float(size)
        func stripe(_ t: Float) -> Float {
            let cycle = (t / period + phase / (2 * .pi)).truncatingRemainder(dividingBy: 1)
            return (cycle < 0 ? cycle + 1 : cycle) < duty ? 1 : 0
        }
        var pixels = [Float](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                let fx = Float(x), fy = Float(y)
                let value: Float
                switch label {
                case 0: value = stripe(fy)
                case 1: value = stripe(fx)
                case 2: value = stripe((fx + fy) / Float(2).squareRoot())
                case 3: value = stripe(((fx - centerX) * (fx - centerX) + (fy - centerY) * (fy - centerY)).squareRoot())
                case 4: value = g.nextUnitFloat()
                case 5: value = stripe(fx) == stripe(fy) ? 1 : 0
                case 6: value = Swift.abs(fx - centerX) < period / 2 || Swift.abs(fy - centerY) < period / 2 ? 1 : 0
                case 7: value = stripe((fx - fy + Float(size)) / Float(2).squareRoot())
                case 8: value = stripe(fx) * stripe(fy)
                default: value = stripe(Swift.max(Swift.abs(fx - centerX), Swift.abs(fy - centerY)))
                }
                pixels[y * size + x] = value
            }
        }
        return pixels
    }
}
