import ChatEngine

/// Merges what the engine holds now into the session's turns, so that turns the engine dropped
/// to make room are kept (outside the context) while turns the user took back (`/undo`,
/// `/retry`) disappear.
///
/// The engine only ever drops turns from the front (a full context) and removes or replaces
/// them at the end (undo, retry, edit). So the messages it holds are: the known in-context
/// turns minus `d` dropped at the front, a common run of `c` turns, then new ones. The engine
/// counts `d` (``FrontDrops``), and the merge takes that count when it has it; otherwise (the
/// first save of a writer, a new engine) it picks the `d` that keeps the longest common run (the
/// smallest `d` on a tie), which repeated identical exchanges can mislead. It marks the `d`
/// turns out of context, forgets the known turns after the common run, and appends the rest.
/// Saving after every change (each message, each reply, each undo) keeps the rest unambiguous.
enum TurnHistory {
    /// The merged turns. `known` is the session so far; `current` the engine's messages with
    /// their ids, already converted to manifest turns (all in context); `droppedFromFront` the
    /// engine's count of messages dropped from the front since `known` was saved, when known.
    static func merge(known: [SessionManifest.Turn], current: [SessionManifest.Turn], droppedFromFront: Int? = nil,
                      same: (SessionManifest.Turn, SessionManifest.Turn) -> Bool) -> [SessionManifest.Turn] {
        let contextStart = known.firstIndex(where: \.inContext) ?? known.count
        let inContext = Array(known[contextStart...])
        let dropped = droppedFromFront.flatMap { $0 <= inContext.count ? $0 : nil }
            ?? longestCommonRunDrop(inContext: inContext, current: current, same: same)
        var merged = Array(known[..<contextStart])
        for var turn in inContext.prefix(dropped) {
            turn.inContext = false
            merged.append(turn)
        }
        return merged + current
    }

    /// The front drop that keeps the longest run of known turns equal to the current ones (the
    /// smallest on a tie): the guess when the engine's count is not known.
    private static func longestCommonRunDrop(inContext: [SessionManifest.Turn], current: [SessionManifest.Turn],
                                             same: (SessionManifest.Turn, SessionManifest.Turn) -> Bool) -> Int {
        var best = (dropped: 0, common: -1)
        for dropped in 0 ... inContext.count {
            var common = 0
            while dropped + common < inContext.count, common < current.count,
                  same(inContext[dropped + common], current[common]) {
                common += 1
            }
            if common > best.common { best = (dropped, common) }
        }
        return best.dropped
    }
}
