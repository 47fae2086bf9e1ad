// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "copythat-observability",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PrometheusRegistry", targets: ["PrometheusRegistry"]),
        .library(name: "JSONLogging", targets: ["JSONLogging"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .target(name: "CRegistryShims"),
        .target(
            name: "PrometheusRegistry",
            dependencies: [
                "CRegistryShims",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "JSONLogging",
            dependencies: [
                .product(name: "Logging", package: "swift-log")
            ]
        ),
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "PrometheusRegistryTests",
            dependencies: [
                "PrometheusRegistry",
                "TestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "JSONLoggingTests",
            dependencies: [
                "JSONLogging",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system && target.name != "CRegistryShims" {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
