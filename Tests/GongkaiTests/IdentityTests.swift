import Testing
import GongkaiCore
import GongkaiCheck

@Suite("Identities")
struct IdentityTests {
    @Test func aBrokenTotalIsReportedWithItsNumbers() {
        // The fixture prints 总计 37 in the 总计 column although its rows add up to 36.
        let c = Fixture.extract("extract/cell-per-line-2019.txt")
        let messages = c.report.diagnostics.filter { $0.severity == .warning }.map(\.message)
        #expect(messages.contains("新收 37 + 上年结转 2 = 39, but 总计 37 + 结转下年度 3 = 40 (总计 column)"))
        #expect(messages.contains("总计 is 37, but the handling rows (三（一）to（六）) add up to 36 (总计 column)"))
        #expect(messages.contains("row （七）总计: the six applicant cells add up to 36, but 总计 is 37"))
        #expect(c.identities.filter(\.isBreak).count == 3)
        #expect(c.report.diagnostics.first { $0.message.hasPrefix("新收 37") }?.line == 247)
    }

    @Test func consistentReportsHaveNoBreaks() {
        let c = Fixture.extract("extract/pipes-2021.md")
        #expect(c.identities.allSatisfy { $0.holds })
        #expect(c.identities.count == 7 * 2 + 25 + 3)
    }

    @Test func anIdentityTouchingABlankCellIsNotCheckableNotABreak() {
        let c = Fixture.extract("extract/tab-2021.txt")
        let review = c.identities.first { $0.identity == .reviewTotal && $0.scope == "行政复议" }
        #expect(review?.status == .notCheckable(blank: ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]))
        let natural = c.identities.first { $0.identity == .handlingTotal && $0.scope == "自然人 column" }
        #expect(natural?.status == .notCheckable(blank: ["（二）部分公开"]))
        #expect(c.identities.filter(\.isBreak).isEmpty)
    }
}

@Suite("Identities in Chinese")
struct ChineseIdentityTests {
    @Test func aBreakReadsInChineseWithTheSameNumbers() {
        let c = Fixture.extract("extract/cell-per-line-2019.txt")
        let zh = c.identities.filter(\.isBreak).map(\.messageZH)
        #expect(zh.contains("新收 37 + 上年结转 2 = 39，但 总计 37 + 结转下年度 3 = 40（总计列）"))
        #expect(zh.contains("总计 为 37，但 三（一）至（六）各办理结果之和为 36（总计列）"))
        #expect(zh.contains("（七）总计 行：六类申请人之和为 36，但 总计 为 37"))
    }

    @Test func notCheckableReadsInChinese() {
        let c = Fixture.extract("extract/tab-2021.txt")
        let review = c.identities.first { $0.identity == .reviewTotal && $0.scope == "行政复议" }
        #expect(review?.messageZH == "行政复议无法核对 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计：五格均为空")
    }
}
