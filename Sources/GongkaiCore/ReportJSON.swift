extension Cell {
    /// The cell as the data contract prints it: a number, or null when blank or unreadable.
    public func json(unit: Unit) -> JSON {
        guard isNumber, let value else { return .null }
        switch unit {
        case .money: return .double(value)
        case .count, .signedCount: return abs(value) < 1e15 ? .int(Int(value.rounded())) : .double(value)
        }
    }
}

extension Report {
    /// The record in the shape of the data contract (`spec/report-data.md`).
    /// `source` and `diagnostics` are added when asked, as `extract --format json` prints them.
    public func json(includeSourceAndDiagnostics: Bool = true) -> JSON {
        var members: [(String, JSON)] = []
        if includeSourceAndDiagnostics { members.append(("source", .string(source))) }
        members.append(("agency", agency.map(JSON.string) ?? .null))
        members.append(("year", year.map(JSON.int) ?? .null))
        members.append(("template", template.map { .string($0.rawValue) } ?? .null))
        members.append(("active_disclosure", activeDisclosure.map { $0.json } ?? .null))
        members.append(("applications", applications.map { $0.json } ?? .null))
        members.append(("review_litigation", reviewLitigation.map { $0.json } ?? .null))
        if includeSourceAndDiagnostics {
            members.append(("diagnostics", .array(diagnostics.map { d in
                .object([("severity", .string(d.severity.rawValue)), ("line", d.line.map(JSON.int) ?? .null), ("message", .string(d.message))])
            })))
        }
        return .object(members)
    }
}

extension ActiveDisclosure {
    public var json: JSON {
        .object(items.map { item in
            (item.spec.key, .object(zip(item.spec.fields, item.cells).map { ($0.key, $1.json(unit: $0.unit)) }))
        })
    }
}

extension Applications {
    public var json: JSON {
        .object([
            ("columns", .array(FormSchema.applicantColumns.map { .string($0.key) })),
            ("rows", .object(rows.map { ($0.key, .array($0.cells.map { $0.json(unit: .count) })) })),
        ])
    }
}

extension ReviewLitigation {
    public var json: JSON {
        .object(groups.map { g in
            (g.key, .object(zip(FormSchema.reviewFields, g.cells).map { ($0.key, $1.json(unit: .count)) }))
        })
    }
}

extension Report {
    /// `json(includeSourceAndDiagnostics: true)` pretty-printed at `indent`, written straight
    /// onto bytes: the same bytes as `JSON.write(into:pretty:indent:)` of that value (a test
    /// holds them equal), without building the tree — the data files print every record.
    public func appendPrettyJSON(into out: inout [UInt8], indent: Int) {
        func put(_ s: StaticString) { s.withUTF8Buffer { out.append(contentsOf: $0) } }
        func key(_ k: String, _ level: Int, first: Bool = false) {
            if !first { out.append(0x2C) }
            JSON.newline(&out, level)
            JSON.quote(k, into: &out)
            put(": ")
        }
        func cell(_ c: Cell, _ unit: Unit) {
            guard c.isNumber, let v = c.value else { put("null"); return }
            switch unit {
            case .money: out.append(contentsOf: JSON.format(v).utf8)
            case .count, .signedCount:
                if abs(v) < 1e15 { JSON.appendInteger(Int(exactly: v) ?? Int(v.rounded()), to: &out) } else { out.append(contentsOf: JSON.format(v).utf8) }
            }
        }
        func string(_ s: String?) { if let s { JSON.quote(s, into: &out) } else { put("null") } }
        let i1 = indent + 1, i2 = indent + 2, i3 = indent + 3
        put("{")
        key("source", i1, first: true); string(source)
        key("agency", i1); string(agency)
        key("year", i1); if let year { JSON.appendInteger(year, to: &out) } else { put("null") }
        key("template", i1); string(template?.rawValue)
        key("active_disclosure", i1)
        if let a = activeDisclosure, !a.items.isEmpty {
            put("{")
            for (n, item) in a.items.enumerated() {
                key(item.spec.key, i2, first: n == 0)
                if item.cells.isEmpty || item.spec.fields.isEmpty { put("{}"); continue }
                put("{")
                for (m, (f, c)) in zip(item.spec.fields, item.cells).enumerated() {
                    key(f.key, i3, first: m == 0); cell(c, f.unit)
                }
                JSON.newline(&out, i2); put("}")
            }
            JSON.newline(&out, i1); put("}")
        } else { put(activeDisclosure == nil ? "null" : "{}") }
        key("applications", i1)
        if let a = applications {
            put("{")
            key("columns", i2, first: true)
            put("[")
            for (n, c) in FormSchema.applicantColumns.enumerated() {
                if n > 0 { put(", ") }
                JSON.quote(c.key, into: &out)
            }
            put("]")
            key("rows", i2)
            if a.rows.isEmpty { put("{}") } else {
                put("{")
                for (n, row) in a.rows.enumerated() {
                    key(row.key, i3, first: n == 0)
                    put("[")
                    for (m, c) in row.cells.enumerated() {
                        if m > 0 { put(", ") }
                        cell(c, .count)
                    }
                    put("]")
                }
                JSON.newline(&out, i2); put("}")
            }
            JSON.newline(&out, i1); put("}")
        } else { put("null") }
        key("review_litigation", i1)
        if let r = reviewLitigation, !r.groups.isEmpty {
            put("{")
            for (n, g) in r.groups.enumerated() {
                key(g.key, i2, first: n == 0)
                if g.cells.isEmpty { put("{}"); continue }
                put("{")
                for (m, (f, c)) in zip(FormSchema.reviewFields, g.cells).enumerated() {
                    key(f.key, i3, first: m == 0); cell(c, .count)
                }
                JSON.newline(&out, i2); put("}")
            }
            JSON.newline(&out, i1); put("}")
        } else { put(reviewLitigation == nil ? "null" : "{}") }
        key("diagnostics", i1)
        if diagnostics.isEmpty { put("[]") } else {
            put("[")
            for (n, d) in diagnostics.enumerated() {
                if n > 0 { out.append(0x2C) }
                JSON.newline(&out, i2)
                put("{")
                key("severity", i3, first: true); JSON.quote(d.severity.rawValue, into: &out)
                key("line", i3); if let l = d.line { out.append(contentsOf: String(l).utf8) } else { put("null") }
                key("message", i3); JSON.quote(d.message, into: &out)
                JSON.newline(&out, i2); put("}")
            }
            JSON.newline(&out, i1); put("]")
        }
        JSON.newline(&out, indent); put("}")
    }
}
