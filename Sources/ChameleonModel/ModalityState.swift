/// Which tokens generation may produce.
public enum GenerationMode: String, Sendable, CaseIterable, Codable {
    /// Text and pictures: the modality state machine runs (the default).
    case interleaved
    /// Text only: image codes and the begin/end image tokens are masked.
    case text
    /// Nothing is masked: the raw model.
    case free
}

/// The modality state machine of interleaved generation.
///
/// In text, image codes and end-image are masked, and begin-image is allowed only while a whole
/// picture (begin, every code, end) still fits in the context with room for one more token, as
/// the reference engine does. After begin-image only image codes are allowed, exactly as many as
/// the VQ grid holds; then end-image is forced without consulting the model, and text resumes.
public struct ModalityState: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case text
        /// Inside a picture, `codesDone` codes sampled so far.
        case image(codesDone: Int)
    }

    public let mode: GenerationMode
    public let tokensPerImage: Int
    public private(set) var phase: Phase = .text

    public init(mode: GenerationMode, tokensPerImage: Int) {
        self.mode = mode
        self.tokensPerImage = tokensPerImage
    }

    /// True while sampling picture codes.
    public var isInImage: Bool {
        if case .image = phase { return true }
        return false
    }

    /// The token the state machine forces next without sampling (end-image after the last
    /// code), or nil when the model chooses.
    public func forcedToken(vocabulary: ChameleonVocabulary) -> Int? {
        if case .image(let done) = phase, done == tokensPerImage { return vocabulary.endImage }
        return nil
    }

    /// Sets the logits of every token that may not come next to −∞.
    /// - Parameter sequenceLength: tokens in the sequence now, before the one being chosen.
    public func mask(_ logits: UnsafeMutableBufferPointer<Float>, vocabulary v: ChameleonVocabulary,
                     sequenceLength: Int, contextLength: Int) {
        switch (mode, phase) {
        case (.free, _):
            return
        case (.text, _):
            maskImageCodes(logits, v)
            logits[v.beginImage] = -.infinity
            logits[v.endImage] = -.infinity
        case (.interleaved, .text):
            maskImageCodes(logits, v)
            logits[v.endImage] = -.infinity
            if !pictureFits(sequenceLength: sequenceLength, contextLength: contextLength) {
                logits[v.beginImage] = -.infinity
            }
        case (.interleaved, .image):
            for i in 0..<logits.count where !v.isImageToken(i) { logits[i] = -.infinity }
        }
    }

    /// Whether begin-image, the codes and end-image fit after `sequenceLength` tokens, leaving
    /// room for one token more.
    public func pictureFits(sequenceLength: Int, contextLength: Int) -> Bool {
        sequenceLength + tokensPerImage + 2 < contextLength
    }

    /// Moves the machine past `token`, which was just appended to the sequence.
    public mutating func advance(past token: Int, vocabulary v: ChameleonVocabulary) {
        guard mode == .interleaved else { return }
        switch phase {
        case .text:
            if token == v.beginImage { phase = .image(codesDone: 0) }
        case .image(let done):
            if done == tokensPerImage {
                phase = .text  // the forced end-image
            } else {
                phase = .image(codesDone: done + 1)
            }
        }
    }

    private func maskImageCodes(_ logits: UnsafeMutableBufferPointer<Float>, _ v: ChameleonVocabulary) {
        for id in v.imageTokenIDs { logits[id] = -.infinity }
    }
}
