import ChameleonModel
import ChatEngine
import Foundation
import HalfBlockRendering
import Imaging
import Testing
@testable import ChatUI

enum Fixtures {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let repository = tests.deletingLastPathComponent()
    static let engine = tests.appendingPathComponent("Fixtures/engine/plain")
    static let goldens = tests.appendingPathComponent("Fixtures/chatui")
    static let themes = repository.appendingPathComponent("themes")
}

/// A state for tests: a small screen, the dark theme, a model called "tiny".
func makeState(columns: Int = 40, rows: Int = 12, mode: ColorMode = .truecolor, history: [String] = []) -> AppState {
    AppState(size: TerminalSize(columns: columns, rows: rows), theme: .builtInDark, colorMode: mode,
             model: ModelInfo(name: "tiny", contextLength: 256), history: history)
}

/// Sends each key to `update`, collecting the effects.
@discardableResult
func press(_ keys: [Key], _ state: inout AppState, at time: Double = 1) -> [Effect] {
    keys.flatMap { update(&state, .key($0, at: time)) }
}

/// Types `text` one character at a time.
@discardableResult
func type(_ text: String, _ state: inout AppState) -> [Effect] {
    press(text.map { Key.character($0) }, &state)
}

/// Compares `text` with the golden file `name`; with UPDATE_GOLDENS=1 in the environment the
/// file is written instead (review the diff before committing it).
func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = Fixtures.goldens.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["UPDATE_GOLDENS"] == "1" {
        try text.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    let golden = try String(contentsOf: url, encoding: .utf8)
    #expect(text == golden, "screen differs from \(name):\n\(text)", sourceLocation: sourceLocation)
}

/// A picture with a red top half and a blue bottom half.
func twoTonePicture(side: Int = 8) -> RGBImage {
    var pixels: [UInt8] = []
    for y in 0 ..< side {
        for _ in 0 ..< side { pixels += y < side / 2 ? [255, 0, 0] : [0, 0, 255] }
    }
    return RGBImage(width: side, height: side, pixels: pixels)
}

extension Screen {
    /// The screen's colours and attributes as a cell grid: one symbol per cell, the same symbol
    /// for the same foreground, background and attributes, then a legend of what each symbol
    /// stands for. A golden of it catches a wrong colour in any cell (the text goldens catch
    /// the characters).
    func styleSnapshot() -> String {
        let symbols = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var legend: [String] = []
        var symbolOf: [String: Character] = [:]
        func name(_ color: TerminalColor) -> String {
            switch color {
            case .terminalDefault: "default"
            case .ansi16(let n): "ansi\(n)"
            case .palette256(let n): "256:\(n)"
            case .rgb(let c): "#" + [c.red, c.green, c.blue].map { String(format: "%02x", $0) }.joined()
            }
        }
        func attributeNames(_ attributes: TextAttributes) -> String {
            let names: [(TextAttributes, String)] = [(.bold, "bold"), (.dim, "dim"), (.reverse, "reverse"), (.underline, "underline"), (.italic, "italic")]
            return names.filter { attributes.contains($0.0) }.map { " " + $0.1 }.joined()
        }
        var lines: [String] = []
        for row in 0 ..< height {
            var line = ""
            for column in 0 ..< width {
                let (cell, attributes) = self[row, column]
                let key = name(cell.foreground) + " on " + name(cell.background) + attributeNames(attributes)
                if symbolOf[key] == nil {
                    precondition(legend.count < symbols.count, "more styles on screen than symbols")
                    symbolOf[key] = symbols[legend.count]
                    legend.append("\(symbols[legend.count]) \(key)")
                }
                line.append(symbolOf[key]!)
            }
            lines.append(line)
        }
        return (lines + [""] + legend).joined(separator: "\n")
    }
}
