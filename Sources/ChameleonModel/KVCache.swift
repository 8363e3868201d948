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
/// Layout per layer: (position, kvHead, headDim), row-major, in `precision`. Storage grows
/// geometrically up to `maxLength`, so short chats do not pay for a model's whole context. One
/// cache is one sequence: guidance rows each get their own, since their positions start at 0
/// independently.
public final class KVCache {
    /// Layers in the model.
    public let layerCount: Int
    /// Elements per position per layer: key/value heads × head dimension.
    public let kvDim: Int
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
    public init(layerCount: Int, kvDim: Int, maxLength: Int, precision: KVPrecision = .f32, initialCapacity: Int = 256) {
        self.layerCount = layerCount
        self.kvDim = kvDim
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
        let rowBytes = kvDim * precision.elementBytes, alignment = 64
        for l in 0..<layerCount {
            let k = UnsafeMutableRawPointer.allocate(byteCount: newCapacity * rowBytes, alignment: alignment)
            let v = UnsafeMutableRawPointer.allocate(byteCount: newCapacity * rowBytes, alignment: alignment)
            if l < keys.count {
                k.copyMemory(from: keys[l], byteCount: length * rowBytes)
                v.copyMemory(from: values[l], byteCount: length * rowBytes)
                keys[l].deallocate()
                values[l].deallocate()
                keys[l] = k
                values[l] = v
            } else {
                keys.append(k)
                values.append(v)
            }
        }
        capacity = newCapacity
    }

    /// Forgets every position from `newLength` on (rewinding a conversation, regenerating).
    public func truncate(to newLength: Int) {
        precondition(newLength >= 0 && newLength <= length, "KVCache: cannot truncate \(length) to \(newLength)")
        length = newLength
    }

    /// Stores layer `layer`'s key and value rows (`kvDim` floats each) at `position`, in this
    /// cache's precision. The position must be reserved.
    @inline(__always) func store(layer: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        let offset = position * kvDim
        switch precision {
        case .f32:
            (keys[layer].assumingMemoryBound(to: Float.self) + offset).update(from: key, count: kvDim)
            (values[layer].assumingMemoryBound(to: Float.self) + offset).update(from: value, count: kvDim)
        case .bf16:
            ok_f32_to_bf16(key, keys[layer].assumingMemoryBound(to: UInt16.self) + offset, Int64(kvDim))
            ok_f32_to_bf16(value, values[layer].assumingMemoryBound(to: UInt16.self) + offset, Int64(kvDim))
        }
    }

    /// Layer `layer`'s keys and values from position 0, as stored (elements of `precision`).
    @inline(__always) func storage(layer: Int) -> (keys: UnsafeRawPointer, values: UnsafeRawPointer) {
        (UnsafeRawPointer(keys[layer]), UnsafeRawPointer(values[layer]))
    }

    /// Bytes allocated now.
    public var byteCount: Int { 2 * layerCount * capacity * kvDim * precision.elementBytes }
}
