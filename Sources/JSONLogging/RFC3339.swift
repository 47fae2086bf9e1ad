/// RFC 3339 timestamps in UTC with milliseconds (`2026-11-23T07:40:44.120Z`), formatted without Foundation or ICU.
public enum RFC3339 {
    /// Formats `secondsSinceEpoch`, rounded down to the millisecond.
    public static func format(secondsSinceEpoch: Double) -> String {
        var writer = JSONWriter(capacity: 26)
        writer.appendTimestamp(millisecondsSinceEpoch: Int64((secondsSinceEpoch * 1000).rounded(.down)))
        // The writer quotes the value for JSON; the bare timestamp is between the quotes.
        return String(decoding: writer.bytes.dropFirst().dropLast(), as: UTF8.self)
    }
}
