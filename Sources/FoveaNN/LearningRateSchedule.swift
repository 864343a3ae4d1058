#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Learning rate as a pure function of the step t (Fovea's trainer steps once per epoch, t = 0, 1, …).
public indirect enum LearningRateSchedule: Codable, Equatable, Sendable {
    case constant
    /// lr₀·γ^⌊t/s⌋
    case step(every: Int, gamma: Float)
    /// lr₀·γ^(number of milestones ≤ t)
    case multiStep(milestones: [Int], gamma: Float)
    /// lr₀·e^(−k·t)
    case exponential(k: Float)
    /// lr_min + ½(lr₀ − lr_min)(1 + cos(π·t/T)), held at lr_min after T
    case cosine(total: Int, minimum: Float)
    /// Linear warm-up from lr₀/(w+1) to lr₀ over the first w steps, then `schedule` shifted by w.
    case warmup(steps: Int, then: LearningRateSchedule)

    public func rate(at t: Int, base: Float) -> Float {
        switch self {
        case .constant:
            return base
        case let .step(every, gamma):
            return base * powf(gamma, Float(t / Swift.max(every, 1)))
        case let .multiStep(milestones, gamma):
            return base * powf(gamma, Float(milestones.filter { $0 <= t }.count))
        case let .exponential(k):
            return base * expf(-k * Float(t))
        case let .cosine(total, minimum):
            let progress = Float(Swift.min(t, total)) / Float(Swift.max(total, 1))
            return minimum + 0.5 * (base - minimum) * (1 + cosf(.pi * progress))
        case let .warmup(steps, then):
            return t < steps ? base * Float(t + 1) / Float(steps + 1) : then.rate(at: t - steps, base: base)
        }
    }

    /// Parses the CLI form: constant, step:S:γ, multistep:M1/M2/…:γ, exponential:k, cosine[:lr_min].
    /// `totalSteps` is T for cosine.
    public static func parse(_ text: String, totalSteps: Int, warmup: Int = 0) throws -> LearningRateSchedule {
        let parts = text.lowercased().split(separator: ":").map(String.init)
        func number(_ i: Int, _ fallback: Float? = nil) throws -> Float {
            if i >= parts.count, let fallback { return fallback }
            guard i < parts.count, let v = Float(parts[i]), v.isFinite, v >= 0 else {
                throw FoveaError.argument("schedule '\(text)': expected a number in part \(i + 1)")
            }
            return v
        }
        let schedule: LearningRateSchedule
        switch parts.first ?? "" {
        case "constant", "": schedule = .constant
        case "step": schedule = .step(every: Swift.max(1, Int(try number(1, 10))), gamma: try number(2, 0.1))
        case "multistep":
            guard parts.count >= 2 else { throw FoveaError.argument("schedule '\(text)': multistep:M1/M2/…:γ") }
            let milestones = parts[1].split(separator: "/").compactMap { Int($0) }
            schedule = .multiStep(milestones: milestones, gamma: try number(2, 0.1))
        case "exponential", "exp": schedule = .exponential(k: try number(1, 0.1))
        case "cosine": schedule = .cosine(total: Swift.max(1, totalSteps - warmup), minimum: try number(1, 0))
        default:
            throw FoveaError.argument("unknown schedule '\(text)'; use constant, step:S:γ, multistep:M1/M2:γ, exponential:k, cosine[:lr_min]")
        }
        return warmup > 0 ? .warmup(steps: warmup, then: schedule) : schedule
    }
}

/// Reduce-on-plateau: multiplies the rate by `factor` when the monitored value has not improved
/// by `minDelta` for `patience` epochs. Stateful, so its state is part of a checkpoint.
public struct ReduceOnPlateau: Codable, Equatable, Sendable {
    public let factor: Float, patience: Int, minDelta: Double, mode: Mode
    public private(set) var best: Double?
    public private(set) var waited = 0
    public private(set) var multiplier: Float = 1

    public enum Mode: String, Codable, Sendable { case min, max }

    public init(factor: Float = 0.1, patience: Int = 3, minDelta: Double = 1e-4, mode: Mode = .min) {
        self.factor = factor; self.patience = patience; self.minDelta = minDelta; self.mode = mode
    }

    /// Records one epoch's value; returns the multiplier to apply from now on.
    public mutating func observe(_ value: Double) -> Float {
        let improved = best.map { mode == .min ? value < $0 - minDelta : value > $0 + minDelta } ?? true
        if improved {
            best = value
            waited = 0
        } else {
            waited += 1
            if waited > patience {
                multiplier *= factor
                waited = 0
            }
        }
        return multiplier
    }
}
