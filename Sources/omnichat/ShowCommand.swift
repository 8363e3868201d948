import ArgumentParser
import Foundation
import HalfBlockRendering
import Imaging
import PNGCodec

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `omnichat show`: prints a PNG to the terminal in half blocks, as chafa or viu would.
///
/// Transparency is composited over white, as the model's own preprocessing does, so what is
/// shown is what the model would see. Output is text with SGR colour codes only, so it can be
/// piped, saved or paged with `less -R`.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a PNG picture in the terminal with half blocks.",
        discussion: """
            Colours default from the environment: COLORTERM=truecolor or 24bit gives truecolor, \
            TERM ending in -256color gives 256, otherwise 16. With NO_COLOR set (and no --colors) \
            the picture is drawn without colour, in the glyphs ' ▀ ▄ █', and a note goes to \
            standard error.
            """)

    /// Columns and rows beyond which nothing sensible fits a screen or a scrollback.
    static let maxColumns = 1000
    static let maxRows = 2000

    @Argument(help: ArgumentHelp("The PNG file to show.", valueName: "IMAGE.png")) var image: String
    @Option(name: .long, help: ArgumentHelp(
        "Width in terminal columns, 1 to \(maxColumns) (default: the terminal's width, at most one column per pixel; 80 when not a terminal).",
        valueName: "N"))
    var width: Int?
    @Option(name: .long, help: ArgumentHelp("Colour depth: truecolor, 256, 16 or none (default: from the environment).", valueName: "MODE"))
    var colors: String?

    func validate() throws {
        if let width, !(1 ... Self.maxColumns).contains(width) {
            throw ValidationError("--width must be between 1 and \(Self.maxColumns)")
        }
        try validateColorsFlag(colors)
    }

    func run() throws {
        let picture = try PNGReader.read(path: image).flattened()
        let environment = ProcessInfo.processInfo.environment
        let mode: ColorMode
        if let colors, let chosen = ColorMode(rawValue: colors) {
            mode = chosen
        } else {
            mode = TerminalDefaults.colorMode(environment: environment)
            if TerminalDefaults.noColorRequested(environment: environment) {
                printError("omnichat show: NO_COLOR is set, drawing without colour (pass --colors to choose colours)")
            }
        }
        let renderer = HalfBlockRenderer(colorMode: mode)
        let wanted = width ?? TerminalDefaults.columns(terminalColumns: standardOutputColumns(), pictureWidth: picture.width)
        let columns = renderer.columnsFitting(imageWidth: picture.width, height: picture.height,
                                              maxColumns: wanted, maxRows: Self.maxRows)
        let grid = renderer.render(picture, columns: columns, maxRows: Self.maxRows)
        FileHandle.standardOutput.write(Data(ANSISerializer.serialize(grid).utf8))
    }
}
