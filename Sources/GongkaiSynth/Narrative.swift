/// Narrative text for the report's prose parts, from a bank of generic sentences written for
/// this generator. `#` stands for a number, `@` for the agency, `%` for the year.
/// The sentences avoid the words of the form's headings, so prose never looks like a table.
enum Narrative {
    static let overviewLeads = [
        "强化组织保障", "完善工作机制", "深化重点领域信息公开", "规范依申请公开办理", "加强平台建设",
        "抓好政策解读", "提升公开质量", "推进基层公开标准化", "加强保密审查", "优化互动回应",
    ]

    static let overview = [
        "%年，@按照上级部署要求，把公开工作列入年度重点任务，明确分管负责人和承办科室，形成一级抓一级的工作格局。",
        "全年通过门户网站发布各类信息#条，其中工作动态#条、通知公告#条，信息发布做到及时、准确、完整。",
        "我们对照公开目录逐项梳理栏目内容，清理过期链接#个，补充更新栏目#个，确保栏目内容与职责相符。",
        "围绕群众关注的热点事项，以图文、短视频等形式开展解读#次，让政策读得懂、找得到、用得上。",
        "建立公开属性源头认定机制，公文在起草环节即明确公开属性，印发后五个工作日内完成发布。",
        "严格执行发布前审核制度，坚持先审后发，全年未发生泄密或不当公开事件。",
        "依托政务新媒体平台推送信息#条，阅读量累计约#万人次，进一步拓宽了信息传播渠道。",
        "对依申请公开实行登记、审核、答复全流程台账管理，所有申请均在法定期限内答复。",
        "组织业务培训#场，参训人员约#人次，工作人员的业务能力和依法办事意识明显提升。",
        "在办理过程中加强与申请人的沟通，主动了解申请人的实际需求，减少因理解偏差引发的争议。",
        "按照档案管理规定做好公开工作资料归档，做到有据可查、有迹可循。",
        "组织召开新闻发布会#场，主要负责同志出席并回答记者提问，及时回应社会关切。",
        "加强对下属单位公开工作的指导和督促，开展专项检查#次，发现问题即时整改。",
        "进一步规范财政预决算公开，按时在专栏发布部门预算、决算及三公经费说明。",
        "将公开工作纳入年度绩效考核，考核结果作为评先评优的重要参考。",
        "开设意见征集栏目，就涉及群众切身利益的文件公开征求意见#次，收集意见建议#条并逐条研究。",
        "在办公场所设置查阅点，配备查阅设备和专人服务，方便群众就近查阅。",
        "对历年发布的规范性文件开展清理，对失效和废止的文件在网站上作出标注。",
        "推动办事指南要素标准化，逐项核对受理条件、办理材料和办理时限，确保线上线下一致。",
        "健全网站内容保障机制，实行栏目责任到人，杜绝空白栏目和长期不更新栏目。",
    ]

    static let problems = [
        "对照新形势新要求，我们的工作仍有一些不足：信息发布的时效性还需提高，部分栏目更新不够及时。",
        "政策解读形式还比较单一，图解、视频等多样化解读运用不多，解读的针对性和可读性有待增强。",
        "工作人员多为兼职，人员变动较频繁，专业能力与工作要求相比还有差距。",
        "依申请公开答复文书的说理性需要进一步加强，个别答复存在表述不够规范的情况。",
        "下一步，我们将进一步健全工作机制，压实各科室责任，确保应公开尽公开。",
        "持续加强业务学习培训，通过以会代训、案例研讨等方式，提升工作人员的业务水平。",
        "加强网站和政务新媒体日常监测，建立问题台账，发现一个整改一个。",
        "积极探索解读新形式，提高解读材料与政策文件同步发布的比例。",
        "进一步规范答复文书格式，统一引用条款和告知事项，提升办理质量。",
        "主动对接上级主管部门，学习先进地区经验，推动工作再上新台阶。",
    ]

    static let other = [
        "本年度未收取信息处理费。",
        "本年度按照有关规定发出收费通知#件，实际收取信息处理费#元。",
        "本年度没有其他需要说明的事项。",
        "无。",
    ]

    /// A sentence cut at its placeholders, once, so filling it is only concatenation.
    struct Template: Sendable {
        enum Part: Sendable { case text(String), number, agency, year }
        let parts: [Part]
        init(_ s: String) {
            var parts: [Part] = []
            var cur = ""
            for u in s.unicodeScalars {
                let p: Part?
                switch u { case "#": p = .number; case "@": p = .agency; case "%": p = .year; default: p = nil }
                if let p {
                    if !cur.isEmpty { parts.append(.text(cur)); cur = "" }
                    parts.append(p)
                } else { cur.unicodeScalars.append(u) }
            }
            if !cur.isEmpty { parts.append(.text(cur)) }
            self.parts = parts
        }
    }

    static let overviewTemplates = overview.map(Template.init)
    static let problemTemplates = problems.map(Template.init)
    static let otherTemplates = other.map(Template.init)

    /// Fills a sentence with numbers and names.
    static func fill(_ t: Template, agency: String, year: Int, into out: inout String, _ rng: inout SplitMix64) {
        for p in t.parts {
            switch p {
            case .text(let s): out += s
            case .number: out += String(Int(rng.logUniform(2, 3000)))
            case .agency: out += agency
            case .year: out += String(year)
            }
        }
    }

    /// Paragraphs for the overview, about `bytes` long in UTF-8.
    static func overviewParagraphs(bytes: Int, agency: String, year: Int, _ rng: inout SplitMix64) -> [String] {
        var out: [String] = []
        var size = 0
        var k = 0
        let numerals = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
        while size < bytes || out.isEmpty {
            var p = ""
            if k < numerals.count, rng.chance(0.7) {
                p += "（\(numerals[k])）\(overviewLeads[rng.below(overviewLeads.count)])。"
            }
            for _ in 0..<rng.int(2...6) { fill(rng.pick(overviewTemplates), agency: agency, year: year, into: &p, &rng) }
            size += p.utf8.count
            out.append(p)
            k += 1
        }
        return out
    }

    static func problemParagraphs(bytes: Int, agency: String, year: Int, _ rng: inout SplitMix64) -> [String] {
        var out: [String] = []
        var size = 0
        while size < bytes || out.isEmpty {
            var p = ""
            for _ in 0..<rng.int(2...5) { fill(rng.pick(problemTemplates), agency: agency, year: year, into: &p, &rng) }
            size += p.utf8.count
            out.append(p)
        }
        return out
    }

    static func otherParagraphs(agency: String, year: Int, _ rng: inout SplitMix64) -> [String] {
        var p = ""
        fill(rng.pick(otherTemplates), agency: agency, year: year, into: &p, &rng)
        return [p]
    }
}
