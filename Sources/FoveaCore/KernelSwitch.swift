import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether the environment leaves one of Fovea's optional kernels on. Each fast path that Fovea
/// picks by itself has a variable (`FOVEA_PANEL_CONVOLUTION`, `FOVEA_LIVE_TAPS`, …) that turns it
/// off when set to "0": for A/B runs, and to rule a kernel in or out when a result looks wrong.
/// Read once per kernel, when its first call asks.
func kernelSwitchedOn(_ variable: String) -> Bool {
    guard let setting = getenv(variable) else { return true }
    return String(cString: setting) != "0"
}

/// Floats per vector in Fovea's element-wise C kernels (batch norm's passes, the activation
/// masks, depthwise convolution on small planes): 16 with AVX-512, 8 with AVX2 + FMA, else 1.
/// `FOVEA_VECTOR_LANES=8` or `1` caps it (A/B runs; tests of the narrower variants).
public let kernelVectorLanes = Int(fovea_vector_lanes())
