import Testing
@testable import GongkaiSite

/// Whether templates show the corpus's counts (then every page depends on them).
@Suite struct TemplateCountsTests {
    func shows(_ text: String) -> Bool {
        var t = text
        return t.withUTF8(IncrementalBuild.showsCounts)
    }

    @Test func countsAndSectionsOverSiteAreFound() {
        #expect(shows("<p>{{site.reportCount}} 份报告</p>"))
        #expect(shows("{{ site.agencyCount }}"))
        #expect(shows("{{#site}}{{reportCount}}{{/site}}"))
        #expect(shows("{{^ site }}无{{/site}}"))
        #expect(shows("{{ #\tsite\n}}"))
    }

    @Test func otherTagsAreNot() {
        #expect(!shows("{{site.title}} {{#sites}}{{/sites}} {{#siteName}}"))
        #expect(shows("{{ site.reportCounts }}"), "taken as showing them: a longer name that starts with one is rare, and a page rendered for nothing costs nothing but time")
        #expect(!shows("site.report Count"))
        #expect(!shows("{{"))
        #expect(!shows(""))
    }
}
