/// Text from other people, made safe for a terminal.
extension String {
    /// The text with every control character except line feed and tab shown as `\u{…}`: a value,
    /// a name or a label written by anyone reaches other people's terminals (a county
    /// reviewer's, an administrator's), where an escape sequence could rewrite the screen.
    public var forTerminal: String {
        guard unicodeScalars.contains(where: Self.isHidden) else { return self }
        var shown = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if Self.isHidden(scalar) {
                shown.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                shown.append(scalar)
            }
        }
        return String(shown)
    }

    private static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\n" && scalar != "\t" && scalar.properties.generalCategory == .control
    }
}
