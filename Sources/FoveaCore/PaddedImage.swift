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

    /// Copies `image` ([C, H, W]) into `buffer`'s interior; its border must be zero (as a
    /// `ThreadBuffers` buffer is when first taken) and stays so.
    func copy(_ image: UnsafePointer<Float>, into buffer: UnsafeMutablePointer<Float>) {
        let g = geometry
        if columnPhases == 1 {   // one C call for every plane
            fovea_copy_planes(image, g.channels, g.height, g.width, buffer + g.padTop * width + g.padLeft, width, height * width)
            return
        }
        let phaseStart = phaseStarts
        for c in 0..<g.channels {
            copyInputRows(image, channel: c, paddedRows: g.padTop..<(g.padTop + g.height), phaseStart: phaseStart, into: buffer)
        }
    }

    /// Writes padded rows `rows` of every plane into `buffer` in full, padding included: a buffer
    /// nobody cleared then holds every row a kernel reading those rows uses. Threads sharing one
    /// image each copy the rows their share of the output reads, into their own buffer, from the
    /// input the layer before left in their own cache. Rows past the last plane row (`rows` may
    /// reach `height + rowsReadPast`) are the next plane's first rows, and after the last plane
    /// the slack: loads running past a row's end reach them, into lanes the kernel drops, which
    /// then hold floats rather than whatever the allocation held (a denormal costs an assist).
    func copy(_ image: UnsafePointer<Float>, paddedRows rows: Range<Int>, into buffer: UnsafeMutablePointer<Float>) {
        let g = geometry, height = height, width = width
        precondition(rows.lowerBound >= 0 && rows.upperBound <= height + rowsReadPast, "PaddedImage: rows \(rows) of \(height)")
        let wrapped = rows.upperBound - height   // rows of the next plane reached from this plane's last ones
        let spans = wrapped <= 0 ? [rows] : (wrapped >= rows.lowerBound ? [0..<height] : [0..<wrapped, rows.lowerBound..<height])
        let phaseStart = columnPhases == 1 ? [] : phaseStarts   // (an array made per call: only where read)
        for c in 0..<g.channels {
            for span in spans { copy(image, channel: c, paddedRows: span, phaseStart: phaseStart, into: buffer) }
        }
        if wrapped > 0 { buffer.advanced(by: g.channels * height * width).update(repeating: 0, count: Int(FOVEA_DIRECT_SLACK)) }
    }

    /// Padded rows a load starting in a row can reach past that row's end: the slack's 16 floats.
    var rowsReadPast: Int { (Int(FOVEA_DIRECT_SLACK) + width - 1) / width }

    /// Padded rows `rows` of plane `c`: zeros, then the input rows they hold.
    private func copy(_ image: UnsafePointer<Float>, channel c: Int, paddedRows rows: Range<Int>, phaseStart: [Int],
                      into buffer: UnsafeMutablePointer<Float>) {
        let g = geometry, width = width
        (buffer + (c * height + rows.lowerBound) * width).update(repeating: 0, count: rows.count * width)
        let first = Swift.max(rows.lowerBound, g.padTop), end = Swift.min(rows.upperBound, g.padTop + g.height)
        if first < end { copyInputRows(image, channel: c, paddedRows: first..<end, phaseStart: phaseStart, into: buffer) }
    }

    /// Input rows into padded rows `rows` (all of them rows of the input) of plane `c`, interior only.
    private func copyInputRows(_ image: UnsafePointer<Float>, channel c: Int, paddedRows rows: Range<Int>, phaseStart: [Int],
                               into buffer: UnsafeMutablePointer<Float>) {
        let g = geometry, width = width
        let plane = buffer + c * height * width, source = image + (c * g.height + rows.lowerBound - g.padTop) * g.width
        if columnPhases == 1 {
            fovea_copy_rows(source, rows.count, g.width, plane + rows.lowerBound * width + g.padLeft, width)
            return
        }
        for (i, r) in rows.enumerated() { splitIntoPhases(source + i * g.width, row: plane + r * width, phaseStart: phaseStart) }
    }

    /// Where each column phase of a padded row starts.
    private var phaseStarts: [Int] {
        let s = columnPhases, width = width
        return (0..<s).map { t in (0..<t).reduce(0) { $0 + (width - $1 + s - 1) / s } }
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
