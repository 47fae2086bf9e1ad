/// A label-matcher regular expression, anchored at both ends as Prometheus anchors them. Plain alternations of literal
/// words (`postgres|redis`), the most common kind, are matched as a set without the regex engine.
final class AnchoredPattern: @unchecked Sendable {
    // Regex values are immutable after creation and safe to share; the type is not marked Sendable.
    private let regex: Regex<AnyRegexOutput>?
    private let literals: Set<String>?

    init(_ pattern: String) throws(PromQLError) {
        let metacharacters = Set("\\.+*?()[]{}^$")
        if !pattern.contains(where: { metacharacters.contains($0) }) {
            self.literals = Set(pattern.split(separator: "|", omittingEmptySubsequences: false).map(String.init))
            self.regex = nil
            return
        }
        do {
            self.regex = try Regex("(?s:" + pattern + ")")
            self.literals = nil
        } catch {
            throw PromQLError(message: "invalid regular expression \"\(pattern)\": \(error)")
        }
    }

    func matches(_ value: String) -> Bool {
        if let literals { return literals.contains(value) }
        return (try? self.regex!.wholeMatch(in: value)) != nil
    }
}
