import TensorMath

// MARK: - Random-weight models for benchmarks

extension ChameleonWeights {
    /// Weights of the Chameleon layout for `config`, drawn at random (uniform, standard deviation
    /// 0.02; norms 1, biases 0) and converted to `format` one tensor at a time, so shapes too big
    /// for float32 in memory still build. Deterministic for a seed. For speed measurements only.
    /// - Throws: ``WeightError/doesNotFit(path:format:neededBytes:memoryBytes:)`` when the weights
    ///   would not fit in memory in `format`; `path` names the model in that error.
    public static func random(config: ChameleonConfig, format: WeightFormat, seed: UInt64 = 1,
                              path: String = "random weights") throws -> ChameleonWeights {
        do {
            return try load(from: RandomTensorSource(config: config, seed: seed), config: config, path: path, format: format)
        } catch let error as WeightError {
            if case .doesNotFit = error { throw error }
            preconditionFailure("RandomTensorSource does not match its own config: \(error)")
        }
    }

    /// Number of parameters held (a tied output head counted once).
    public var parameterCount: Int {
        var total = embedTokens.count + norm.count
        if !tiedHead { total += lmHead.outDim * lmHead.inDim }
        for layer in layers {
            total += layer.matrices.reduce(0) { $0 + $1.outDim * $1.inDim } + layer.vectors.reduce(0) { $0 + $1.count }
        }
        return total
    }
}

/// Every tensor a configuration needs, filled from a seeded generator.
struct RandomTensorSource: TensorSource {
    let config: ChameleonConfig
    let seed: UInt64
    private let shapes: [String: [Int]]
    let tensorNames: [String]

    init(config: ChameleonConfig, seed: UInt64) {
        self.config = config
        self.seed = seed
        let expected = config.expectedTensors()
        tensorNames = expected.map(\.name)
        shapes = Dictionary(uniqueKeysWithValues: expected.map { ($0.name, $0.shape) })
    }

    func shape(of name: String) -> [Int]? { shapes[name] }

    func floats(_ name: String) throws -> [Float] {
        let count = (shapes[name] ?? []).reduce(1, *)
        if name.hasSuffix(".bias") { return [Float](repeating: 0, count: count) }
        if name.contains("norm") { return [Float](repeating: 1, count: count) }
        // Uniform on [-a, a] with a = 0.02·√3 (standard deviation 0.02), from xorshift64*.
        var state = seed &+ UInt64(truncatingIfNeeded: name.hashValueStable) | 1
        let scale = Float(0.02 * 3.0.squareRoot()) / Float(1 << 23)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                state ^= state >> 12
                state ^= state << 25
                state ^= state >> 27
                let bits = (state &* 2_685_821_657_736_338_717) >> 40  // 24 random bits
                buffer[i] = (Float(bits) - Float(1 << 23)) * scale
            }
            initialized = count
        }
    }
}

private extension String {
    /// FNV-1a of the UTF-8 bytes: stable across runs, unlike `hashValue`.
    var hashValueStable: UInt64 {
        utf8.reduce(14_695_981_039_346_656_037) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
    }
}
