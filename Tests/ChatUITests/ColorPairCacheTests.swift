import HalfBlockRendering
import Imaging
import Testing
@testable import ChatUI

/// Pair numbers are reused only when no cell on the screen still uses them.
@Suite struct ColorPairCacheTests {
    func key(_ n: Int32) -> ColorPairKey { ColorPairKey(foreground: n, background: n + 1000) }

    @Test func theDefaultColoursArePairZero() {
        var cache = ColorPairCache(capacity: 4)
        cache.beginFrame()
        #expect(cache.pair(for: ColorPairKey(foreground: -1, background: -1))! == (0, false))
    }

    @Test func aKeyKeepsItsPair() {
        var cache = ColorPairCache(capacity: 8)
        cache.beginFrame()
        let first = cache.pair(for: key(1))!
        #expect(first.isNew && first.number == 1)
        #expect(cache.pair(for: key(1))! == (1, false))
        #expect(cache.pair(for: key(2))! == (2, true))
    }

    @Test func theLeastRecentlyUsedPairOffScreenIsRecycled() {
        var cache = ColorPairCache(capacity: 4)  // pairs 1, 2, 3
        cache.beginFrame()
        _ = cache.pair(for: key(1)); _ = cache.pair(for: key(2)); _ = cache.pair(for: key(3))
        cache.beginFrame()
        _ = cache.pair(for: key(2)); _ = cache.pair(for: key(1))  // 3 is no longer on screen
        let recycled = cache.pair(for: key(4))!
        #expect(recycled == (3, true))
        // key 3 must be defined again when it comes back, and takes the next free candidate.
        #expect(cache.pair(for: key(3)) == nil)  // 1, 2, 4 are all on this frame's screen
        cache.beginFrame()
        _ = cache.pair(for: key(4))
        #expect(cache.pair(for: key(3))! == (2, true))  // 2 is older than 1
    }

    @Test func pairsOnTheCurrentScreenAreNeverRecycled() {
        var cache = ColorPairCache(capacity: 3)
        cache.beginFrame()
        #expect(cache.pair(for: key(1))!.number == 1)
        #expect(cache.pair(for: key(2))!.number == 2)
        #expect(cache.pair(for: key(3)) == nil)
        #expect(cache.pair(for: key(1))! == (1, false))
    }

    @Test func manyPicturesOverTimeNeverNeedMoreThanTheScreenHolds() {
        // 50 frames, each showing 100 new colour combinations, through a table of 256 pairs.
        var cache = ColorPairCache(capacity: 256)
        for frame in 0 ..< 50 {
            cache.beginFrame()
            var numbers = Set<Int>()
            for index in 0 ..< 100 {
                let assigned = cache.pair(for: key(Int32(frame * 100 + index)))
                #expect(assigned != nil)
                numbers.insert(assigned!.number)
            }
            #expect(numbers.count == 100, "two keys on one screen share a pair")
        }
    }

    @Test func colourNumbersFollowTheTerminal() {
        let red = TerminalColor.rgb(RGB(255, 0, 0))
        #expect(TerminalColorNumber.number(for: red, colors: 1 << 24) == 0xFF0000)
        #expect(TerminalColorNumber.number(for: .rgb(RGB(0, 0, 3)), colors: 1 << 24) == 8)  // not ANSI blue
        #expect(TerminalColorNumber.number(for: .palette256(196), colors: 256) == 196)
        #expect(TerminalColorNumber.number(for: .palette256(196), colors: 1 << 24) == 0xFF0000)
        #expect(TerminalColorNumber.number(for: .ansi16(9), colors: 8) == 1)
        #expect(TerminalColorNumber.number(for: .terminalDefault, colors: 256) == -1)
    }
}
