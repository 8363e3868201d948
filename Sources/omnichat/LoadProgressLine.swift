import Foundation

/// One line on standard error that counts the parts of a model as they load ("omnichat: loading
/// weights 12/25"), rewritten in place and cleared when loading ends. It appears only when
/// standard error is a terminal and loading has taken longer than `delay`, so a quick load (the
/// built-in model, a bf16 checkpoint used in place) prints nothing, and logs and pipes never get
/// carriage returns.
///
/// Loading reports from the thread that loads, so the line needs no lock.
final class LoadProgressLine {
    private let label: String
    private let delay: TimeInterval
    private let isTerminal: Bool
    private let write: (String) -> Void
    private let start = Date()
    private var shown = false

    /// - Parameters:
    ///   - label: what is loading, before the count.
    ///   - delay: how long loading may take before the line appears.
    ///   - isTerminal: whether the output is a terminal that can rewrite a line (default:
    ///     ``standardErrorRewrites``).
    ///   - write: where the line goes (default: standard error).
    init(label: String = "omnichat: loading weights", delay: TimeInterval = 0.5,
         isTerminal: Bool = LoadProgressLine.standardErrorRewrites,
         write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.label = label
        self.delay = delay
        self.isTerminal = isTerminal
        self.write = write
    }

    /// Whether standard error is a terminal other than a dumb one (which cannot clear a line).
    static var standardErrorRewrites: Bool {
        isatty(STDERR_FILENO) != 0 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Shows `loaded` of `total` parts, once loading has lasted `delay`.
    func update(loaded: Int, total: Int) {
        guard isTerminal, Date().timeIntervalSince(start) >= delay else { return }
        shown = true
        write("\r\u{1B}[K\(label) \(loaded)/\(total)")
    }

    /// Runs `load` with this line as its progress, clearing the line when it returns or throws
    /// (so an error message starts on a clean line).
    func showing<T>(_ load: (_ progress: @escaping (_ loaded: Int, _ total: Int) -> Void) throws -> T) rethrows -> T {
        defer { finish() }
        return try load { [self] in update(loaded: $0, total: $1) }
    }

    /// Clears the line if it was shown, leaving the cursor where the line began.
    func finish() {
        guard shown else { return }
        shown = false
        write("\r\u{1B}[K")
    }
}
