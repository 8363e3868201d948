import Foundation
import FuzzTargets
import Testing

/// Replays the fuzzing corpus of every parser (`Tests/Fixtures/fuzz/<target>/`: the seeds, what
/// the fuzzer kept for coverage, and every input that ever failed, named `crash-*` or `oom-*`)
/// through the same functions the fuzzer runs. A regression crashes or hangs this test; a seed
/// named `valid-*` must also still be accepted.
@Suite struct FuzzRegressionTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz")

    @Test(arguments: FuzzTarget.allCases)
    func corpusReplaysCleanly(target: FuzzTarget) throws {
        let directory = Self.corpus.appendingPathComponent(target.rawValue)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files.contains { $0.hasPrefix("valid-") }, "\(target.rawValue): the corpus should hold valid seeds")
        for name in files {
            let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
            let accepted = target.run(bytes)
            if name.hasPrefix("valid-") {
                #expect(accepted, "\(target.rawValue)/\(name) is a valid input and must be accepted")
            }
        }
    }
}
