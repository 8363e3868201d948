import Foundation
import Imaging
import Testing
@testable import VQGAN

/// The Swift VQGAN against the references on tiny random-weight models: codes from transformers'
/// `ChameleonVQVAE`, pictures from the project's PyTorch decoder (tools/vqgan/model.py).
@Suite struct ConformanceTests {
    @Test(arguments: VQGANFixtures.configurations)
    func codesMatchTransformers(configuration: String) throws {
        let model = try VQGANFixtures.model(configuration)
        let reference = try VQGANFixtures.reference(configuration)
        let latents = try VQGANFixtures.npy(configuration, reference.latents)
        var same = 0, total = 0, worstLatentError: Float = 0, largestLatent: Float = 0
        for index in 0..<reference.picture_count {
            let picture = try VQGANFixtures.picture(configuration, index, reference: reference)
            let z = try model.latents(planar: picture.normalizedCHW())
            let expectedZ = latents.values[(index * z.values.count)..<((index + 1) * z.values.count)]
            for (a, b) in zip(z.values, expectedZ) {
                worstLatentError = max(worstLatentError, abs(a - b))
                largestLatent = max(largestLatent, abs(b))
            }
            let codes = try model.encode(picture)
            #expect(codes.count == reference.grid * reference.grid)
            same += zip(codes, reference.codes[index]).filter { $0 == $1 }.count
            total += codes.count
        }
        let rate = Double(same) / Double(total)
        print("VQGAN \(configuration): \(same)/\(total) codes identical to transformers (\(String(format: "%.2f", rate * 100))%), latents max |Δ| \(worstLatentError) of \(largestLatent)")
        #expect(rate >= 0.99, "\(configuration): only \(same) of \(total) codes match")
        #expect(worstLatentError <= 1e-4 * largestLatent, "\(configuration): latents differ by \(worstLatentError)")
    }

    @Test(arguments: VQGANFixtures.configurations)
    func decodedPicturesMatchTheReferenceDecoder(configuration: String) throws {
        let model = try VQGANFixtures.model(configuration)
        let reference = try VQGANFixtures.reference(configuration)
        var worst = Double.infinity
        for decode in reference.decodes {
            let expected = try VQGANFixtures.npy(configuration, decode.pixels)
            let picture = try model.decode(codes: decode.codes, gridWidth: decode.grid_width, gridHeight: decode.grid_height)
            #expect([3, picture.height, picture.width] == expected.shape)
            let psnr = VQGANFixtures.psnr(picture.values, expected.values)
            worst = min(worst, psnr)
            #expect(psnr >= 60, "\(configuration) \(decode.pixels): PSNR \(psnr) dB")

            // 8-bit pictures agree except where a value sits at a truncation boundary.
            let rgb = RGBImage(normalizedCHW: picture.values, width: picture.width, height: picture.height).pixels
            let expectedRGB = try VQGANFixtures.bytes(configuration, decode.rgb)
            #expect(zip(rgb, expectedRGB).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
        }
        print("VQGAN \(configuration): decoder PSNR vs PyTorch reference, worst of \(reference.decodes.count) grids: \(String(format: "%.1f", worst)) dB")
    }

    @Test(arguments: VQGANFixtures.configurations)
    func eightBitConversionIsTheReferenceEngines(configuration: String) throws {
        let reference = try VQGANFixtures.reference(configuration)
        for decode in reference.decodes {
            let floats = try VQGANFixtures.npy(configuration, decode.pixels)
            let height = floats.shape[1], width = floats.shape[2]
            let rgb = RGBImage(normalizedCHW: floats.values, width: width, height: height).pixels
            #expect(rgb == (try VQGANFixtures.bytes(configuration, decode.rgb)), "\(configuration) \(decode.rgb)")
        }
    }

    @Test func fullGridDecodesToRGBAtTheModelsResolution() throws {
        let model = try VQGANFixtures.model("level_attention")
        let reference = try VQGANFixtures.reference("level_attention")
        let decode = reference.decodes[0]
        let picture = try model.decodePicture(codes: decode.codes)
        #expect(picture.width == model.resolution && picture.height == model.resolution)
        let expected = try VQGANFixtures.bytes("level_attention", decode.rgb)
        #expect(zip(picture.pixels, expected).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
    }
}
