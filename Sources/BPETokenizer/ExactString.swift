/// A dictionary key that compares and hashes a string by its UTF-8 bytes.
///
/// Swift's `String` equality is canonical equivalence, so "é" and "e\u{301}" are the same key;
/// in a vocabulary they are different tokens. Every token lookup goes through this type.
struct ExactString: Hashable, Sendable {
    let string: String

    init(_ string: String) {
        self.string = string
    }

    static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
