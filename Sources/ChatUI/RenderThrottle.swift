/// Limits redraws to one per `minimumInterval` seconds: while a reply streams, tokens and
/// picture codes arrive far faster than a screen needs repainting, so changes are gathered and
/// drawn together, at most 60 times a second by default (bubbletea's rate).
///
///     var throttle = RenderThrottle()
///     throttle.markDirty()
///     if throttle.shouldRender(at: now) { terminal.draw(view(state)) }
public struct RenderThrottle: Sendable, Equatable {
    public let minimumInterval: Double
    public private(set) var isDirty = false
    private var lastRender = -Double.infinity

    public init(framesPerSecond: Double = 60) {
        precondition(framesPerSecond > 0)
        minimumInterval = 1 / framesPerSecond
    }

    /// Something changed that the screen should show.
    public mutating func markDirty() { isDirty = true }

    /// Whether to draw now; when it says yes, the change counts as drawn.
    public mutating func shouldRender(at now: Double) -> Bool {
        guard isDirty, now - lastRender >= minimumInterval else { return false }
        isDirty = false
        lastRender = now
        return true
    }

    /// Milliseconds until a pending change may be drawn (0 when it may be drawn now); nil when
    /// nothing is pending.
    public func millisecondsUntilDue(at now: Double) -> Int? {
        guard isDirty else { return nil }
        let wait = lastRender + minimumInterval - now
        return wait <= 0 ? 0 : max(1, Int((wait * 1000 - 1e-6).rounded(.up)))
    }
}
