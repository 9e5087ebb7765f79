/// Per-line format detection: the first importer in `order` whose matcher accepts the line decodes it.
public enum ImporterRegistry {
    /// Most specific first. OTLP and the two LiteLLM shapes contain OpenAI- or Anthropic-shaped
    /// `usage` objects of their own, and a gateway wrapper has a native-looking `ts`; the matchers
    /// also exclude those lines themselves, so the order is a second guard, not the only one.
    public static let order: [EventImporter.Type] = [
        OTLPSpanImporter.self,
        LiteLLMPayloadImporter.self,
        LiteLLMSpendLogsImporter.self,
        ClaudeTranscriptImporter.self,
        CodexSessionImporter.self,
        OTelSpanLineImporter.self,
        AnthropicUsageImporter.self,
        OpenAIUsageImporter.self,
        NativeImporter.self,
    ]

    /// The name `decode(_:)` reports for a line no importer accepts.
    public static let unknownFormatName = "unknown"

    public static func decode(line: UnsafeRawBufferPointer) -> DecodedLine {
        switch JSONFields.parse(line) {
        case .failure(let reason): return .rejected(reason)
        case .success(let fields): return decode(fields).1
        }
    }

    /// Config mappings come first: a user who describes a format means it. `context` is the stream's
    /// memory (a Codex session's model, say); without one, each line is decoded on its own.
    public static func decode(_ fields: JSONFields, mappings: [FieldMapping] = [],
                              context: StreamContext? = nil) -> (format: String, DecodedLine) {
        for m in mappings where m.matches(fields) {
            return (m.name, m.decode(fields))
        }
        for importer in order where importer.matches(fields) {
            return (importer.formatName, importer.decode(fields, context: context ?? StreamContext()))
        }
        return (unknownFormatName, .rejected(.unknownFormat))
    }
}
