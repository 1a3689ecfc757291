import Testing
import GongkaiCore
import GongkaiCheck
import GongkaiAggregate
import GongkaiSite

@Suite struct AggregateTests {
    func checked(_ agency: String, _ year: Int, _ path: String, received: Int = 10, carriedOver: Int = 0, carriedForward: Int = 1,
                 notHeld: Int = 3, blankGranted: Bool = false, blankReview: Bool = false) -> CheckedReport {
        SiteFixture.load(SiteFixture.report(agency: agency, year: year, received: received, carriedOver: carriedOver,
                                            carriedForward: carriedForward, notHeld: notHeld, blankGranted: blankGranted,
                                            blankReview: blankReview), path).checked
    }

    @Test func ratesExcludeBlanksAndSayTheirCoverage() throws {
        // A: 10 received, total 9, granted 6. B: 20 received, total 19, 予以公开 blank.
        let a = checked("青禾市甲局", 2023, "a.txt", received: 10)
        let b = checked("青禾市乙局", 2023, "b.txt", received: 20, blankGranted: true)
        #expect(b.report.applications?["granted"]?[6].state == .blank)
        let agg = Aggregator.aggregate([a, b])
        let t = try #require(agg.years.first?.totals[.department])
        #expect(t[.received].value == 30 && t[.received].covered == 2 && t[.received].of == 2)
        // 予以公开: only A's, and it says so — the blank is not read as 0.
        #expect(t[.granted].value == 6 && t[.granted].covered == 1 && t[.granted].of == 2)
        #expect(t[.granted].coverageText == "1 / 2 份报告")
        // 公开率 over A only: 6 / 9, not 6 / 28.
        let p = t[.disclosure]
        #expect(p.covered == 1 && p.of == 2)
        #expect(p.numerator == 6 && p.denominator == 9)
        #expect(abs(p.value! - 6.0 / 9.0) < 1e-12)
        // 无法提供率 uses both (it does not need 予以公开): (3 + 3) / (9 + 19).
        #expect(t[Rate.unavailable].covered == 2 && abs(t[Rate.unavailable].value! - 6.0 / 28.0) < 1e-12)
        // A report's own rate is nil when a figure it needs is blank.
        #expect(agg.entries[1].figures.rate(.disclosure) == nil)
        #expect(agg.entries[1].figures[.denied] == 0)
    }

    @Test func rateDefinitions() {
        let f = checked("青禾市甲局", 2023, "a.txt", received: 10, carriedOver: 2, carriedForward: 3, notHeld: 4)
        let x = Figures.of(f.report)
        // total = 10 + 2 − 3 = 9; granted = 5; 不掌握 4.
        #expect(x[.handled] == 9 && x[.granted] == 5 && x[.notHeld] == 4 && x[.unavailable] == 4)
        #expect(x.rate(.disclosure) == 5.0 / 9.0)
        #expect(x.rate(.notHeld) == 4.0 / 9.0)
        #expect(x.rate(.carryForward) == 3.0 / 12.0)
        // Review: 维持 1, 纠正 1, 总计 2; litigation: direct 0 of 0, after review 纠正 1 of 1.
        #expect(x.rate(.reviewCorrection) == 0.5)
        #expect(x.rate(.litigationCorrection) == 1)
        #expect(x[.penalty] == 7)
        let blank = Figures.of(checked("青禾市甲局", 2023, "a.txt", blankReview: true).report)
        #expect(blank[.reviewTotal] == nil && blank.rate(.reviewCorrection) == nil)
    }

    @Test func levelsAreNeverAddedTogether() {
        let gov = checked("青禾市石桥区人民政府", 2023, "gov.txt", received: 100)
        let dept = checked("青禾市石桥区教育局", 2023, "dept.txt", received: 10)
        let office = checked("青禾市石桥区人民政府办公室", 2023, "office.txt", received: 5)
        let agg = Aggregator.aggregate([gov, dept, office])
        let y = agg.years[0]
        #expect(y.totals[.rollup]?[.received].value == 100)
        #expect(y.totals[.department]?[.received].value == 15)
        #expect(agg.grand[.rollup]?.reportCount == 1 && agg.grand[.department]?.reportCount == 2)
        #expect(Level.infer("青禾高新区管委会青禾市石桥区人民政府") == .rollup)
        #expect(Level.infer("青禾市人民政府办公室") == .department)
        // The configuration can move a body.
        let moved = Aggregator.aggregate([gov, dept], configuration: AggregateConfiguration(levels: ["青禾市石桥区人民政府": .department]))
        #expect(moved.years[0].totals[.rollup] == nil && moved.years[0].totals[.department]?[.received].value == 110)
    }

    @Test func namesAreNormalizedAndAliasesMerge() {
        let a = checked("青禾市 环境保护局", 2021, "a.txt")
        let b = checked("青禾市生态环境局", 2022, "b.txt")
        let c = checked("青禾市生态环境局", 2023, "c.txt")
        let d = checked("青禾市环境保护局", 2022, "d.txt")
        #expect(Aggregator.aggregate([a, b, c]).agencies.count == 2)
        let agg = Aggregator.aggregate([a, b, c, d], configuration: AggregateConfiguration(aliases: ["青禾市生态环境局": ["青禾市环境保护局"]]))
        #expect(agg.agencies.count == 1)
        #expect(agg.agencies[0].name == "青禾市生态环境局")
        #expect(Set(agg.agencies[0].names.map(AgencyName.normalize)) == ["青禾市生态环境局", "青禾市环境保护局"])
        // d and b are now the same body in 2022: both flagged, neither counted.
        #expect(agg.entries.filter(\.duplicate).map(\.source).sorted() == ["corpus/b.txt", "corpus/d.txt"])
        #expect(agg.years.first { $0.year == 2022 }?.totals[.department] == nil)
    }

    @Test func crossYearCarryOverIsChecked() {
        let y1 = checked("青禾市甲局", 2021, "2021.txt", received: 10, carriedForward: 2)
        let y2 = checked("青禾市甲局", 2022, "2022.txt", received: 10, carriedOver: 2, carriedForward: 1)
        let y3 = checked("青禾市甲局", 2023, "2023.txt", received: 10, carriedOver: 4, carriedForward: 0)
        let agg = Aggregator.aggregate([y1, y2, y3])
        let checks = agg.agencies[0].crossYear
        #expect(checks.map(\.year) == [2022, 2023])
        #expect(checks[0].status == .holds)
        #expect(checks[1].status == .breaks && checks[1].carriedOver == 4 && checks[1].previousCarriedForward == 1)
        let findings = agg.findings.filter { $0.source == "corpus/2023.txt" }
        #expect(findings.count == 1 && findings[0].diagnostic.severity == .warning)
        #expect(findings[0].diagnostic.message.contains("corpus/2022.txt"))
        #expect(findings[0].diagnostic.line != nil)
    }

    @Test func yearOverYearIsLikeForLike() throws {
        let a1 = checked("青禾市甲局", 2022, "a1.txt", received: 10)
        let a2 = checked("青禾市甲局", 2023, "a2.txt", received: 15)
        let b2 = checked("青禾市乙局", 2023, "b2.txt", received: 100)
        let agg = Aggregator.aggregate([a1, a2, b2])
        let ch = try #require(agg.years.last?.changes[.department]?.first { $0.metric == .received })
        // 乙局 has no 2022 report: the change is 10 → 15 over one agency, not 10 → 115.
        #expect(ch.previous == 10 && ch.current == 15 && ch.agencies == 1)
        #expect(ch.ratio == 0.5)
    }

    @Test func textOrderRanksAsStringsSort() {
        // Plain text (CJK and ASCII) ranks by bytes; the ranks sort as `<` sorts.
        let plain = ["青禾市乙局", "青禾市甲局", "a局", "青禾市", "青禾市乙局", "Z"]
        let ranks = TextOrder.ranks(plain)
        #expect(plain.indices.sorted { (ranks[$0], $0) < (ranks[$1], $1) }.map { plain[$0] } == plain.sorted())
        #expect(ranks[0] == ranks[4])
        // With a decomposed é the whole list is compared as Strings: é and e + U+0301 are equal.
        let mixed = ["e\u{301}局", "é局", "d局"]
        let r = TextOrder.ranks(mixed)
        #expect(r[0] == r[1] && r[2] < r[0])
        #expect(TextOrder.isPlain("青禾市（甲）局") && !TextOrder.isPlain("e\u{301}") && !TextOrder.isPlain("〪"))
    }

    @Test func canonicallyEqualNamesAreOneAgency() {
        // The same name in composed and decomposed form: one agency, whatever the bytes.
        let agg = Aggregator.aggregate([checked("青禾市é局", 2022, "a.txt"), checked("青禾市e\u{301}局", 2023, "b.txt")])
        #expect(agg.agencies.count == 1)
        #expect(agg.agencies.first?.entries.count == 2)
    }

    @Test func regionChainsOfUnusualSpellingsMatchTheUsualOnes() {
        // Full-width spaces and letters go through normalization; the chain is the same.
        #expect(AgencyName.regionChain("广州市荔湾区协作办公室\u{3000}") == ["广州市", "广州市荔湾区"])
        #expect(AgencyName.regionChain("广州市荔湾区ＡＢ办公室") == ["广州市", "广州市荔湾区"])
        #expect(AgencyName.regionChain("广州市荔湾区协作办公室  ") == ["广州市", "广州市荔湾区"])
        #expect(Level.infer("青禾市人民政府") == .rollup && Level.infer("青禾市人民政府办公室") == .department)
    }

    @Test func regionsFromNamesAndRules() {
        #expect(AgencyName.regionChain("广州市荔湾区协作办公室") == ["广州市", "广州市荔湾区"])
        #expect(AgencyName.regionChain("广州市市场监督管理局") == ["广州市"])
        #expect(AgencyName.regionChain("广东省人民政府办公厅") == ["广东省"])
        #expect(AgencyName.regionChain("广州开发区管委会 广州市黄埔区人民政府") == ["广州市", "广州市黄埔区"])
        #expect(AgencyName.regionChain("国家统计局") == [])
        #expect(Aggregator.regionChain(for: "青禾高新区管委会", rules: [RegionRule(match: "青禾高新区", region: "青禾市石桥区")]) == ["青禾市", "青禾市石桥区"])
        let agg = Aggregator.aggregate([checked("青禾市甲局", 2023, "a.txt", received: 10), checked("青禾市石桥区乙局", 2023, "b.txt", received: 5)])
        let city = agg.region("青禾市")!, district = agg.region("青禾市石桥区")!
        #expect(district.parent == "青禾市" && city.children == ["青禾市石桥区"])
        // The city's totals include its district's.
        #expect(city.totals[2023]?[.department]?[.received].value == 15)
        #expect(district.totals[2023]?[.department]?[.received].value == 5)
    }

    @Test func reportsWithoutATitleAreNotCounted() {
        let text = SiteFixture.report(agency: "青禾市甲局", year: 2023).replacingOccurrences(of: "青禾市甲局2023年政府信息公开工作年度报告", with: "")
        let broken = SiteFixture.load(text, "broken.txt").checked
        let agg = Aggregator.aggregate([broken, checked("青禾市乙局", 2023, "b.txt")])
        #expect(agg.entries[0].counted == false)
        #expect(agg.countedReports == 1)
    }
}
