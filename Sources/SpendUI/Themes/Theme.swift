import SpendCore

/// A named set of styles per role. Loaded from `themes/*.toml` (see `ThemeLoader`) or built in.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var styles: [ThemeRole: Style]

    public init(name: String, styles: [ThemeRole: Style]) {
        self.name = name
        var s = styles
        for r in ThemeRole.allCases where s[r] == nil { s[r] = Theme.fallback(r, s) }
        self.styles = s
    }

    public subscript(_ role: ThemeRole) -> Style { styles[role] ?? .plain }

    /// A role missing from a file takes a sensible relative: plain text, or the text style plus an attribute.
    static func fallback(_ r: ThemeRole, _ s: [ThemeRole: Style]) -> Style {
        let text = s[.text] ?? .plain
        switch r {
        case .selected: return text.with(.reverse)
        case .title, .columnHeader, .bigDigits, .value: return text.with(.bold)
        case .dim: return text.with(.dim)
        case .header, .status: return text.with(.reverse)
        default: return text
        }
    }

    /// A theme from a parsed TOML table: `name = "…"` and one table per role with `fg`, `bg`,
    /// `bold`, `dim`, `reverse`, `underline`. Unknown roles and colours are reported, not ignored.
    public init(config: ConfigValue, fallbackName: String) throws {
        guard case .table(let top) = config else { throw ThemeError("theme \(fallbackName): not a table") }
        var name = fallbackName
        if case .string(let n)? = top["name"] { name = n }
        var styles: [ThemeRole: Style] = [:]
        let roles: [String: ConfigValue]
        if case .table(let t)? = top["roles"] { roles = t } else { roles = top.filter { $0.key != "name" } }
        for (key, value) in roles {
            guard let role = ThemeRole(rawValue: key) else { throw ThemeError("theme \(name): unknown role '\(key)'") }
            guard case .table(let t) = value else { throw ThemeError("theme \(name): role '\(key)' is not a table") }
            var style = Style()
            for (field, v) in t {
                switch field {
                case "fg", "bg":
                    let color: Color?
                    switch v {
                    case .string(let s): color = Color(parsing: s)
                    case .int(let i): color = (0...255).contains(i) ? .indexed(UInt8(i)) : nil
                    default: color = nil
                    }
                    guard let c = color else { throw ThemeError("theme \(name): role '\(key)': unreadable colour for \(field)") }
                    if field == "fg" { style.fg = c } else { style.bg = c }
                case "bold", "dim", "reverse", "underline":
                    guard case .bool(let on) = v else { throw ThemeError("theme \(name): role '\(key)': \(field) must be true/false") }
                    let a: Style.Attributes = field == "bold" ? .bold : field == "dim" ? .dim : field == "reverse" ? .reverse : .underline
                    if on { style.attributes.insert(a) }
                default:
                    throw ThemeError("theme \(name): role '\(key)': unknown field '\(field)'")
                }
            }
            styles[role] = style
        }
        self.init(name: name, styles: styles)
    }

    /// The same theme with every colour removed (NO_COLOR, terminals without colour): attributes
    /// and glyphs still carry every state.
    public var monochrome: Theme {
        var s: [ThemeRole: Style] = [:]
        for (r, st) in styles { s[r] = Style(attributes: st.attributes) }
        s[.selected] = Style(attributes: [.reverse])
        s[.header] = Style(attributes: [.reverse, .bold])
        s[.status] = Style(attributes: [.reverse])
        s[.alert] = Style(attributes: [.bold, .reverse])
        s[.rising] = Style(attributes: [.bold])
        s[.anomaly] = Style(attributes: [.bold])
        return Theme(name: name, styles: s)
    }

    /// Used when no theme file is found: the default dark theme.
    public static let builtIn = Theme(name: "default", styles: [
        .text: Style(fg: .indexed(252)),
        .dim: Style(fg: .indexed(245)),
        .header: Style(fg: .indexed(231), bg: .indexed(24), attributes: [.bold]),
        .title: Style(fg: .indexed(117), attributes: [.bold]),
        .border: Style(fg: .indexed(240)),
        .borderFocused: Style(fg: .indexed(117)),
        .columnHeader: Style(fg: .indexed(250), attributes: [.bold]),
        .selected: Style(fg: .indexed(231), bg: .indexed(25)),
        .value: Style(fg: .indexed(231), attributes: [.bold]),
        .rising: Style(fg: .indexed(209)),
        .falling: Style(fg: .indexed(114)),
        .alert: Style(fg: .indexed(231), bg: .indexed(160), attributes: [.bold]),
        .warn: Style(fg: .indexed(221)),
        .ok: Style(fg: .indexed(114)),
        .chart: Style(fg: .indexed(75)),
        .anomaly: Style(fg: .indexed(203), attributes: [.bold]),
        .status: Style(fg: .indexed(252), bg: .indexed(236)),
        .overlay: Style(fg: .indexed(252), bg: .indexed(235)),
        .bigDigits: Style(fg: .indexed(117), attributes: [.bold]),
    ])
}

/// A theme file that cannot be used, with the reason.
public struct ThemeError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}
