#if canImport(Glibc)
import Glibc
#endif

/// Keys typed before the chat took the terminal (while the model loaded, say): read without
/// waiting, with Enter given back.
///
/// Until curses switches the terminal to raw input, the shell's line discipline handles what is
/// typed, and with ICRNL (on in every shell) it turns each Enter into a line feed. The chat would
/// read that as Ctrl+J, a new line in the prompt, so a message typed ahead would never be sent.
enum TypedAhead {
    /// The bytes readable on `input` now, without waiting (at most 4 KB).
    static func read(_ input: Int32) -> [UInt8] {
        var received: [UInt8] = []
        while received.count < 4096 {
            let chunk = readChunk(input, waitingMilliseconds: 0)
            if chunk.isEmpty { break }
            received += chunk
        }
        return received
    }

    /// Up to 256 bytes from `input`, waiting at most `waitingMilliseconds` for the first; empty
    /// when none arrived in time or the input has ended.
    static func readChunk(_ input: Int32, waitingMilliseconds: Int32) -> [UInt8] {
        var descriptor = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, waitingMilliseconds) > 0 else { return [] }
        var chunk = [UInt8](repeating: 0, count: 256)
        let count = chunk.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
        return count > 0 ? Array(chunk.prefix(count)) : []
    }

    /// Whether the terminal on `input` turns Enter into a line feed as it is now set (ICRNL).
    static func mapsEnterToLineFeed(_ input: Int32) -> Bool {
        var settings = termios()
        return tcgetattr(input, &settings) == 0 && settings.c_iflag & tcflag_t(ICRNL) != 0
    }

    /// `typed` with each line feed turned back into Enter (CR) when the line discipline
    /// (`mappedByLineDiscipline`) made it; unchanged otherwise.
    static func enterRestored(_ typed: [UInt8], mappedByLineDiscipline: Bool) -> [UInt8] {
        mappedByLineDiscipline ? typed.map { $0 == 0x0A ? 0x0D : $0 } : typed
    }
}
