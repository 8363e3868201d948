import ArgumentParser
import ChameleonModel
import Dispatch
import Foundation
import Imaging
import VQGAN

/// `omnichat vq bench`: how long the VQGAN takes to encode and decode a picture, to build the
/// preview's patch table, and to show a sampled code in the preview.
struct VQBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure VQ encode and decode time, the preview patch table, and code-to-preview latency.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .long, help: "Repetitions of the encode and decode measurements.") var repetitions = 3
    @Option(name: .long, help: "Code grid side each preview patch is decoded in (1 or more).") var context = 1
    @Flag(name: .long, help: "Print one JSON object.") var json = false

    func validate() throws {
        guard repetitions > 0, context > 0 else { throw ValidationError("--repetitions and --context must be positive") }
    }

    func run() throws {
        let loadStart = DispatchTime.now().uptimeNanoseconds
        let vqgan = try loadVQGAN(directory: modelOptions.directory())
        let loadSeconds = seconds(since: loadStart)
        var rng = SeededGenerator(seed: 7)
        let side = vqgan.resolution

        let timing = try measureVQGAN(vqgan, repetitions: repetitions, rng: &rng)
        guard vqgan.canDecode else {
            throw CLIError("\(vqgan.path): the checkpoint has no VQ decoder; encode took \(mean(timing.encodeSeconds) * 1000) ms")
        }
        let encodeSeconds = timing.encodeSeconds, decodeSeconds = timing.decodeSeconds
        let codes = timing.codes

        let tableStart = DispatchTime.now().uptimeNanoseconds
        let table = try PatchTable.build(from: vqgan, context: context)
        let tableSeconds = seconds(since: tableStart)

        // Code to preview: the time `append` takes to paint a sampled code, over a whole picture.
        var picture = ProgressivePicture(table: table, gridSide: vqgan.gridSide)
        var latencies: [Double] = []
        for code in codes {
            let start = DispatchTime.now().uptimeNanoseconds
            try picture.append(code)
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        latencies.sort()

        let report = VQBenchReport(
            model: vqgan.path, resolution: side, grid: vqgan.gridSide, codebook: vqgan.codebookSize,
            load_seconds: loadSeconds, repetitions: repetitions,
            encode_ms: mean(encodeSeconds) * 1000, encode_ms_stddev: stddev(encodeSeconds) * 1000,
            decode_ms: mean(decodeSeconds) * 1000, decode_ms_stddev: stddev(decodeSeconds) * 1000,
            patch_context: context, patch_table_seconds: tableSeconds,
            patch_ms_per_code: tableSeconds * 1000 / Double(vqgan.codebookSize),
            preview_update_us_median: latencies[latencies.count / 2],
            preview_update_us_max: latencies[latencies.count - 1],
            threads: ProcessInfo.processInfo.activeProcessorCount)
        if json { try printJSON(report) } else { print(report.text) }
    }

    private func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

/// Encode and decode times of one picture (random pixels, random codes), `repetitions` each;
/// an empty list where the checkpoint lacks that half. Shared by `bench` and `vq bench`.
func measureVQGAN(_ vqgan: VQGAN, repetitions: Int, rng: inout SeededGenerator) throws
    -> (encodeSeconds: [Double], decodeSeconds: [Double], codes: [Int])
{
    func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    let side = vqgan.resolution
    var encodeSeconds: [Double] = []
    if vqgan.canEncode {
        let picture = RGBImage(width: side, height: side,
                               pixels: (0..<(side * side * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try vqgan.encode(picture)
            encodeSeconds.append(seconds(since: start))
        }
    }
    let codes = (0..<vqgan.codesPerPicture).map { _ in Int(rng.next() % UInt64(vqgan.codebookSize)) }
    var decodeSeconds: [Double] = []
    if vqgan.canDecode {
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try vqgan.decodePicture(codes: codes)
            decodeSeconds.append(seconds(since: start))
        }
    }
    return (encodeSeconds, decodeSeconds, codes)
}

/// What `vq bench` measured.
struct VQBenchReport: Encodable {
    let model: String
    let resolution: Int
    let grid: Int
    let codebook: Int
    let load_seconds: Double
    let repetitions: Int
    let encode_ms: Double
    let encode_ms_stddev: Double
    let decode_ms: Double
    let decode_ms_stddev: Double
    let patch_context: Int
    let patch_table_seconds: Double
    let patch_ms_per_code: Double
    let preview_update_us_median: Double
    let preview_update_us_max: Double
    let threads: Int

    var text: String {
        func f(_ x: Double) -> String { String(format: "%.2f", x) }
        return """
            VQGAN \(resolution)x\(resolution), \(grid)x\(grid) codes of \(codebook), \(threads) threads, load \(f(load_seconds)) s
            encode \(f(encode_ms)) ± \(f(encode_ms_stddev)) ms, decode \(f(decode_ms)) ± \(f(decode_ms_stddev)) ms (\(repetitions) runs)
            preview patch table (context \(patch_context)): \(f(patch_table_seconds)) s, \(f(patch_ms_per_code)) ms per code
            code to preview: median \(f(preview_update_us_median)) µs, max \(f(preview_update_us_max)) µs
            """
    }
}
