// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "labbook",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "labbook", targets: ["labbook"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
  ],
  targets: [
    .systemLibrary(
      name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
    .systemLibrary(
      name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
    .target(name: "HDF5Kit", dependencies: ["CHDF5"]),
    .target(
      name: "LabbookCore",
      dependencies: ["CLabbookSupport", .product(name: "Crypto", package: "swift-crypto")]),
    .target(name: "CLabbookSupport", exclude: ["make_powers_of_five.py"]),
    .target(name: "LabbookData", dependencies: ["HDF5Kit", "LabbookCore", "CLabbookSupport"]),
    // The learners' inner loops are optimised even in debug builds, so the test suite (which trains
    // hundreds of models) stays fast; everything else keeps debug settings.
    .target(
      name: "LabbookML", dependencies: ["LabbookData", "LabbookCore", "HDF5Kit", "CLabbookSupport"],
      swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
    .target(
      name: "LabbookNotebook",
      dependencies: ["LabbookCore", "CLabbookSupport", .product(name: "Crypto", package: "swift-crypto")]),
    .target(
      name: "LabbookRegistry",
      dependencies: [
        "LabbookML", "LabbookData", "LabbookCore", .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Logging", package: "swift-log"),
      ]),
    // Trained models as ONNX files; onnx-ml.pb.swift is generated from onnx-ml.proto (see its header).
    .target(
      name: "LabbookONNX",
      dependencies: [
        "LabbookML", "LabbookData", "LabbookCore", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      exclude: ["Generated/onnx-ml.proto"]),
    // AutoML trials as Slurm job arrays, and the `labbook trial` worker they run.
    .target(name: "LabbookSlurm", dependencies: ["LabbookML", "LabbookData", "LabbookCore"]),
    // Every result a statement can give, as plain values.
    .target(
      name: "LabbookValues",
      dependencies: ["LabbookData", "LabbookML", "LabbookNotebook", "LabbookCore", "LabbookRegistry", "LabbookONNX"]),
    // Values in; text, HTML, SVG and JSON out. No interpreter, no terminal.
    .target(
      name: "LabbookRender",
      dependencies: [
        "LabbookValues", "LabbookONNX", "LabbookData", "LabbookML", "LabbookNotebook", "LabbookCore", "LabbookRegistry",
      ]),
    .target(
      name: "LabbookLang",
      dependencies: [
        "LabbookData", "LabbookML", "LabbookNotebook", "LabbookCore", "LabbookRegistry", "LabbookValues",
        "LabbookRender", "LabbookONNX",
      ]),
    .executableTarget(
      name: "labbook",
      dependencies: [
        "LabbookLang", "LabbookNotebook", "LabbookCore", "LabbookRegistry", "LabbookData", "LabbookML", "HDF5Kit",
        "LabbookONNX", "LabbookRender", "LabbookSlurm", "CEditLine",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // libFuzzer targets (fuzz/README.md); without `-sanitize=fuzzer` the binary only explains itself.
    .executableTarget(
      name: "labbook-fuzz",
      dependencies: ["LabbookLang", "LabbookData", "LabbookML", "LabbookNotebook", "LabbookRegistry", "LabbookCore"],
      path: "fuzz/Sources/labbook-fuzz"),
    .executableTarget(
      name: "labbook-bench", dependencies: ["LabbookData", "LabbookML", "LabbookCore", "HDF5Kit"],
      path: "benchmarks/Sources/labbook-bench"),
    .testTarget(name: "HDF5KitTests", dependencies: ["HDF5Kit", "CHDF5"]),
    .testTarget(name: "LabbookCoreTests", dependencies: ["LabbookCore"]),
    .testTarget(name: "LabbookDataTests", dependencies: ["LabbookData", "LabbookCore", "HDF5Kit", "CHDF5"]),
    .testTarget(name: "LabbookMLTests", dependencies: ["LabbookML", "LabbookData", "LabbookCore"]),
    .testTarget(name: "LabbookNotebookTests", dependencies: ["LabbookNotebook", "LabbookCore"]),
    .testTarget(name: "LabbookLangTests", dependencies: ["LabbookLang", "LabbookData", "LabbookValues"]),
    .testTarget(
      name: "LabbookRenderTests", dependencies: ["LabbookRender", "LabbookValues", "LabbookML", "LabbookData"]),
    .testTarget(name: "LabbookRegistryTests", dependencies: ["LabbookRegistry", "LabbookML", "LabbookData"]),
    .testTarget(
      name: "LabbookEndToEndTests", dependencies: ["LabbookCore", "labbook"]),
  ],
  swiftLanguageModes: [.v6]
)
