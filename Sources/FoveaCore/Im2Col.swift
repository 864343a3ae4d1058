import CKernels

/// Geometry of a 2-D convolution or pooling window over an NCHW input.
public struct WindowGeometry: Equatable, Sendable {
    public var channels: Int, height: Int, width: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    public var dilationHeight: Int, dilationWidth: Int

    public init(channels: Int, height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0), dilation: (Int, Int) = (1, 1)) {
        self.channels = channels; self.height = height; self.width = width
        (kernelHeight, kernelWidth) = kernel
        (strideHeight, strideWidth) = stride
        (padTop, padLeft, padBottom, padRight) = padding
        (dilationHeight, dilationWidth) = dilation
    }

    public var outputHeight: Int { (height + padTop + padBottom - dilationHeight * (kernelHeight - 1) - 1) / strideHeight + 1 }
    public var outputWidth: Int { (width + padLeft + padRight - dilationWidth * (kernelWidth - 1) - 1) / strideWidth + 1 }
    public var isValid: Bool {
        kernelHeight > 0 && kernelWidth > 0 && strideHeight > 0 && strideWidth > 0 && dilationHeight > 0 && dilationWidth > 0
            && height + padTop + padBottom - dilationHeight * (kernelHeight - 1) - 1 >= 0
            && width + padLeft + padRight - dilationWidth * (kernelWidth - 1) - 1 >= 0
    }
    /// True when the window is a plain 1×1 pointwise map (no im2col needed).
    public var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1
            && padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0
    }
}

/// Unfolds one image [C, H, W] into columns [C·kh·kw, Hout·Wout] (zeros where the window hits padding).
/// Row r of the result starts at `columns + r·rowStride` (default Hout·Wout), so several images
/// can be unfolded side by side into one wider matrix for a single GEMM.
public func im2col(_ g: WindowGeometry, input: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
    let outH = g.outputHeight, outW = g.outputWidth, plane = rowStride ?? outH * outW
    // The C paths compute pixel positions in float lanes, exact below 2²⁴: larger planes take the rows below.
    let fitsLanes = g.height * g.width < 1 << 24 && outH * outW < 1 << 24
    if g.unfoldsByShifting && fitsLanes {
        // "Same" padding, the common 3×3 case: each column row is the input plane shifted by one
        // offset, with the cells whose window hits padding zeroed, in C with masked vector loads
        // (a Swift copy, zeroing and edge loop per row was 5 % of ResNet-18's training step on its
        // 4- and 16-pixel planes).
        return im2colPixels(g, input: input, pixels: 0..<(outH * outW), columns: columns, rowStride: plane)
    }
    if (g.strideWidth > 1 || outW <= 4) && fitsLanes {
        // Strided or very short rows: each output vector's cells gathered, in C (the loop below
        // spent more per row than it copied on ResNet-18's stride-2 layers, 4 % of its step).
        var window = fovea_window(g)
        return fovea_im2col_gathered(&window, input, columns, plane)
    }
    for c in 0..<g.channels {
        let channel = input + c * g.height * g.width
        for ki in 0..<g.kernelHeight {
            for kj in 0..<g.kernelWidth {
                let row = columns + ((c * g.kernelHeight + ki) * g.kernelWidth + kj) * plane
                let columnOffset = kj * g.dilationWidth - g.padLeft
                // Output columns whose input column lies inside the image: ow in [first, last).
                let first = min(outW, Swift.max(0, (-columnOffset + g.strideWidth - 1) / g.strideWidth))
                let last = Swift.max(first, min(outW, (g.width - columnOffset + g.strideWidth - 1) / g.strideWidth))
                if g.strideWidth == 1 && first == 0 && last == outW {
                    // Every output column reads inside the image (all taps of a "valid" convolution,
                    // the middle taps of a padded one): whole rows, no edge cells to zero.
                    let rowOffset = ki * g.dilationHeight - g.padTop
                    let firstRow = Swift.min(outH, Swift.max(0, (-rowOffset + g.strideHeight - 1) / g.strideHeight))
                    let lastRow = Swift.max(firstRow, Swift.min(outH, (g.height - rowOffset + g.strideHeight - 1) / g.strideHeight))
                    row.update(repeating: 0, count: firstRow * outW)
                    var source = channel + (firstRow * g.strideHeight + rowOffset) * g.width + columnOffset
                    let sourceStep = g.strideHeight * g.width
                    for oh in firstRow..<lastRow {
                        copyRow(from: source, to: row + oh * outW, count: outW)
                        source += sourceStep
                    }
                    (row + lastRow * outW).update(repeating: 0, count: (outH - lastRow) * outW)
                    continue
                }
                for oh in 0..<outH {
                    let ih = oh * g.strideHeight - g.padTop + ki * g.dilationHeight
                    let out = row + oh * outW
                    if ih < 0 || ih >= g.height {
                        out.update(repeating: 0, count: outW)
                        continue
                    }
                    let source = channel + ih * g.width + columnOffset
                    for ow in 0..<first { out[ow] = 0 }
                    if g.strideWidth == 1 {
                        // Rows are short (8–32 floats): a memmove call, or the vectoriser's alias checks,
                        // cost more than the copy itself.
                        copyRow(from: source + first, to: out + first, count: last - first)
                    } else {
                        for ow in first..<last { out[ow] = source[ow * g.strideWidth] }
                    }
                    for ow in last..<outW { out[ow] = 0 }
                }
            }
        }
    }
}

extension WindowGeometry {
    /// Stride 1 with output rows as wide as input rows: each column row of im2col is the input
    /// plane read at one offset (and im2col can unfold any run of output pixels).
    public var unfoldsByShifting: Bool { strideHeight == 1 && strideWidth == 1 && outputWidth == width }
}

/// im2col of output pixels `pixels` only (row r of the result at `columns + r·rowStride`, pixel
/// p at offset p − pixels.lowerBound), where `g.unfoldsByShifting`.
public func im2colPixels(_ g: WindowGeometry, input: UnsafePointer<Float>, pixels: Range<Int>,
                        columns: UnsafeMutablePointer<Float>, rowStride: Int) {
    precondition(g.unfoldsByShifting && pixels.lowerBound >= 0 && pixels.upperBound <= g.outputHeight * g.outputWidth
                 && g.height * g.width < 1 << 24,
                 "im2col of a pixel range needs a stride-1 window with output rows as wide as the input's, under 2²⁴ pixels")
    var window = fovea_window(g)
    fovea_im2col_shifted(&window, input, Int32(pixels.lowerBound), Int32(pixels.upperBound), columns, rowStride)
}

/// The adjoint of `im2col`: adds columns back into an image gradient [C, H, W] (which it accumulates
/// into). In C (`fovea_col2im`): with a horizontal stride of 1 each image row's vectors are loaded
/// once and every column row that reaches them added in registers (this Swift function scattered
/// each column row into the image, 13 % of LeNet-5's training step). im2col's general case stays in
/// Swift: a C version with masked 16-float moves ran slower on LeNet-5's 8- and 24-float rows
/// (perf: 7.9 % of the step → 13.2 %) than the overlapping 8-float moves of `copyRow`.
public func col2im(_ g: WindowGeometry, columns: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
    var window = fovea_window(g)
    fovea_col2im(&window, columns, output, rowStride ?? g.outputHeight * g.outputWidth)
}

/// Copies `count` floats with whole-vector moves only: the last vector overlaps the one before
/// it (a 10-float row is two 8-float moves, not one move and two single floats). Source and
/// target must not overlap.
@inline(__always)
func copyRow(from source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
    @inline(__always) func move8(_ i: Int) {
        UnsafeMutableRawPointer(target + i).storeBytes(of: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self),
                                                       as: SIMD8<Float>.self)
    }
    @inline(__always) func move4(_ i: Int) {
        UnsafeMutableRawPointer(target + i).storeBytes(of: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD4<Float>.self),
                                                       as: SIMD4<Float>.self)
    }
    if count >= 8 {
        var i = 0
        while i + 8 < count { move8(i); i += 8 }
        move8(count - 8)
    } else if count >= 4 {
        move4(0); move4(count - 4)
    } else {
        for i in 0..<count { target[i] = source[i] }
    }
}
