/// RFC 9110's syntax for header field names and values, so that nothing from a configuration file or the
/// environment can end a header line early and start another (header injection), and URLs without control
/// characters.
public enum HTTPFieldSyntax {
    /// Whether `name` is a `token`: one or more of `!#$%&'*+-.^_`|~`, digits and letters.
    public static func isToken(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
    }

    /// Whether `value` is a `field-value`: visible characters, spaces and tabs (and bytes ≥ 0x80), no CR, LF, NUL
    /// or other control character, and no space or tab at either end.
    public static func isFieldValue(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        if let first = bytes.first, first == 0x20 || first == 0x09 { return false }
        if let last = bytes.last, last == 0x20 || last == 0x09 { return false }
        return bytes.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    /// The position (0-based, in characters) of the first control character or whitespace in `url`, if any: URLs
    /// carry none, and a line feed in one would reach the request line.
    public static func controlCharacterPosition(inURL url: String) -> Int? {
        for (index, scalar) in url.unicodeScalars.enumerated() where scalar.value < 0x21 || scalar.value == 0x7F {
            return index
        }
        return nil
    }
}
