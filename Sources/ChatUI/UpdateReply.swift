import ChatEngine

extension Update {
    /// The index of the assistant turn being streamed (the last one).
    static func streamingTurnIndex(_ state: AppState) -> Int? {
        guard let index = state.transcript.lastIndex(where: { if case .assistant = $0 { true } else { false } }),
              case .assistant(let turn) = state.transcript[index], turn.status == .streaming else { return nil }
        return index
    }

    static func modifyStreamingTurn(_ state: inout AppState, _ change: (inout AssistantTurn) -> Void) {
        guard let index = streamingTurnIndex(state), case .assistant(var turn) = state.transcript[index] else { return }
        change(&turn)
        state.transcript[index] = .assistant(turn)
    }

    /// One event of the reply stream.
    static func generation(_ event: GenerationEvent, at time: Double, state: inout AppState) -> [Effect] {
        switch event {
        case .text(let text):
            modifyStreamingTurn(&state) { turn in
                if case .text(let previous) = turn.parts.last {
                    turn.parts[turn.parts.count - 1] = .text(previous + text)
                } else {
                    turn.parts.append(.text(text))
                }
            }
        case .pictureBegan(_, let total):
            let number = state.nextPictureNumber
            state.nextPictureNumber += 1
            state.pictures[number] = PictureState(number: number, total: total, startedAt: time)
            state.currentPicture = number
            modifyStreamingTurn(&state) { $0.parts.append(.picture(number)) }
            return [.previewPicture(number: number, codes: [], total: total)]
        case .pictureCode(_, _, let code):
            guard let number = state.currentPicture, var picture = state.pictures[number] else { return [] }
            picture.codes.append(code)
            picture.lastCodeAt = time
            state.pictures[number] = picture
            return [.previewPicture(number: number, codes: picture.codes, total: picture.total)]
        case .pictureFinished(_, let codes):
            guard let number = state.currentPicture else { return [] }
            state.currentPicture = nil
            state.pictures[number]?.codes = codes
            state.pictures[number]?.lastCodeAt = time
            state.pictures[number]?.phase = .decoding
            return [.decodePicture(number: number, codes: codes)]
        case .notice(let text):
            // Notices come before the reply's first token (a context that had to be cut):
            // they go above the turn they concern.
            if let index = streamingTurnIndex(state), case .assistant(let turn) = state.transcript[index], turn.parts.isEmpty {
                state.transcript.insert(.notice(text), at: index)
            } else {
                state.transcript.append(.notice(text))
            }
        case .contextUsed(let used):
            state.contextUsed = used
        case .contextDropped(let exchanges):
            markOldestExchangesOutOfConversation(exchanges, state: &state)
        case .finished(let stats):
            state.lastStats = stats
        }
        return []
    }

    /// The model no longer sees the oldest `count` exchanges still in the conversation: their
    /// user turns are labelled so (the message being answered, the last, is never among them).
    static func markOldestExchangesOutOfConversation(_ count: Int, state: inout AppState) {
        let lastUser = state.transcript.lastIndex { if case .user = $0 { true } else { false } }
        var remaining = count
        for index in state.transcript.indices where remaining > 0 && index != lastUser {
            guard case .user(var turn) = state.transcript[index], turn.inConversation else { continue }
            turn.inConversation = false
            state.transcript[index] = .user(turn)
            remaining -= 1
        }
    }

    /// The reply is over: the turn is made to match what the engine kept.
    static func replyEnded(_ outcome: ReplyOutcome, state: inout AppState) {
        state.isGenerating = false
        state.contextUsed = outcome.contextUsed
        if let stats = outcome.stats { state.lastStats = stats }
        let cancelled = outcome.stats?.cancelled ?? state.stopRequested
        state.stopRequested = false
        if let number = state.currentPicture, state.pictures[number]?.phase == .drawing {
            state.pictures[number]?.phase = .stopped
        }
        state.currentPicture = nil
        state.hint = nil

        guard outcome.userMessageAccepted else {
            if let index = streamingTurnIndex(state) { state.transcript.remove(at: index) }
            if let index = state.transcript.lastIndex(where: { if case .user = $0 { true } else { false } }),
               case .user(var turn) = state.transcript[index] {
                turn.inConversation = false
                state.transcript[index] = .user(turn)
            }
            state.transcript.append(.error(outcome.error ?? "the message could not be sent"))
            return
        }
        let pictures = state.pictures
        modifyStreamingTurn(&state) { turn in
            if let message = outcome.message { turn.parts = reconciled(turn.parts, with: message, pictures: pictures) }
            turn.status = outcome.error != nil ? .failed : cancelled ? .stopped : .finished
        }
        if let error = outcome.error { state.transcript.append(.error(error)) }
    }

    /// The turn's parts rebuilt from the engine's message (the source of truth: a stopped reply
    /// may hold a little more text than was streamed), with finished pictures matched in order
    /// and pictures that never finished kept at the end, marked stopped.
    static func reconciled(_ parts: [AssistantPart], with message: ChatMessage, pictures: [Int: PictureState]) -> [AssistantPart] {
        let shown = parts.compactMap { if case .picture(let number) = $0 { number } else { nil } }
        let finished = shown.filter { pictures[$0]?.phase != .stopped }
        let unfinished = shown.filter { pictures[$0]?.phase == .stopped }
        var result: [AssistantPart] = []
        var nextPicture = 0
        for segment in message.segments {
            switch segment {
            case .text(let text):
                result.append(.text(text))
            case .picture:
                if nextPicture < finished.count {
                    result.append(.picture(finished[nextPicture]))
                    nextPicture += 1
                }
            }
        }
        return result + unfinished.map { .picture($0) }
    }
}
