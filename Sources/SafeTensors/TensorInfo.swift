/// Where one tensor lives in a safetensors file and how to read it, as validated from the header.
///
/// ```swift
/// let info = file.info("model.embed_tokens.weight")!   // dtype .bf16, shape [65536, 4096]
/// print(info.elementCount, info.byteRange)
/// ```
public struct TensorInfo: Sendable, Equatable, Hashable {
    /// The tensor's key in the header.
    public let name: String
    public let dtype: DType
    /// Dimensions, outermost first (row-major). `[]` is a scalar holding one element.
    public let shape: [Int]
    /// The tensor's bytes, relative to the start of the data region (the `data_offsets` field).
    /// Validation guarantees `byteRange.count == dtype.byteSize * elementCount`.
    public let byteRange: Range<Int>

    /// The product of ``shape`` (1 for a scalar, 0 when any dimension is 0).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Bytes the tensor occupies.
    public var byteCount: Int { byteRange.count }

    /// Only the header parser makes these, after checking that the sizes fit (so `elementCount`
    /// cannot overflow).
    init(name: String, dtype: DType, shape: [Int], byteRange: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.byteRange = byteRange
    }
}
