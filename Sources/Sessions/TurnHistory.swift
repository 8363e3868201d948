import ChatEngine

/// Merges what the engine holds now into the session's turns, so that turns the engine dropped
/// to make room are kept (outside the context) while turns the user took back (`/undo`,
/// `/retry`) disappear.
///
/// The engine only ever drops turns from the front (a full context) and removes or replaces
/// them at the end (undo, retry, edit). So the messages it holds are: the known in-context
/// turns minus `d` dropped at the front, a common run of `c` turns, then new ones. The merge
/// picks the `d` that keeps the longest common run (the smallest `d` on a tie), marks the `d`
/// turns out of context, forgets the known turns after the common run, and appends the rest.
/// Saving after every change (each message, each reply, each undo) keeps this unambiguous.
enum TurnHistory {
    /// The merged turns. `known` is the session so far; `current` the engine's messages with
    /// their ids, already converted to manifest turns (all in context).
    static func merge(known: [SessionManifest.Turn], current: [SessionManifest.Turn],
                      same: (SessionManifest.Turn, SessionManifest.Turn) -> Bool) -> [SessionManifest.Turn] {
        let contextStart = known.firstIndex(where: \.inContext) ?? known.count
        let inContext = Array(known[contextStart...])
        var best = (dropped: 0, common: -1)
        for dropped in 0 ... inContext.count {
            var common = 0
            while dropped + common < inContext.count, common < current.count,
                  same(inContext[dropped + common], current[common]) {
                common += 1
            }
            if common > best.common { best = (dropped, common) }
        }
        var merged = Array(known[..<contextStart])
        for var turn in inContext.prefix(best.dropped) {
            turn.inContext = false
            merged.append(turn)
        }
        return merged + current
    }
}
