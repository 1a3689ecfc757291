extension Cell {
    /// The cell as the data contract prints it: a number, or null when blank or unreadable.
    public func json(unit: Unit) -> JSON {
        guard let value, state == .number else { return .null }
        switch unit {
        case .money: return .double(value)
        case .count, .signedCount: return .int(Int(value.rounded()))
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
