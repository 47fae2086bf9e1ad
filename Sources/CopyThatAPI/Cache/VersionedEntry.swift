/// A cached text stamped with the version of what it was read from (`{version}\n{text}`): served only while the
/// source still has that version, so the change that bumps the version invalidates it in its own transaction, with
/// no delete to send (or to lose when Redis cannot be reached at that moment).
///
/// A reader stamps what it read with the version it saw before reading it, so an entry is never older than its
/// stamp; two readers racing can at worst leave the older stamp behind, which the next reader takes for a miss.
struct VersionedEntry: Sendable, Hashable {
    /// The version the text was read at.
    var version: Int
    /// The cached text (here, a JSON document).
    var text: String

    /// What is stored in Redis.
    var stored: String { "\(self.version)\n\(self.text)" }

    /// The entry in `stored`, or `nil` when it is not one (an entry written before versions, or garbage).
    init?(stored: String) {
        let bytes = stored.utf8
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")),
            let version = Int(Substring(stored[..<newline])), version >= 0
        else { return nil }
        self.version = version
        self.text = String(stored[stored.index(after: newline)...])
    }

    /// An entry of `text` read at `version`.
    init(version: Int, text: String) {
        self.version = version
        self.text = text
    }
}
