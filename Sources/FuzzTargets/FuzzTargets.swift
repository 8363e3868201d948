import BPETokenizer
import ChatUI
import Foundation
import ModelConfiguration
import PNGCodec
import SafeTensors
import Sessions

/// The parsers `omnichat` runs on input it does not control, each behind one function that takes
/// arbitrary bytes. The libFuzzer executables in `Fuzz/` call these, and `swift test` replays the
/// saved corpus and every input that ever failed through the same functions
/// (`Tests/Fixtures/fuzz/<target>/`).
///
/// A function returns whether the input was accepted. It never crashes on bad input; where a
/// parser promises more than not crashing, it checks that too and stops the process with a
/// message naming the broken promise, which the fuzzer then reports as a failure.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case safetensors
    case config
    case tokenizer
    case png
    case session
    case terminalInput = "terminal-input"

    /// Runs the parser on `bytes`.
    @discardableResult
    public func run(_ bytes: [UInt8]) -> Bool {
        switch self {
        case .safetensors: Self.safetensors(bytes)
        case .config: Self.config(bytes)
        case .tokenizer: Self.tokenizer(bytes)
        case .png: Self.png(bytes)
        case .session: Self.session(bytes)
        case .terminalInput: Self.terminalInput(bytes)
        }
    }

    /// A broken promise: stop with a message (the fuzzer saves the input).
    static func violated(_ promise: String) -> Never {
        fatalError("fuzz target: \(promise)")
    }

    static func safetensors(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            (try? SafeTensorsFile.validate(fileBytes: raw, name: "<fuzz>")) != nil
        }
    }

    static func config(_ bytes: [UInt8]) -> Bool {
        guard let config = try? ChameleonConfig.decode(Data(bytes), path: "<fuzz>") else { return false }
        // A valid config has sane sizes: what the loader multiplies must not overflow.
        let (_, overflow) = config.vocabSize.multipliedReportingOverflow(by: config.hiddenSize)
        if overflow || config.hiddenSize <= 0 || config.numHiddenLayers <= 0 {
            violated("config.json accepted with unusable sizes: vocab \(config.vocabSize), hidden \(config.hiddenSize)")
        }
        return true
    }

    static func tokenizer(_ bytes: [UInt8]) -> Bool {
        guard let tokenizer = try? Tokenizer(data: Data(bytes), path: "<fuzz>") else { return false }
        // A tokenizer that loads must encode and decode without trapping, whatever its rules.
        let ids = tokenizer.encode("draw a red circle 안녕 🙂 \u{1B}[2J", addSpecialTokens: true)
        _ = tokenizer.decode(ids)
        for id in ids where tokenizer.token(forID: id) == nil {
            violated("encode produced id \(id), which the tokenizer cannot name")
        }
        return true
    }

    static func png(_ bytes: [UInt8]) -> Bool {
        let limits = PNGLimits(maxPixels: 1 << 20, maxFileBytes: 1 << 22)
        guard let picture = try? PNGReader.decode(bytes, limits: limits) else { return false }
        let (width, height) = switch picture.pixels {
        case .rgb(let image): (image.width, image.height)
        case .rgba(let image): (image.width, image.height)
        }
        if width * height > limits.maxPixels { violated("a \(width)×\(height) PNG passed the \(limits.maxPixels)-pixel limit") }
        return true
    }

    static func session(_ bytes: [UInt8]) -> Bool {
        guard let manifest = try? SessionManifest.decode(Data(bytes), path: "<fuzz>") else { return false }
        // What loads must save and load back unchanged (a resumed session is the saved one).
        guard let saved = try? manifest.encoded() else { violated("a loaded manifest cannot be saved") }
        guard let again = try? SessionManifest.decode(saved, path: "<fuzz>") else {
            violated("a saved manifest does not load")
        }
        if again != manifest { violated("a manifest changed on a save and load round trip") }
        return true
    }

    static func terminalInput(_ bytes: [UInt8]) -> Bool {
        // Keys must not depend on how the bytes were split into reads.
        var whole = KeyDecoder()
        let once = whole.decode(bytes) + whole.flushPending()
        let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        var pieces = KeyDecoder()
        let split = pieces.decode(Array(bytes[..<cut])) + pieces.decode(Array(bytes[cut...])) + pieces.flushPending()
        if once != split { violated("keys differ when the input is split at \(cut)") }
        // Text from keys is shown through TerminalText, which must leave no control in it.
        for key in once {
            let text: String? = switch key {
            case .character(let c), .alt(let c): String(c)
            case .paste(let s): s
            default: nil
            }
            if let text, TerminalText.safe(text).unicodeScalars.contains(where: TerminalText.isUnsafe) {
                violated("TerminalText.safe left a control character in \(Array(text.utf8))")
            }
        }
        return true
    }
}
