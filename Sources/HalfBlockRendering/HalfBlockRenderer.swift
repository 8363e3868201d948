import Imaging

/// How many colours the terminal can show.
public enum ColorMode: String, Sendable, CaseIterable {
    /// 24-bit colour (SGR 38;2 / 48;2).
    case truecolor
    /// The xterm 256-colour palette, of which the renderer uses entries 16–255.
    case palette256 = "256"
    /// The 16 ANSI colours.
    case ansi16 = "16"
    /// No colour at all: pixels become ink or paper and cells the glyphs ' ', '▀', '▄', '█' in
    /// the terminal's own colours (for NO_COLOR). Ink is light, as on a dark terminal.
    case monochrome = "none"
}

extension ColorMode: Comparable {
    /// Fewer colours sort first: `min` of two modes is what both can show.
    public static func < (lhs: ColorMode, rhs: ColorMode) -> Bool { lhs.depth < rhs.depth }

    private var depth: Int {
        switch self {
        case .monochrome: 0
        case .ansi16: 1
        case .palette256: 2
        case .truecolor: 3
        }
    }
}

/// Error diffusion for the palette modes.
public enum Dithering: Sendable {
    /// Each pixel takes its nearest palette colour. Best for flat, few-colour pictures.
    case none
    /// Floyd–Steinberg error diffusion in OKLab, left to right, top to bottom: smoother
    /// gradients at the cost of a fine grain.
    case floydSteinberg
}

/// Turns a picture into terminal cells drawn with the upper half block '▀': the foreground
/// colour paints the top pixel, the background colour the bottom one.
///
/// ```swift
/// let renderer = HalfBlockRenderer(colorMode: .palette256)
/// let grid = renderer.render(picture, columns: 80)
/// print(ANSISerializer.serialize(grid), terminator: "")
/// ```
///
/// A cell is taken to be twice as tall as it is wide (`cellAspectRatio` 0.5, chafa's default
/// font ratio), so `columns` cells across cover `columns` pixels and each row of cells two rows
/// of pixels; the number of rows keeps the picture's proportions. The picture is resampled to
/// that grid by `PixelGridResampler` (area averaging when shrinking, pixel repetition when
/// growing), then each pixel is mapped to the mode's colours.
public struct HalfBlockRenderer: Sendable {
    public var colorMode: ColorMode
    public var dithering: Dithering
    /// Cell width divided by cell height.
    public var cellAspectRatio: Double

    public init(colorMode: ColorMode = .truecolor, dithering: Dithering = .none, cellAspectRatio: Double = 0.5) {
        precondition(cellAspectRatio > 0 && cellAspectRatio.isFinite, "cell aspect ratio must be positive")
        self.colorMode = colorMode
        self.dithering = dithering
        self.cellAspectRatio = cellAspectRatio
    }

    /// Rows of cells a `imageWidth`×`imageHeight` picture takes at `columns` cells across:
    /// `round(imageHeight · columns · cellAspectRatio / imageWidth)`, at least 1.
    public func rows(forImageWidth imageWidth: Int, height imageHeight: Int, columns: Int) -> Int {
        precondition(imageWidth > 0 && imageHeight > 0 && columns > 0)
        let exact = Double(imageHeight) * Double(columns) * cellAspectRatio / Double(imageWidth)
        return max(1, Int(min((exact + 0.5).rounded(.down), Double(Int32.max))))
    }

    /// The most columns (at most `maxColumns`) at which the picture needs no more than
    /// `maxRows` rows; at least 1.
    public func columnsFitting(imageWidth: Int, height imageHeight: Int, maxColumns: Int, maxRows: Int) -> Int {
        precondition(maxColumns > 0 && maxRows > 0)
        var columns = maxColumns
        if rows(forImageWidth: imageWidth, height: imageHeight, columns: columns) > maxRows {
            let estimate = Double(maxRows) * Double(imageWidth) / (Double(imageHeight) * cellAspectRatio)
            columns = max(1, min(maxColumns, Int(estimate.rounded(.down)) + 1))
            while columns > 1 && rows(forImageWidth: imageWidth, height: imageHeight, columns: columns) > maxRows {
                columns -= 1
            }
        }
        return columns
    }

    /// The picture as a grid `columns` cells wide, at most `maxRows` rows tall: a picture too
    /// tall for that even at one column (a 1×16,777,216 PNG) is squeezed into `maxRows` rather
    /// than drawn as millions of rows. Pair it with `columnsFitting` to keep proportions.
    public func render(_ image: RGBImage, columns: Int, maxRows: Int = Int.max) -> CellGrid {
        precondition(image.width > 0 && image.height > 0, "cannot render an empty picture")
        precondition(columns > 0 && maxRows > 0, "need at least one column and one row")
        let rowCount = min(maxRows, rows(forImageWidth: image.width, height: image.height, columns: columns))
        let pixelRows = 2 * rowCount
        let linear = PixelGridResampler.resample(image, width: columns, height: pixelRows)
        let colors = quantize(linear, width: columns, height: pixelRows)

        var grid = CellGrid(width: columns, height: rowCount)
        for row in 0 ..< rowCount {
            for column in 0 ..< columns {
                let top = colors[(2 * row) * columns + column]
                let bottom = colors[(2 * row + 1) * columns + column]
                grid[row, column] = cell(top: top, bottom: bottom)
            }
        }
        return grid
    }

    // MARK: - Colours

    /// One quantised pixel: the colour to send, and for monochrome whether it is ink.
    private struct Quantized {
        var color: TerminalColor
        var ink: Bool
    }

    private func cell(top: Quantized, bottom: Quantized) -> Cell {
        guard colorMode == .monochrome else {
            return Cell(character: "▀", foreground: top.color, background: bottom.color)
        }
        switch (top.ink, bottom.ink) {
        case (true, true): return Cell(character: "█")
        case (true, false): return Cell(character: "▀")
        case (false, true): return Cell(character: "▄")
        case (false, false): return Cell(character: " ")
        }
    }

    private var palette: Palette? {
        switch colorMode {
        case .truecolor: return nil
        case .palette256: return .xterm240
        case .ansi16: return .ansi16
        case .monochrome: return .monochrome
        }
    }

    private func quantize(_ pixels: [LinearRGB], width: Int, height: Int) -> [Quantized] {
        guard let palette else {
            return pixels.map { Quantized(color: .rgb(ColorSpace.sRGB($0)), ink: false) }
        }
        let labs = pixels.map(ColorSpace.oklab)
        var result = [Quantized]()
        result.reserveCapacity(labs.count)
        switch dithering {
        case .none:
            for lab in labs {
                let index = palette.nearestIndex(to: lab)
                result.append(Quantized(color: palette.entries[index].terminalColor, ink: index == 1))
            }
        case .floydSteinberg:
            var error = [OKLab](repeating: OKLab(l: 0, a: 0, b: 0), count: labs.count)
            for y in 0 ..< height {
                for x in 0 ..< width {
                    let position = y * width + x
                    let wanted = labs[position] + error[position]
                    let index = palette.nearestIndex(to: wanted)
                    result.append(Quantized(color: palette.entries[index].terminalColor, ink: index == 1))
                    let residual = wanted - palette.labs[index]
                    if x + 1 < width { error[position + 1] = error[position + 1] + residual * (7.0 / 16.0) }
                    if y + 1 < height {
                        if x > 0 { error[position + width - 1] = error[position + width - 1] + residual * (3.0 / 16.0) }
                        error[position + width] = error[position + width] + residual * (5.0 / 16.0)
                        if x + 1 < width { error[position + width + 1] = error[position + width + 1] + residual * (1.0 / 16.0) }
                    }
                }
            }
        }
        return result
    }
}
