// swift-tools-version: 6.0
import PackageDescription

/// Hot loops are compiled without bounds checks. No `-target-cpu` is set, so the binary runs on
/// any x86-64 CPU; wider SIMD is the speed issue's business (runtime dispatch).
let fastMath: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "omnichat",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "omnichat", targets: ["omnichat"]),
        // The parsers behind one byte-input function each, for the libFuzzer package in Fuzz/.
        .library(name: "OmnichatFuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - Layers with no dependencies
        // The weight-format kernels: C with per-function AVX-512 targets, chosen at run time.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])], linkerSettings: [.linkedLibrary("m")]),
        .target(name: "TensorMath", dependencies: ["CKernels"], swiftSettings: fastMath, linkerSettings: [.linkedLibrary("m")]),
        .target(name: "SafeTensors"),
        .target(name: "FileIO"),
        .target(name: "BPETokenizer", dependencies: ["FileIO"]),
        .target(name: "NumPyFormat"),
        .target(name: "ModelConfiguration", dependencies: ["FileIO"]),
        .target(name: "Imaging"),

        // MARK: - Pictures: PNG through libpng (one C shim), terminal half blocks
        .target(name: "CPNGShim", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("z")]),
        .target(name: "PNGCodec", dependencies: ["Imaging", "CPNGShim", "FileIO"]),
        .target(name: "HalfBlockRendering", dependencies: ["Imaging"]),

        // MARK: - The terminal chat: ncursesw behind one C module, the UI as pure state and view
        .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
        .target(name: "ChatUI", dependencies: ["ChatEngine", "ChameleonModel", "TensorMath", "HalfBlockRendering", "Imaging", "CNcursesw", "FileIO"]),

        // MARK: - The model
        .target(
            name: "ChameleonModel",
            dependencies: ["ModelConfiguration", "TensorMath", "SafeTensors", "BPETokenizer"],
            swiftSettings: fastMath
        ),

        // MARK: - Conversations
        .target(name: "ChatEngine", dependencies: ["ChameleonModel", "BPETokenizer", "FileIO"]),
        .target(name: "Sessions", dependencies: ["ChatEngine", "ChameleonModel", "BPETokenizer", "Imaging", "PNGCodec", "FileIO"]),

        // MARK: - The image tokenizer
        .target(
            name: "VQGAN",
            dependencies: ["ModelConfiguration", "TensorMath", "SafeTensors", "Imaging", "FileIO"],
            swiftSettings: fastMath
        ),

        // MARK: - The executable
        .executableTarget(
            name: "omnichat",
            dependencies: [
                "ChatEngine", "ChameleonModel", "BPETokenizer", "SafeTensors", "NumPyFormat",
                "Imaging", "PNGCodec", "HalfBlockRendering", "VQGAN", "Sessions", "ChatUI", "TensorMath", "FileIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Fuzzing: every parser of untrusted input behind one function (Fuzz/ runs them)
        .target(name: "FuzzTargets", dependencies: ["SafeTensors", "ModelConfiguration", "BPETokenizer", "PNGCodec", "Sessions", "ChatUI"]),

        // MARK: - Tests
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "TensorMathTests", dependencies: ["TensorMath", "CKernels"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"]),
        .testTarget(name: "BPETokenizerTests", dependencies: ["BPETokenizer"]),
        .testTarget(name: "OmnichatCLITests", dependencies: ["omnichat", "ChatUI"]),
        .testTarget(name: "ChatEngineTests", dependencies: ["ChatEngine", "ChameleonModel"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "PNGCodecTests", dependencies: ["PNGCodec", "Imaging"]),
        .testTarget(name: "HalfBlockRenderingTests", dependencies: ["HalfBlockRendering", "Imaging"]),
        .testTarget(name: "ChatUITests", dependencies: ["ChatUI", "ChatEngine", "ChameleonModel", "HalfBlockRendering", "Imaging"]),
        .testTarget(name: "ChatEndToEndTests", dependencies: ["omnichat", "ChatUI", "VQGAN", "PNGCodec", "HalfBlockRendering", "Imaging"]),
        .testTarget(name: "ShowCommandTests", dependencies: ["omnichat", "HalfBlockRendering", "PNGCodec"]),
        .testTarget(name: "VQGANTests", dependencies: ["VQGAN", "Imaging", "SafeTensors", "ModelConfiguration", "NumPyFormat"]),
        .testTarget(name: "VQCommandTests", dependencies: ["omnichat", "ChameleonModel", "PNGCodec", "Imaging", "NumPyFormat"]),
        .testTarget(name: "SessionsTests", dependencies: ["Sessions", "ChatEngine", "ChameleonModel", "Imaging", "PNGCodec"]),
        .testTarget(name: "SessionCommandTests", dependencies: ["omnichat", "Sessions", "ChatEngine", "ChameleonModel", "PNGCodec", "VQGAN"]),
        .testTarget(name: "ChameleonModelTests", dependencies: ["ChameleonModel", "SafeTensors", "BPETokenizer", "NumPyFormat"]),
    ]
)
