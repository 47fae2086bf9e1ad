/// The `query_type` label of a SQL statement: its leading keyword, so the label has a handful of values whatever
/// the statements are.
///
/// `SELECT`, `INSERT`, `UPDATE`, `DELETE`; a `WITH …` statement by its main verb (the first of those keywords after
/// the common table expressions); `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `SAVEPOINT` and `RELEASE`
/// as `TRANSACTION`; anything else `OTHER`. Comments and parentheses before the keyword are skipped.
public enum QueryType: String, Sendable, CaseIterable {
    case select = "SELECT"
    case insert = "INSERT"
    case update = "UPDATE"
    case delete = "DELETE"
    case transaction = "TRANSACTION"
    case other = "OTHER"

    /// Classifies `sql`.
    public init(sql: String) {
        var words = SQLWords(sql)
        guard let first = words.next() else {
            self = .other
            return
        }
        switch first {
        case "SELECT": self = .select
        case "INSERT": self = .insert
        case "UPDATE": self = .update
        case "DELETE": self = .delete
        case "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "ABORT": self = .transaction
        case "WITH":
            // The main statement follows the CTEs: the first verb at parenthesis depth zero.
            self = .other
            while let word = words.next() {
                guard words.depth == 0 else { continue }
                if let type = [QueryType.select, .insert, .update, .delete].first(where: { $0.rawValue == word }) {
                    self = type
                    break
                }
            }
        default: self = .other
        }
    }
}

/// Upper-cased words of SQL text, skipping comments, string literals and quoted identifiers, tracking parentheses.
struct SQLWords {
    private let bytes: [UInt8]
    private var index = 0
    private(set) var depth = 0

    init(_ sql: String) {
        self.bytes = Array(sql.utf8)
    }

    mutating func next() -> String? {
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "-") where self.peek(1) == UInt8(ascii: "-"):
                while self.index < self.bytes.count && self.bytes[self.index] != UInt8(ascii: "\n") { self.index += 1 }
            case UInt8(ascii: "/") where self.peek(1) == UInt8(ascii: "*"):
                self.index += 2
                while self.index < self.bytes.count && !(self.bytes[self.index] == UInt8(ascii: "*") && self.peek(1) == UInt8(ascii: "/")) {
                    self.index += 1
                }
                self.index += 2
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                self.index += 1
                while self.index < self.bytes.count && self.bytes[self.index] != byte { self.index += 1 }
                self.index += 1
            case UInt8(ascii: "("):
                self.depth += 1
                self.index += 1
            case UInt8(ascii: ")"):
                self.depth -= 1
                self.index += 1
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
                let start = self.index
                while self.index < self.bytes.count, Self.isWordByte(self.bytes[self.index]) { self.index += 1 }
                return String(decoding: self.bytes[start..<self.index].map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }, as: UTF8.self)
            default:
                self.index += 1
            }
        }
        return nil
    }

    private func peek(_ offset: Int) -> UInt8? {
        self.index + offset < self.bytes.count ? self.bytes[self.index + offset] : nil
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}
