import Foundation

/// How the next token is chosen from logits, in the order the reference applies the steps:
/// repetition penalty, temperature, top-k, top-p, then a multinomial draw (or argmax if greedy).
public struct SamplingParameters: Sendable, Equatable, Codable {
    public var temperature: Float
    /// Keep only the k most likely tokens; 0 disables.
    public var topK: Int
    /// Keep the smallest set of tokens whose probability reaches `topP`; 1 disables.
    public var topP: Float
    /// Divide positive (multiply negative) logits of every token already in the sequence; 1 disables.
    public var repetitionPenalty: Float
    /// Take the most likely token instead of sampling.
    public var greedy: Bool

    public init(temperature: Float, topK: Int = 0, topP: Float = 1, repetitionPenalty: Float = 1, greedy: Bool = false) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.greedy = greedy
    }

    /// Text defaults of the reference engine (Meta's Chameleon `Options`): 0.7 / top-p 0.9 / penalty 1.2.
    public static let referenceText = SamplingParameters(temperature: 0.7, topP: 0.9, repetitionPenalty: 1.2)
    /// Image defaults of the reference engine for image generation (Anole's `Options`): 1.0 / top-p 0.9.
    public static let referenceImage = SamplingParameters(temperature: 1.0, topP: 0.9)
}

/// A small, fast, seedable generator (xoshiro256**), so the same seed gives the same output on
/// every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform float in [0, 1) with 24 bits of precision.
    public mutating func nextUnit() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }
}

/// Turns (already masked) logits into one token id.
public struct TokenSampler {
    private var scratch: [Float] = []
    private var order: [Int32] = []
    private var exponentials: [Double] = []

    public init() {}

    /// Picks a token from `logits` (−∞ entries are never chosen).
    /// - Parameter history: every token of the sequence so far, for the repetition penalty.
    public mutating func sample(
        _ logits: UnsafeMutableBufferPointer<Float>, parameters p: SamplingParameters,
        history: [Int], rng: inout SeededGenerator
    ) -> Int {
        if p.repetitionPenalty != 1 {
            var seen = Set<Int>()
            for id in history where id >= 0 && id < logits.count && seen.insert(id).inserted {
                let s = logits[id]
                logits[id] = s < 0 ? s * p.repetitionPenalty : s / p.repetitionPenalty
            }
        }
        let invT = 1 / p.temperature
        if p.greedy || p.temperature <= 0 || !scalingStaysFinite(logits, by: invT) { return argmax(logits) }
        for i in 0..<logits.count { logits[i] *= invT }
        if p.topK > 0 && p.topK < logits.count { applyTopK(logits, k: p.topK) }
        if p.topP < 1 { applyTopP(logits, p: p.topP) }
        return draw(logits, rng: &rng)
    }

    /// The distribution `sample` draws from, as probabilities over the vocabulary (zero where a
    /// logit is −∞ or filtered out by top-k/top-p; one-hot on the argmax when greedy). `logits`
    /// is used as scratch. Speculative decoding needs the distributions themselves.
    public mutating func distribution(
        _ logits: UnsafeMutableBufferPointer<Float>, parameters p: SamplingParameters, into probabilities: inout [Float]
    ) {
        precondition(p.repetitionPenalty == 1, "TokenSampler.distribution: no repetition penalty (picture codes have none)")
        if probabilities.count != logits.count { probabilities = [Float](repeating: 0, count: logits.count) }
        let invT = 1 / p.temperature
        if p.greedy || p.temperature <= 0 || !scalingStaysFinite(logits, by: invT) {
            for i in probabilities.indices { probabilities[i] = 0 }
            probabilities[argmax(logits)] = 1
            return
        }
        for i in 0..<logits.count { logits[i] *= invT }
        if p.topK > 0 && p.topK < logits.count { applyTopK(logits, k: p.topK) }
        if p.topP < 1 { applyTopP(logits, p: p.topP) }
        var maxValue = -Float.infinity
        for v in logits where v > maxValue { maxValue = v }
        guard maxValue > -.infinity else {
            for i in probabilities.indices { probabilities[i] = 0 }
            probabilities[0] = 1
            return
        }
        let total = fillExponentials(logits, maxValue: maxValue)
        for i in 0..<logits.count { probabilities[i] = Float(exponentials[i] / total) }
    }

    /// A draw from `weights` (non-negative, not necessarily normalised); nil when they sum to 0.
    public static func draw(weights: [Float], rng: inout SeededGenerator) -> Int? {
        var total: Double = 0
        for w in weights { total += Double(w) }
        guard total > 0 else { return nil }
        let target = Double(rng.nextUnit()) * total
        var cumulative: Double = 0
        var last = 0
        for (i, w) in weights.enumerated() where w > 0 {
            cumulative += Double(w)
            last = i
            if cumulative > target { return i }
        }
        return last
    }

    /// Whether multiplying every finite logit by `inverseTemperature` keeps it finite. A positive
    /// temperature so small that it does not (1e-39, say) is greedy as far as float arithmetic can
    /// tell, and would otherwise turn the draw's exponentials into NaN.
    private func scalingStaysFinite(_ logits: UnsafeMutableBufferPointer<Float>, by inverseTemperature: Float) -> Bool {
        var largest: Float = 0
        for v in logits where v.isFinite { largest = max(largest, abs(v)) }
        return (largest * inverseTemperature).isFinite
    }

    /// Index of the largest logit (the first, on ties).
    public func argmax(_ logits: UnsafeMutableBufferPointer<Float>) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        for i in 0..<logits.count where logits[i] > bestValue {
            bestValue = logits[i]
            best = i
        }
        return best
    }

    /// Sets every logit below the k-th largest to −∞ (ties with the k-th are kept).
    private mutating func applyTopK(_ logits: UnsafeMutableBufferPointer<Float>, k: Int) {
        scratch = Array(logits)
        let kth = scratch.sorted(by: >)[k - 1]
        for i in 0..<logits.count where logits[i] < kth { logits[i] = -.infinity }
    }

    /// Nucleus filtering as Hugging Face's `TopPLogitsWarper`: sort ascending, drop tokens whose
    /// cumulative probability is ≤ 1 − p, always keep the most likely one.
    private mutating func applyTopP(_ logits: UnsafeMutableBufferPointer<Float>, p: Float) {
        let n = logits.count
        order = (0..<Int32(n)).filter { logits[Int($0)] > -.infinity }
        guard order.count > 1 else { return }
        order.sort { logits[Int($0)] < logits[Int($1)] }
        let maxValue = logits[Int(order[order.count - 1])]
        var total: Double = 0
        for id in order { total += exp(Double(logits[Int(id)] - maxValue)) }
        var cumulative: Double = 0
        let threshold = Double(1 - p)
        for (rank, id) in order.enumerated() where rank < order.count - 1 {
            cumulative += exp(Double(logits[Int(id)] - maxValue)) / total
            if cumulative <= threshold { logits[Int(id)] = -.infinity } else { break }
        }
    }

    /// A multinomial draw from softmax(logits).
    private mutating func draw(_ logits: UnsafeMutableBufferPointer<Float>, rng: inout SeededGenerator) -> Int {
        var maxValue = -Float.infinity
        for v in logits where v > maxValue { maxValue = v }
        guard maxValue > -.infinity else { return 0 }
        let total = fillExponentials(logits, maxValue: maxValue)
        let target = Double(rng.nextUnit()) * total
        var cumulative: Double = 0
        var last = 0
        for (i, v) in logits.enumerated() where v > -.infinity {
            cumulative += exponentials[i]
            last = i
            if cumulative > target { return i }
        }
        return last
    }

    /// Writes exp(logit − maxValue) of every logit into `exponentials` (0 for −∞) and returns their
    /// sum, so a draw or a distribution computes each exponential once.
    private mutating func fillExponentials(_ logits: UnsafeMutableBufferPointer<Float>, maxValue: Float) -> Double {
        if exponentials.count != logits.count { exponentials = [Double](repeating: 0, count: logits.count) }
        var total: Double = 0
        for i in 0..<logits.count {
            let v = logits[i]
            let e = v > -.infinity ? exp(Double(v - maxValue)) : 0
            exponentials[i] = e
            total += e
        }
        return total
    }
}
