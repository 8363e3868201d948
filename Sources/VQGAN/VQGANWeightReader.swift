import SafeTensors

// MARK: - Reading model.vqmodel.* tensors with their shapes checked
//
// The encoder and decoder builders ask for each tensor by its checkpoint name and the shape the
// configuration implies; the reader checks presence and shape, converts to float32 once, and
// remembers what was used so that left-over tensors under a half's names can be reported.

/// Prefix of the image tokenizer's tensors in a Chameleon checkpoint.
public let vqModelPrefix = "model.vqmodel."

/// Reads VQGAN tensors from a checkpoint, by name relative to ``vqModelPrefix``.
struct VQGANWeightReader {
    let checkpoint: SafeTensorsCheckpoint
    /// How errors name the checkpoint (its directory).
    let path: String
    private(set) var used: Set<String> = []
    /// FNV-1a over the name, shape and float32 bit patterns of every tensor read, in order: a
    /// fingerprint of the weights for caches derived from them.
    private(set) var fingerprint: UInt64 = 0xcbf2_9ce4_8422_2325

    init(checkpoint: SafeTensorsCheckpoint, path: String) {
        self.checkpoint = checkpoint
        self.path = path
    }

    /// Whether any tensor's name (relative to the prefix) starts with one of `prefixes`.
    func hasTensors(under prefixes: [String]) -> Bool {
        checkpoint.tensorNames.contains { name in prefixes.contains { name.hasPrefix(vqModelPrefix + $0) } }
    }

    /// The first tensor under `prefixes` that no builder asked for, in checkpoint order.
    func unusedTensor(under prefixes: [String]) -> String? {
        checkpoint.tensorNames.first { name in
            !used.contains(name) && prefixes.contains { name.hasPrefix(vqModelPrefix + $0) }
        }
    }

    /// The tensor `vqModelPrefix + name` as float32, after checking it has `shape`.
    mutating func tensor(_ name: String, shape: [Int]) throws(VQGANError) -> [Float] {
        let full = vqModelPrefix + name
        guard let found = checkpoint.shape(of: full) else { throw .missingTensor(path: path, name: full) }
        guard found == shape else { throw .wrongShape(path: path, name: full, expected: shape, found: found) }
        used.insert(full)
        let values: [Float]
        do {
            values = try checkpoint.floats(full)
        } catch {
            throw .unreadable(path: path, name: full, reason: error.description)
        }
        var hash = fingerprint
        func mix(_ word: UInt32) { hash = (hash ^ UInt64(word)) &* 0x0000_0100_0000_01b3 }
        for byte in full.utf8 { mix(UInt32(byte)) }
        for dimension in shape { mix(UInt32(truncatingIfNeeded: dimension)) }
        for value in values { mix(value.bitPattern) }
        fingerprint = hash
        return values
    }

    /// `name.weight` (out, in, k, k) and `name.bias` (out).
    mutating func convolution(_ name: String, in inChannels: Int, out outChannels: Int, kernel: Int) throws(VQGANError) -> Convolution {
        Convolution(
            inChannels: inChannels, outChannels: outChannels, kernel: kernel,
            weight: try tensor(name + ".weight", shape: [outChannels, inChannels, kernel, kernel]),
            bias: try tensor(name + ".bias", shape: [outChannels]))
    }

    /// `name.weight` and `name.bias`, both (channels); channels must split into 32 groups.
    mutating func groupNorm(_ name: String, channels: Int) throws(VQGANError) -> GroupNormalization {
        guard channels % normGroups == 0 else {
            throw .unsupportedConfig(path: path, reason: "\(vqModelPrefix + name) normalises \(channels) channels, not a multiple of GroupNorm's \(normGroups) groups")
        }
        return GroupNormalization(
            channels: channels,
            weight: try tensor(name + ".weight", shape: [channels]),
            bias: try tensor(name + ".bias", shape: [channels]))
    }

    /// A `ResnetBlock` from `inChannels` to `outChannels` (with `nin_shortcut` when they differ).
    mutating func residualBlock(_ name: String, in inChannels: Int, out outChannels: Int) throws(VQGANError) -> ResidualBlock {
        ResidualBlock(
            norm1: try groupNorm(name + ".norm1", channels: inChannels),
            conv1: try convolution(name + ".conv1", in: inChannels, out: outChannels, kernel: 3),
            norm2: try groupNorm(name + ".norm2", channels: outChannels),
            conv2: try convolution(name + ".conv2", in: outChannels, out: outChannels, kernel: 3),
            shortcut: inChannels == outChannels
                ? nil : try convolution(name + ".nin_shortcut", in: inChannels, out: outChannels, kernel: 1))
    }

    /// An `AttnBlock` over `channels`.
    mutating func attentionBlock(_ name: String, channels: Int) throws(VQGANError) -> AttentionBlock {
        AttentionBlock(
            norm: try groupNorm(name + ".norm", channels: channels),
            q: try convolution(name + ".q", in: channels, out: channels, kernel: 1),
            k: try convolution(name + ".k", in: channels, out: channels, kernel: 1),
            v: try convolution(name + ".v", in: channels, out: channels, kernel: 1),
            projOut: try convolution(name + ".proj_out", in: channels, out: channels, kernel: 1))
    }
}
