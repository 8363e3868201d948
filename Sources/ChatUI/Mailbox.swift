import ChatEngine
import Imaging
import Synchronization

/// Events posted to the run loop from other threads (the engine's stream, picture decoding,
/// signals), taken out in order by the loop on each turn.
final class Mailbox: Sendable {
    private let events = Mutex<[AppEvent]>([])

    func post(_ event: AppEvent) {
        events.withLock { $0.append(event) }
    }

    func drain() -> [AppEvent] {
        events.withLock { pending in
            let taken = pending
            pending.removeAll()
            return taken
        }
    }
}

/// Which reply the user asked to stop, and the task streaming the current one.
///
/// Sends are numbered as the loop queues them; a stop names the newest queued send, so a stop
/// that arrives before its reply has started still stops it, and never a later one.
final class GenerationControl: Sendable {
    private struct Status {
        var queued = 0
        var stopRequestedFor: Int?
        var running: (id: Int, task: Task<Void, Never>)?
    }
    private let status = Mutex(Status())

    /// Numbers a new send.
    func nextSendID() -> Int {
        status.withLock { status in
            status.queued += 1
            return status.queued
        }
    }

    /// Stops the newest send: now if it runs, else as soon as it starts.
    func stopNewest() {
        status.withLock { status in
            status.stopRequestedFor = status.queued
            if let running = status.running, running.id == status.queued { running.task.cancel() }
        }
    }

    /// Records the task of send `id`; cancels it at once if a stop came first.
    func started(id: Int, task: Task<Void, Never>) {
        status.withLock { status in
            status.running = (id, task)
            if status.stopRequestedFor == id { task.cancel() }
        }
    }

    func finished(id: Int) {
        status.withLock { status in
            if status.running?.id == id { status.running = nil }
        }
    }

    /// Cancels whatever runs (when the chat quits).
    func cancelAll() {
        status.withLock { status in
            status.stopRequestedFor = status.queued
            status.running?.task.cancel()
        }
    }
}

/// Picture previews and decodes, off the UI thread. Previews are coalesced: while one is being
/// drawn, newer requests for the same picture replace older ones, so a slow preview never falls
/// behind the codes; decodes all run.
final class PictureWork: Sendable {
    private struct Pending {
        var previews: [Int: (codes: [Int], total: Int)] = [:]
        var running = false
    }
    private let pending = Mutex(Pending())
    private let codec: any PictureCodec
    private let mailbox: Mailbox

    init(codec: any PictureCodec, mailbox: Mailbox) {
        self.codec = codec
        self.mailbox = mailbox
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
