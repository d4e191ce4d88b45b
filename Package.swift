// swift-tools-version: 6.0
import PackageDescription

/// Migration files, in order; each has an `.up.sql` and a `.down.sql` in Resources/migrations.
/// `SwitchyardResources.migrations` names each one's embedded text again (the compiler checks
/// those names exist here), and a test checks both against the folder.
let migrations = [
    "0001_adopt_seed_tables",
    "0002_queue_columns",
    "0003_routers_and_control",
    "0004_audit_and_notify_triggers",
    "0005_monitor_indexes",
    "0006_attempt_minutes",
    "0007_router_liveness",
    "0008_queue_upkeep",
    "0009_alerts",
    "0010_schedules",
    "0011_account_figures",
    "0012_account_observers",
    "0013_held_from",
    "0014_bounded_derived_tables",
    "0015_archive_ledger",
    "0016_database_identity",
    "0017_order_ledger",
    "0018_alert_secrets",
    "0019_refusals_name_and_superseded_parts",
    "0020_unsent_orders",
    "0021_routed_accounts",
    "0022_trade_id_statistics",
]
let migrationResources: [Resource] = migrations.flatMap {
    [Resource.embedInCode("migrations/\($0).up.sql"), .embedInCode("migrations/\($0).down.sql")]
}

let package = Package(
    name: "Switchyard",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SwitchyardEngine", targets: ["SwitchyardEngine"]),
        .executable(name: "switchyard", targets: ["switchyard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // No pkgConfig: SwiftPM rejects the -D flags ncursesw's .pc gives; the shim defines
        // NCURSES_WIDECHAR instead (docs/pitfalls.md).
        .systemLibrary(name: "CNCurses", providers: [.apt(["libncurses-dev"])]),
        // Archive files: gzip through zlib and SHA-256 through OpenSSL's libcrypto, both small
        // system libraries, instead of Swift packages (Sources/CZlib/shim.h says more).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "SwitchyardResources",
            path: "Resources",
            // Installed by hand, not embedded: the systemd unit and the Prometheus examples.
            exclude: ["systemd", "prometheus"],
            resources: migrationResources + [.embedInCode("accounts.example.json")]
        ),
        // libcurl for alert webhooks, loaded with dlopen when the first one is sent.
        .target(name: "CCurl"),
        .target(
            name: "SwitchyardEngine",
            dependencies: [
                "CLibPQ",
                "CCurl",
                "CZlib",
                "CLibCrypto",
                "SwitchyardResources",
                // Counters only; the exposition format and the HTTP server live in SwitchyardMetrics.
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // The small HTTP/1.1 server the metrics endpoint and the broker simulator share.
        .target(name: "SwitchyardHTTP", dependencies: ["SwitchyardEngine"]),
        // A broker speaking the order webhook's protocol on 127.0.0.1, with faults on demand and
        // a ledger to read: for tests, benchmarks and the live demo (docs/router.md).
        .target(name: "SwitchyardBroker", dependencies: ["SwitchyardEngine", "SwitchyardHTTP"]),
        // `--metrics-listen`: Prometheus' text format at /metrics and a health check at /healthz.
        .target(
            name: "SwitchyardMetrics",
            dependencies: [
                "SwitchyardEngine",
                "SwitchyardHTTP",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "SwitchyardTUI",
            dependencies: ["SwitchyardEngine", "CNCurses"]
        ),
        .executableTarget(
            name: "switchyard",
            dependencies: [
                "SwitchyardEngine",
                "SwitchyardTUI",
                "SwitchyardMetrics",
                "SwitchyardHTTP",
                "SwitchyardBroker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helpers shared by the test targets (running tmux and other programs); not shipped.
        .target(name: "SwitchyardTestSupport", path: "Tests/SwitchyardTestSupport"),
        .testTarget(name: "SwitchyardEngineTests",
                    dependencies: ["SwitchyardEngine", "SwitchyardTUI", "SwitchyardMetrics", "SwitchyardTestSupport",
                                   "SwitchyardHTTP", "SwitchyardBroker",
                                   .product(name: "CoreMetrics", package: "swift-metrics"),
                                   .product(name: "Prometheus", package: "swift-prometheus")],
                    // The released texts of migrations since rewritten to run online, read by path.
                    exclude: ["Migrations/Released"]),
        .testTarget(
            name: "SwitchyardTUITests",
            dependencies: ["SwitchyardTUI", "SwitchyardEngine", "SwitchyardTestSupport"],
            exclude: ["Snapshots"]
        ),
        // The command line as an operator meets it: the built `switchyard` binary, run as a child
        // process (exit statuses, error messages, arguments).
        .testTarget(name: "SwitchyardCLITests", dependencies: ["SwitchyardEngine", "SwitchyardTestSupport", "SwitchyardBroker"],
                    exclude: ["Snapshots"]),
    ],
    swiftLanguageModes: [.v6]
)
