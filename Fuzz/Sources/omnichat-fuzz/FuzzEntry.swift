import CFuzzDriver
import Foundation
import FuzzTargets

// Built with -parse-as-library: there is no Swift `main`. SwiftPM links every executable with
// `main` aliased to `omnichat_fuzz_main`, defined here, which hands control to libFuzzer.

/// The parser under test, from OMNICHAT_FUZZ_TARGET.
nonisolated(unsafe) var target = FuzzTarget.safetensors

/// libFuzzer calls this once per input (its driver also refers to it by this C name).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    target.run(bytes)
    return 0
}

@_cdecl("omnichat_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    guard let name = ProcessInfo.processInfo.environment["OMNICHAT_FUZZ_TARGET"], let chosen = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("omnichat-fuzz: set OMNICHAT_FUZZ_TARGET to one of: \(names)\n".utf8))
        return 2
    }
    target = chosen
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
