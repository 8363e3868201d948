/// Why a VQGAN could not be loaded, or could not encode or decode what it was given.
///
/// ``description`` is one line naming the file (or the input) and the problem:
///
///     "models/x: tensor model.vqmodel.decoder.conv_in.weight has shape [64, 32, 3, 3], the config needs [64, 16, 3, 3]"
public enum VQGANError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The checkpoint holds no `model.vqmodel.*` encoder, decoder or codebook at all.
    case noImageCodec(path: String)
    /// The configuration asks for something this implementation (like the reference) cannot run.
    case unsupportedConfig(path: String, reason: String)
    /// A tensor the configuration calls for is absent.
    case missingTensor(path: String, name: String)
    /// A tensor's shape disagrees with the configuration.
    case wrongShape(path: String, name: String, expected: [Int], found: [Int])
    /// A tensor under the encoder's or decoder's names that the configuration does not call for.
    case unexpectedTensor(path: String, name: String)
    /// A tensor could not be read (dtype, I/O).
    case unreadable(path: String, name: String, reason: String)
    /// The checkpoint has no encoder, so pictures cannot become codes.
    case noEncoder(path: String)
    /// The checkpoint has no decoder, so codes cannot become pictures.
    case noDecoder(path: String)
    /// A picture handed to the encoder (or to a preview) is not at the expected size.
    case wrongPictureSize(expected: Int, width: Int, height: Int)
    /// A pixel buffer does not hold width · height · channels values.
    case wrongPixelCount(expected: Int, found: Int)
    /// A code grid whose size does not match the codes given, or is empty.
    case wrongCodeCount(expected: Int, found: Int)
    /// A code outside the codebook.
    case codeOutOfRange(code: Int, position: Int, codebookSize: Int)
    /// A cached patch table that cannot be read or written.
    case patchCache(path: String, reason: String)

    public var description: String {
        switch self {
        case .noImageCodec(let path):
            "\(path): no VQ image tokenizer (no model.vqmodel.* tensors)"
        case .unsupportedConfig(let path, let reason):
            "\(path): unsupported vq_config: \(reason)"
        case .missingTensor(let path, let name):
            "\(path): missing tensor \(name)"
        case .wrongShape(let path, let name, let expected, let found):
            "\(path): tensor \(name) has shape \(found), the config needs \(expected)"
        case .unexpectedTensor(let path, let name):
            "\(path): unexpected tensor \(name) (not in the vq_config's architecture)"
        case .unreadable(let path, let name, let reason):
            "\(path): cannot read tensor \(name): \(reason)"
        case .noEncoder(let path):
            "\(path): the checkpoint has no VQ encoder (model.vqmodel.encoder.*), so it cannot turn pictures into codes"
        case .noDecoder(let path):
            "\(path): the checkpoint has no VQ decoder (model.vqmodel.decoder.*), so it cannot turn codes into pictures"
        case .wrongPictureSize(let expected, let width, let height):
            "picture is \(width)x\(height), expected \(expected)x\(expected)"
        case .wrongPixelCount(let expected, let found):
            "pixel buffer holds \(found) values, expected \(expected)"
        case .wrongCodeCount(let expected, let found):
            "\(found) codes given, the code grid holds \(expected)"
        case .codeOutOfRange(let code, let position, let codebookSize):
            "code \(code) at position \(position) is outside the codebook (0..<\(codebookSize))"
        case .patchCache(let path, let reason):
            "\(path): preview patch cache \(reason)"
        }
    }
}
