/// The element types a safetensors file can declare, by their header spelling.
///
/// Safetensors also defines unsigned 16/32/64-bit and 8-bit float types; a file using them is
/// refused with ``SafeTensorsError/unsupportedDType(file:tensor:dtype:)`` because nothing in this
/// project stores them.
public enum DType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool: 1
        }
    }

    /// True for the types ``SafeTensorsFile/floats(_:)`` converts (F64, F32, F16, BF16).
    public var isFloatingPoint: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16: true
        case .i64, .i32, .i16, .i8, .u8, .bool: false
        }
    }
}
