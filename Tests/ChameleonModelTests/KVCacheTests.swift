import Testing
@testable import ChameleonModel

/// The cache's layout: what `store` writes at a position, `storage` gives back where attention
/// reads it (head after head, each head's positions contiguous), through every growth.
@Suite struct KVCacheTests {
    /// A value that names its layer, head and key or value, and varies with position and element;
    /// at most 8 significant bits, so bf16 holds it exactly.
    func tag(_ layer: Int, _ head: Int, _ position: Int, _ element: Int, value: Bool) -> Float {
        Float((layer * 3 + head) * 2 + (value ? 1 : 0)) + Float((position * 5 + element) % 16) / 16
    }

    @Test(arguments: [KVPrecision.f32, .bf16])
    func storedRowsReadBackPerHeadAfterGrowing(precision: KVPrecision) {
        let layers = 2, heads = 3, headDim = 4, positions = 70
        let cache = KVCache(layerCount: layers, kvHeads: heads, headDim: headDim, maxLength: 100, precision: precision,
                            initialCapacity: 2)
        for position in 0..<positions {
            cache.reserve(position + 1)  // grows 2 -> 4 -> 8 -> ... -> 128 (clamped to 100)
            for layer in 0..<layers {
                let key = (0..<heads * headDim).map { tag(layer, $0 / headDim, position, $0 % headDim, value: false) }
                let value = (0..<heads * headDim).map { tag(layer, $0 / headDim, position, $0 % headDim, value: true) }
                cache.store(layer: layer, position: position, key: key, value: value)
            }
            cache.length = position + 1
        }
        #expect(cache.capacity == 100)
        var mismatches = 0
        for layer in 0..<layers {
            let stored = cache.storage(layer: layer)
            for head in 0..<heads {
                for position in 0..<positions {
                    for element in 0..<headDim {
                        let index = head * stored.headStride + position * headDim + element
                        let (key, value): (Float, Float)
                        switch precision {
                        case .f32:
                            key = stored.keys.assumingMemoryBound(to: Float.self)[index]
                            value = stored.values.assumingMemoryBound(to: Float.self)[index]
                        case .bf16:
                            key = Float(bitPattern: UInt32(stored.keys.assumingMemoryBound(to: UInt16.self)[index]) << 16)
                            value = Float(bitPattern: UInt32(stored.values.assumingMemoryBound(to: UInt16.self)[index]) << 16)
                        }
                        if key != tag(layer, head, position, element, value: false)
                            || value != tag(layer, head, position, element, value: true) { mismatches += 1 }
                    }
                }
            }
        }
        #expect(mismatches == 0)
    }
}
