import ArgumentParser
import ChameleonModel

/// Sampling flags shared by the commands that generate. Defaults are the model's
/// `generation_config.json` where it has one, else the reference engine's; each flag overrides
/// one value, and a sampling flag (temperature, top-p, top-k) turns sampling back on where the
/// model's defaults were greedy.
struct SamplingOptions: ParsableArguments {
    @Flag(name: .long, help: "Always take the most likely token (no sampling, no repetition penalty unless given).")
    var greedy = false
    @Option(name: .long, help: "Temperature of text and picture tokens (reference: text 0.7, picture 1.0).")
    var temperature: Float?
    @Option(name: .long, help: "Nucleus sampling threshold, 1 disables (reference 0.9).")
    var topP: Float?
    @Option(name: .long, help: "Keep only the K most likely tokens, 0 disables (reference 0).")
    var topK: Int?
    @Option(name: .long, help: "Repetition penalty on text tokens, 1 disables (reference 1.2).")
    var repetitionPenalty: Float?
    @Option(name: .long, help: "Temperature of picture tokens only.")
    var imageTemperature: Float?
    @Option(name: .long, help: "Classifier-free guidance scale for the text condition (reference 3.0).")
    var cfgText: Float?
    @Option(name: .long, help: "Classifier-free guidance scale for the image condition (reference 1.2).")
    var cfgImage: Float?
    @Option(name: .long, help: "Random seed; the same seed gives the same output (default 0, or a resumed session's).")
    var seed: UInt64?
    @Option(name: .long, help: ArgumentHelp(
        "Speculative Jacobi decoding of picture codes: drafts verified per model step, 0 disables (same distribution, fewer steps).",
        valueName: "N"))
    var jacobi: Int = 0

    /// A resumed session's settings with the flags given now applied over them (the session's
    /// own when none was given).
    func overriding(_ session: GenerationOptions) -> GenerationOptions {
        let anyGiven = greedy || temperature != nil || topP != nil || topK != nil || repetitionPenalty != nil
            || imageTemperature != nil || cfgText != nil || cfgImage != nil || seed != nil || jacobi != 0
        guard anyGiven else { return session }
        var options = session
        apply(to: &options)
        return options
    }

    func validate() throws {
        if let t = temperature, !(t >= 0 && t.isFinite) { throw ValidationError("--temperature must be ≥ 0") }
        if let t = imageTemperature, !(t >= 0 && t.isFinite) { throw ValidationError("--image-temperature must be ≥ 0") }
        if let p = topP, !(p > 0 && p <= 1) { throw ValidationError("--top-p must be in (0, 1]") }
        if let k = topK, k < 0 { throw ValidationError("--top-k must be ≥ 0") }
        if let r = repetitionPenalty, !(r > 0 && r.isFinite) { throw ValidationError("--repetition-penalty must be > 0") }
        if let g = cfgText, !(g >= 0 && g.isFinite) { throw ValidationError("--cfg-text must be a finite number ≥ 0") }
        if let g = cfgImage, !(g >= 0 && g.isFinite) { throw ValidationError("--cfg-image must be a finite number ≥ 0") }
        if !(0...40).contains(jacobi) { throw ValidationError("--jacobi must be between 0 and 40") }
        if greedy && (temperature != nil || topP != nil || topK != nil) {
            throw ValidationError("--greedy cannot be combined with --temperature, --top-p or --top-k")
        }
    }

    /// The options these flags describe, on top of the reference defaults.
    func apply(to options: inout GenerationOptions) {
        if greedy {
            options.setGreedy()
            options.text.repetitionPenalty = 1
        }
        if temperature != nil || topP != nil || topK != nil {
            options.text.greedy = false
            options.image.greedy = false
        }
        if let temperature {
            options.text.temperature = temperature
            options.image.temperature = temperature
        }
        if let imageTemperature {
            options.image.temperature = imageTemperature
            options.image.greedy = false
        }
        if let topP {
            options.text.topP = topP
            options.image.topP = topP
        }
        if let topK {
            options.text.topK = topK
            options.image.topK = topK
        }
        if let repetitionPenalty { options.text.repetitionPenalty = repetitionPenalty }
        if let cfgText { options.guidanceText = cfgText }
        if let cfgImage { options.guidanceImage = cfgImage }
        if let seed { options.seed = seed }
        options.jacobiWindow = jacobi
    }
}

extension GenerationMode: ExpressibleByArgument {}
