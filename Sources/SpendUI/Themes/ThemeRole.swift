/// What a piece of the screen is, so that a theme can colour it.
public enum ThemeRole: String, CaseIterable, Sendable {
    case text, dim, header, title, border, borderFocused, columnHeader, selected, value
    case rising, falling, alert, warn, ok, chart, anomaly, status, overlay, bigDigits
}
