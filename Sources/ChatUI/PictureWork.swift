import Imaging

/// Picture previews and decodes, off the UI thread. Previews are coalesced: while one is being
/// drawn, newer requests for the same picture replace older ones, so a slow preview never falls
/// behind the codes; decodes all run.
final class PictureWork: Sendable {
    private struct Pending {
        var previews: [Int: (codes: [Int], total: Int)] = [:]
        var running = false
    }
    private let pending = Locked(Pending())
    private let currentCodec: Locked<any PictureCodec>
    private let mailbox: Mailbox

    init(codec: any PictureCodec, mailbox: Mailbox) {
        currentCodec = Locked(codec)
        self.mailbox = mailbox
    }

    /// The codec of the model in use.
    var codec: any PictureCodec { currentCodec.withLock { $0 } }

    /// Another model, another image tokenizer (`/model`).
    func replaceCodec(_ codec: any PictureCodec) {
        currentCodec.withLock { $0 = codec }
    }

    func preview(number: Int, codes: [Int], total: Int) {
        let start = pending.withLock { pending -> Bool in
            pending.previews[number] = (codes, total)
            guard !pending.running else { return false }
            pending.running = true
            return true
        }
        guard start else { return }
        let codec = codec, mailbox = mailbox
        Task.detached { [self] in
            while let (number, request) = self.takePreview() {
                do {
                    let image = try codec.preview(codes: request.codes, total: request.total)
                    mailbox.post(.picturePreview(number: number, image: image, codes: request.codes.count))
                } catch {
                    // A preview that cannot be drawn is skipped; the decode reports the problem.
                }
            }
        }
    }

    private func takePreview() -> (Int, (codes: [Int], total: Int))? {
        pending.withLock { pending in
            guard let number = pending.previews.keys.min(), let request = pending.previews.removeValue(forKey: number) else {
                pending.running = false
                return nil
            }
            return (number, request)
        }
    }

    /// Turns an attached picture into codes.
    var encoder: @Sendable (RGBImage) throws -> [Int] {
        let codec = codec
        return { try codec.encode($0) }
    }

    func decode(number: Int, codes: [Int]) {
        let codec = codec, mailbox = mailbox
        Task.detached {
            do {
                mailbox.post(.pictureDecoded(number: number, image: try codec.decode(codes: codes)))
            } catch {
                mailbox.post(.pictureFailed(number: number, reason: "\(error)"))
            }
        }
    }
}
