import Foundation

/// The parts of a `postgres://` / `postgresql://` SOURCE that spendtop reads itself; the rest
/// is a libpq connection URI handed to libpq as it is (hosts, port, dbname, sslmode, …).
public enum PostgresURL {
    /// True for the two URI schemes libpq accepts.
    public static func isPostgres(_ text: String) -> Bool {
        let l = text.lowercased()
        return l.hasPrefix("postgres://") || l.hasPrefix("postgresql://")
    }

    /// Splits spendtop's own `table=NAME` query parameter off the URI (libpq rejects unknown ones).
    public static func split(_ text: String) -> (libpq: String, table: String?) {
        guard let q = text.firstIndex(of: "?") else { return (text, nil) }
        let base = String(text[..<q])
        var table: String?
        var kept: [Substring] = []
        for part in text[text.index(after: q)...].split(separator: "&", omittingEmptySubsequences: true) {
            if part.hasPrefix("table=") { table = String(part.dropFirst(6)) } else { kept.append(part) }
        }
        return (kept.isEmpty ? base : base + "?" + kept.joined(separator: "&"), table)
    }

    /// `scheme://user@hosts/db`: no password, no query (where `password=` may sit).
    public static func redact(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return "(unreadable URL)" }
        let scheme = text[..<schemeEnd.lowerBound]
        var rest = text[schemeEnd.upperBound...]
        if let q = rest.firstIndex(of: "?") { rest = rest[..<q] }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let path = rest[authorityEnd...]
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            let user = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            authority = (user.isEmpty ? "" : user + "@") + authority[authority.index(after: at)...]
        }
        return scheme + "://" + authority + path
    }

    /// The passwords written into the URI (userinfo or `password=`), percent-decoded: masked in messages.
    public static func passwords(in text: String) -> [String] {
        var out: [String] = []
        if let schemeEnd = text.range(of: "://") {
            let rest = text[schemeEnd.upperBound...]
            let authority = rest[..<(rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex)]
            if let at = authority.lastIndex(of: "@") {
                let userinfo = authority[..<at]
                if let colon = userinfo.firstIndex(of: ":") {
                    out.append(String(userinfo[userinfo.index(after: colon)...]))
                }
            }
        }
        if let q = text.firstIndex(of: "?") {
            for part in text[text.index(after: q)...].split(separator: "&") where part.hasPrefix("password=") {
                out.append(String(part.dropFirst(9)))
            }
        }
        return out.filter { !$0.isEmpty }.flatMap { [$0, $0.removingPercentEncoding ?? $0] }
    }
}
