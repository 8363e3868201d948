import Foundation
import SafeTensors
import Testing
import TensorMath
@testable import ChameleonModel

/// A model whose weights cannot fit in memory in the format asked for is refused before any
/// tensor is read, with one line that says what it needs and what to do, instead of being killed
/// by the kernel midway through converting it (Linux overcommits, so the allocations succeed).
@Suite struct WeightMemoryTests {
    func source(_ name: String) throws -> (SafeTensorsCheckpoint, ChameleonConfig) {
        let directory = EngineFixtures.directory(name)
        return (try SafeTensorsCheckpoint(at: directory),
                try ChameleonConfig.load(from: directory.appendingPathComponent("config.json")))
    }

    /// Bytes the loaded weights really hold outside file mappings.
    func heldBytes(_ weights: ChameleonWeights) -> Int {
        let matrices = weights.layers.flatMap(\.matrices) + [weights.lmHead]
        return weights.byteCount - matrices.filter(\.isBorrowed).reduce(0) { $0 + $1.byteCount }
    }

    /// The largest matrix as float32: the conversion's transient copy, which the estimate adds.
    func largestFloat32Matrix(_ config: ChameleonConfig) -> Int {
        config.expectedTensors().filter(\.isMatrix).map { $0.shape.reduce(4, *) }.max() ?? 0
    }

    @Test(arguments: EngineFixtures.configurations, WeightFormat.allCases)
    func theEstimateIsWhatLoadingHolds(name: String, format: WeightFormat) throws {
        let (tensors, config) = try source(name)
        let weights = try ChameleonWeights.load(from: tensors, config: config, path: name, format: format)
        let borrowed = Set(config.expectedTensors().filter(\.isMatrix).map(\.name).filter { _ in format == .bf16 })
            .filter { (try? tensors.storedBFloat16($0)) != nil }
        let estimate = config.heldWeightBytes(format: format, isBorrowed: borrowed.contains)
        #expect(estimate == heldBytes(weights) + (borrowed.count == config.expectedTensors().filter(\.isMatrix).count
                                                   ? 0 : largestFloat32Matrix(config)))
    }

    @Test func aModelTooLargeForMemoryIsRefusedBeforeLoading() throws {
        let (tensors, config) = try source("plain")
        let needed = config.heldWeightBytes(format: .f32)
        let justEnough = Int((Double(needed) / WeightMemory.usableShare).rounded(.up))
        _ = try ChameleonWeights.load(from: tensors, config: config, path: "plain", format: .f32, memoryBytes: justEnough)
        #expect(throws: WeightError.doesNotFit(path: "plain", format: .f32, neededBytes: needed, memoryBytes: justEnough - 2)) {
            try ChameleonWeights.load(from: tensors, config: config, path: "plain", format: .f32, memoryBytes: justEnough - 2)
        }
        // A smaller format needs less and loads in the same memory.
        let q4 = config.heldWeightBytes(format: .q4)
        #expect(q4 < needed)
        _ = try ChameleonWeights.load(from: tensors, config: config, path: "plain", format: .q4, memoryBytes: justEnough - 2)
    }

    @Test func bf16WeightsUsedInPlaceInTheFileNeedNoMemoryOfTheirOwn() throws {
        let (tensors, config) = try source("bf16")
        let copied = config.heldWeightBytes(format: .bf16)
        let mapped = config.heldWeightBytes(format: .bf16, isBorrowed: { _ in true })
        let memory = Int(Double(mapped + copied) / 2 / WeightMemory.usableShare)
        let weights = try ChameleonWeights.load(from: tensors, config: config, path: "bf16", format: .bf16, memoryBytes: memory)
        #expect(weights.layers.allSatisfy { $0.matrices.allSatisfy(\.isBorrowed) })
        #expect(throws: WeightError.self) {
            try ChameleonWeights.load(from: tensors, config: config, path: "bf16", format: .bf16, borrowStored: false,
                                      memoryBytes: memory)
        }
    }

    @Test func theRefusalSaysWhatItNeedsAndWhatToDoInOneLine() {
        let f32 = WeightError.doesNotFit(path: "models/chameleon-7b", format: .f32, neededBytes: 28_600_000_000,
                                         memoryBytes: 24_000_000_000).description
        #expect(f32 == "models/chameleon-7b: its weights need 28.6 GB as f32, more than 85% of this machine's 24.0 GB; "
                + "use --weights bf16, q8, q4")
        let q8 = WeightError.doesNotFit(path: "m", format: .q8, neededBytes: 9_000_000_000, memoryBytes: 8_000_000_000)
        #expect(q8.description.hasSuffix("use --weights q4"))
        let q4 = WeightError.doesNotFit(path: "m", format: .q4, neededBytes: 9_000_000_000, memoryBytes: 8_000_000_000)
        #expect(q4.description.hasSuffix("the model is too large for this machine"))
        #expect(!f32.contains("\n"))
    }

    /// The 7B shape's estimate against its known size: 6.7 billion projection and head weights,
    /// the 65,536 × 4,096 embedding table in float32, and the head once more as float32 while it
    /// is converted; the norms add under 10 MB.
    @Test func theSevenBillionShapeNeedsWhatItsParametersSay() {
        let config = ChameleonConfig(vocabSize: 65536, hiddenSize: 4096, intermediateSize: 11008, numHiddenLayers: 32,
                                     numAttentionHeads: 32)
        let matrices = 32 * (4 * 4096 * 4096 + 3 * 4096 * 11008) + 65536 * 4096
        let embedding = 65536 * 4096 * 4
        let norms = config.heldWeightBytes(format: .bf16) - (matrices * 2 + embedding + embedding)
        #expect(norms > 0 && norms < 10_000_000)
        #expect(Double(config.heldWeightBytes(format: .f32)) > 24e9 * WeightMemory.usableShare)
        #expect(Double(config.heldWeightBytes(format: .q4)) < 8e9)
    }
}
