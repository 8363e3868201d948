/// Who wrote a message.
public enum ChatRole: String, Sendable, Codable, Equatable {
    case user, assistant
}

/// One piece of a message: text, or a picture held as its VQ codes (raster order).
///
/// Pixels are not stored here: a picture is exactly its codes, and pixels are derived from them
/// (decoded) or were turned into them (encoded) by the image codec.
public enum MessageSegment: Sendable, Equatable, Codable {
    case text(String)
    case picture(codes: [Int])
}

/// A turn of the conversation.
public struct ChatMessage: Sendable, Equatable, Codable {
    public var role: ChatRole
    public var segments: [MessageSegment]

    public init(role: ChatRole, segments: [MessageSegment]) {
        self.role = role
        self.segments = segments
    }

    /// A user message of plain text.
    public static func user(_ text: String) -> ChatMessage {
        ChatMessage(role: .user, segments: [.text(text)])
    }

    /// The text of the message, pictures left out.
    public var text: String {
        segments.compactMap { if case .text(let t) = $0 { t } else { nil } }.joined()
    }

    /// The pictures of the message, in order.
    public var pictures: [[Int]] {
        segments.compactMap { if case .picture(let codes) = $0 { codes } else { nil } }
    }
}
