/// The only form in which an API key is ever shown: an alias as it is, anything secret-looking as `sk-…a1b2`.
public enum KeyMask {
    static let secretPrefixes = ["sk-", "sk_", "pk-", "pk_", "rk-", "rk_", "hk_", "hk-", "key-", "key_", "api-", "AIza", "xai-", "gsk_", "ghp_", "Bearer "]

    public static func mask(_ raw: String) -> String {
        let key = raw.hasPrefix("Bearer ") ? String(raw.dropFirst(7)) : raw
        if isAlias(key) { return TextSanitizer.clean(key) }
        let scalars = Array(key.unicodeScalars)
        var prefix = ""
        // Keep the vendor prefix (`sk-`, `hk_`) so a reader knows what kind of key it is.
        if let i = scalars.prefix(8).firstIndex(where: { $0 == "-" || $0 == "_" }), i > 0, i <= 5 {
            prefix = String(String.UnicodeScalarView(scalars[0...i]))
        } else if key.hasPrefix("AIza") {
            prefix = "AIza"
        }
        let tail = String(String.UnicodeScalarView(scalars.suffix(4)))
        return TextSanitizer.clean(prefix + "…" + tail)
    }

    /// User text echoed in an error (`--alert`, `--filter`, a scope) with every secret-looking word
    /// masked and control characters stripped: a mistyped rule must not print the key it names.
    public static func redact(_ text: String) -> String {
        var out = "", word = ""
        func flush() {
            if !word.isEmpty { out += isAlias(word) ? word : mask(word) }
            word = ""
        }
        for ch in text {
            if "=,:; \t<>'\"".contains(ch) { flush(); out.append(ch) } else { word.append(ch) }
        }
        flush()
        return TextSanitizer.clean(out)
    }

    /// Short human names (`prod-web`, `ci`, `team-search`) are aliases; long runs of random-looking
    /// characters, vendor prefixes and hex hashes are secrets.
    public static func isAlias(_ key: String) -> Bool {
        if key.isEmpty { return true }
        if key.count > 24 { return false }
        for p in secretPrefixes where key.hasPrefix(p) { return false }
        var run = 0, longest = 0, digits = 0
        for c in key.unicodeScalars {
            if c.properties.isAlphabetic || ("0"..."9").contains(c) {
                run += 1
                longest = max(longest, run)
                if ("0"..."9").contains(c) { digits += 1 }
            } else {
                run = 0
            }
        }
        if longest >= 16 { return false }
        if digits >= 6 && digits * 3 >= key.count { return false }
        return true
    }
}
