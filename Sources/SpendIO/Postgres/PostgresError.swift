import Foundation
import SpendCore

/// A failure of a PostgreSQL session as one line that is safe to show: passwords masked,
/// the server's message without its newlines.
public struct PostgresError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection was lost: reconnecting may help.
        case connection
        /// The server refused a statement (SQLSTATE set): permission, timeout, missing table…
        case server
        /// The answer was not what spendtop asked for (a column of another type).
        case result
    }

    public let kind: Kind
    /// The five-character SQLSTATE of a server error (`57014` statement timeout, `42501` permission).
    public let sqlState: String?
    public let description: String

    init(_ kind: Kind, _ message: String, sqlState: String? = nil, masking secrets: [String] = []) {
        self.kind = kind
        self.sqlState = sqlState
        description = PostgresError.oneLine(message, masking: secrets)
    }

    /// Collapses whitespace and newlines, masks every secret, strips control characters.
    static func oneLine(_ text: String, masking secrets: [String]) -> String {
        var t = text
        for s in secrets where s.count >= 1 { t = t.replacingOccurrences(of: s, with: "***") }
        let words = t.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        return TextSanitizer.clean(words.joined(separator: " "))
    }
}
