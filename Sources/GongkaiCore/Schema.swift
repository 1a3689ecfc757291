/// The statistical tables of the State Council's annual report form, as data:
/// keys of the record (see the data contract) beside the Chinese labels they come from.
public enum Template: String, Hashable, Sendable, Codable, CaseIterable {
    /// 国办公开办函〔2019〕60号 (reports on 2019–2020).
    case form2019 = "2019"
    /// 国办公开办函〔2021〕30号 (reports on 2021 on).
    case form2021 = "2021"
}

public enum Unit: Hashable, Sendable {
    case count
    /// 万元 (10,000 yuan).
    case money
    /// A count that may be signed (本年增/减).
    case signedCount
}

public struct FieldSpec: Hashable, Sendable {
    public let key: String
    public let label: String
    public let unit: Unit
}

/// One row of table 二 (主动公开): a kind of information and the figures the form asks for.
public struct ActiveItemSpec: Hashable, Sendable {
    public let key: String
    public let label: String
    /// Distinctive label fragments that identify the row (after normalization).
    public let keywords: [String]
    public let fields: [FieldSpec]
}

public struct ApplicationRowSpec: Hashable, Sendable {
    public let key: String
    /// Short label, e.g. `（一）予以公开`.
    public let label: String
    /// Whether the row is one of the handling results (三（一）…（六）) summed by 总计.
    public let isHandling: Bool
}

public struct ReviewGroupSpec: Hashable, Sendable {
    public let key: String
    public let label: String
}

public enum FormSchema {
    private static func f(_ key: String, _ label: String, _ unit: Unit = .count) -> FieldSpec {
        FieldSpec(key: key, label: label, unit: unit)
    }

    public static func activeItems(_ template: Template) -> [ActiveItemSpec] {
        switch template {
        case .form2021:
            let docs = [f("issued", "本年制发件数"), f("repealed", "本年废止件数"), f("in_force", "现行有效件数")]
            return [
                .init(key: "regulations", label: "规章", keywords: ["规章"], fields: docs),
                .init(key: "normative_documents", label: "行政规范性文件", keywords: ["规范性文件"], fields: docs),
                .init(key: "administrative_licensing", label: "行政许可", keywords: ["行政许可"], fields: [f("decisions", "本年处理决定数量")]),
                .init(key: "administrative_penalty", label: "行政处罚", keywords: ["行政处罚"], fields: [f("decisions", "本年处理决定数量")]),
                .init(key: "administrative_coercion", label: "行政强制", keywords: ["行政强制"], fields: [f("decisions", "本年处理决定数量")]),
                .init(key: "administrative_fees", label: "行政事业性收费", keywords: ["事业性收费"], fields: [f("amount_10k_yuan", "本年收费金额（万元）", .money)]),
            ]
        case .form2019:
            let docs = [f("new_made", "本年新制作数量"), f("new_published", "本年新公开数量"), f("total_published", "对外公开总数量")]
            let items = [f("previous_year_items", "上一年项目数量"), f("change", "本年增/减", .signedCount), f("decisions", "处理决定数量")]
            return [
                .init(key: "regulations", label: "规章", keywords: ["规章"], fields: docs),
                .init(key: "normative_documents", label: "规范性文件", keywords: ["规范性文件"], fields: docs),
                .init(key: "administrative_licensing", label: "行政许可", keywords: ["行政许可"], fields: items),
                .init(key: "other_external_services", label: "其他对外管理服务事项", keywords: ["对外管理服务", "其他对外管理"], fields: items),
                .init(key: "administrative_penalty", label: "行政处罚", keywords: ["行政处罚"], fields: items),
                .init(key: "administrative_coercion", label: "行政强制", keywords: ["行政强制"], fields: items),
                .init(key: "administrative_fees", label: "行政事业性收费", keywords: ["事业性收费"], fields: [f("previous_year_items", "上一年项目数量"), f("change", "本年增/减", .signedCount)]),
                .init(key: "centralized_procurement", label: "政府集中采购", keywords: ["集中采购"], fields: [f("projects", "采购项目数量"), f("amount_10k_yuan", "采购总金额（万元）", .money)]),
            ]
        }
    }

    /// Applicant columns of table 三, in record order.
    public static let applicantColumns: [(key: String, label: String)] = [
        ("natural_person", "自然人"), ("commercial_enterprise", "商业企业"), ("research_institution", "科研机构"),
        ("public_interest_org", "社会公益组织"), ("legal_service_org", "法律服务机构"), ("other_org", "其他"),
        ("total", "总计"),
    ]

    /// Every row table 三 can have. A record holds either `other` or the three `other_*` rows.
    public static let applicationRows: [ApplicationRowSpec] = [
        .init(key: "received", label: "一、本年新收政府信息公开申请数量", isHandling: false),
        .init(key: "carried_over", label: "二、上年结转政府信息公开申请数量", isHandling: false),
        .init(key: "granted", label: "（一）予以公开", isHandling: true),
        .init(key: "partially_granted", label: "（二）部分公开", isHandling: true),
        .init(key: "denied_state_secret", label: "（三）不予公开 1. 属于国家秘密", isHandling: true),
        .init(key: "denied_law_prohibited", label: "（三）2. 其他法律行政法规禁止公开", isHandling: true),
        .init(key: "denied_security_stability", label: "（三）3. 危及“三安全一稳定”", isHandling: true),
        .init(key: "denied_third_party", label: "（三）4. 保护第三方合法权益", isHandling: true),
        .init(key: "denied_internal_affairs", label: "（三）5. 属于三类内部事务信息", isHandling: true),
        .init(key: "denied_process_info", label: "（三）6. 属于四类过程性信息", isHandling: true),
        .init(key: "denied_enforcement_file", label: "（三）7. 属于行政执法案卷", isHandling: true),
        .init(key: "denied_query_matter", label: "（三）8. 属于行政查询事项", isHandling: true),
        .init(key: "unavailable_not_held", label: "（四）无法提供 1. 本机关不掌握相关政府信息", isHandling: true),
        .init(key: "unavailable_needs_creation", label: "（四）2. 没有现成信息需要另行制作", isHandling: true),
        .init(key: "unavailable_unclear", label: "（四）3. 补正后申请内容仍不明确", isHandling: true),
        .init(key: "not_processed_petition", label: "（五）不予处理 1. 信访举报投诉类申请", isHandling: true),
        .init(key: "not_processed_duplicate", label: "（五）2. 重复申请", isHandling: true),
        .init(key: "not_processed_publication", label: "（五）3. 要求提供公开出版物", isHandling: true),
        .init(key: "not_processed_excessive", label: "（五）4. 无正当理由大量反复申请", isHandling: true),
        .init(key: "not_processed_confirmation", label: "（五）5. 要求行政机关确认或重新出具已获取信息", isHandling: true),
        .init(key: "other", label: "（六）其他处理", isHandling: true),
        .init(key: "other_no_supplement", label: "（六）1. 申请人无正当理由逾期不补正", isHandling: true),
        .init(key: "other_fee_unpaid", label: "（六）2. 申请人逾期未按收费通知要求缴纳费用", isHandling: true),
        .init(key: "other_misc", label: "（六）3. 其他", isHandling: true),
        .init(key: "total", label: "（七）总计", isHandling: false),
        .init(key: "carried_forward", label: "四、结转下年度继续办理", isHandling: false),
    ]

    public static func applicationRow(_ key: String) -> ApplicationRowSpec? { applicationRowIndex(key).map { applicationRows[$0] } }

    /// Where the row `key` is in `applicationRows` (looked up for every row of every record: a
    /// hash, not a search through 30 keys).
    public static func applicationRowIndex(_ key: String) -> Int? { applicationRowPositions[key] }

    /// `applicationRowIndex(key)`, trying first the few places after `previous`: a record's
    /// rows come in the form's order (some left out), and comparing a key with the same string
    /// costs less than hashing it.
    public static func applicationRowIndex(_ key: String, after previous: Int?) -> Int? {
        let start = (previous ?? -1) + 1
        if start >= 0 {
            for i in start..<min(start + 3, applicationRows.count) where applicationRows[i].key == key { return i }
        }
        return applicationRowPositions[key]
    }

    private static let applicationRowPositions: [String: Int] = {
        var d: [String: Int] = [:]
        for (i, r) in applicationRows.enumerated() where d[r.key] == nil { d[r.key] = i }
        return d
    }()

    /// Where the group `key` is in `reviewGroups`.
    public static func reviewGroupIndex(_ key: String) -> Int? { reviewGroups.firstIndex { $0.key == key } }

    public static let reviewGroups: [ReviewGroupSpec] = [
        .init(key: "review", label: "行政复议"),
        .init(key: "litigation_direct", label: "行政诉讼（未经复议直接起诉）"),
        .init(key: "litigation_after_review", label: "行政诉讼（复议后起诉）"),
    ]

    public static let reviewFields: [(key: String, label: String)] = [
        ("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"), ("total", "总计"),
    ]
}
