// swift-tools-version:6.0
import PackageDescription

// The pipeline is visible in the targets: read → extract → check → aggregate → render → write (site).
let package = Package(
    name: "gongkai",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gongkai", targets: ["gongkai"]),
        .library(name: "GongkaiExtract", targets: ["GongkaiExtract"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // The lightest server on the mirror: Swift concurrency over BSD sockets, WebSockets built in, no NIO.
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.0"),
        // SHA-256 of the inputs of incremental builds (the outputs' hashes are XXH3, from libxxhash).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
    ],
    targets: [
        // System libraries (Debian: libcmark-dev, libopencc-dev, libjemalloc-dev, libxxhash-dev).
        .systemLibrary(name: "CCmark", pkgConfig: "libcmark", providers: [.apt(["libcmark-dev"])]),
        .systemLibrary(name: "COpenCC", pkgConfig: "opencc", providers: [.apt(["libopencc-dev"])]),
        // The executable's allocator: a site build allocates millions of small strings and arrays
        // on both cores, and jemalloc does that about 15 % faster than glibc's malloc (BENCHMARKS.md).
        .systemLibrary(name: "CJemalloc", pkgConfig: "jemalloc", providers: [.apt(["libjemalloc-dev"])]),
        // The hash of every output file, to tell a changed page from an unchanged one: XXH3-128
        // runs at memory speed, where SHA-256 took 6 % of a full build's CPU (BENCHMARKS.md).
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),

        // The data contract: records, the form's schema, diagnostics.
        .target(name: "GongkaiCore"),
        // read: bytes → decoded, normalized logical lines (encodings, 繁→简, HTML, footers).
        .target(name: "GongkaiRead", dependencies: ["GongkaiCore", "COpenCC"]),
        // extract: logical lines → a record with every cell and its source line.
        .target(name: "GongkaiExtract", dependencies: ["GongkaiCore", "GongkaiRead"]),
        // check: the form's accounting identities (勾稽关系).
        .target(name: "GongkaiCheck", dependencies: ["GongkaiCore"]),
        // aggregate: agencies across years, years across agencies, regions, rates.
        .target(name: "GongkaiAggregate", dependencies: ["GongkaiCore", "GongkaiCheck"]),
        // render: Markdown through libcmark, templates.
        .target(name: "GongkaiRender", dependencies: [
            "GongkaiCore", "CCmark",
            .product(name: "Mustache", package: "swift-mustache"),
        ]),
        // write: the site build as named steps.
        .target(name: "GongkaiSite", dependencies: [
            "GongkaiCore", "GongkaiRead", "GongkaiExtract", "GongkaiCheck", "GongkaiAggregate", "GongkaiRender",
            "CXXHash",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // serve: the built site on 127.0.0.1, rebuilt when the corpus, templates or configuration change.
        .target(name: "GongkaiServe", dependencies: [
            "GongkaiCore", "GongkaiSite",
            .product(name: "FlyingFox", package: "FlyingFox"),
        ]),
        // synth: realistic generated reports (both forms, every layout family) for tests and benchmarks.
        .target(name: "GongkaiSynth", dependencies: ["GongkaiCore"]),
        // The commands, as a library so tests can reach them; the executable only calls in.
        .target(name: "GongkaiCommands", dependencies: [
            "GongkaiCore", "GongkaiRead", "GongkaiExtract", "GongkaiCheck", "GongkaiSite", "GongkaiSynth",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "gongkai", dependencies: ["GongkaiCommands", "CJemalloc"]),
        // The server behind `gongkai serve`, a program of its own so that the server's networking
        // libraries do not slow every other command's start (not a dependency of `gongkai`: an
        // executable's dependencies are linked into it, and these are what is kept out).
        .executableTarget(name: "gongkai-serve", dependencies: ["GongkaiCommands", "GongkaiServe", "CJemalloc"]),
        // Benchmarks print figures (see BENCHMARKS.md); they are not timed tests.
        .executableTarget(name: "gongkai-bench", dependencies: [
            "GongkaiRead", "GongkaiExtract",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // A fuzz target: scripts/fuzz builds it with libFuzzer; built normally it replays inputs.
        .executableTarget(name: "gongkai-fuzz", dependencies: [
            "GongkaiCore", "GongkaiCheck", "GongkaiExtract", "GongkaiRender", "GongkaiSite",
        ]),
        .testTarget(name: "GongkaiTests", dependencies: [
            "GongkaiCore", "GongkaiRead", "GongkaiExtract", "GongkaiCheck", "GongkaiAggregate",
            "GongkaiRender", "GongkaiSite", "GongkaiSynth", "GongkaiCommands", "gongkai", "gongkai-serve",
        ], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
