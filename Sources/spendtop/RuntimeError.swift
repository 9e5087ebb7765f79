/// A failure at run time: printed as one line, exit code 1 (SPEC §2).
struct RuntimeError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// A mistake in how spendtop was called: printed with a hint, exit code 2.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
