import Foundation
import Testing
@testable import ChameleonModel

/// A model's `generation_config.json` sets its sampling defaults; bad values are refused with one
/// line naming the file and the key.
@Suite struct GenerationDefaultsTests {
    func directory(with json: String?) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omnichat-gen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if let json { try Data(json.utf8).write(to: directory.appendingPathComponent(GenerationDefaults.fileName)) }
        return directory
    }

    @Test func absentFileKeepsTheReferenceDefaults() throws {
        let defaults = try GenerationDefaults.load(directory: try directory(with: nil))
        #expect(defaults == nil)
        #expect(GenerationOptions(modelDefaults: defaults) == GenerationOptions())
    }

    @Test func huggingFaceAndPictureKeysApplyOnTopOfTheReference() throws {
        let defaults = try GenerationDefaults.load(directory: try directory(with: """
            {"do_sample": false, "repetition_penalty": 1.0, "top_k": 5, "image_temperature": 0.6,
             "image_top_p": 0.8, "cfg_text": 2.5, "cfg_image": 1.0, "max_length": 20, "bos_token_id": 0}
            """))
        let options = GenerationOptions(modelDefaults: defaults)
        var expected = GenerationOptions()
        expected.text.greedy = true
        expected.text.repetitionPenalty = 1
        expected.text.topK = 5
        expected.image.temperature = 0.6
        expected.image.topP = 0.8
        expected.guidanceText = 2.5
        expected.guidanceImage = 1
        #expect(options == expected, "keys it does not know (max_length, bos_token_id) are ignored like transformers does")
    }

    @Test(arguments: [
        (#"{"temperature": -1}"#, "temperature must be ≥ 0"),
        (#"{"image_top_p": 0}"#, "image_top_p must be in (0, 1]"),
        (#"{"top_k": -3}"#, "top_k must be ≥ 0"),
        (#"{"repetition_penalty": 0}"#, "repetition_penalty must be > 0"),
        (#"{"do_sample": "yes"}"#, "do_sample"),
        (#"{"cfg_text": 1"#, "not valid JSON"),
    ])
    func badValuesGiveOneLineNamingFileAndKey(json: String, mention: String) throws {
        let folder = try directory(with: json)
        do {
            _ = try GenerationDefaults.load(directory: folder)
            Issue.record("\(json) was accepted")
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix(folder.appendingPathComponent(GenerationDefaults.fileName).path), "\(text)")
            #expect(text.contains(mention), "\(text)")
            #expect(!text.contains("\n"))
        }
    }
}
