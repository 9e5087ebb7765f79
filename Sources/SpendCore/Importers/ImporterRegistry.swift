// TEMPORARY until the importers module lands
public enum ImporterRegistry {
    public static func decode(_ fields: JSONFields) -> (format: String, DecodedLine) {
        if NativeImporter.matches(fields) { return ("native", NativeImporter.decode(fields)) }
        return ("unknown", .rejected(.unknownFormat))
    }
}
