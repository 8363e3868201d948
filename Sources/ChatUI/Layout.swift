import HalfBlockRendering
import Imaging

/// Where each part of the chat goes on a screen of a given size, top to bottom:
///
///     transcript   rows 0 ..< separator
///     separator    one row: a rule that also carries hints, completions and the scroll marker
///     input        the attachment (if any) and the growing input, at most `maxInputRows`
///     status       the last row
public struct Layout: Sendable, Equatable {
    /// Below this the chat shows only a short message.
    public static let minimumSize = TerminalSize(columns: 20, rows: 6)
    /// Columns the transcript's content is indented by, under its labels.
    public static let indent = 2
    /// Columns of the input prompt ("› ").
    public static let promptWidth = 2
    /// The widest a picture is drawn, in columns.
    public static let maxPictureColumns = 48
    /// The attachment preview: columns and rows.
    public static let attachmentPreviewColumns = 8
    public static let attachmentPreviewRows = 4

    public let size: TerminalSize
    public let transcriptRows: Int
    public let separatorRow: Int
    public let inputRows: Range<Int>
    public let statusRow: Int
    /// Rows of the input area given to the attachment (0 without one).
    public let attachmentRows: Int

    public var isTooSmall: Bool { Self.isTooSmall(size) }

    public static func isTooSmall(_ size: TerminalSize) -> Bool {
        size.columns < minimumSize.columns || size.rows < minimumSize.rows
    }

    /// The most rows the input area may take.
    public static func maxInputRows(_ size: TerminalSize) -> Int {
        max(1, min(10, (size.rows - 4) / 2))
    }

    /// Columns for the input text (the prompt takes the rest).
    public static func inputWidth(_ size: TerminalSize) -> Int { max(1, size.columns - promptWidth) }

    /// Whether an attachment gets a picture preview (else a one-line note).
    public static func showsAttachmentPreview(_ size: TerminalSize) -> Bool { size.rows >= 16 }

    /// The layout of `size` with `textRows` rows of input text and maybe an attachment.
    public init(size: TerminalSize, textRows: Int, hasAttachment: Bool) {
        self.size = size
        let maximum = Self.maxInputRows(size)
        let attachment = hasAttachment ? (Self.showsAttachmentPreview(size) ? Self.attachmentPreviewRows : 1) : 0
        attachmentRows = min(attachment, max(0, maximum - 1))
        let rows = min(maximum, attachmentRows + max(1, textRows))
        statusRow = max(0, size.rows - 1)
        let inputStart = max(0, statusRow - rows)
        inputRows = inputStart ..< statusRow
        separatorRow = max(0, inputStart - 1)
        transcriptRows = max(0, separatorRow)
    }

    /// The layout for `state`'s size, input and attachment.
    public init(_ state: AppState) {
        let input = InputLayout(text: state.input.text, cursor: state.input.cursor, width: Self.inputWidth(state.size))
        self.init(size: state.size, textRows: input.rows.count, hasAttachment: state.attachment != nil)
    }

    /// Columns a picture is drawn at on a screen of `size`: as wide as fits beside the indent, up
    /// to `maxPictureColumns`, and no taller than two thirds of the rows the transcript has with
    /// a one-line input, so a picture and the text around it fit on screen together. Small
    /// pictures are enlarged to that size (pixels repeated, so they stay crisp), so every
    /// picture takes the same room from its first code to its final decode.
    public static func pictureColumns(size: TerminalSize, imageWidth: Int, imageHeight: Int) -> Int {
        let maxColumns = max(1, min(maxPictureColumns, size.columns - indent - 1))
        return HalfBlockRenderer().columnsFitting(imageWidth: imageWidth, height: imageHeight, maxColumns: maxColumns,
                                                  maxRows: pictureMaxRows(size))
    }

    /// Rows a transcript picture may take: two thirds of the rows the transcript has with a
    /// one-line input.
    static func pictureMaxRows(_ size: TerminalSize) -> Int { max(1, (size.rows - 3) * 2 / 3) }

    /// `image` as half blocks for a transcript `size` wide, in `mode`.
    public static func pictureCells(_ image: RGBImage, size: TerminalSize, mode: ColorMode) -> CellGrid {
        let columns = pictureColumns(size: size, imageWidth: image.width, imageHeight: image.height)
        return HalfBlockRenderer(colorMode: mode).render(image, columns: columns, maxRows: pictureMaxRows(size))
    }

    /// The attached picture's preview beside the input: at most `attachmentPreviewColumns`
    /// across and `attachmentPreviewRows` tall, in proportion where it can be.
    public static func attachmentPreviewCells(_ image: RGBImage, mode: ColorMode) -> CellGrid {
        let renderer = HalfBlockRenderer(colorMode: mode)
        let columns = renderer.columnsFitting(imageWidth: image.width, height: image.height,
                                              maxColumns: attachmentPreviewColumns, maxRows: attachmentPreviewRows)
        return renderer.render(image, columns: columns, maxRows: attachmentPreviewRows)
    }
}
