import FoveaCore
import Synchronization

/// A convolution's weight cropped to the taps that read the image, kept for inference until the
/// weight changes.
///
/// On small planes some taps of a padded window read only padding (a 3×3 window with padding 1
/// on a 1×1 plane reads the image through its centre: ResNet-18's last stage on 32×32 inputs).
/// `conv2d` crops such a window only where the batch's arithmetic pays for copying the weights
/// on every call, which one image never does. A layer at inference keeps the copy instead, keyed
/// by the parameter's `version`: ResNet-18 then reads 1.4 M of its last stage's 8.4 M weights per
/// image.
final class LiveTapWeights: Sendable {
    private struct Entry {
        let version: Int, rows: Range<Int>, columns: Range<Int>
        let weight: Tensor
    }
    private let entry = Mutex<Entry?>(nil)

    /// `parameter`'s taps `rows × columns`, cropped now or earlier at the same version.
    func weight(of parameter: Parameter, rows: Range<Int>, columns: Range<Int>) -> Tensor {
        entry.withLock { entry in
            if let kept = entry, kept.version == parameter.version, kept.rows == rows, kept.columns == columns {
                return kept.weight
            }
            let weight = parameter.value.detached().croppedKernel(rows: rows, columns: columns)
            entry = Entry(version: parameter.version, rows: rows, columns: columns, weight: weight)
            return weight
        }
    }
}

extension Conv2D {
    /// The weight and padding to run `input` with when no gradient is recorded: where some taps
    /// read only padding, the kept crop of the weight to the others and the padding shrunk to match
    /// (the same outputs, see `WindowGeometry.croppedToLiveTaps`); elsewhere the weight itself.
    /// With them the packs the kernels keep of that weight (`WeightPacks`).
    func inferenceWeight(for input: Tensor, padding: (top: Int, left: Int, bottom: Int, right: Int))
        -> (weight: Tensor, padding: (top: Int, left: Int, bottom: Int, right: Int), packs: WeightPacks) {
        let geometry = WindowGeometry(channels: inChannels / groups, height: input.shape[2], width: input.shape[3],
                                      kernel: kernelSize, stride: stride, padding: padding, dilation: dilation)
        guard let live = ConvolutionKernel.liveTapCrop(geometry) else {
            return (weight.value, padding, keptPacks.packs(for: weight.value, version: weight.version))
        }
        let g = live.geometry
        let cropped = liveTapWeights.weight(of: weight, rows: live.rows, columns: live.columns)
        return (cropped, (g.padTop, g.padLeft, g.padBottom, g.padRight), keptPacks.packs(for: cropped, version: weight.version))
    }

    /// Whether this call records a gradient for anything it reads.
    func recordsGradient(_ input: Tensor) -> Bool {
        GradientRecording.isEnabled && (input.requiresGrad || weight.value.requiresGrad || (bias?.value.requiresGrad ?? false))
    }
}
