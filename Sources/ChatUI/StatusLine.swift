import Foundation

/// The status line's pieces: the model, the context in use, the speed of the last reply, and
/// while a picture is drawn its progress and the time left.
public enum StatusLine {
    /// The left part, as runs: " model │ ctx 312/4096 │ 14.2 tok/s · prompt 9 tok" (a narrow
    /// window shows the runs that fit whole, from the left). The prompt
    /// count is what the last reply had to read before answering: only the new message, since
    /// the conversation before it stays in the model's cache.
    public static func left(_ state: AppState) -> [TextRun] {
        let styles = state.styles
        var runs = [TextRun(" " + TerminalText.safe(state.model.name), styles.statusModel)]
        runs.append(TextRun(" │ ctx \(state.contextUsed)/\(state.model.contextLength)", styles.status))
        if let stats = state.lastStats, stats.generatedTokens > 0 {
            runs.append(TextRun(" │ " + String(format: "%.1f tok/s", stats.generationTokensPerSecond), styles.status))
            runs.append(TextRun(" · prompt \(stats.promptTokens) tok", styles.status))
        }
        return runs
    }

    /// The right part: what is happening now.
    public static func right(_ state: AppState) -> TextRun? {
        let styles = state.styles
        if let number = state.currentPicture, let picture = state.pictures[number] {
            var text = "picture \(number): \(picture.codes.count)/\(picture.total) codes"
            if let left = picture.secondsLeft { text += " · \(duration(left)) left" }
            return TextRun(text + " ", styles.statusProgress)
        }
        if state.isGenerating {
            return TextRun(state.stopRequested ? "stopping… " : "replying · Esc stops ", styles.statusProgress)
        }
        return nil
    }

    /// "4 s", "2 min 5 s".
    public static func duration(_ seconds: Double) -> String {
        let whole = max(0, Int(seconds.rounded(.up)))
        if whole < 60 { return "\(whole) s" }
        return "\(whole / 60) min \(whole % 60) s"
    }
}
