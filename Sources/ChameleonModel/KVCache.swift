import CKernels

/// How a KV cache stores its keys and values.
public enum KVPrecision: Sendable {
    /// Float32, exactly as computed (what the float32 reference keeps).
    case f32
    /// bfloat16, rounded to nearest even: half the bytes, which a guided picture reads for three
    /// sequences at every step (transformers keeps a bf16 model's cache in bf16 too).
    case bf16

    /// Bytes per stored element.
    public var elementBytes: Int { self == .f32 ? 4 : 2 }
}

/// The keys (after QK-norm and RoPE) and values of one token sequence, for every layer.
///
/// Layout per layer: (kvHead, position, headDim), row-major, in `precision`: one head's keys
/// for consecutive positions are contiguous, so an attention row reads each head's keys and
/// values as one stream. (Position-major rows, with every head of a position together, made a
/// row read a 128-byte piece of every 512-byte row on the built-in model, a pattern the hardware
/// prefetcher hardly follows: about 2 GB/s.) Storage grows geometrically up to `maxLength`, so
/// short chats do not pay for a model's whole context. One cache is one sequence: guidance rows
/// each get their own, since their positions start at 0 independently.
public final class KVCache {
    /// Layers in the model.
    public let layerCount: Int
    /// Key/value heads per layer.
    public let kvHeads: Int
    /// Elements of one head's key or value.
    public let headDim: Int
    /// Elements per position per layer: key/value heads × head dimension.
    public var kvDim: Int { kvHeads * headDim }
    /// Most positions this cache will ever hold (the model's context length).
    public let maxLength: Int
    /// How keys and values are stored.
    public let precision: KVPrecision
    /// Positions stored so far; the next token goes to position `length`.
    public internal(set) var length = 0
    private(set) var capacity = 0
    private var keys: [UnsafeMutableRawPointer] = []
    private var values: [UnsafeMutableRawPointer] = []

    /// - Parameters:
    ///   - initialCapacity: positions to allocate up front (clamped to `maxLength`).
    public init(layerCount: Int, kvHeads: Int, headDim: Int, maxLength: Int, precision: KVPrecision = .f32,
                initialCapacity: Int = 256) {
        self.layerCount = layerCount
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.maxLength = maxLength
        self.precision = precision
        grow(to: min(maxLength, max(1, initialCapacity)))
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// Makes room for `count` positions (at most `maxLength`).
    func reserve(_ count: Int) {
        precondition(count <= maxLength, "KVCache: \(count) positions exceed the context of \(maxLength)")
        if count > capacity { grow(to: min(maxLength, max(count, capacity * 2))) }
    }

    private func grow(to newCapacity: Int) {
        let headRowBytes = headDim * precision.elementBytes, alignment = 64
        let bytes = kvHeads * newCapacity * headRowBytes
        /// A new block holding the first `length` positions of every head of `old`.
        func moved(_ old: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer {
            let block = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: alignment)
            if let old {
                for head in 0..<kvHeads {
                    (block + head * newCapacity * headRowBytes)
                        .copyMemory(from: old + head * capacity * headRowBytes, byteCount: length * headRowBytes)
                }
                old.deallocate()
            }
            return block
        }
        for l in 0..<layerCount {
            if l < keys.count {
                keys[l] = moved(keys[l])
                values[l] = moved(values[l])
            } else {
                keys.append(moved(nil))
                values.append(moved(nil))
            }
        }
        capacity = newCapacity
    }

    /// Forgets every position from `newLength` on (rewinding a conversation, regenerating).
    public func truncate(to newLength: Int) {
        precondition(newLength >= 0 && newLength <= length, "KVCache: cannot truncate \(length) to \(newLength)")
        length = newLength
    }

    /// Stores layer `layer`'s key and value rows (`kvDim` floats each, head after head) at
    /// `position`, in this cache's precision. The position must be reserved.
    @inline(__always) func store(layer: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        for head in 0..<kvHeads {
            let offset = (head * capacity + position) * headDim, source = head * headDim
            switch precision {
            case .f32:
                (keys[layer].assumingMemoryBound(to: Float.self) + offset).update(from: key + source, count: headDim)
                (values[layer].assumingMemoryBound(to: Float.self) + offset).update(from: value + source, count: headDim)
            case .bf16:
                ok_f32_to_bf16(key + source, keys[layer].assumingMemoryBound(to: UInt16.self) + offset, Int64(headDim))
                ok_f32_to_bf16(value + source, values[layer].assumingMemoryBound(to: UInt16.self) + offset, Int64(headDim))
            }
        }
    }

    /// Layer `layer`'s keys and values as stored (elements of `precision`): head `h`'s key for
    /// position `p` starts `h * headStride + p * headDim` elements in.
    @inline(__always) func storage(layer: Int) -> (keys: UnsafeRawPointer, values: UnsafeRawPointer, headStride: Int) {
        (UnsafeRawPointer(keys[layer]), UnsafeRawPointer(values[layer]), capacity * headDim)
    }

    /// Bytes allocated now.
    public var byteCount: Int { 2 * layerCount * capacity * kvDim * precision.elementBytes }
}
