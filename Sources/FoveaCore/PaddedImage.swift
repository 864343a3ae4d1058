/// One image copied into zero-padded planes, the layout the direct kernels read: C planes of
/// `height` × `width` (the input's plus its padding), followed by `FOVEA_DIRECT_SLACK` spare
/// floats. With `columnPhases` s > 1 every padded row holds its s column phases one after the
/// other (columns 0, s, 2s, … then 1, s + 1, …), so that a stride-s window's neighbouring output
/// pixels read neighbouring floats.
import CKernels

struct PaddedImage {
    let geometry: WindowGeometry
    let columnPhases: Int
    var height: Int { geometry.height + geometry.padTop + geometry.padBottom }
    var width: Int { geometry.width + geometry.padLeft + geometry.padRight }
    /// Floats of one padded copy, the slack included: valid windows are copied too, since the
    /// direct kernel's loads run past a row's end, and past the last row into the slack, where
    /// the caller's tensor might end.
    var count: Int { geometry.channels * height * width + Int(FOVEA_DIRECT_SLACK) }

    init(_ geometry: WindowGeometry, columnPhases: Int = 1) {
        self.geometry = geometry
        self.columnPhases = columnPhases
    }

    /// Copies `image` ([C, H, W]) into `buffer`'s interior; its border must be zero (as allocated
    /// by `TensorStorage(repeating: 0, …)`) and stays so.
    func copy(_ image: UnsafePointer<Float>, into buffer: UnsafeMutablePointer<Float>) {
        let g = geometry, height = height, width = width, s = columnPhases
        if s == 1 {
            for c in 0..<g.channels {
                fovea_copy_rows(image + c * g.height * g.width, g.height, g.width,
                                buffer + (c * height + g.padTop) * width + g.padLeft, width)
            }
            return
        }
        // Where each column phase of a padded row starts.
        let phaseStart = (0..<s).map { t in (0..<t).reduce(0) { $0 + (width - $1 + s - 1) / s } }
        for c in 0..<g.channels {
            for h in 0..<g.height {
                let source = image + (c * g.height + h) * g.width, row = buffer + (c * height + h + g.padTop) * width
                splitIntoPhases(source, row: row, phaseStart: phaseStart)
            }
        }
    }

    /// Writes one input row into a padded row's column phases: column w + padLeft goes to
    /// element (w + padLeft) / s of phase (w + padLeft) mod s.
    private func splitIntoPhases(_ source: UnsafePointer<Float>, row: UnsafeMutablePointer<Float>, phaseStart: [Int]) {
        let g = geometry, s = columnPhases
        for t in 0..<s {
            // The first input column in phase t, and its element there.
            let first = ((t - g.padLeft) % s + s) % s
            guard first < g.width else { continue }
            let target = row + phaseStart[t] + (first + g.padLeft) / s
            let count = (g.width - first + s - 1) / s
            var w = first, k = 0
            if s == 2 {
                // Eight outputs from two 8-float loads (the even or odd lanes of 16 columns).
                while k + 8 <= count && w + 16 <= g.width {
                    let low = UnsafeRawPointer(source + w).loadUnaligned(as: SIMD8<Float>.self)
                    let high = UnsafeRawPointer(source + w + 8).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(target + k).storeBytes(of: SIMD8(lowHalf: low.evenHalf, highHalf: high.evenHalf),
                                                                  as: SIMD8<Float>.self)
                    w += 16
                    k += 8
                }
            }
            while k < count {
                target[k] = source[w]
                w += s
                k += 1
            }
        }
    }
}
