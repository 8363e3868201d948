import ArgumentParser
import BPETokenizer
import ChatUI
import Foundation

/// `omnichat tokenize`: text to token ids, as the model's tokenizer.json encodes it.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Print the token ids of a text.")

    @OptionGroup var modelOptions: ModelOptions
    @Argument(help: "The text to encode.") var text: String
    @Flag(name: .long, help: "Do not add the tokenizer's special tokens (for example <s>).") var noSpecial = false
    @Flag(name: .long, help: "Print {\"token_ids\": [...], \"tokens\": [...]}.") var json = false

    func run() throws {
        let tokenizer = try loadTokenizer(modelOptions)
        let ids = tokenizer.encode(text, addSpecialTokens: !noSpecial)
        if json {
            struct Output: Encodable { let token_ids: [Int]; let tokens: [String] }
            try printJSON(Output(token_ids: ids, tokens: ids.map { tokenizer.token(forID: $0) ?? "" }))
        } else {
            print(ids.map(String.init).joined(separator: " "))
        }
    }
}

/// `omnichat detokenize`: token ids to text, as the model's tokenizer.json decodes them.
struct DetokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detokenize", abstract: "Print the text of token ids.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .long, help: ArgumentHelp("Token ids, separated by spaces or commas.", valueName: "IDS")) var ids: String
    @Flag(name: .long, help: "Leave out special tokens.") var skipSpecial = false

    func run() throws {
        let tokenizer = try loadTokenizer(modelOptions)
        let tokenIDs = try parseTokenIDs(ids, vocabularySize: tokenizer.vocabularySize)
        TerminalText.print(tokenizer.decode(tokenIDs, skipSpecialTokens: skipSpecial))
    }
}

/// Loads only the tokenizer of the chosen model directory.
func loadTokenizer(_ options: ModelOptions) throws -> Tokenizer {
    let url = try options.directory().appendingPathComponent("tokenizer.json")
    return try Tokenizer(contentsOf: url)
}
