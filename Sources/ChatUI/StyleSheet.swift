import HalfBlockRendering
import Imaging

/// The styles the view draws with: a theme's colours in the terminal's colour mode, plus the
/// attributes that carry meaning when there is no colour (NO_COLOR, monochrome terminals):
/// labels bold, the status line and cursor in reverse video, hints dim.
public struct StyleSheet: Sendable, Equatable {
    public let colorMode: ColorMode
    public var transcript: Style
    public var userLabel: Style
    public var userText: Style
    public var assistantLabel: Style
    public var assistantText: Style
    public var notice: Style
    public var error: Style
    public var pictureCaption: Style
    public var picturePlaceholder: Style
    public var input: Style
    public var inputCursor: Style
    public var prompt: Style
    public var hint: Style
    public var attachment: Style
    public var status: Style
    public var statusModel: Style
    public var statusProgress: Style
    public var statusWarning: Style
    public var border: Style

    public init(theme: Theme, colorMode: ColorMode) {
        self.colorMode = colorMode
        let mono = colorMode == .monochrome
        var cache: [RGB: TerminalColor] = [:]
        func color(_ key: ThemeColor) -> TerminalColor {
            let rgb = theme[key]
            if let known = cache[rgb] { return known }
            let converted = Self.terminalColor(rgb, mode: colorMode)
            cache[rgb] = converted
            return converted
        }
        func style(_ foreground: ThemeColor, on background: ThemeColor, _ attributes: TextAttributes = [], mono monoAttributes: TextAttributes? = nil) -> Style {
            Style(foreground: color(foreground), background: color(background), attributes: mono ? (monoAttributes ?? attributes) : attributes)
        }
        transcript = style(.transcriptText, on: .transcriptBackground)
        userLabel = style(.userLabel, on: .transcriptBackground, .bold)
        userText = style(.userText, on: .transcriptBackground)
        assistantLabel = style(.assistantLabel, on: .transcriptBackground, .bold)
        assistantText = style(.assistantText, on: .transcriptBackground)
        notice = style(.notice, on: .transcriptBackground, [], mono: .dim)
        error = style(.error, on: .transcriptBackground, .bold)
        pictureCaption = style(.pictureCaption, on: .transcriptBackground, [], mono: .dim)
        picturePlaceholder = style(.picturePlaceholder, on: .picturePlaceholder, [], mono: .dim)
        input = style(.inputText, on: .inputBackground)
        inputCursor = style(.inputBackground, on: .inputCursor, [], mono: .reverse)
        prompt = style(.inputPrompt, on: .inputBackground, .bold)
        hint = style(.inputHint, on: .inputBackground, [], mono: .dim)
        attachment = style(.inputAttachment, on: .inputBackground, [], mono: .underline)
        status = style(.statusText, on: .statusBackground, [], mono: .reverse)
        statusModel = style(.statusModel, on: .statusBackground, .bold, mono: [.reverse, .bold])
        statusProgress = style(.statusProgress, on: .statusBackground, [], mono: .reverse)
        statusWarning = style(.statusWarning, on: .statusBackground, .bold, mono: [.reverse, .bold])
        border = style(.border, on: .transcriptBackground, [], mono: .dim)
    }

    /// `rgb` as the terminal shows it in `mode`: itself in truecolor, the perceptually nearest
    /// palette entry in 256 and 16 colours (the picture renderer's quantiser, on a one-cell
    /// picture), the default colour without colour.
    static func terminalColor(_ rgb: RGB, mode: ColorMode) -> TerminalColor {
        switch mode {
        case .truecolor: return .rgb(rgb)
        case .monochrome: return .terminalDefault
        case .palette256, .ansi16:
            let swatch = RGBImage(width: 1, height: 2, filledWith: rgb)
            return HalfBlockRenderer(colorMode: mode).render(swatch, columns: 1)[0, 0].foreground
        }
    }
}
