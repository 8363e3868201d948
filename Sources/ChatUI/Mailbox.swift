import ChatEngine

/// Events posted to the run loop from other threads (the engine's stream, picture decoding,
/// signals), taken out in order by the loop on each turn.
final class Mailbox: Sendable {
    private let events = Locked<[AppEvent]>([])

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
    private let status = Locked(Status())

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
