import Foundation
import TensorMath

// MARK: - Do the weights fit in memory?
//
// Memory is overcommitted on Linux: allocating more weights than the machine holds succeeds, and
// the process is killed minutes later while converting them. So the loader adds up what the
// weights will take before reading any of them and refuses, in one line, a model that cannot fit.

/// Whether a model's weights fit in this machine's memory.
public enum WeightMemory {
    /// The share of memory the weights may take; the rest is left to the caches, the
    /// activations, the image codec and the system.
    public static let usableShare = 0.85

    /// The memory this process may use: the machine's physical memory, or less where a control
    /// group (a container) limits it.
    public static var availableBytes: Int {
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        guard let limit = controlGroupLimit() else { return physical }
        return min(physical, limit)
    }

    /// Throws ``WeightError/doesNotFit(path:format:neededBytes:memoryBytes:)`` when `neededBytes`
    /// exceed the usable share of `memoryBytes`.
    public static func check(neededBytes: Int, format: WeightFormat, path: String,
                             memoryBytes: Int = availableBytes) throws {
        if Double(neededBytes) > Double(memoryBytes) * usableShare {
            throw WeightError.doesNotFit(path: path, format: format, neededBytes: neededBytes, memoryBytes: memoryBytes)
        }
    }

    /// The cgroup v2 `memory.max` of this process's group, when one is set.
    private static func controlGroupLimit() -> Int? {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
        #else
        return nil
        #endif
    }
}

extension ChameleonConfig {
    /// Bytes of memory the language model's weights take when loaded in `format`: the
    /// projections and the output head in that format, the input embedding table and the norms
    /// as float32, and one matrix as float32 while it is being converted. Matrices for which
    /// `isBorrowed` is true are used in place in a file mapping and take none.
    public func heldWeightBytes(format: WeightFormat, isBorrowed: (String) -> Bool = { _ in false }) -> Int {
        var total = 0, largestConverted = 0
        for tensor in expectedTensors() {
            let count = tensor.shape.reduce(1, *)
            guard tensor.isMatrix else { total += count * 4; continue }
            if isBorrowed(tensor.name) { continue }
            total += format.byteCount(outDim: tensor.shape[0], inDim: tensor.shape[1])
            largestConverted = max(largestConverted, count * 4)
        }
        if tieWordEmbeddings { total += format.byteCount(outDim: vocabSize, inDim: hiddenSize) }
        return total + largestConverted
    }
}
