import Foundation
import Testing
@testable import SafeTensors

/// Files written by the reference `safetensors` writer read back to exactly the values torch reads.
@Suite struct GoldenValueTests {
    /// Checks every tensor of `file` against the golden entries: dtype, shape, byte count, values.
    private func check(_ file: SafeTensorsFile, against golden: GoldenFile) throws {
        #expect(Set(file.tensorNames) == Set(golden.tensors.map(\.name)))
        if let order = golden.fileOrder { #expect(file.tensorNames == order) }
        for tensor in golden.tensors {
            let info = try #require(file.info(tensor.name), "missing \(tensor.name)")
            #expect(info.dtype.rawValue == tensor.dtype, "\(tensor.name) dtype")
            #expect(info.shape == tensor.shape, "\(tensor.name) shape")
            #expect(info.byteCount == info.elementCount * info.dtype.byteSize, "\(tensor.name) byte count")
            if let bits = tensor.float32Bits {
                expectSameFloats(try file.floats(tensor.name), expectedBits: bits, tensor.name)
                #expect(throws: SafeTensorsError.wrongDType(file: file.path, tensor: tensor.name, dtype: info.dtype, requested: "Int64")) {
                    try file.integers(tensor.name)
                }
            }
            if let integers = tensor.integers {
                #expect(try file.integers(tensor.name) == integers, "\(tensor.name) values")
                #expect(throws: SafeTensorsError.wrongDType(file: file.path, tensor: tensor.name, dtype: info.dtype, requested: "Float")) {
                    try file.floats(tensor.name)
                }
            }
        }
    }

    @Test func everyDTypeAtZeroToFourDimensions() throws {
        let file = try SafeTensorsFile(contentsOf: Fixtures.url("dtypes.safetensors"))
        let golden = try Fixtures.golden("dtypes.json")
        try check(file, against: golden)
        #expect(file.metadata == golden.metadata)
        // The fixture really spans every dtype and rank, so the check above covers them all.
        let infos = file.tensorInfos
        #expect(Set(infos.map(\.dtype)) == Set(DType.allCases))
        #expect(Set(infos.map(\.shape.count)) == [0, 1, 2, 3, 4])
        #expect(infos.contains { $0.elementCount == 0 })
        #expect(file.info("f64_0d")?.shape == [] && file.info("f64_0d")?.elementCount == 1)
    }

    @Test func specialValuesOfEveryFloatType() throws {
        let file = try SafeTensorsFile(contentsOf: Fixtures.url("specials.safetensors"))
        try check(file, against: try Fixtures.golden("specials.json"))
        #expect(file.metadata.isEmpty)
    }

    @Test func headerOrderDiffersFromDataOrder() throws {
        let file = try SafeTensorsFile(contentsOf: Fixtures.url("header_order.safetensors"))
        try check(file, against: try Fixtures.golden("header_order.json"))
        #expect(file.tensorNames == ["a", "b"])
        #expect(file.info("a")?.byteRange == 0..<16)
        #expect(file.info("b")?.byteRange == 16..<20)
    }

    @Test func whitespaceAroundTheHeader() throws {
        let file = try SafeTensorsFile(contentsOf: Fixtures.url("padded_header.safetensors"))
        try check(file, against: try Fixtures.golden("padded_header.json"))
    }

    @Test func rawBytesAreTheStoredLittleEndianElements() throws {
        let file = try SafeTensorsFile(contentsOf: Fixtures.url("specials.safetensors"))
        let info = try #require(file.info("bf16_specials"))
        let halves: [UInt16] = try file.withRawBytes("bf16_specials") { bytes in
            #expect(bytes.count == info.byteCount)
            return (0..<bytes.count / 2).map { UInt16(bytes[2 * $0]) | UInt16(bytes[2 * $0 + 1]) << 8 }
        }
        #expect(halves.prefix(3) == [0x0000, 0x8000, 0x0001])
        #expect(halves.map(HalfPrecision.float(fromBFloat16Bits:)).map(\.bitPattern)
                == (try file.floats("bf16_specials")).map(\.bitPattern))
    }

    @Test func copyFloatsFillsTheDestination() throws {
        let file = try SafeTensorsFile(contentsOf: Fixtures.url("dtypes.safetensors"))
        let expected = try file.floats("f16_4d")
        var destination = [Float](repeating: .nan, count: expected.count)
        try destination.withUnsafeMutableBufferPointer { try file.copyFloats("f16_4d", into: $0) }
        #expect(destination == expected)

        var tooSmall = [Float](repeating: 0, count: expected.count - 1)
        #expect(throws: SafeTensorsError.destinationSizeMismatch(
            file: file.path, tensor: "f16_4d", elementCount: expected.count, destinationCount: expected.count - 1)) {
            try tooSmall.withUnsafeMutableBufferPointer { try file.copyFloats("f16_4d", into: $0) }
        }
    }

    @Test func unknownTensorNamesThrow() throws {
        let file = try SafeTensorsFile(contentsOf: Fixtures.url("dtypes.safetensors"))
        #expect(file.info("nope") == nil)
        #expect(file.shape(of: "nope") == nil)
        let notFound = SafeTensorsError.tensorNotFound(file: file.path, tensor: "nope")
        #expect(throws: notFound) { try file.floats("nope") }
        #expect(throws: notFound) { try file.integers("nope") }
        #expect(throws: notFound) { try file.withRawBytes("nope") { _ in () } }
    }

    @Test func filesAreSendableAcrossTasks() async throws {
        let file = try SafeTensorsFile(contentsOf: Fixtures.url("dtypes.safetensors"))
        let expected = try file.floats("bf16_2d")
        let results = try await withThrowingTaskGroup(of: [Float].self) { group in
            for _ in 0..<4 { group.addTask { try file.floats("bf16_2d") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 4 && results.allSatisfy { $0 == expected })
    }
}
