import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct TmuxError: Error, CustomStringConvertible {
    let description: String
}

/// A tmux server of its own (its own socket), running one program in a window of a given size:
/// the tests type into it and read the screen back, as a user would see it.
final class TmuxSession {
    let socket = "omnichat-test-\(UUID().uuidString.prefix(8))"
    let session = "chat"
    private var closed = false

    static var isAvailable: Bool { executable != nil }

    static var executable: String? {
        ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts `command` (a shell command line) in a `columns`×`rows` window.
    init(command: String, columns: Int, rows: Int) throws {
        try tmux(["new-session", "-d", "-s", session, "-x", "\(columns)", "-y", "\(rows)", command], output: false)
    }

    deinit { close() }

    /// Ends the chat and the server: the pane's processes are sent SIGTERM (tmux's SIGHUP on
    /// closing a pane is not delivered everywhere), then the session is killed.
    func close() {
        guard !closed else { return }
        closed = true
        if let shell = Int32((try? tmux(["display", "-p", "-t", session, "#{pane_pid}"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") {
            kill(-shell, SIGTERM)  // the pane's process group: the shell, the chat or its sleep
            kill(shell, SIGTERM)
        }
        _ = try? tmux(["kill-session", "-t", session], output: false)
        _ = try? tmux(["kill-server"], output: false)
    }

    /// Runs tmux and returns what it printed (nothing for `output: false`).
    ///
    /// posix_spawn and waitpid rather than Foundation's Process: the command that starts the
    /// server forks a daemon that keeps inherited descriptors open, and Process's exit monitoring
    /// was seen to leave that client unreaped and the caller waiting forever.
    @discardableResult
    func tmux(_ arguments: [String], output: Bool = true) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID().uuidString)").path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output ? outputPath : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let executable = Self.executable ?? "/usr/bin/tmux"
        let argv = [executable, "-L", socket, "-f", "/dev/null"] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        // The test runs on a thread that blocks most signals, and a spawned process keeps that
        // mask: tmux, its panes and the chat would then never see SIGHUP or SIGTERM. Start them
        // with no signal blocked and the usual dispositions.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for number in [SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGTTIN, SIGTTOU, SIGCHLD] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, &cArguments, environ)
        guard status == 0 else { throw TmuxError(description: "cannot start tmux: error \(status)") }
        var exitStatus: Int32 = 0
        while waitpid(pid, &exitStatus, 0) == -1 && errno == EINTR {}
        guard output, let data = FileManager.default.contents(atPath: outputPath) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The screen as text; with `escapes`, with its colours as SGR sequences.
    func screen(escapes: Bool = false) -> String {
        (try? tmux(["capture-pane", "-p", "-t", session] + (escapes ? ["-e"] : []))) ?? ""
    }

    /// Types text literally.
    func type(_ text: String) throws { try tmux(["send-keys", "-t", session, "-l", text]) }

    /// Presses keys by tmux name ("Enter", "C-c", "Escape", "PPage").
    func press(_ keys: String...) throws { try tmux(["send-keys", "-t", session] + keys) }

    func resize(columns: Int, rows: Int) throws {
        try tmux(["resize-window", "-t", session, "-x", "\(columns)", "-y", "\(rows)"])
    }

    /// Waits until `condition` holds for the screen; false if it did not within `seconds` (a
    /// guard against a hang, not a measurement; times OMNICHAT_TEST_TIME_SCALE under the
    /// sanitizers). It sleeps as a task, never blocking one of the cooperative threads other
    /// tests' replies need.
    func waitFor(seconds: Double = 60, _ condition: (String) -> Bool) async -> Bool {
        let scale = Double(ProcessInfo.processInfo.environment["OMNICHAT_TEST_TIME_SCALE"] ?? "") ?? 1
        let deadline = Date().addingTimeInterval(seconds * scale)
        while Date() < deadline {
            if condition(screen()) { return true }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        return condition(screen())
    }
}
