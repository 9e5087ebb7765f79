// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "spendtop",
    products: [
        .executable(name: "spendtop", targets: ["spendtop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // System libraries: module maps only; the C shims for macros and variadics live in CShims.
        .systemLibrary(name: "CCurses", path: "Sources/CCurses"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        // libpq (Debian libpq-dev) for the postgres:// source; no Swift Postgres package (build time).
        .systemLibrary(name: "CPQ", path: "Sources/CPQ", providers: [.apt(["libpq-dev"])]),
        .target(name: "CShims", dependencies: ["CCurses", "CSQLite", "CCurl"], path: "Sources/CShims",
                linkerSettings: [.linkedLibrary("ncursesw"), .linkedLibrary("sqlite3"), .linkedLibrary("curl")]),

        // String-end masks (SSE2 movemask) for the native line scanner, 16 and 32 bytes at a time; header-only.
        .target(name: "CByteScan", path: "Sources/CByteScan"),
        // The ingest hot path lives here; runtime exclusivity checks cost ~10% of it (PERF.md §8).
        .target(name: "SpendCore", dependencies: ["CByteScan"], path: "Sources/SpendCore",
                swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        .target(name: "SpendIO", dependencies: ["SpendCore", "CShims", "CSQLite", "CCurl", "CPQ",
                                          .product(name: "TOMLKit", package: "TOMLKit")], path: "Sources/SpendIO"),
        .target(name: "SpendUI", dependencies: ["SpendCore", "CShims", "CCurses"], path: "Sources/SpendUI"),
        .executableTarget(
            name: "spendtop",
            dependencies: [
                "SpendCore", "SpendIO", "SpendUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/spendtop"
        ),

        // libFuzzer targets for the parsers: `make fuzz` (scripts/fuzz.sh) builds it with -sanitize=fuzzer,address.
        .executableTarget(name: "spendtop-fuzz", dependencies: ["SpendCore", "SpendIO"], path: "Sources/spendtop-fuzz"),

        .testTarget(name: "SpendCoreTests", dependencies: ["SpendCore"], path: "Tests/SpendCoreTests",
                    resources: [.copy("Fixtures")]),
        // Real servers for the tests (PostgreSQL, Prometheus), shared by the unit and end-to-end bundles.
        .target(name: "TestSupport", dependencies: ["SpendIO"], path: "Tests/TestSupport"),
        .testTarget(name: "SpendIOTests", dependencies: ["SpendIO", "SpendCore", "TestSupport"], path: "Tests/SpendIOTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "SpendUITests", dependencies: ["SpendUI", "SpendCore", "SpendIO"], path: "Tests/SpendUITests", exclude: ["Snapshots"]),
        .testTarget(name: "EndToEndTests", dependencies: ["SpendCore", "SpendIO", "TestSupport"], path: "Tests/EndToEndTests"),
    ],
    swiftLanguageModes: [.v5]
)
