// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "copythat-observability",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PrometheusRegistry", targets: ["PrometheusRegistry"]),
        .library(name: "JSONLogging", targets: ["JSONLogging"]),
        .library(name: "Clients", targets: ["Clients"]),
        .library(name: "Probes", targets: ["Probes"]),
        .library(name: "CopyThatInstrumentation", targets: ["CopyThatInstrumentation"]),
        .library(name: "Alerting", targets: ["Alerting"]),
        .library(name: "CopyThatAPI", targets: ["CopyThatAPI"]),
        .library(name: "ExporterConfig", targets: ["ExporterConfig"]),
        .executable(name: "copythat-exporter", targets: ["CopyThatExporter"]),
        .executable(name: "copythat-api", targets: ["CopyThatAPIServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // No default traits: they link full Foundation (and with it ICU) and swift-configuration, which nothing here
        // uses; without them the exporter's resident memory is several megabytes smaller.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64.git", from: "1.2.0"),
    ],
    targets: [
        .target(name: "CRegistryShims"),
        .target(
            name: "PrometheusRegistry",
            dependencies: [
                "CRegistryShims",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
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
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/TestSupport"
        ),
        .systemLibrary(name: "CLibPQ", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibYAML", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CImageCodecs", providers: [.apt(["libpng-dev", "libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CLinuxEpoll"),
        .systemLibrary(name: "CLinuxMalloc"),
        .target(name: "LibYAML", dependencies: ["CLibYAML"]),
        .target(
            name: "Clients",
            dependencies: [
                "CLibPQ",
                "CHiredis",
                "CCurl",
                "CLinuxEpoll",
                "CLinuxMalloc",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Probes",
            dependencies: [
                "Clients",
                "PrometheusRegistry",
                "JSONLogging",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "CopyThatInstrumentation",
            dependencies: [
                "PrometheusRegistry",
                "JSONLogging",
                "Clients",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        .target(
            name: "Alerting",
            dependencies: [
                "Clients",
                "PrometheusRegistry",
                "JSONLogging",
                "LibYAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "ExporterConfig",
            dependencies: ["Alerting", "Clients", "LibYAML"]
        ),
        .executableTarget(
            name: "CopyThatExporter",
            dependencies: [
                "ExporterConfig",
                "Alerting",
                "Clients",
                "Probes",
                "CopyThatInstrumentation",
                "PrometheusRegistry",
                "JSONLogging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "LibYAML",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            linkerSettings: [
                // Release builds link with lld, pack relative relocations (DT_RELR, glibc 2.36+) and export no
                // symbols. A static-stdlib binary otherwise carries 2.4 MB of relocation records that the loader
                // reads, and keeps resident, at every start; and exports 23,000 symbols, whose tables every symbol
                // lookup of the shared C libraries searches first (another 1.4 MB resident). Nothing loads this
                // executable's symbols by name.
                // The code a running exporter executes goes first and together, in .text.hot
                // (scripts/copythat-exporter.ld, made by scripts/link-order.sh): the kernel maps code 64 KB around
                // every page touched, so spread over 16 MB it kept nearly all of it resident. Built with
                // scripts/build-exporter.sh, every function is in its own section and can be placed.
                .unsafeFlags(
                    [
                        "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic",
                        "-Xlinker", "-T", "-Xlinker", "\(Context.packageDirectory)/scripts/copythat-exporter.ld",
                    ],
                    .when(configuration: .release)
                )
            ]
        ),
        .target(
            name: "CopyThatAPI",
            dependencies: [
                "CImageCodecs",
                "Clients",
                "Probes",
                "CopyThatInstrumentation",
                "PrometheusRegistry",
                "JSONLogging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "CopyThatAPIServer",
            dependencies: [
                "CopyThatAPI",
                "JSONLogging",
                "Clients",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "copythat-embed-example",
            dependencies: [
                "CopyThatInstrumentation",
                "PrometheusRegistry",
                "JSONLogging",
                "Clients",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/Embedding"
        ),
        .testTarget(
            name: "PrometheusRegistryTests",
            dependencies: [
                "PrometheusRegistry",
                "TestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .testTarget(name: "LibYAMLTests", dependencies: ["LibYAML", "TestSupport"]),
        .testTarget(
            name: "JSONLoggingTests",
            dependencies: [
                "JSONLogging",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "ProbesTests", dependencies: ["Probes"]),
        .testTarget(
            name: "CopyThatAPITests",
            dependencies: [
                "CopyThatAPI",
                "CopyThatAPIServer",
                "Clients",
                "JSONLogging",
                "PrometheusRegistry",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ClientsTests",
            dependencies: [
                "Clients",
                "TestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CopyThatInstrumentationTests",
            dependencies: [
                "CopyThatInstrumentation",
                "PrometheusRegistry",
                "Clients",
                "JSONLogging",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "AlertingTests",
            dependencies: [
                "Alerting",
                "TestSupport",
            ]
        ),
        .testTarget(
            name: "ExporterTests",
            dependencies: [
                "Alerting",
                "CopyThatExporter",
                "ExporterConfig",
                "Clients",
                "Probes",
                "TestSupport",
                "PrometheusRegistry",
                "JSONLogging",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
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
