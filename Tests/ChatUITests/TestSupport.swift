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
