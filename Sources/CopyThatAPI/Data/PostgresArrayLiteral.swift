/// PostgreSQL's text form of a one-dimensional array (`{"a","b \"c\"",NULL}`), for passing many rows' values as a
/// few parameters (`unnest($1::text[], …)`): every element quoted, `"` and `\` escaped, `nil` as `NULL`.
enum PostgresArrayLiteral {
    static func make(_ elements: [String?]) -> String {
        var text = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { text += "," }
            guard let element else {
                text += "NULL"
                continue
            }
            text += "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { text += "\\" }
                text.unicodeScalars.append(character)
            }
            text += "\""
        }
        return text + "}"
    }
}
