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
        precondition(source > 0 && target > 0)
        if target >= source {
            return (0 ..< target).map { index in
                let position = (Double(index) + 0.5) * Double(source) / Double(target)
                return [(min(Int(position.rounded(.down)), source - 1), 1.0)]
            }
        }
        let scale = Double(source) / Double(target)
        return (0 ..< target).map { index in
            let start = Double(index) * scale, end = Double(index + 1) * scale
            var row: [(Int, Double)] = []
            for sourceIndex in Int(start.rounded(.down)) ..< min(source, Int(end.rounded(.up))) {
                let overlap = min(end, Double(sourceIndex + 1)) - max(start, Double(sourceIndex))
                if overlap > 0 { row.append((sourceIndex, overlap / scale)) }
            }
            return row
        }
    }

    /// The picture at `width`×`height` pixels, row-major, in linear light.
    static func resample(_ image: RGBImage, width: Int, height: Int) -> [LinearRGB] {
        let horizontal = taps(source: image.width, target: width)
        let vertical = taps(source: image.height, target: height)
        // Only the source rows some target row reads go through the horizontal pass.
        var neededRows = Set<Int>()
        for row in vertical { for tap in row { neededRows.insert(tap.index) } }

        var rows = [Int: [LinearRGB]]()
        for sourceRow in neededRows.sorted() {
            var linearRow = [LinearRGB]()
            linearRow.reserveCapacity(image.width)
            for x in 0 ..< image.width { linearRow.append(ColorSpace.linear(image[x, sourceRow])) }
            rows[sourceRow] = horizontal.map { columnTaps in
                var red = 0.0, green = 0.0, blue = 0.0
                for tap in columnTaps {
                    let pixel = linearRow[tap.index]
                    red += tap.weight * pixel.red
                    green += tap.weight * pixel.green
                    blue += tap.weight * pixel.blue
                }
                return LinearRGB(red: red, green: green, blue: blue)
            }
        }

        var output = [LinearRGB]()
        output.reserveCapacity(width * height)
        for rowTaps in vertical {
            for column in 0 ..< width {
                var red = 0.0, green = 0.0, blue = 0.0
                for tap in rowTaps {
                    let pixel = rows[tap.index]![column]  // every tapped row was computed above
                    red += tap.weight * pixel.red
                    green += tap.weight * pixel.green
                    blue += tap.weight * pixel.blue
                }
                output.append(LinearRGB(red: red, green: green, blue: blue))
            }
        }
        return output
    }
}
