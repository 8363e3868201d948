/// GPT-2's reversible byte ↔ printable-character table used by ByteLevel pre-tokenizers,
/// normalizers and decoders.
///
/// Bytes `!`…`~`, U+00A1…U+00AC and U+00AE…U+00FF stand for themselves; the other 68 bytes map,
/// in increasing order, to U+0100, U+0101, … (so the space 0x20 becomes `Ġ` U+0120).
enum ByteLevelAlphabet {
    /// `scalarForByte[b]` is the character that stands for byte `b`.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let standsForItself = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte)
                || (0xAE...0xFF).contains(byte)
            if standsForItself {
                table[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// `byteForScalarValue[v]` is the byte that character U+v stands for, or -1.
    static let byteForScalarValue: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in scalarForByte.enumerated() {
            table[Int(scalar.value)] = Int16(byte)
        }
        return table
    }()

    /// The byte `scalar` stands for, if it belongs to the alphabet.
    @inline(__always)
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = Int(scalar.value)
        guard value < byteForScalarValue.count else { return nil }
        let byte = byteForScalarValue[value]
        return byte < 0 ? nil : UInt8(byte)
    }

    /// Maps every UTF-8 byte of `scalars` to its alphabet character.
    static func encode(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count * 2)
        for scalar in scalars {
            for byte in UTF8.encode(scalar)! {
                result.append(scalarForByte[Int(byte)])
            }
        }
        return result
    }

    /// The bytes a token stands for under the ByteLevel decoder: the alphabet bytes when every
    /// character belongs to the alphabet, otherwise the token's own UTF-8 (as `tokenizers` does).
    static func decodeToken(_ scalars: [Unicode.Scalar]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count)
        for scalar in scalars {
            guard let byte = byte(for: scalar) else {
                return Array(scalars.asString.utf8)
            }
            bytes.append(byte)
        }
        return bytes
    }
}
