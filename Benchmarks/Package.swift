// swift-tools-version:6.2
import PackageDescription

// The root package's identity is its folder's name, whatever the clone is called.
let root = Context.packageDirectory.split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "main"

// A separate package, so that the product never depends on the peers it is measured against.
let package = Package(
    name: "copythat-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .target(name: "BenchmarkSupport"),
        .executableTarget(
            name: "registry-bench",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "PrometheusRegistry", package: root),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(
            name: "logging-bench",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "JSONLogging", package: root),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "instrumentation-bench",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "CopyThatInstrumentation", package: root),
                .product(name: "PrometheusRegistry", package: root),
                .product(name: "JSONLogging", package: root),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "rule-eval",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Alerting", package: root),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
