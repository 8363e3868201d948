import ChameleonModel
import ChatEngine
import Foundation
import PNGCodec
import Sessions
import VQGAN
import Testing

/// `kill -9` at random moments of a chat that autosaves (during replies, during saves, during
/// start-up): afterwards the session always loads, resumes into the model, and holds every turn
/// whose save was reported, plus at most the one save in flight.
@Suite(.serialized) struct KillTests {
    /// Reads the child's standard output line by line as it arrives.
    struct LineReader {
        let handle: FileHandle
        var buffer = Data()
        var lines: [String] = []

        /// Blocks until a new line arrives; false at end of file.
        mutating func nextLine() -> Bool {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    lines.append(String(decoding: buffer[buffer.startIndex ..< newline], as: UTF8.self))
                    buffer.removeSubrange(buffer.startIndex ... newline)
                    return true
                }
                let chunk = handle.availableData
                if chunk.isEmpty { return false }
                buffer.append(chunk)
            }
        }

        mutating func drain() {
            buffer.append(handle.readDataToEndOfFile())
            while nextLine() {}
        }
    }

    @Test func killedAtRandomMomentsTheSessionAlwaysLoads() async throws {
        let checkpoint = try ChameleonCheckpoint(directory: OmnichatBinary.model)
        let format = try ConversationFormat.load(directory: OmnichatBinary.model)
        let identity = try ModelIdentity(checkpoint: checkpoint)
        var rng = SeededGenerator(seed: 2025)
        var loaded = 0, beforeFirstSave = 0, killedMidWrite = 0, pictures = 0
        let vqgan = try VQGAN(checkpoint: checkpoint.tensors, config: checkpoint.config.vqConfig, path: OmnichatBinary.model.path)
        for round in 0 ..< 30 {
            let data = try OmnichatBinary.scratch("kill \(round)")
            let process = Process()
            process.executableURL = try OmnichatBinary.executable()
            process.arguments = ["session-stress", "--model", OmnichatBinary.model.path, "--seed", String(round)]
            process.environment = OmnichatBinary.environment(data: data)
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()

            // Wait for a random number of reported saves (0: kill during start-up or the first
            // save), then a random moment, then SIGKILL. Replies take most of the time, so every
            // other round aims at the save that follows a reply's save at once (the next
            // message's), killing within 3 ms of it.
            var reader = LineReader(handle: out.fileHandleForReading)
            let savesToSee = Int(rng.next() % 9)
            let aimAtSaves = round % 2 == 0
            var seen = 0
            while reader.nextLine() {
                guard let line = reader.lines.last, line.hasPrefix("saved "), let turns = Int(line.dropFirst(6)) else { continue }
                seen += 1
                if seen >= savesToSee && (!aimAtSaves || turns % 2 == 0) { break }
            }
            if aimAtSaves, let id = reader.lines.first(where: { $0.hasPrefix("session ") })?.dropFirst(8) {
                // Aim at the next save itself: watch for its temporary file and kill on sight (a
                // random delay alone hit a write in only about half the runs of this test).
                let directory = data.appendingPathComponent("sessions").appendingPathComponent(String(id)).path
                let deadline = DispatchTime.now().uptimeNanoseconds + 200_000_000
                while DispatchTime.now().uptimeNanoseconds < deadline,
                      !((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).contains(where: { $0.hasSuffix(".tmp") }) {}
            } else {
                usleep(UInt32(rng.next() % (aimAtSaves ? 3_000 : 60_000)))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "round \(round): the stress run ended by itself")
            reader.drain()

            let label = "round \(round)"
            let reported = reader.lines.compactMap { $0.hasPrefix("saved ") ? Int($0.dropFirst(6)) : nil }.last
            guard let id = reader.lines.first(where: { $0.hasPrefix("session ") })?.dropFirst(8) else {
                #expect(reported == nil, "\(label): saves reported without a session line")
                beforeFirstSave += 1
                continue
            }
            let store = SessionStore(directory: data.appendingPathComponent("sessions"))
            let directory = store.directory.appendingPathComponent(String(id))
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("session.json").path) else {
                #expect(reported == nil, "\(label): a save was reported but there is no manifest")
                beforeFirstSave += 1
                continue
            }
            // A temporary file left behind means the kill landed in the middle of writing one.
            if try FileManager.default.contentsOfDirectory(atPath: directory.path).contains(where: { $0.hasSuffix(".tmp") }) {
                killedMidWrite += 1
            }
            let session = try StoredSession(directory: directory)
            let turns = session.manifest.turns.count
            #expect(turns == (reported ?? 0) || turns == (reported ?? 0) + 1,
                    "\(label): \(turns) turns saved, \(reported ?? 0) reported")
            // Every picture file is whole and is the VQGAN's drawing of its codes.
            for case .picture(let codes, let file?) in session.manifest.turns.flatMap(\.segments) {
                let png = try PNGReader.read(path: session.pictureURL(file).path)
                #expect(png.flattened() == (try vqgan.decodePicture(codes: codes)), "\(label): \(file)")
                pictures += 1
            }
            let engine = try InferenceEngine(checkpoint: checkpoint, format: format)
            let resumed = try await session.resume(into: engine, model: identity)
            #expect(await engine.messages == resumed.history.filter(\.inContext).map(\.chatMessage), "\(label)")

            // The killed writer's lock is gone, and the next save clears its leftovers.
            let writer = try SessionWriter(continuing: resumed, store: store, renderer: nil)
            try await writer.save(engine.sessionSnapshot())
            await writer.close()
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(!names.contains { $0.hasSuffix(".tmp") }, "\(label): \(names)")
            #expect(try StoredSession(directory: directory).manifest.turns.count == turns)
            loaded += 1
        }
        #expect(loaded >= 20, "most rounds must get past the first save (\(loaded) did, \(beforeFirstSave) did not)")
        #expect(killedMidWrite > 0, "no kill landed while a file was being written")
        #expect(pictures > 0, "the stress run saved pictures as PNG files")
    }
}
