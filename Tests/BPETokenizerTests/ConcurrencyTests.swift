import Testing
@testable import BPETokenizer

@Suite("Concurrent use")
struct ConcurrencyTests {
    @Test("encoding from many tasks at once gives the same ids as encoding alone",
          arguments: Fixtures.tokenizerNames)
    func concurrentEncode(name: String) async {
        let tokenizer = Fixtures.tokenizer(name)
        let corpus = Fixtures.golden.corpus
        let expected = Fixtures.golden.tokenizers[name]!.cases.map(\.ids)
        let results = await withTaskGroup(of: (Int, [[Int]]).self) { group in
            for task in 0..<8 {
                group.addTask {
                    // Each task walks the whole corpus from a different starting point (odd tasks
                    // backwards) so the shared word cache is filled and read in interleaved ways.
                    var ids = [[Int]](repeating: [], count: corpus.count)
                    for round in 0..<3 {
                        for step in corpus.indices {
                            let rotated = (step + task * 5 + round) % corpus.count
                            let index = task % 2 == 0 ? rotated : corpus.count - 1 - rotated
                            ids[index] = tokenizer.encode(corpus[index])
                        }
                    }
                    return (task, ids)
                }
            }
            var collected: [(Int, [[Int]])] = []
            for await result in group { collected.append(result) }
            return collected
        }
        #expect(results.count == 8)
        for (task, ids) in results {
            #expect(ids == expected, "task \(task)")
        }
    }
}
