// swift-tools-version:6.2
import PackageDescription

// The root package's identity is its folder's name, whatever the clone is called.
let root = Context.packageDirectory.split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "main"

// libFuzzer targets for every parser that reads untrusted bytes. A separate package, so that the product's own build
// never carries the fuzzer's flags: build and run with `scripts/fuzz.sh TARGET SECONDS`.
let package = Package(
    name: "copythat-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "copythat-fuzz",
            dependencies: [
                "CFuzzerDriver",
                .product(name: "Alerting", package: root),
                .product(name: "Clients", package: root),
                .product(name: "ExporterConfig", package: root),
                .product(name: "JSONLogging", package: root),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
