import Imaging

/// Resamples a picture to the renderer's pixel grid (one pixel per cell across, two per cell
/// down) in linear light.
///
/// Per axis, independently:
/// - shrinking averages areas: each target pixel is the coverage-weighted mean of the source
///   pixels under it (a box filter with fractional edges), so fine detail averages to the
///   right brightness instead of aliasing;
/// - growing (or keeping the size) repeats pixels (nearest neighbour): a 64×64 world picture
///   drawn 128 cells wide stays palette-flat and crisp instead of blurring at every edge.
///
/// Averaging happens in linear light, so a black-and-white checkerboard becomes the grey it
/// looks like from afar (sRGB 188), not the too-dark sRGB 128.
enum PixelGridResampler {
    /// For each target index, the source indices it reads and their weights (summing to 1).
    static func taps(source: Int, target: Int) -> [[(index: Int, weight: Double)]] {
        (0 ..< target).map { taps(of: $0, source: source, target: target) }
    }

    /// The source indices target index `index` reads, in increasing order, and their weights.
    static func taps(of index: Int, source: Int, target: Int) -> [(index: Int, weight: Double)] {
        precondition(source > 0 && target > 0)
        if target >= source {
            let position = (Double(index) + 0.5) * Double(source) / Double(target)
            return [(min(Int(position.rounded(.down)), source - 1), 1.0)]
        }
        let scale = Double(source) / Double(target)
        let start = Double(index) * scale, end = Double(index + 1) * scale
        var row: [(index: Int, weight: Double)] = []
        for sourceIndex in Int(start.rounded(.down)) ..< min(source, Int(end.rounded(.up))) {
            let overlap = min(end, Double(sourceIndex + 1)) - max(start, Double(sourceIndex))
            if overlap > 0 { row.append((sourceIndex, overlap / scale)) }
        }
        return row
    }

    /// The picture at `width`×`height` pixels, row-major, in linear light.
    ///
    /// Target rows read source rows in increasing order, and two neighbouring target rows share
    /// at most one (the row on their boundary, or the repeated row when growing), so each
    /// source row goes through the horizontal pass once and only the last one is kept: memory
    /// stays one row wide however tall the picture (a 1×16,777,216 PNG drawn in a few rows).
    static func resample(_ image: RGBImage, width: Int, height: Int) -> [LinearRGB] {
        let horizontal = taps(source: image.width, target: width)
        var linearRow = [LinearRGB](repeating: LinearRGB(red: 0, green: 0, blue: 0), count: image.width)
        var lastSourceRow = -1
        var lastRow = [LinearRGB]()
        func horizontalPass(_ sourceRow: Int) -> [LinearRGB] {
            if sourceRow == lastSourceRow { return lastRow }
            for x in 0 ..< image.width { linearRow[x] = ColorSpace.linear(image[x, sourceRow]) }
            lastRow = horizontal.map { columnTaps in
                var red = 0.0, green = 0.0, blue = 0.0
                for tap in columnTaps {
                    let pixel = linearRow[tap.index]
                    red += tap.weight * pixel.red
                    green += tap.weight * pixel.green
                    blue += tap.weight * pixel.blue
                }
                return LinearRGB(red: red, green: green, blue: blue)
            }
            lastSourceRow = sourceRow
            return lastRow
        }

        var output = [LinearRGB]()
        output.reserveCapacity(width * height)
        var sums = [LinearRGB](repeating: LinearRGB(red: 0, green: 0, blue: 0), count: width)
        for targetRow in 0 ..< height {
            for column in 0 ..< width { sums[column] = LinearRGB(red: 0, green: 0, blue: 0) }
            for tap in taps(of: targetRow, source: image.height, target: height) {
                let row = horizontalPass(tap.index)
                for column in 0 ..< width {
                    sums[column].red += tap.weight * row[column].red
                    sums[column].green += tap.weight * row[column].green
                    sums[column].blue += tap.weight * row[column].blue
                }
            }
            output.append(contentsOf: sums)
        }
        return output
    }
}
