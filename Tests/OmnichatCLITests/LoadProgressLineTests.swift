import Foundation
import Testing
@testable import omnichat

/// The count shown while a big model's weights convert: on a terminal, in place, cleared at the
/// end; never in a log or pipe, and not for a load too quick to need it.
@Suite struct LoadProgressLineTests {
    final class Output: @unchecked Sendable { var text = "" }

    func line(isTerminal: Bool, delay: TimeInterval) -> (LoadProgressLine, Output) {
        let output = Output()
        return (LoadProgressLine(label: "loading", delay: delay, isTerminal: isTerminal, write: { output.text += $0 }), output)
    }

    @Test func onATerminalTheCountIsRewrittenInPlaceAndCleared() {
        let (progress, output) = line(isTerminal: true, delay: 0)
        let value = progress.showing { report in
            report(1, 3)
            report(3, 3)
            return 7
        }
        #expect(value == 7)
        #expect(output.text == "\r\u{1B}[Kloading 1/3\r\u{1B}[Kloading 3/3\r\u{1B}[K")
    }

    @Test func aPipeGetsNothing() {
        let (progress, output) = line(isTerminal: false, delay: 0)
        progress.showing { report in report(1, 3) }
        #expect(output.text.isEmpty)
    }

    @Test func aQuickLoadShowsNothing() {
        let (progress, output) = line(isTerminal: true, delay: 60)
        progress.showing { report in report(1, 3) }
        #expect(output.text.isEmpty)
    }

    @Test func aFailedLoadLeavesACleanLineForItsError() {
        struct Broken: Error {}
        let (progress, output) = line(isTerminal: true, delay: 0)
        #expect(throws: Broken.self) {
            try progress.showing { report in
                report(1, 3)
                throw Broken()
            }
        }
        #expect(output.text.hasSuffix("\r\u{1B}[K"))
    }
}
