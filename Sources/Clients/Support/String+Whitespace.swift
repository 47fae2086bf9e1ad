extension StringProtocol {
    /// The text without leading and trailing whitespace and newlines (Unicode's definition, as
    /// `Character.isWhitespace`), for modules that do without Foundation's `trimmingCharacters(in:)`.
    package func trimmingWhitespace() -> String {
        guard let first = self.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = self.lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }
}
