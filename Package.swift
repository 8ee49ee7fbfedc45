// swift-tools-version:6.1
import PackageDescription

/// The folder tree is the architecture:
/// `Protocol/` (wire contract) ← `Sources/` (core: plan, operations, merge, rules)
/// ← `Server/` and `Client/` (thin shells: HTTP, storage, CLI). The shells never import each other.
let package = Package(
    name: "plansync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "plansync-server", targets: ["plansync-server"]),
        .executable(name: "plansync", targets: ["plansync"]),
        .executable(name: "plansync-bench", targets: ["plansync-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Already in the graph through Hummingbird; named for the connection guards' NIO types.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.0"),
        // What an operator watches: swift-metrics is in the graph through Hummingbird already.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The county's web pages: HTML templates escaped by the engine, and bcrypt for passwords.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "PlansyncProtocol",
            dependencies: ["CZlib"],
            path: "Protocol/PlansyncProtocol"
        ),
        .target(
            name: "PlansyncCore",
            // Crypto: the SHA-256 of a submitted version's content, computed alike by client and county.
            dependencies: ["PlansyncProtocol", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/PlansyncCore",
            exclude: ["Reference/nomenclator-sources.md"],
            resources: [.copy("Reference/siruta-uat.csv"), .copy("Reference/nomenclator-servicii.csv")]
        ),
        .target(
            name: "PlansyncServerKit",
            dependencies: [
                "PlansyncCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            path: "Server/PlansyncServerKit",
            resources: [.copy("Web/Templates")]
        ),
        .executableTarget(
            name: "plansync-server",
            dependencies: [
                "PlansyncServerKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Server/plansync-server"
        ),
        .target(
            name: "PlansyncClientKit",
            dependencies: [
                "PlansyncCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Client/PlansyncClientKit"
        ),
        .target(
            name: "PlansyncClientUI",
            // The commune's web page (`plansync ui`): the same edits as the CLI, served on localhost.
            dependencies: [
                "PlansyncClientKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Client/PlansyncClientUI",
            resources: [.copy("Templates")]
        ),
        .executableTarget(
            name: "plansync",
            dependencies: [
                "PlansyncClientKit",
                "PlansyncClientUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Client/plansync"
        ),
        .executableTarget(
            name: "plansync-bench",
            dependencies: ["PlansyncServerKit", "PlansyncClientKit", "PlansyncClientUI"],
            path: "Benchmarks/plansync-bench"
        ),
        .testTarget(
            name: "PlansyncCoreTests",
            dependencies: ["PlansyncCore"],
            path: "Tests/PlansyncCoreTests"
        ),
        .testTarget(
            name: "PlansyncSystemTests",
            dependencies: ["PlansyncServerKit", "PlansyncClientKit", "PlansyncClientUI"],
            path: "Tests/PlansyncSystemTests"
        ),
    ]
)
