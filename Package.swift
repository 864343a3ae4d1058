// swift-tools-version: 6.0
import PackageDescription

// Layering (see DESIGN.md): fovea (CLI) → FoveaTrain → FoveaModels, FoveaData → FoveaNN → FoveaCore → CKernels (which loads OpenBLAS).
// A module imports only modules below it.
let package = Package(
    name: "Fovea",
    products: [
        .library(name: "FoveaCore", targets: ["FoveaCore"]),
        .library(name: "FoveaNN", targets: ["FoveaNN"]),
        .library(name: "FoveaData", targets: ["FoveaData"]),
        .library(name: "FoveaModels", targets: ["FoveaModels"]),
        .library(name: "FoveaTrain", targets: ["FoveaTrain"]),
        .executable(name: "fovea", targets: ["fovea"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Convolution micro-kernels in C: AVX2/FMA and AVX-512 per function, chosen at run time (no
        // unsafe flags); on Linux also the loader of OpenBLAS (apt: libopenblas0, or libopenblas-dev),
        // which Fovea opens itself to choose its kernels (blas_loader.c). Apple platforms use Accelerate.
        .target(name: "CKernels", path: "Sources/CKernels",
                linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        .target(name: "FoveaCore", dependencies: ["CKernels"]),
        .target(name: "FoveaNN", dependencies: ["FoveaCore"]),
        // zlib for gzip'd datasets (apt: zlib1g-dev, which libpng-dev pulls in; part of Apple's SDKs).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // PNG and JPEG through libpng and libjpeg-turbo (apt: libpng-dev, libjpeg-dev); C because
        // libjpeg reports errors by longjmp, which Swift cannot catch.
        .target(name: "CImageCodecs", path: "Sources/CImageCodecs",
                linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),
        .target(name: "FoveaData", dependencies: ["FoveaCore", "CZlib", "CImageCodecs"]),
        .target(name: "FoveaModels", dependencies: ["FoveaNN"]),
        .target(name: "FoveaTrain", dependencies: ["FoveaModels", "FoveaData", "FoveaNN"]),
        .executableTarget(
            name: "fovea",
            dependencies: [
                "FoveaTrain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Winograd against im2col + GEMM per layer shape (BENCHMARKS.md); not a product.
        .executableTarget(name: "convolution-bench", dependencies: ["FoveaCore", "CKernels", "FoveaTestSupport"], path: "Benchmarks/ConvolutionBench"),
        // Helpers shared by the test targets (gradient checks, fixture loading) and convolution-bench; not a product.
        .target(name: "FoveaTestSupport", dependencies: ["FoveaCore"], path: "Tests/FoveaTestSupport"),
        .testTarget(name: "FoveaCoreTests", dependencies: ["FoveaCore", "FoveaTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FoveaNNTests", dependencies: ["FoveaNN", "FoveaTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FoveaDataTests", dependencies: ["FoveaData", "FoveaTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FoveaModelsTests", dependencies: ["FoveaModels", "FoveaTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FoveaTrainTests", dependencies: ["FoveaTrain", "FoveaTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "foveaTests", dependencies: ["fovea", "FoveaCore", "FoveaData"]),
    ],
    swiftLanguageModes: [.v5]
)
