/// One image laid out as the pixel rows of its zero-padded geometry: each pixel's channels side
/// by side, rounded up to whole 16-float vectors (the layout the pooled gradients' kernels read
/// and write, `PooledInputGradient` and `PooledWeightGradient`).
struct PixelRows {
    let geometry: WindowGeometry

    init(_ geometry: WindowGeometry) { self.geometry = geometry }

    /// Channels rounded up to whole vectors: the floats of one pixel row.
    var lanes: Int { (geometry.channels + 15) / 16 * 16 }
    var height: Int { geometry.height + geometry.padTop + geometry.padBottom }
    var width: Int { geometry.width + geometry.padLeft + geometry.padRight }
    /// Floats of one image's rows.
    var count: Int { height * width * lanes }
    /// Whether one image's rows fit in 256 K floats (1 MB: in L2, where their kernels want them;
    /// VGG's 64 channels at 224 × 224 do not).
    var fitInL2: Bool { count <= 1 << 18 }

    /// The row of each output cell's window corner (cell y · output width + x), the same for every
    /// image of a call: the kernels look it up for each window's winner (a division per window
    /// cost more than its FMAs).
    var corners: [Int32] {
        let g = geometry
        var corners = [Int32]()
        corners.reserveCapacity(g.outputHeight * g.outputWidth)
        for y in 0..<g.outputHeight {
            for x in 0..<g.outputWidth { corners.append(Int32(y * g.strideHeight * width + x * g.strideWidth)) }
        }
        return corners
    }
}
