/// A float32 tensor the model owns, in one contiguous, row-major allocation whose address never
/// changes, so kernels can take its pointer without copying.
///
/// Immutable once built: the loader fills it, then only reads happen. That is why the type can
/// be `@unchecked Sendable`: nothing writes to `pointer` after `init` returns.
public final class FloatTensor: @unchecked Sendable {
    /// Shape, outermost first (a `Linear` weight is (out, in)).
    public let shape: [Int]
    /// Number of elements.
    public let count: Int
    /// The elements. Read-only by contract after initialisation.
    public let pointer: UnsafeMutablePointer<Float>

    /// Copies `values` into a new tensor of `shape`. Precondition: the counts agree.
    public init(shape: [Int], values: [Float]) {
        let count = shape.reduce(1, *)
        precondition(values.count == count, "FloatTensor: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.count = count
        pointer = .allocate(capacity: max(1, count))
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: count) }
        }
    }

    /// A tensor filled by `fill`, which receives the uninitialised buffer.
    public init(shape: [Int], fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let count = shape.reduce(1, *)
        self.shape = shape
        self.count = count
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
        fill(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    deinit { pointer.deallocate() }

    /// Read-only pointer for kernels.
    @inline(__always) public var data: UnsafePointer<Float> { UnsafePointer(pointer) }

    /// Bytes held.
    public var byteCount: Int { count * MemoryLayout<Float>.size }
}

/// Where the loader reads tensors from: a checkpoint directory, or an in-memory set built by a
/// benchmark or a test.
public protocol TensorSource {
    /// Every tensor name the source holds.
    var tensorNames: [String] { get }
    /// The shape of `name`, or nil if the source has no such tensor.
    func shape(of name: String) -> [Int]?
    /// The tensor's elements converted to float32, row-major.
    func floats(_ name: String) throws -> [Float]
    /// The tensor's bf16 bit patterns where they are stored (a memory-mapped file), with the object
    /// that keeps that storage valid; nil when the tensor is not stored as 2-byte-aligned BF16 or
    /// the source has no storage to lend. Lets bf16 weights load without a copy.
    func storedBFloat16(_ name: String) throws -> (bits: UnsafeRawPointer, owner: AnyObject)?
}

extension TensorSource {
    public func storedBFloat16(_ name: String) throws -> (bits: UnsafeRawPointer, owner: AnyObject)? { nil }
}
