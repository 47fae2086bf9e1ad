/// Reads and checks the fields of a JSON object, collecting every problem; ``finish()`` throws them all as one 422.
public struct FieldReader: Sendable {
    let object: [String: JSONValue]
    /// The problems found so far.
    public private(set) var errors: [APIError.FieldError] = []

    /// Reads `object`.
    public init(object: [String: JSONValue]) {
        self.object = object
    }

    /// Whether the field is present and not `null`.
    public func has(_ name: String) -> Bool {
        switch self.object[name] {
        case nil, .null?: false
        default: true
        }
    }

    /// Records a problem with `field`.
    public mutating func fail(_ field: String, _ message: String) {
        self.errors.append(.init(field: field, message: message))
    }

    /// A string of `minLength`…`maxLength` characters (after trimming when `trim`); `nil` when absent or invalid.
    public mutating func string(
        _ name: String,
        required: Bool,
        minLength: Int = 0,
        maxLength: Int,
        trim: Bool = false
    ) -> String? {
        guard let value = self.object[name], value != .null else {
            if required { self.fail(name, "Field required") }
            return nil
        }
        guard case .string(var text) = value else {
            self.fail(name, "must be a string, got \(value.typeName)")
            return nil
        }
        if trim { text = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()) }
        if text.count < minLength {
            self.fail(name, minLength == 1 ? "must not be empty" : "must be at least \(minLength) characters")
            return nil
        }
        if text.count > maxLength {
            self.fail(name, "must be at most \(maxLength) characters")
            return nil
        }
        return text
    }

    /// A whole number in `range`.
    public mutating func integer(_ name: String, required: Bool, range: ClosedRange<Int>) -> Int? {
        guard let value = self.object[name], value != .null else {
            if required { self.fail(name, "Field required") }
            return nil
        }
        guard case .number(let number) = value, number == number.rounded(), abs(number) < 9e15 else {
            self.fail(name, "must be a whole number")
            return nil
        }
        let integer = Int(number)
        guard range.contains(integer) else {
            self.fail(name, "must be from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return integer
    }

    /// An array of strings with `minItems`…`maxItems` items, each at most `maxLength` characters.
    public mutating func strings(_ name: String, required: Bool, minItems: Int, maxItems: Int, maxLength: Int) -> [String]? {
        guard let items = self.array(name, required: required, minItems: minItems, maxItems: maxItems) else { return nil }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item, text.count <= maxLength else {
                self.fail("\(name).\(index)", "must be a string of at most \(maxLength) characters")
                return nil
            }
            result.append(text)
        }
        return result
    }

    /// An array of objects with at most `maxItems` items.
    public mutating func objects(_ name: String, required: Bool, minItems: Int, maxItems: Int) -> [FieldReader]? {
        guard let items = self.array(name, required: required, minItems: minItems, maxItems: maxItems) else { return nil }
        var result: [FieldReader] = []
        for (index, item) in items.enumerated() {
            guard case .object(let object) = item else {
                self.fail("\(name).\(index)", "must be an object, got \(item.typeName)")
                return nil
            }
            result.append(FieldReader(object: object))
        }
        return result
    }

    /// The items of the array `name`, with its presence, type and length checked.
    mutating func array(_ name: String, required: Bool, minItems: Int, maxItems: Int) -> [JSONValue]? {
        guard let value = self.object[name], value != .null else {
            if required { self.fail(name, "Field required") }
            return nil
        }
        guard case .array(let items) = value else {
            self.fail(name, "must be an array, got \(value.typeName)")
            return nil
        }
        guard items.count >= minItems, items.count <= maxItems else {
            self.fail(name, "must have from \(minItems) to \(maxItems) items")
            return nil
        }
        return items
    }

    /// Takes a nested reader's problems under `prefix`.
    public mutating func absorb(_ nested: FieldReader, prefix: String) {
        for error in nested.errors { self.fail("\(prefix).\(error.field)", error.message) }
    }

    /// Throws the 422 when any field was bad.
    public func finish() throws(APIError) {
        if !self.errors.isEmpty { throw APIError.validation(self.errors) }
    }
}
