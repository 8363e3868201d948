// swift-tools-version: 6.0
import PackageDescription

/// libFuzzer driver for omnichat's parsers. Built by tools/fuzz/run.sh with
/// `-sanitize=fuzzer,address` applied to every module, so coverage covers the parsers themselves.
/// Which parser runs is chosen by OMNICHAT_FUZZ_TARGET (see FuzzTarget in the main package).
let package = Package(
    name: "OmnichatFuzz",
    dependencies: [.package(name: "omnichat", path: "..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .executableTarget(
            name: "omnichat-fuzz",
            dependencies: ["CFuzzDriver", .product(name: "OmnichatFuzzTargets", package: "omnichat")]
        ),
    ]
)
