/// UTF-8 decoding that replaces each maximal invalid subpart with one U+FFFD, exactly like Rust's
/// `String::from_utf8_lossy` (the Unicode "substitution of maximal subparts" practice).
///
/// The same routine serves whole-sequence decoding and streaming: with `isFinal` false it stops
/// before an incomplete but so far valid sequence at the end and reports where, so the caller
/// can wait for more bytes. Decoding in pieces this way gives the same text as decoding at once.
enum UTF8Repair {
    /// Decodes `bytes[start...]`, appending scalars to `output`. Returns the index of the first
    /// byte not consumed (always `bytes.count` when `isFinal`).
    static func decode(
        _ bytes: [UInt8], from start: Int = 0, isFinal: Bool, into output: inout [Unicode.Scalar]
    ) -> Int {
        var index = start
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                output.append(Unicode.Scalar(lead))
                index += 1
                continue
            }
            let continuationCount: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            var value: UInt32
            switch lead {
            case 0xC2...0xDF: continuationCount = 1; value = UInt32(lead & 0x1F)
            case 0xE0: continuationCount = 2; secondRange = 0xA0...0xBF; value = UInt32(lead & 0x0F)
            case 0xE1...0xEC, 0xEE...0xEF: continuationCount = 2; value = UInt32(lead & 0x0F)
            case 0xED: continuationCount = 2; secondRange = 0x80...0x9F; value = UInt32(lead & 0x0F)
            case 0xF0: continuationCount = 3; secondRange = 0x90...0xBF; value = UInt32(lead & 0x07)
            case 0xF1...0xF3: continuationCount = 3; value = UInt32(lead & 0x07)
            case 0xF4: continuationCount = 3; secondRange = 0x80...0x8F; value = UInt32(lead & 0x07)
            default:
                output.append("\u{FFFD}")
                index += 1
                continue
            }
            var consumed = 1
            var complete = true
            var valid = true
            while consumed <= continuationCount {
                guard index + consumed < count else {
                    complete = false
                    break
                }
                let byte = bytes[index + consumed]
                let allowed = consumed == 1 ? secondRange : 0x80...0xBF
                guard allowed.contains(byte) else {
                    valid = false
                    break
                }
                value = value << 6 | UInt32(byte & 0x3F)
                consumed += 1
            }
            if !complete {
                if !isFinal { return index }
                output.append("\u{FFFD}")
                return count
            }
            if !valid {
                output.append("\u{FFFD}")
                index += consumed
                continue
            }
            output.append(Unicode.Scalar(value)!)
            index += consumed
        }
        return index
    }

    /// The whole of `bytes` as text, invalid subparts replaced.
    static func decodeLossy(_ bytes: [UInt8]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(bytes.count)
        _ = decode(bytes, isFinal: true, into: &output)
        return output
    }
}
