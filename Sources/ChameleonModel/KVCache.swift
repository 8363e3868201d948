/// The keys (after QK-norm and RoPE) and values of one token sequence, for every layer.
///
/// Layout per layer: (position, kvHead, headDim), row-major. Storage grows geometrically up to
/// `maxLength`, so short chats do not pay for a model's whole context. One cache is one
/// sequence: guidance rows each get their own, since their positions start at 0 independently.
public final class KVCache {
    /// Layers in the model.
    public let layerCount: Int
    /// Floats per position per layer: key/value heads × head dimension.
    public let kvDim: Int
    /// Most positions this cache will ever hold (the model's context length).
    public let maxLength: Int
    /// Positions stored so far; the next token goes to position `length`.
    public internal(set) var length = 0
    private(set) var capacity = 0
    private(set) var keys: [UnsafeMutablePointer<Float>] = []
    private(set) var values: [UnsafeMutablePointer<Float>] = []

    /// - Parameters:
    ///   - initialCapacity: positions to allocate up front (clamped to `maxLength`).
    public init(layerCount: Int, kvDim: Int, maxLength: Int, initialCapacity: Int = 256) {
        self.layerCount = layerCount
        self.kvDim = kvDim
        self.maxLength = maxLength
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
        for l in 0..<layerCount {
            let k = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity * kvDim)
            let v = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity * kvDim)
            if l < keys.count {
                k.update(from: keys[l], count: length * kvDim)
                v.update(from: values[l], count: length * kvDim)
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

    /// Pointer to layer `layer`'s key row at `position`.
    @inline(__always) func keyRow(layer: Int, position: Int) -> UnsafeMutablePointer<Float> {
        keys[layer] + position * kvDim
    }

    /// Pointer to layer `layer`'s value row at `position`.
    @inline(__always) func valueRow(layer: Int, position: Int) -> UnsafeMutablePointer<Float> {
        values[layer] + position * kvDim
    }

    /// Bytes allocated now.
    public var byteCount: Int { 2 * layerCount * capacity * kvDim * MemoryLayout<Float>.size }
}
