/// PostgreSQL's text form of a one-dimensional array (`{"a","b \"c\"",NULL}`), for passing many rows' values as a
/// few parameters (`unnest($1::text[], …)`): every element quoted, `"` and `\` escaped, `nil` as `NULL`.
enum PostgresArrayLiteral {
    static func make(_ elements: [String?]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(elements.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard let element else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in element.utf8 {
                // A multi-byte UTF-8 sequence never holds these two bytes, so escaping bytes escapes characters.
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
