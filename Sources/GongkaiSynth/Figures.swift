import GongkaiCore

/// The figures of one report, built so that the form's identities hold:
/// received + carried_over = total + carried_forward, total = Σ handling rows (per column),
/// the six applicant cells add up to 总计 (per row), and each review/litigation group adds up.
enum Figures {
    /// How applications are usually handled (weights for the handling rows, 2021 split form).
    static let handlingWeights: [String: Double] = [
        "granted": 30, "partially_granted": 9,
        "denied_state_secret": 0.3, "denied_law_prohibited": 0.6, "denied_security_stability": 0.3, "denied_third_party": 1.5,
        "denied_internal_affairs": 1.5, "denied_process_info": 1.5, "denied_enforcement_file": 1, "denied_query_matter": 1.5,
        "unavailable_not_held": 28, "unavailable_needs_creation": 4, "unavailable_unclear": 1.5,
        "not_processed_petition": 4, "not_processed_duplicate": 2, "not_processed_publication": 0.5,
        "not_processed_excessive": 0.5, "not_processed_confirmation": 0.8,
        "other": 7, "other_no_supplement": 3, "other_fee_unpaid": 0.2, "other_misc": 4,
    ]
    /// Natural persons file most applications.
    static let applicantWeights: [Double] = [86, 8, 0.5, 0.7, 1.8, 3]

    struct Year {
        var report: Report
        var carriedForward: [Int]
    }

    /// Every year of one agency, oldest first; each year's 上年结转 is the year before's 结转下年度.
    static func years(of agency: SyntheticAgency, _ years: ClosedRange<Int>, seed: UInt64) -> [Report] {
        var rng = SplitMix64(seed: seed, stream: UInt64(agency.index), 2)
        // A stable character for the agency: how it tends to decide.
        var weights = handlingWeights
        for k in weights.keys.sorted() { weights[k]! *= rng.logUniform(0.3, 3) }
        var applicantMix = applicantWeights.map { $0 * rng.logUniform(0.4, 2.5) }
        if rng.chance(0.15) { applicantMix[1] *= 6 }   // a body that business deals with
        let carryRate = rng.chance(0.5) ? 0 : rng.logUniform(0.005, 0.12)
        var previous: [Int]? = nil
        var out: [Report] = []
        for year in years {
            let template: Template = year <= 2020 ? .form2019 : .form2021
            let received = receivedCount(agency.scale * rng.logUniform(0.6, 1.6), &rng)
            let carriedOver = previous ?? rng.split(carryRate > 0 ? Int(Double(received) * carryRate * rng.unit()) : 0, weights: applicantMix)
            let receivedCols = rng.split(received, weights: applicantMix)
            // 2021 reports print （六） as three rows; a few print it as one, as the 2019 form does.
            let splitOther = template == .form2021 && !rng.chance(0.06)
            let handlingKeys = FormSchema.applicationRows.filter(\.isHandling).map(\.key).filter { k in
                splitOther ? k != "other" : !k.hasPrefix("other_")
            }
            let w = handlingKeys.map { weights[$0] ?? 1 }
            var rowValues: [String: [Int]] = [:]
            for k in handlingKeys { rowValues[k] = [Int](repeating: 0, count: 7) }
            var carriedForward = [Int](repeating: 0, count: 7)
            var total = [Int](repeating: 0, count: 7)
            for c in 0..<6 {
                let available = receivedCols[c] + carriedOver[c]
                let forward = carryRate == 0 ? 0 : min(available, Int((Double(available) * carryRate * rng.logUniform(0.3, 2)).rounded()))
                carriedForward[c] = forward
                total[c] = available - forward
                let parts = rng.split(total[c], weights: w)
                for (k, key) in handlingKeys.enumerated() { rowValues[key]![c] = parts[k] }
            }
            func withTotal(_ v: [Int]) -> [Int] { Array(v.prefix(6)) + [v.prefix(6).reduce(0, +)] }
            var rows: [Applications.Row] = []
            for spec in FormSchema.applicationRows {
                let v: [Int]
                switch spec.key {
                case "received": v = withTotal(receivedCols + [0])
                case "carried_over": v = withTotal(carriedOver + [0])
                case "total": v = withTotal(total)
                case "carried_forward": v = withTotal(carriedForward)
                default:
                    guard let r = rowValues[spec.key] else { continue }
                    v = withTotal(r)
                }
                rows.append(.init(key: spec.key, cells: v.map { .number(Double($0), line: nil) }))
            }
            previous = Array(carriedForward.prefix(6))
            let review = reviewLitigation(received: received, &rng)
            let active = activeDisclosure(template, agency: agency, &rng)
            out.append(Report(source: "", metadata: ReportMetadata(agency: agency.name, year: year, template: template),
                              activeDisclosure: active, applications: Applications(rows: rows), reviewLitigation: review))
        }
        return out
    }

    static func receivedCount(_ mean: Double, _ rng: inout SplitMix64) -> Int {
        if mean < 1 { return rng.chance(mean) ? 1 : 0 }
        let spread = mean.squareRoot()
        return max(0, Int((mean + spread * rng.gaussianish()).rounded()))
    }

    static func reviewLitigation(received: Int, _ rng: inout SplitMix64) -> ReviewLitigation {
        var groups: [ReviewLitigation.Group] = []
        for (k, spec) in FormSchema.reviewGroups.enumerated() {
            let rate = [0.03, 0.015, 0.005][k] * rng.logUniform(0.2, 3)
            let n = receivedCount(Double(received) * rate, &rng)
            let parts = rng.split(n, weights: [60, 8, 12, 20])
            groups.append(.init(key: spec.key, cells: (parts + [n]).map { .number(Double($0), line: nil) }))
        }
        return ReviewLitigation(groups: groups)
    }

    static func activeDisclosure(_ template: Template, agency: SyntheticAgency, _ rng: inout SplitMix64) -> ActiveDisclosure {
        let big = agency.scale > 200
        func count(_ typical: Double, zeroChance: Double = 0.5) -> Double {
            if rng.chance(zeroChance) { return 0 }
            return Double(Int(rng.logUniform(1, max(1.5, typical))))
        }
        func money(_ typical: Double) -> Double {
            if rng.chance(0.55) { return 0 }
            let cents = Int(rng.logUniform(1, typical) * 100)
            return Double(cents) / 100
        }
        var items: [ActiveDisclosure.Item] = []
        for spec in FormSchema.activeItems(template) {
            var v: [Double]
            switch (template, spec.key) {
            case (.form2021, "regulations"), (.form2021, "normative_documents"):
                let isRegs = spec.key == "regulations"
                if isRegs && !agency.makesRegulations { v = [0, 0, 0]; break }
                let issued = count(isRegs ? 6 : 30)
                let repealed = count(isRegs ? 3 : 12)
                v = [issued, repealed, issued + count(isRegs ? 120 : 400, zeroChance: 0.2)]
            case (.form2019, "regulations"), (.form2019, "normative_documents"):
                let isRegs = spec.key == "regulations"
                if isRegs && !agency.makesRegulations { v = [0, 0, 0]; break }
                let made = count(isRegs ? 6 : 30)
                let published = rng.chance(0.8) ? made : made + count(5)
                v = [made, published, published + count(isRegs ? 200 : 800, zeroChance: 0.2)]
            case (.form2021, "administrative_fees"):
                v = [money(big ? 30000 : 500)]
            case (.form2021, _):
                v = [count(big ? 400_000 : 3000, zeroChance: 0.45)]
            case (.form2019, "administrative_fees"):
                v = [count(20, zeroChance: 0.6), Double(rng.chance(0.8) ? 0 : rng.int(-3...3))]
            case (.form2019, "centralized_procurement"):
                v = [count(big ? 60 : 10, zeroChance: 0.5), 0]
                if v[0] > 0 { v[1] = money(big ? 20000 : 800).nonZero(&rng) }
            case (.form2019, _):
                let items = count(big ? 300 : 40, zeroChance: 0.4)
                let change = items == 0 ? 0 : Double(rng.chance(0.6) ? 0 : rng.int(-Int(min(items, 8))...8))
                v = [items, change, count(big ? 200_000 : 2000, zeroChance: 0.45)]
            }
            items.append(.init(spec: spec, cells: v.map { .number($0, line: nil) }))
        }
        return ActiveDisclosure(items: items)
    }
}

private extension Double {
    func nonZero(_ rng: inout SplitMix64) -> Double { self == 0 ? Double(rng.int(1...99_999)) / 100 : self }
}
