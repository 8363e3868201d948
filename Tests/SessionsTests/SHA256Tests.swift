import Foundation
import Testing
@testable import Sessions

/// The hash that identifies model files: FIPS 180-4 vectors and files hashed by `sha256sum`.
@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func fipsVectors(message: String, expected: String) {
        #expect(SHA256.hash(Array(message.utf8)).hex == expected)
    }

    @Test func oneMillionAs() {
        #expect(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)).hex
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Feeding the message in pieces of every size gives the one-shot digest.
    @Test func incrementalUpdatesMatchOneShot() {
        let message = (0 ..< 3).flatMap { _ in (0 ..< 256).map(UInt8.init) }
        let expected = "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363"
        #expect(SHA256.hash(message).hex == expected)
        for piece in [1, 3, 55, 56, 63, 64, 65, 127, 500] {
            var hasher = SHA256()
            var offset = 0
            while offset < message.count {
                hasher.update(message[offset ..< min(message.count, offset + piece)])
                offset += piece
            }
            #expect(hasher.finalize().hex == expected, "pieces of \(piece)")
        }
    }

    /// The identity of the fixture model hashes its files as `sha256sum` does.
    @Test func modelIdentityHashesTheModelFiles() throws {
        let identity = try SessionFixtures.identity(SessionFixtures.checkpoint())
        #expect(identity.configSHA256 == "0faff0e5bc9ab7c9052a9f90fd9d8460c74dea27901c0049326c2afa939646bc")
        #expect(identity.tokenizerSHA256 == "294227337fb216ae0565ca02ccbb05fdce0caf17351c7b2575396491f33916e9")
        #expect(identity.name == "plain")
        #expect(identity.vocabularySize == 420)
        #expect(identity.codebookSize == 64)
        #expect(identity.codesPerPicture == 16)
        #expect(identity.contextLength == 256)
    }
}
