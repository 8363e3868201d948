import Imaging

// MARK: - A picture that fills in code by code

/// A rectangle of a picture, in pixels.
public struct PictureRegion: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// The picture being generated, visible from its first code: each code, the moment it is
/// sampled, paints its preview patch (``PatchTable``) at its place in the raster; when the grid
/// is complete, the decoder's picture replaces the preview.
///
///     var picture = ProgressivePicture(table: table, gridSide: vqgan.gridSide)
///     for code in sampledCodes {
///         let changed = try picture.append(code)   // redraw `changed`
///     }
///     try picture.finish(with: vqgan)               // the real picture
public struct ProgressivePicture: Sendable {
    /// Codes per side of the grid.
    public let gridSide: Int
    /// Pixels per side of one code's patch.
    public let patchSide: Int
    /// Interleaved RGB, side × side pixels: the preview, or the decoded picture once finished.
    public private(set) var rgb: [UInt8]
    /// The codes so far, in raster order.
    public private(set) var codes: [Int] = []
    /// Whether ``rgb`` holds the decoder's picture rather than the preview.
    public private(set) var isDecoded = false
    private let table: PatchTable

    /// An empty picture (every pixel `background`) for a grid of gridSide × gridSide codes.
    public init(table: PatchTable, gridSide: Int, background: UInt8 = 0) {
        precondition(gridSide > 0, "ProgressivePicture: grid side \(gridSide)")
        self.table = table
        self.gridSide = gridSide
        patchSide = table.patchSide
        rgb = [UInt8](repeating: background, count: gridSide * table.patchSide * gridSide * table.patchSide * 3)
    }

    /// Pixels per side of the picture.
    public var side: Int { gridSide * patchSide }
    /// Codes the grid holds.
    public var capacity: Int { gridSide * gridSide }
    /// Whether every code has arrived.
    public var isComplete: Bool { codes.count == capacity }
    /// The picture as it stands (shares ``rgb``'s storage).
    public var image: RGBImage { RGBImage(width: side, height: side, pixels: rgb) }

    /// Paints the patch of the next code at its raster position and returns the region changed.
    ///
    /// - Throws: ``VQGANError/codeOutOfRange(code:position:codebookSize:)`` for a code the table
    ///   lacks, ``VQGANError/wrongCodeCount(expected:found:)`` when the grid is already full.
    @discardableResult
    public mutating func append(_ code: Int) throws(VQGANError) -> PictureRegion {
        let position = codes.count
        guard position < capacity else { throw .wrongCodeCount(expected: capacity, found: position + 1) }
        guard code >= 0 && code < table.codebookSize else {
            throw .codeOutOfRange(code: code, position: position, codebookSize: table.codebookSize)
        }
        codes.append(code)
        let region = PictureRegion(x: (position % gridSide) * patchSide, y: (position / gridSide) * patchSide,
                                   width: patchSide, height: patchSide)
        let rowBytes = patchSide * 3, pictureRowBytes = side * 3
        let patchStart = code * table.patchBytes
        table.pixels.withUnsafeBufferPointer { patches in
            rgb.withUnsafeMutableBufferPointer { canvas in
                for row in 0..<patchSide {
                    let target = canvas.baseAddress! + (region.y + row) * pictureRowBytes + region.x * 3
                    target.update(from: patches.baseAddress! + patchStart + row * rowBytes, count: rowBytes)
                }
            }
        }
        return region
    }

    /// Replaces the preview by the decoded picture.
    /// - Throws: ``VQGANError/wrongPictureSize(expected:width:height:)`` for a picture of another size.
    public mutating func replace(withDecoded picture: RGBImage) throws(VQGANError) {
        guard picture.width == side && picture.height == side else {
            throw .wrongPictureSize(expected: side, width: picture.width, height: picture.height)
        }
        rgb = picture.pixels
        isDecoded = true
    }

    /// Decodes the complete grid with `vqgan` and shows the result.
    /// - Throws: ``VQGANError/wrongCodeCount(expected:found:)`` before the grid is complete, or
    ///   what decoding throws.
    public mutating func finish(with vqgan: VQGAN) throws(VQGANError) {
        guard isComplete else { throw .wrongCodeCount(expected: capacity, found: codes.count) }
        let picture = try vqgan.decode(codes: codes, gridWidth: gridSide, gridHeight: gridSide)
        try replace(withDecoded: RGBImage(normalizedCHW: picture.values, width: picture.width, height: picture.height))
    }
}
