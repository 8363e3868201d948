import ChameleonModel
import Foundation

extension ModelIdentity {
    /// The identity of a loaded model: its directory, and hashes of the `config.json` and
    /// `tokenizer.json` it was loaded from. Compute it once per model (it reads both files).
    public init(checkpoint: ChameleonCheckpoint) throws(SessionError) {
        let directory = checkpoint.directory.standardizedFileURL
        func hash(_ name: String) throws(SessionError) -> String {
            let path = directory.appendingPathComponent(name).path
            return SHA256.hash(try AtomicFiles.read(path, limit: 1 << 30)).hex
        }
        self.init(
            directory: directory.path, name: directory.lastPathComponent,
            configSHA256: try hash("config.json"), tokenizerSHA256: try hash("tokenizer.json"),
            vocabularySize: checkpoint.config.vocabSize, codebookSize: checkpoint.vocabulary.imageTokenIDs.count,
            codesPerPicture: checkpoint.config.vqConfig.tokensPerImage, contextLength: checkpoint.model.contextLength)
    }
}
