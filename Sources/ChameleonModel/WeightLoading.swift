import TensorMath

// MARK: - From checkpoint names to weight fields
//
// One table says which tensors a configuration needs, under which Hugging Face name and with
// which shape. The loader checks the whole checkpoint against it before reading any data, so a
// bad file fails fast with every problem named, then converts each tensor to float32 once.

/// Why a checkpoint's tensors do not fit its configuration.
public enum WeightError: Error, CustomStringConvertible, Sendable, Equatable {
    case missing(path: String, names: [String])
    case unexpected(path: String, names: [String])
    case wrongShape(path: String, name: String, expected: [Int], found: [Int])
    case unreadable(path: String, name: String, reason: String)
    /// The weights would take more memory than the machine has (``WeightMemory``).
    case doesNotFit(path: String, format: WeightFormat, neededBytes: Int, memoryBytes: Int)

    public var description: String {
        func list(_ names: [String]) -> String {
            let shown = names.prefix(5).joined(separator: ", ")
            return names.count > 5 ? "\(shown) and \(names.count - 5) more" : shown
        }
        switch self {
        case .missing(let path, let names):
            return "\(path): missing tensor\(names.count == 1 ? "" : "s") \(list(names))"
        case .unexpected(let path, let names):
            return "\(path): unexpected tensor\(names.count == 1 ? "" : "s") \(list(names))"
        case .wrongShape(let path, let name, let expected, let found):
            return "\(path): tensor \(name) has shape \(found), the config needs \(expected)"
        case .unreadable(let path, let name, let reason):
            return "\(path): cannot read tensor \(name): \(reason)"
        case .doesNotFit(let path, let format, let needed, let memory):
            let smaller = WeightFormat.allCases.drop(while: { $0 != format }).dropFirst().map(\.rawValue)
            let advice = smaller.isEmpty ? "the model is too large for this machine"
                : "use --weights \(smaller.joined(separator: ", "))"
            return String(format: "%@: its weights need %.1f GB as %@, more than %.0f%% of this machine's %.1f GB; %@",
                          path, Double(needed) / 1e9, format.rawValue, WeightMemory.usableShare * 100,
                          Double(memory) / 1e9, advice)
        }
    }
}

/// A tensor the configuration calls for.
struct ExpectedTensor {
    let name: String
    let shape: [Int]

    /// Whether the tensor is a weight matrix held in the chosen ``WeightFormat`` (a projection or
    /// the output head); every other tensor is held as float32.
    var isMatrix: Bool { name.hasSuffix("_proj.weight") || name == "lm_head.weight" }
}

/// Prefix of the VQ image tokenizer's tensors, which the language model ignores.
let vqModelPrefix = "model.vqmodel."

extension ChameleonConfig {
    /// Every language-model tensor this configuration needs, with its shape.
    func expectedTensors() -> [ExpectedTensor] {
        let d = hiddenSize, h = numAttentionHeads, kv = numKeyValueHeads, hd = headDim
        let f = intermediateSize
        var list = [ExpectedTensor(name: "model.embed_tokens.weight", shape: [vocabSize, d])]
        for l in 0..<numHiddenLayers {
            let p = "model.layers.\(l)."
            list += [
                .init(name: p + "self_attn.q_proj.weight", shape: [h * hd, d]),
                .init(name: p + "self_attn.k_proj.weight", shape: [kv * hd, d]),
                .init(name: p + "self_attn.v_proj.weight", shape: [kv * hd, d]),
                .init(name: p + "self_attn.o_proj.weight", shape: [d, h * hd]),
                .init(name: p + "self_attn.q_norm.weight", shape: [h, hd]),
                .init(name: p + "self_attn.q_norm.bias", shape: [h, hd]),
                .init(name: p + "self_attn.k_norm.weight", shape: [kv, hd]),
                .init(name: p + "self_attn.k_norm.bias", shape: [kv, hd]),
                .init(name: p + "mlp.gate_proj.weight", shape: [f, d]),
                .init(name: p + "mlp.up_proj.weight", shape: [f, d]),
                .init(name: p + "mlp.down_proj.weight", shape: [d, f]),
                .init(name: p + "input_layernorm.weight", shape: [d]),
                .init(name: p + "post_attention_layernorm.weight", shape: [d]),
            ]
            if attentionBias {
                list += [
                    .init(name: p + "self_attn.q_proj.bias", shape: [h * hd]),
                    .init(name: p + "self_attn.k_proj.bias", shape: [kv * hd]),
                    .init(name: p + "self_attn.v_proj.bias", shape: [kv * hd]),
                    .init(name: p + "self_attn.o_proj.bias", shape: [d]),
                ]
            }
            if mlpBias {
                list += [
                    .init(name: p + "mlp.gate_proj.bias", shape: [f]),
                    .init(name: p + "mlp.up_proj.bias", shape: [f]),
                    .init(name: p + "mlp.down_proj.bias", shape: [d]),
                ]
            }
        }
        list.append(.init(name: "model.norm.weight", shape: [d]))
        if !tieWordEmbeddings {
            list.append(.init(name: "lm_head.weight", shape: [vocabSize, d]))
        }
        return list
    }
}

extension ChameleonWeights {
    /// Checks `source` against `config` and loads every language-model tensor: the projections
    /// and the output head converted to `format` one tensor at a time (so a model whose float32
    /// form would not fit in memory still loads as bf16, q8 or q4), everything else as float32.
    /// BF16-stored projections asked for as bf16 are not copied at all: they are used in place in
    /// the file's memory mapping (unless `borrowStored` is false), so a bf16 checkpoint loads in
    /// the time its header takes to read and its pages come in as the first tokens use them.
    ///
    /// Tensors under `model.vqmodel.` belong to the image codec and are left alone. A tied
    /// checkpoint may still carry `lm_head.weight`; it is then ignored, as the reference does.
    ///
    /// Before any tensor is read, the memory the weights will take is checked against
    /// `memoryBytes` (``WeightMemory``), so a model too large for the format fails at once.
    /// - Parameter path: how errors name the checkpoint (usually its directory).
    /// - Parameter progress: called with (parts loaded, parts in all) after each layer and after
    ///   the embeddings and head, so a caller can show how far a slow conversion (q4 of a 7B
    ///   model: about a minute) has got.
    public static func load(from source: any TensorSource, config: ChameleonConfig, path: String,
                            format: WeightFormat = .f32, borrowStored: Bool = true,
                            memoryBytes: Int = WeightMemory.availableBytes,
                            progress: ((_ loaded: Int, _ total: Int) -> Void)? = nil) throws -> ChameleonWeights {
        let expected = config.expectedTensors()
        let expectedNames = Set(expected.map(\.name))
        let present = Set(source.tensorNames)

        let missing = expected.map(\.name).filter { !present.contains($0) }
        if !missing.isEmpty { throw WeightError.missing(path: path, names: missing) }
        let tolerated: Set<String> = config.tieWordEmbeddings ? ["lm_head.weight"] : []
        let extra = source.tensorNames
            .filter { !expectedNames.contains($0) && !$0.hasPrefix(vqModelPrefix) && !tolerated.contains($0) }
            .sorted()
        if !extra.isEmpty { throw WeightError.unexpected(path: path, names: extra) }
        for tensor in expected {
            let found = source.shape(of: tensor.name) ?? []
            if found != tensor.shape {
                throw WeightError.wrongShape(path: path, name: tensor.name, expected: tensor.shape, found: found)
            }
        }

        // BF16-stored matrices asked for as bf16: their storage, lent for use in place.
        var lent: [String: (bits: UnsafeRawPointer, owner: AnyObject)] = [:]
        if format == .bf16, borrowStored {
            for tensor in expected where tensor.isMatrix {
                do {
                    lent[tensor.name] = try source.storedBFloat16(tensor.name)
                } catch {
                    throw WeightError.unreadable(path: path, name: tensor.name, reason: "\(error)")
                }
            }
        }
        try WeightMemory.check(neededBytes: config.heldWeightBytes(format: format, isBorrowed: { lent[$0] != nil }),
                               format: format, path: path, memoryBytes: memoryBytes)

        let shapes = Dictionary(uniqueKeysWithValues: expected.map { ($0.name, $0.shape) })
        func tensor(_ name: String) throws -> FloatTensor {
            guard let shape = shapes[name] else {
                preconditionFailure("WeightLoading: \(name) is not in the expected table")
            }
            do {
                return FloatTensor(shape: shape, values: try source.floats(name))
            } catch {
                throw WeightError.unreadable(path: path, name: name, reason: "\(error)")
            }
        }
        func optional(_ name: String) throws -> FloatTensor? {
            shapes[name] == nil ? nil : try tensor(name)
        }
        func matrix(_ name: String) throws -> WeightMatrix {
            guard let shape = shapes[name], shape.count == 2 else {
                preconditionFailure("WeightLoading: \(name) is not a matrix in the expected table")
            }
            if let stored = lent[name] {
                return WeightMatrix(borrowingBFloat16: stored.bits, outDim: shape[0], inDim: shape[1], owner: stored.owner)
            }
            do {
                // BF16 storage converts straight from the file, with no float32 copy of the matrix.
                if let stored = try source.storedBFloat16(name) {
                    return withExtendedLifetime(stored.owner) {
                        WeightMatrix(convertingBFloat16: stored.bits, outDim: shape[0], inDim: shape[1], format: format)
                    }
                }
                return WeightMatrix(values: try source.floats(name), outDim: shape[0], inDim: shape[1], format: format)
            } catch {
                throw WeightError.unreadable(path: path, name: name, reason: "\(error)")
            }
        }

        var layers: [ChameleonLayerWeights] = []
        layers.reserveCapacity(config.numHiddenLayers)
        for l in 0..<config.numHiddenLayers {
            let p = "model.layers.\(l)."
            layers.append(ChameleonLayerWeights(
                qProj: try matrix(p + "self_attn.q_proj.weight"),
                kProj: try matrix(p + "self_attn.k_proj.weight"),
                vProj: try matrix(p + "self_attn.v_proj.weight"),
                oProj: try matrix(p + "self_attn.o_proj.weight"),
                qProjBias: try optional(p + "self_attn.q_proj.bias"),
                kProjBias: try optional(p + "self_attn.k_proj.bias"),
                vProjBias: try optional(p + "self_attn.v_proj.bias"),
                oProjBias: try optional(p + "self_attn.o_proj.bias"),
                qNormWeight: try tensor(p + "self_attn.q_norm.weight"),
                qNormBias: try tensor(p + "self_attn.q_norm.bias"),
                kNormWeight: try tensor(p + "self_attn.k_norm.weight"),
                kNormBias: try tensor(p + "self_attn.k_norm.bias"),
                gateProj: try matrix(p + "mlp.gate_proj.weight"),
                upProj: try matrix(p + "mlp.up_proj.weight"),
                downProj: try matrix(p + "mlp.down_proj.weight"),
                gateProjBias: try optional(p + "mlp.gate_proj.bias"),
                upProjBias: try optional(p + "mlp.up_proj.bias"),
                downProjBias: try optional(p + "mlp.down_proj.bias"),
                inputLayerNorm: try tensor(p + "input_layernorm.weight"),
                postAttentionLayerNorm: try tensor(p + "post_attention_layernorm.weight")
            ))
            progress?(l + 1, config.numHiddenLayers + 1)
        }
        let embed = try tensor("model.embed_tokens.weight")
        let head = config.tieWordEmbeddings
            ? WeightMatrix(values: embed.data, outDim: config.vocabSize, inDim: config.hiddenSize, format: format)
            : try matrix("lm_head.weight")
        let weights = ChameleonWeights(embedTokens: embed, layers: layers, norm: try tensor("model.norm.weight"),
                                       lmHead: head, tiedHead: config.tieWordEmbeddings, format: format)
        progress?(config.numHiddenLayers + 1, config.numHiddenLayers + 1)
        return weights
    }
}
