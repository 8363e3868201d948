import Foundation
import Testing
@testable import SafeTensors

/// What the writer stores reads back identically, and what it refuses it refuses with a typed error.
@Suite struct WriterTests {
    private func roundTrip(_ writer: SafeTensorsWriter) throws -> SafeTensorsFile {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("written.safetensors")
        try writer.write(to: url)
        return try SafeTensorsFile(contentsOf: url)  // the mapping outlives the deleted directory entry
    }

    @Test func floatsRoundTripInEveryFloatDType() throws {
        let values: [Float] = [0, -0.0, 1, -2.5, 0.1, 65504, 1e-7, 3.4e38, .infinity, -.infinity, 1.0 / 3.0, 6e-8]
        var writer = SafeTensorsWriter(metadata: ["format": "pt", "quote\"key": "line\nbreak ✓"])
        for dtype in [DType.f32, .f64, .f16, .bf16] {
            try writer.add(dtype.rawValue.lowercased(), shape: [3, 4], floats: values, as: dtype)
        }
        try writer.add("scalar", shape: [], floats: [42], as: .f32)
        try writer.add("empty", shape: [0, 5], floats: [], as: .bf16)
        let file = try roundTrip(writer)

        #expect(file.metadata == writer.metadata)
        #expect(file.tensorNames == ["f32", "f64", "f16", "bf16", "scalar", "empty"])
        #expect(try file.floats("f32").map(\.bitPattern) == values.map(\.bitPattern))
        #expect(try file.floats("f64").map(\.bitPattern) == values.map(\.bitPattern))
        #expect(try file.floats("f16") == values.map { HalfPrecision.float(fromHalfBits: HalfPrecision.halfBits(from: $0)) })
        #expect(try file.floats("bf16") == values.map { HalfPrecision.float(fromBFloat16Bits: HalfPrecision.bfloat16Bits(from: $0)) })
        #expect(try file.floats("f16")[5] == 65504 && file.floats("f16")[7] == .infinity)
        #expect(try file.floats("scalar") == [42])
        #expect(file.info("scalar")?.shape == [])
        #expect(try file.floats("empty").isEmpty && file.info("empty")?.shape == [0, 5])
        #expect(file.info("f16")?.dtype == .f16 && file.info("f16")?.shape == [3, 4])
    }

    @Test func integersRoundTripInEveryIntegerDType() throws {
        var writer = SafeTensorsWriter()
        let cases: [(DType, [Int64])] = [
            (.i64, [.min, -1, 0, 1, .max]), (.i32, [Int64(Int32.min), -7, Int64(Int32.max)]),
            (.i16, [-32768, 0, 32767]), (.i8, [-128, 5, 127]), (.u8, [0, 200, 255]), (.bool, [1, 0, 1, 1]),
        ]
        for (dtype, values) in cases { try writer.add(dtype.rawValue, shape: [values.count], integers: values, as: dtype) }
        let file = try roundTrip(writer)
        for (dtype, values) in cases {
            #expect(try file.integers(dtype.rawValue) == values, "\(dtype)")
            #expect(file.info(dtype.rawValue)?.dtype == dtype)
        }
    }

    @Test func rawBytesRoundTrip() throws {
        let bytes: [UInt8] = (0..<24).map { UInt8($0 * 7 & 0xFF) }
        var writer = SafeTensorsWriter()
        try writer.add("x", dtype: .bf16, shape: [2, 2, 3], bytes: bytes)
        let file = try roundTrip(writer)
        #expect(try file.withRawBytes("x") { Array($0) } == bytes)
    }

    @Test func layoutIsAlignedAndTiled() throws {
        var writer = SafeTensorsWriter(metadata: ["k": "v"])
        try writer.add("a", shape: [3], floats: [1, 2, 3], as: .f16)
        try writer.add("b", shape: [2], floats: [4, 5], as: .f32)
        let bytes = writer.serialized()
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        #expect(bytes.count == 8 + headerLength + 6 + 8)
        let file = try roundTrip(writer)
        #expect(file.dataRegionOffset % 8 == 0)
        #expect(file.info("a")?.byteRange == 0..<6)
        #expect(file.info("b")?.byteRange == 6..<14)
        #expect(file.dataRegionSize == 14)
    }

    @Test func refusesInvalidInput() {
        var writer = SafeTensorsWriter()
        #expect(throws: SafeTensorsError.invalidWriterInput(tensor: "__metadata__", reason: "uses the reserved name")) {
            try writer.add("__metadata__", shape: [1], floats: [1])
        }
        #expect(throws: SafeTensorsError.invalidWriterInput(tensor: "x", reason: "has 8 bytes, its dtype and shape need 12")) {
            try writer.add("x", shape: [3], floats: [1, 2], as: .f32)
        }
        #expect(throws: SafeTensorsError.invalidWriterInput(tensor: "x", reason: "has a negative size at axis 1")) {
            try writer.add("x", dtype: .u8, shape: [1, -1], bytes: [])
        }
        #expect(throws: SafeTensorsError.invalidWriterInput(tensor: "x", reason: "shape [4611686018427387904, 4] is too large")) {
            try writer.add("x", dtype: .u8, shape: [1 << 62, 4], bytes: [])
        }
        #expect(throws: SafeTensorsError.invalidWriterInput(tensor: "x", reason: "value 300 does not fit in U8")) {
            try writer.add("x", shape: [1], integers: [300], as: .u8)
        }
        #expect(throws: SafeTensorsError.invalidWriterInput(tensor: "x", reason: "value 2 does not fit in BOOL")) {
            try writer.add("x", shape: [1], integers: [2], as: .bool)
        }
        #expect(throws: SafeTensorsError.invalidWriterInput(tensor: "x", reason: "cannot store floats as I32")) {
            try writer.add("x", shape: [1], floats: [1], as: .i32)
        }
        #expect(throws: SafeTensorsError.invalidWriterInput(tensor: "x", reason: "cannot store integers as F16")) {
            try writer.add("x", shape: [1], integers: [1], as: .f16)
        }
        #expect(throws: Never.self) { try writer.add("x", shape: [1], floats: [1]) }
        #expect(throws: SafeTensorsError.invalidWriterInput(tensor: "x", reason: "was already added")) {
            try writer.add("x", shape: [1], floats: [1])
        }
    }

    @Test func writeFailureIsTyped() throws {
        let url = Fixtures.url("bad/no-such-directory/out.safetensors")
        do {
            try SafeTensorsWriter().write(to: url)
            Issue.record("writing into a missing directory succeeded")
        } catch {
            #expect(caseName(error) == "cannotWrite")
            #expect(error.description.hasPrefix(url.path + ": cannot write"))
        }
    }

    @Test func emptyWriterMakesAValidEmptyFile() throws {
        let file = try roundTrip(SafeTensorsWriter())
        #expect(file.tensorNames.isEmpty && file.metadata.isEmpty && file.dataRegionSize == 0)
    }
}
