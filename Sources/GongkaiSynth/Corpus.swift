import GongkaiCore

/// One generated report: where to write it, its text, and the record the extractor should
/// produce from it (the data contract's shape, as `/work/shared/seeds/expected/*.json`).
public struct SyntheticReport: Sendable {
    /// Relative path, nested by year and city: `2023/chenglan/a000042-2023.txt`. The base name
    /// is unique in the corpus.
    public let fileName: String
    public let text: String
    public let expected: JSON
    public let layout: LayoutFamily
    /// For `traditional`, the text family it was converted from.
    public let baseLayout: LayoutFamily
    public let agency: SyntheticAgency
    public let year: Int
    /// The record as built (cells without source lines), e.g. for identity checks.
    public let record: Report
    /// The title's lines as the text prints them (before any conversion to traditional).
    public let titleLines: [String]
    public let titleStyle: TitleStyle

    /// The base name without extension, as `compare-extraction` matches records.
    public var name: String {
        let base = fileName.split(separator: "/").last.map(String.init) ?? fileName
        return String(base.prefix(while: { $0 != "." }))
    }
}

/// A deterministic corpus: the same seed gives the same reports, byte for byte, on every
/// machine. Agencies come one after another, each with a run of consecutive years (2019–2024),
/// so 上年结转 of a year is 结转下年度 of the year before. Reports are made lazily, one at a time.
public struct SyntheticCorpus: Sequence, Sendable {
    public let seed: UInt64
    public let count: Int
    /// Restrict the layout families drawn (tests use this); nil draws all of them.
    public let families: [LayoutFamily]?

    public init(seed: UInt64 = 1, count: Int, families: [LayoutFamily]? = nil) {
        self.seed = seed
        self.count = count
        self.families = families
    }

    public func makeIterator() -> Iterator { Iterator(corpus: self) }

    public struct Iterator: IteratorProtocol {
        let corpus: SyntheticCorpus
        var produced = 0
        var agencyIndex = 0
        var pending: [Report] = []
        var agency: SyntheticAgency? = nil

        init(corpus: SyntheticCorpus) { self.corpus = corpus }

        public mutating func next() -> SyntheticReport? {
            guard produced < corpus.count else { return nil }
            while pending.isEmpty {
                let a = Places.agency(index: agencyIndex, seed: corpus.seed)
                agency = a
                pending = SyntheticCorpus.years(of: a, seed: corpus.seed)
                agencyIndex += 1
            }
            produced += 1
            return SyntheticCorpus.render(pending.removeFirst(), agency: agency!, seed: corpus.seed, families: corpus.families)
        }
    }

    /// All reports of one agency (1–6 consecutive years), for generating agencies in parallel.
    /// `limit` keeps only the first reports (the corpus's last agency may be cut short).
    public static func reports(ofAgency index: Int, seed: UInt64, families: [LayoutFamily]? = nil, limit: Int = .max) -> [SyntheticReport] {
        let a = Places.agency(index: index, seed: seed)
        return years(of: a, seed: seed).prefix(limit).map { render($0, agency: a, seed: seed, families: families) }
    }

    /// How many reports agency `index` has (cheap: its figures are not made), so a writer can
    /// cut the corpus at `count` while agencies are generated in parallel.
    public static func reportCount(ofAgency index: Int, seed: UInt64) -> Int { yearRange(index, seed: seed).count }

    static func yearRange(_ index: Int, seed: UInt64) -> ClosedRange<Int> {
        var rng = SplitMix64(seed: seed, stream: UInt64(index), 3)
        let span = [1, 2, 3, 4, 5, 6][rng.weighted([1, 1.5, 2, 2, 1.5, 2])]
        let first = rng.int(2019...(2025 - span))
        return first...(first + span - 1)
    }

    static func years(of a: SyntheticAgency, seed: UInt64) -> [Report] {
        Figures.years(of: a, yearRange(a.index, seed: seed), seed: seed)
    }

    static func render(_ record: Report, agency: SyntheticAgency, seed: UInt64, families: [LayoutFamily]?) -> SyntheticReport {
        let year = record.year ?? 0
        var rng = SplitMix64(seed: seed, stream: UInt64(agency.index), 100 + UInt64(year))
        let pool = families ?? LayoutFamily.allCases
        let weights = pool.map { f -> Double in
            switch f { case .tabbed: return 4; case .cellPerLine: return 3; case .spaced: return 2; case .html: return 3; case .markdown: return 1; case .traditional: return 0.7 }
        }
        let layout = pool[rng.weighted(weights)]
        let base = layout == .traditional ? [LayoutFamily.tabbed, .cellPerLine, .spaced, .markdown][rng.below(4)] : layout
        var truth = record
        if base.canLeaveReviewBlank, rng.chance(0.08), var rl = truth.reviewLitigation {
            // The report leaves the 行政复议 cells empty (seeds 000 and 004).
            rl.groups[0].cells = Array(repeating: .blank(line: nil), count: 5)
            truth.reviewLitigation = rl
        }
        // Narrative: mostly a few KB like most real reports, one in ten long (up to about 40 KB).
        let narrative = Int(rng.chance(0.9) ? rng.logUniform(1200, 5000) : rng.logUniform(5000, 38000))
        var doc = DocumentBuilder.build(truth, narrativeBytes: narrative, &rng)
        var text: String
        switch base {
        case .tabbed: text = Layouts.tabbed(&doc, &rng)
        case .cellPerLine: text = Layouts.cellPerLine(&doc, &rng)
        case .spaced: text = Layouts.spaced(&doc, &rng)
        case .html: text = Layouts.html(&doc, &rng)
        case .markdown: text = Layouts.markdown(&doc, &rng)
        case .traditional: text = Layouts.tabbed(&doc, &rng)
        }
        if layout == .traditional { text = TraditionalMap.convert(text) }
        let name = "a" + String(agency.index + 1_000_000).dropFirst() + "-\(year)"
        let ext = layout == .traditional ? base.fileExtension : layout.fileExtension
        return SyntheticReport(fileName: "\(year)/\(agency.citySlug)/\(name).\(ext)", text: text,
                               expected: truth.json(includeSourceAndDiagnostics: false),
                               layout: layout, baseLayout: base, agency: agency, year: year, record: truth,
                               titleLines: doc.printedTitle, titleStyle: doc.titleStyle)
    }
}
