extension Update {
    /// Ctrl+R: starts a search back through earlier messages, or while one runs, goes to the next
    /// older match.
    static func searchHistory(state: inout AppState) {
        guard var search = state.historySearch else {
            state.historySearch = HistorySearch(match: nil, original: state.input.text)
            return
        }
        if let match = search.match, match > 0, let older = state.history.newestMatch(search.query, atOrBefore: match - 1) {
            search.match = older
            state.historySearch = search
            state.input.set(state.history.entries[older])
        }
    }

    /// A key while Ctrl+R's search runs: letters refine it, Backspace widens it, Ctrl+R goes
    /// older, Enter sends the match, Esc (or Ctrl+G, Ctrl+C) puts the input back; any other key
    /// keeps the match in the input and does what it always does. Returns nil for such keys.
    static func historySearchKey(_ key: Key, state: inout AppState) -> [Effect]? {
        guard var search = state.historySearch else { return nil }
        var searchFrom = search.match  // a longer query keeps looking from the match shown
        switch key {
        case .ctrl("r"):
            searchHistory(state: &state)
            return []
        case .character(let character):
            search.query.append(character)
        case .paste(let text):
            search.query += pasteable(text).replacingOccurrences(of: "\n", with: " ")
        case .backspace:
            guard !search.query.isEmpty else { return [] }
            search.query.removeLast()
            searchFrom = nil
        case .escape, .ctrl("g"), .ctrl("c"):
            state.input.set(search.original)
            state.historySearch = nil
            return []
        case .enter(let modifiers) where modifiers.isEmpty:
            state.historySearch = nil
            return search.match == nil ? [] : submit(state: &state)
        default:
            state.historySearch = nil
            return nil
        }
        search.match = state.history.newestMatch(search.query, atOrBefore: searchFrom)
        state.historySearch = search
        state.input.set(search.match.map { state.history.entries[$0] } ?? search.original)
        return []
    }
}
