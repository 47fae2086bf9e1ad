#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Prices read from a JSON file, to override or extend ``AICostTracker/defaultPrices`` without a release:
///
/// ```json
/// {"claude-sonnet-4-5-20250929": {"input_per_1k": 0.003, "output_per_1k": 0.015}}
/// ```
public enum PriceTable {
    /// A price file that cannot be used.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        /// The file.
        public var path: String
        /// What is wrong.
        public var reason: String
        /// `path: reason`.
        public var description: String { "\(self.path): \(self.reason)" }
    }

    /// Reads the prices in `path`.
    /// - Throws: ``Invalid`` naming the model and field at fault.
    public static func load(path: String) throws(Invalid) -> [String: ModelPrice] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Invalid(path: path, reason: "cannot read the file") }
        return try self.parse(data, path: path)
    }

    /// Parses JSON price data; `path` names it in errors.
    public static func parse(_ data: Data, path: String = "prices") throws(Invalid) -> [String: ModelPrice] {
        guard let models = try? JSONDecoder().decode([String: Entry].self, from: data) else {
            throw Invalid(path: path, reason: "expected a JSON object of model names to prices")
        }
        var prices: [String: ModelPrice] = [:]
        for (model, entry) in models {
            guard case .object(let fields) = entry else { throw Invalid(path: path, reason: "\(model): expected an object") }
            let unknown = Set(fields.keys).subtracting(["input_per_1k", "output_per_1k"])
            guard unknown.isEmpty else {
                throw Invalid(path: path, reason: "\(model): unknown field \(unknown.sorted().joined(separator: ", "))")
            }
            guard case .number(let input)? = fields["input_per_1k"], case .number(let output)? = fields["output_per_1k"],
                input >= 0, output >= 0, input.isFinite, output.isFinite
            else {
                throw Invalid(path: path, reason: "\(model): input_per_1k and output_per_1k must be non-negative numbers of dollars")
            }
            prices[model] = ModelPrice(inputDollarsPer1K: input, outputDollarsPer1K: output)
        }
        return prices
    }

    /// One model's entry as written: an object of fields, or anything else (an error naming the model).
    private enum Entry: Decodable {
        case object([String: Field])
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            self = (try? container.decode([String: Field].self)).map(Entry.object) ?? .other
        }
    }

    /// One field's value: a number, or anything else.
    private enum Field: Decodable {
        case number(Double)
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            self = (try? container.decode(Double.self)).map(Field.number) ?? .other
        }
    }
}
