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
