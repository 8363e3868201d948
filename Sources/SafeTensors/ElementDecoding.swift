/// Converts a tensor's little-endian bytes into Swift arrays. The source may be unaligned (see
/// ``SafeTensorsFile/withRawBytes(_:_:)``), so every read is `loadUnaligned`.
enum ElementDecoding {
    /// Elements of a floating-point tensor as Float. `bytes.count` is a multiple of the dtype size.
    static func floats(from bytes: UnsafeRawBufferPointer, dtype: DType) -> [Float] {
        let count = bytes.count / dtype.byteSize
        return [Float](unsafeUninitializedCapacity: count) { output, initialized in
            decodeFloats(from: bytes, dtype: dtype, into: output)
            initialized = count
        }
    }

    /// Converts the elements of a floating-point tensor into `output`, which holds exactly
    /// `bytes.count / dtype.byteSize` elements.
    static func decodeFloats(from bytes: UnsafeRawBufferPointer, dtype: DType, into output: UnsafeMutableBufferPointer<Float>) {
        let count = bytes.count / dtype.byteSize
        precondition(output.count == count, "decodeFloats: destination holds \(output.count) floats, source \(count)")
        switch dtype {
        case .f32:
            #if _endian(little)
            UnsafeMutableRawBufferPointer(output).copyMemory(from: bytes)
            #else
            for i in 0..<count { output[i] = Float(bitPattern: load(UInt32.self, bytes, i)) }
            #endif
        case .f16:
            for i in 0..<count { output[i] = HalfPrecision.float(fromHalfBits: load(UInt16.self, bytes, i)) }
        case .bf16:
            for i in 0..<count { output[i] = HalfPrecision.float(fromBFloat16Bits: load(UInt16.self, bytes, i)) }
        case .f64:
            for i in 0..<count { output[i] = Float(Double(bitPattern: load(UInt64.self, bytes, i))) }
        case .i64, .i32, .i16, .i8, .u8, .bool:
            preconditionFailure("decodeFloats called for \(dtype); callers check isFloatingPoint")
        }
    }

    /// Elements of an integer or bool tensor as Int64.
    static func integers(from bytes: UnsafeRawBufferPointer, dtype: DType) -> [Int64] {
        let count = bytes.count / dtype.byteSize
        return [Int64](unsafeUninitializedCapacity: count) { output, initialized in
            switch dtype {
            case .i64: for i in 0..<count { output[i] = Int64(bitPattern: load(UInt64.self, bytes, i)) }
            case .i32: for i in 0..<count { output[i] = Int64(Int32(bitPattern: load(UInt32.self, bytes, i))) }
            case .i16: for i in 0..<count { output[i] = Int64(Int16(bitPattern: load(UInt16.self, bytes, i))) }
            case .i8: for i in 0..<count { output[i] = Int64(Int8(bitPattern: bytes[i])) }
            case .u8, .bool: for i in 0..<count { output[i] = Int64(bytes[i]) }
            case .f64, .f32, .f16, .bf16:
                preconditionFailure("integers(from:) called for \(dtype); callers check isFloatingPoint")
            }
            initialized = count
        }
    }

    /// Element `index` of a little-endian array of `T`, read without assuming alignment.
    @inline(__always)
    private static func load<T: FixedWidthInteger>(_: T.Type, _ bytes: UnsafeRawBufferPointer, _ index: Int) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self))
    }
}
