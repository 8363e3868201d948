import ChatEngine

extension Update {
    /// Replaces the transcript with a conversation restored from storage; its pictures are
    /// decoded again.
    static func loadConversation(_ conversation: LoadedConversation, state: inout AppState) -> [Effect] {
        state.transcript = []
        state.pictures = [:]
        state.nextPictureNumber = 1
        state.currentPicture = nil
        state.options = conversation.options
        var effects: [Effect] = []

        func addPicture(_ codes: [Int]) -> Int {
            let number = state.nextPictureNumber
            state.nextPictureNumber += 1
            var picture = PictureState(number: number, total: codes.count, startedAt: state.now)
            picture.codes = codes
            picture.phase = .decoding
            state.pictures[number] = picture
            effects.append(.decodePicture(number: number, codes: codes))
            return number
        }

        for turn in conversation.turns {
            switch turn.message.role {
            case .user:
                let pictures = turn.message.pictures.map(addPicture)
                state.transcript.append(.user(UserTurn(text: turn.message.text, pictures: pictures, inConversation: turn.inContext)))
            case .assistant:
                var parts: [AssistantPart] = []
                for segment in turn.message.segments {
                    switch segment {
                    case .text(let text): parts.append(.text(text))
                    case .picture(let codes): parts.append(.picture(addPicture(codes)))
                    }
                }
                state.transcript.append(.assistant(AssistantTurn(parts: parts, status: .finished)))
            }
        }
        let count = conversation.turns.count
        state.transcript.append(.notice("Loaded \(conversation.name) (\(count) turn\(count == 1 ? "" : "s"))."))
        for warning in conversation.warnings { state.transcript.append(.notice(warning)) }
        state.scroll = .following
        return effects
    }
}
