import ArgumentParser
import ChameleonModel
import Foundation
import TensorMath
import VQGAN

/// `omnichat bench`: prompt-processing and generation speed of a model, and peak memory.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prefill and decode tokens per second and peak memory.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .long, help: "A random-weight model of the Chameleon layout built in memory instead of a model directory: tiny, 1b or 7b.")
    var shape: ModelShape?
    @Option(name: .long, help: "Prompt length for the prefill measurement.") var promptTokens = 128
    @Option(name: .long, help: "Tokens to decode for the decode measurement.") var genTokens = 64
    @Option(name: .long, help: "Repetitions of each measurement (mean ± standard deviation).") var repetitions = 3
    @Flag(name: .long, help: "Also time one whole picture with guidance: prompt, codes and VQGAN decode.") var picture = false
    @Option(name: .long, help: ArgumentHelp(
        "With --picture, also time pictures drawn by speculative Jacobi decoding with this window, alternating with plain ones.",
        valueName: "N")) var jacobi = 0
    @Flag(name: .long, help: "Print one JSON object.") var json = false
    @Option(name: .long, help: .hidden) var probeMegabytes = 512

    func validate() throws {
        guard promptTokens > 0, genTokens > 0, repetitions > 0 else {
            throw ValidationError("--prompt-tokens, --gen-tokens and --repetitions must be positive")
        }
        if shape != nil, modelOptions.model != nil { throw ValidationError("--shape and --model exclude each other") }
        if shape != nil, picture { throw ValidationError("--picture needs a model directory with a VQGAN (not --shape)") }
        guard jacobi >= 0, jacobi <= 40 else { throw ValidationError("--jacobi must be between 0 and 40") }
        guard (1 ... 65536).contains(probeMegabytes) else { throw ValidationError("--probe-megabytes must be between 1 and 65536") }
        if jacobi > 0, !picture { throw ValidationError("--jacobi needs --picture") }
    }

    func run() throws {
        let bandwidthBefore = BandwidthProbe.readGBPerSecond(megabytes: probeMegabytes)
        // The probe's buffer must not count as the model's memory.
        resetPeakResident()
        let loadStart = Date()
        let checkpoint: ChameleonCheckpoint?
        let model: ChameleonTransformer
        let modelName: String
        if let shape {
            let config = shape.config
            let format = modelOptions.weights ?? .f32
            checkpoint = nil
            model = ChameleonTransformer(config: config, weights: try .random(config: config, format: format,
                                                                              path: "--shape \(shape.rawValue)"))
            modelName = "random-\(shape.rawValue)"
        } else {
            let loaded = try ChameleonCheckpoint(directory: modelOptions.directory(), weightFormat: modelOptions.weights,
                                                 mapWeights: !modelOptions.noMmap)
            checkpoint = loaded
            model = loaded.model
            modelName = loaded.directory.lastPathComponent
        }
        let loadSeconds = Date().timeIntervalSince(loadStart)
        guard promptTokens <= model.contextLength, genTokens <= model.contextLength - promptTokens else {
            throw CLIError("--prompt-tokens + --gen-tokens exceed the context of \(model.contextLength)")
        }
        var rng = SeededGenerator(seed: 1)
        let vocabSize = model.config.vocabSize
        let textIDs = checkpoint.map { c in (0..<vocabSize).filter { !c.vocabulary.isImageToken($0) } } ?? Array(0..<vocabSize)
        let prompt = (0..<promptTokens).map { _ in textIDs[Int(rng.next() % UInt64(textIDs.count))] }
        let scratch = ForwardScratch(config: model.config)
        let chunk = 128

        /// Prefill of the prompt in chunks, then `steps` greedy decode steps; the seconds of each.
        func prefillAndDecode(steps: Int) -> (prefill: Double, decode: Double) {
            let cache = model.makeCache(initialCapacity: promptTokens + genTokens)
            let prefillStart = DispatchTime.now().uptimeNanoseconds
            var start = 0
            while start < prompt.count {
                let end = min(prompt.count, start + chunk)
                model.forward(prompt[start..<end].enumerated().map { i, token in
                    BatchEntry(token: token, cache: cache, wantsLogits: start + i == prompt.count - 1)
                }, scratch: scratch)
                start = end
            }
            let prefillNanos = DispatchTime.now().uptimeNanoseconds - prefillStart
            let sampler = TokenSampler()
            var token = 0
            let decodeStart = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<steps {
                token = scratch.withFirstLogitRow { sampler.argmax($0) }
                model.forward([BatchEntry(token: token, cache: cache, wantsLogits: true)], scratch: scratch)
            }
            let decodeNanos = DispatchTime.now().uptimeNanoseconds - decodeStart
            return (Double(prefillNanos) / 1e9, Double(decodeNanos) / 1e9)
        }

        // One untimed pass first, as llama-bench does: it faults the memory-mapped weights in and
        // sizes every buffer, which the first timed run would otherwise pay.
        _ = prefillAndDecode(steps: 1)
        var prefillRates: [Double] = [], decodeRates: [Double] = []
        for _ in 0..<repetitions {
            let seconds = prefillAndDecode(steps: genTokens)
            prefillRates.append(Double(promptTokens) / seconds.prefill)
            decodeRates.append(Double(genTokens) / seconds.decode)
        }

        // The image codec, when the checkpoint has one (encode and decode of one picture).
        var vqEncode: [Double] = [], vqDecode: [Double] = []
        var pictures: [PictureBench.Measurement] = [], jacobiPictures: [PictureBench.Measurement] = []
        var pictureDecoded: Bool?
        let vqgan = checkpoint.flatMap { try? VQGAN(checkpoint: $0.tensors, config: $0.config.vqConfig, path: $0.directory.path) }
        if let vqgan {
            let timing = try measureVQGAN(vqgan, repetitions: repetitions, rng: &rng)
            vqEncode = timing.encodeSeconds
            vqDecode = timing.decodeSeconds
        }
        if picture {
            guard let checkpoint else { throw CLIError("--picture needs a model directory") }
            let bench = try PictureBench(checkpoint: checkpoint, vqgan: vqgan)
            pictureDecoded = bench.decodes
            // Plain and speculative pictures alternate (same seeds), so both see the same machine.
            for repetition in 0..<repetitions {
                pictures.append(try bench.measureOne(seed: UInt64(repetition), jacobiWindow: 0))
                if jacobi > 0 { jacobiPictures.append(try bench.measureOne(seed: UInt64(repetition), jacobiWindow: jacobi)) }
            }
        }

        let peakResident = peakResidentBytes()
        let bandwidthAfter = BandwidthProbe.readGBPerSecond(megabytes: probeMegabytes)
        let weights = model.weights
        let report = BenchReport(
            model: modelName,
            weights: weights.format.rawValue,
            kernels: KernelLevel.current.description,
            parameters: weights.parameterCount,
            weight_bytes: weights.byteCount,
            load_seconds: loadSeconds,
            prompt_tokens: promptTokens, gen_tokens: genTokens, repetitions: repetitions,
            prefill_tokens_per_s: mean(prefillRates), prefill_tokens_per_s_stddev: stddev(prefillRates),
            decode_tokens_per_s: mean(decodeRates), decode_tokens_per_s_stddev: stddev(decodeRates),
            vq_encode_ms: vqEncode.isEmpty ? nil : mean(vqEncode) * 1000,
            vq_decode_ms: vqDecode.isEmpty ? nil : mean(vqDecode) * 1000,
            picture_seconds: pictures.isEmpty ? nil : mean(pictures.map(\.seconds)),
            picture_seconds_stddev: pictures.isEmpty ? nil : stddev(pictures.map(\.seconds)),
            picture_model_steps: pictures.isEmpty ? nil : mean(pictures.map { Double($0.modelSteps) }),
            picture_decoded: pictureDecoded,
            jacobi_window: jacobiPictures.isEmpty ? nil : jacobi,
            picture_seconds_jacobi: jacobiPictures.isEmpty ? nil : mean(jacobiPictures.map(\.seconds)),
            picture_model_steps_jacobi: jacobiPictures.isEmpty ? nil : mean(jacobiPictures.map { Double($0.modelSteps) }),
            bytes_read_per_token: weights.bytesReadPerToken,
            read_bandwidth_gb_per_s: (bandwidthBefore + bandwidthAfter) / 2,
            read_bandwidth_gb_per_s_before: bandwidthBefore, read_bandwidth_gb_per_s_after: bandwidthAfter,
            peak_rss_bytes: peakResident, threads: ProcessInfo.processInfo.activeProcessorCount)
        if json {
            try printJSON(report)
        } else {
            print(report.markdown)
        }
    }
}

/// What `bench` measured.
struct BenchReport: Encodable {
    let model: String
    /// The weight format in memory, and which kernels ran (avx512 or portable).
    let weights: String
    let kernels: String
    let parameters: Int
    let weight_bytes: Int
    let load_seconds: Double
    let prompt_tokens: Int
    let gen_tokens: Int
    let repetitions: Int
    let prefill_tokens_per_s: Double
    let prefill_tokens_per_s_stddev: Double
    let decode_tokens_per_s: Double
    let decode_tokens_per_s_stddev: Double
    /// One picture through the VQGAN encoder / decoder, when the checkpoint has them.
    let vq_encode_ms: Double?
    let vq_decode_ms: Double?
    /// One whole picture with guidance (prompt, codes, VQGAN decode), with `--picture`.
    let picture_seconds: Double?
    let picture_seconds_stddev: Double?
    /// Forward passes per picture (prompt chunks included).
    let picture_model_steps: Double?
    /// Whether `picture_seconds` includes the VQGAN decode (false: the checkpoint has no decoder).
    let picture_decoded: Bool?
    /// With `--jacobi N`: the window, and the same figures for speculative Jacobi decoding.
    let jacobi_window: Int?
    let picture_seconds_jacobi: Double?
    let picture_model_steps_jacobi: Double?
    /// Weight bytes streamed per decoded token: all but the input embedding table.
    let bytes_read_per_token: Int
    /// Streaming-read bandwidth, the mean of probes run before and after the measurements.
    let read_bandwidth_gb_per_s: Double
    let read_bandwidth_gb_per_s_before: Double
    let read_bandwidth_gb_per_s_after: Double
    let peak_rss_bytes: Int
    let threads: Int

    /// Decode speed as a share of what the bandwidth allows (bandwidth / bytes per token).
    var bandwidthShare: Double {
        read_bandwidth_gb_per_s > 0 ? decode_tokens_per_s * Double(bytes_read_per_token) / (read_bandwidth_gb_per_s * 1e9) : 0
    }

    var markdown: String {
        func f(_ x: Double) -> String { String(format: "%.2f", x) }
        return """
            | model | params | threads | test | tokens/s |
            |---|---|---|---|---|
            | \(model) | \(parameters) | \(threads) | pp\(prompt_tokens) | \(f(prefill_tokens_per_s)) ± \(f(prefill_tokens_per_s_stddev)) |
            | \(model) | \(parameters) | \(threads) | tg\(gen_tokens) | \(f(decode_tokens_per_s)) ± \(f(decode_tokens_per_s_stddev)) |

            load \(f(load_seconds)) s, weights \(weight_bytes / 1_048_576) MiB (\(weights), \(kernels) kernels), peak RSS \(peak_rss_bytes / 1_048_576) MiB
            read bandwidth \(f(read_bandwidth_gb_per_s_before)) GB/s before, \(f(read_bandwidth_gb_per_s_after)) after; \
            decode reads \(bytes_read_per_token / 1_048_576) MiB per token, \(f(bandwidthShare * 100))% of the bandwidth limit
            """ + (vq_decode_ms.map { "\nVQGAN: encode \(vq_encode_ms.map(f) ?? "n/a") ms, decode \(f($0)) ms per picture" } ?? "")
            + (picture_seconds.map {
                let parts = picture_decoded == false ? "prompt and codes; no VQGAN decoder to time" : "prompt, codes, decode"
                return "\npicture with guidance (\(parts)): \(f($0)) ± \(f(picture_seconds_stddev ?? 0)) s"
            } ?? "")
            + (picture_model_steps.map { "\nmodel steps per picture: \(f($0))" } ?? "")
            + (picture_seconds_jacobi.map { seconds in
                "\nwith Jacobi decoding (window \(jacobi_window ?? 0)): \(f(seconds)) s, \(f(picture_model_steps_jacobi ?? 0)) model steps"
                    + (picture_seconds.map { ", \(f($0 / seconds))x the plain speed" } ?? "")
            } ?? "")
    }
}

/// The random-weight shapes of `bench --shape`.
enum ModelShape: String, ExpressibleByArgument, CaseIterable {
    case tiny, oneB = "1b", sevenB = "7b"

    var config: ChameleonConfig {
        switch self {
        case .tiny: ChameleonConfig(vocabSize: 16384, hiddenSize: 512, intermediateSize: 1376, numHiddenLayers: 8, numAttentionHeads: 8)
        case .oneB: ChameleonConfig(vocabSize: 65536, hiddenSize: 2048, intermediateSize: 5504, numHiddenLayers: 16, numAttentionHeads: 16)
        case .sevenB: ChameleonConfig(vocabSize: 65536, hiddenSize: 4096, intermediateSize: 11008, numHiddenLayers: 32, numAttentionHeads: 32)
        }
    }
}

func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(max(1, xs.count)) }

func stddev(_ xs: [Double]) -> Double {
    guard xs.count > 1 else { return 0 }
    let m = mean(xs)
    return (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)).squareRoot()
}

/// Starts the peak resident set size afresh from the current size (Linux 4.0 and later; elsewhere
/// the peak keeps counting from the start).
func resetPeakResident() {
    #if os(Linux)
    if let file = fopen("/proc/self/clear_refs", "w") {
        fputs("5", file)
        fclose(file)
    }
    #endif
}

/// Peak resident set size of this process, from getrusage (kilobytes on Linux).
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #if os(Linux)
    return usage.ru_maxrss * 1024
    #else
    return usage.ru_maxrss
    #endif
}
