import Foundation

// Lanczos (a = 3) resampling that reproduces Pillow's `Image.resize(size, Image.LANCZOS)` on 8-bit
// RGB pictures byte for byte. The facts it follows (read from Pillow's libImaging/Resample.c):
// - separable: one pass into an 8-bit intermediate (rounded and clipped), then the other; a pass
//   is skipped when its axis keeps its size. The horizontal pass goes first, except (Pillow 13,
//   python-pillow/Pillow#9549) when the height shrinks by more than twice as many pixels as the
//   width does: `newHeight < height && height − newHeight > 2·(width − newWidth)`. Pillow 12 and
//   older always go horizontal first; the two orders differ by at most a level here and there;
// - per output index: centre = (i + 0.5)·scale, support = 3·max(scale, 1), taps
//   [trunc(centre − support + 0.5), trunc(centre + support + 0.5)) clamped to the input, weights
//   lanczos((j − centre + 0.5) / max(scale, 1)) normalised to sum 1;
// - weights in fixed point with 22 fractional bits (rounded away from zero), accumulation from
//   2^21, result `acc >> 22` clamped to 0...255.

/// Pillow's Lanczos kernel: sinc(x)·sinc(x/3) on [−3, 3).
private func lanczos3(_ x: Double) -> Double {
    func sinc(_ value: Double) -> Double {
        if value == 0 { return 1 }
        let scaled = value * Double.pi
        return sin(scaled) / scaled
    }
    return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0
}

/// Fixed-point taps of one axis, for the output indices of a window.
private struct AxisTaps {
    static let precisionBits = 22
    /// First input index read by each output index of the window.
    var starts: [Int] = []
    /// Number of input indices read by each output index.
    var counts: [Int] = []
    /// `weights[i * kernelSize + k]` is the weight of input `starts[i] + k`.
    var weights: [Int] = []
    var kernelSize = 0

    init(inputSize: Int, outputSize: Int, window: Range<Int>) {
        // Pillow passes the box edges as C floats.
        let scale = Double(Float(inputSize)) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = 3.0 * filterScale
        kernelSize = Int(support.rounded(.up)) * 2 + 1
        let inverseFilterScale = 1.0 / filterScale
        var real = [Double](repeating: 0, count: kernelSize)
        for index in window {
            let center = (Double(index) + 0.5) * scale
            let first = max(Int(center - support + 0.5), 0)
            let end = min(Int(center + support + 0.5), inputSize)
            let count = max(end - first, 0)
            var total = 0.0
            for tap in 0 ..< count {
                let weight = lanczos3((Double(tap + first) - center + 0.5) * inverseFilterScale)
                real[tap] = weight
                total += weight
            }
            starts.append(first)
            counts.append(count)
            for tap in 0 ..< kernelSize {
                var weight = tap < count ? real[tap] : 0
                if tap < count && total != 0 { weight /= total }
                let scaled = weight * Double(1 << Self.precisionBits)
                weights.append(weight < 0 ? Int(-0.5 + scaled) : Int(0.5 + scaled))
            }
        }
    }

    /// The input indices any output of the window reads.
    var inputSpan: Range<Int> {
        guard let first = starts.first else { return 0 ..< 0 }
        return first ..< (starts[starts.count - 1] + counts[counts.count - 1])
    }

    @inline(__always) static func clip(_ accumulator: Int) -> UInt8 {
        UInt8(clamping: accumulator >> precisionBits)
    }
}

extension RGBImage {
    /// Resizes with a Lanczos filter (a = 3), matching Pillow 13's `resize(size, Image.LANCZOS)`
    /// exactly on RGB pictures.
    ///
    /// ```swift
    /// let thumbnail = picture.resizedLanczos(width: 256, height: 128)
    /// ```
    public func resizedLanczos(width newWidth: Int, height newHeight: Int) -> RGBImage {
        resizedLanczos(width: newWidth, height: newHeight, keepingColumns: 0 ..< newWidth, rows: 0 ..< newHeight)
    }

    /// Resizes to `width`×`height` and keeps only the given window of the result, without
    /// computing (or allocating) the rest. Equal to `resizedLanczos(width:height:)` followed by a
    /// crop, because each output pixel depends only on its own position.
    public func resizedLanczos(width newWidth: Int, height newHeight: Int,
                               keepingColumns columns: Range<Int>, rows: Range<Int>) -> RGBImage {
        precondition(width > 0 && height > 0, "cannot resize an empty \(width)x\(height) picture")
        precondition(newWidth > 0 && newHeight > 0, "cannot resize to \(newWidth)x\(newHeight)")
        precondition(columns.lowerBound >= 0 && columns.upperBound <= newWidth
                     && rows.lowerBound >= 0 && rows.upperBound <= newHeight,
                     "window \(columns) x \(rows) outside \(newWidth)x\(newHeight)")
        let needHorizontal = newWidth != width
        let needVertical = newHeight != height
        let horizontalTaps = needHorizontal ? AxisTaps(inputSize: width, outputSize: newWidth, window: columns) : nil
        let verticalTaps = needVertical ? AxisTaps(inputSize: height, outputSize: newHeight, window: rows) : nil
        // The source columns and rows the window reads (the window itself on a kept axis).
        let sourceColumns = horizontalTaps?.inputSpan ?? columns
        let sourceRows = verticalTaps?.inputSpan ?? rows

        switch (horizontalTaps, verticalTaps) {
        case (nil, nil):
            return cropped(x: columns.lowerBound, y: rows.lowerBound, width: columns.count, height: rows.count)
        case let (horizontal?, nil):
            return cropped(x: sourceColumns.lowerBound, y: rows.lowerBound, width: sourceColumns.count, height: rows.count)
                .horizontalPass(taps: horizontal, firstSourceColumn: sourceColumns.lowerBound)
        case let (nil, vertical?):
            return cropped(x: columns.lowerBound, y: sourceRows.lowerBound, width: columns.count, height: sourceRows.count)
                .verticalPass(taps: vertical, firstSourceRow: sourceRows.lowerBound)
        case let (horizontal?, vertical?):
            let source = cropped(x: sourceColumns.lowerBound, y: sourceRows.lowerBound,
                                 width: sourceColumns.count, height: sourceRows.count)
            if newHeight < height && height - newHeight > 2 * (width - newWidth) {
                return source.verticalPass(taps: vertical, firstSourceRow: sourceRows.lowerBound)
                    .horizontalPass(taps: horizontal, firstSourceColumn: sourceColumns.lowerBound)
            }
            return source.horizontalPass(taps: horizontal, firstSourceColumn: sourceColumns.lowerBound)
                .verticalPass(taps: vertical, firstSourceRow: sourceRows.lowerBound)
        }
    }

    /// `self` holds source columns starting at `firstSourceColumn`; all its rows are resampled.
    private func horizontalPass(taps: AxisTaps, firstSourceColumn: Int) -> RGBImage {
        let outputWidth = taps.starts.count
        var output = [UInt8](repeating: 0, count: outputWidth * height * 3)
        let half = 1 << (AxisTaps.precisionBits - 1)
        for row in 0 ..< height {
            let rowBase = row * width * 3
            for column in 0 ..< outputWidth {
                var red = half, green = half, blue = half
                let weightBase = column * taps.kernelSize
                var source = rowBase + (taps.starts[column] - firstSourceColumn) * 3
                for tap in 0 ..< taps.counts[column] {
                    let weight = taps.weights[weightBase + tap]
                    red += Int(pixels[source]) * weight
                    green += Int(pixels[source + 1]) * weight
                    blue += Int(pixels[source + 2]) * weight
                    source += 3
                }
                let target = (row * outputWidth + column) * 3
                output[target] = AxisTaps.clip(red)
                output[target + 1] = AxisTaps.clip(green)
                output[target + 2] = AxisTaps.clip(blue)
            }
        }
        return RGBImage(width: outputWidth, height: height, pixels: output)
    }

    /// `self` holds source rows starting at `firstSourceRow`; all its columns are resampled.
    private func verticalPass(taps: AxisTaps, firstSourceRow: Int) -> RGBImage {
        let outputHeight = taps.starts.count
        var output = [UInt8](repeating: 0, count: width * outputHeight * 3)
        let half = 1 << (AxisTaps.precisionBits - 1)
        let stride = width * 3
        for row in 0 ..< outputHeight {
            let weightBase = row * taps.kernelSize
            let firstRow = taps.starts[row] - firstSourceRow
            for column in 0 ..< width {
                var red = half, green = half, blue = half
                var source = firstRow * stride + column * 3
                for tap in 0 ..< taps.counts[row] {
                    let weight = taps.weights[weightBase + tap]
                    red += Int(pixels[source]) * weight
                    green += Int(pixels[source + 1]) * weight
                    blue += Int(pixels[source + 2]) * weight
                    source += stride
                }
                let target = (row * width + column) * 3
                output[target] = AxisTaps.clip(red)
                output[target + 1] = AxisTaps.clip(green)
                output[target + 2] = AxisTaps.clip(blue)
            }
        }
        return RGBImage(width: width, height: outputHeight, pixels: output)
    }
}
