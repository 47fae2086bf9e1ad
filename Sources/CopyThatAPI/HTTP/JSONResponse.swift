import Foundation
public import Hummingbird
import NIOCore

/// JSON responses, keys sorted so that bodies are stable.
public enum JSONResponse {
    /// `value` as JSON with `status`.
    public static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Self.raw(try Self.encode(value), status: status)
    }

    /// `value` written by hand (the same text `make` would send for its `Encodable` form).
    static func make(writing value: some JSONWritable, status: HTTPResponse.Status = .ok) -> Response {
        var output = JSONOutput()
        value.write(to: &output)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: output.bytes))
        )
    }

    /// `value` as the JSON text ``make(_:status:)`` sends.
    public static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// JSON text already encoded (from the cache).
    public static func raw(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Paging for list routes: `limit` (1–100, default 50) and `offset` (0–1,000,000, default 0).
struct Paging {
    var limit: Int
    var offset: Int

    init(_ request: Request) throws(APIError) {
        var errors: [APIError.FieldError] = []
        func read(_ name: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
            guard let text = request.uri.queryParameters[name[...]] else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                errors.append(.init(field: name, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound)"))
                return fallback
            }
            return value
        }
        self.limit = read("limit", default: 50, range: 1...100)
        self.offset = read("offset", default: 0, range: 0...1_000_000)
        if !errors.isEmpty { throw APIError.validation(errors) }
    }
}

extension APIRequestContext {
    /// The positive integer path parameter `name` (422 naming it otherwise).
    func positiveID(_ name: String) throws(APIError) -> Int {
        guard let text = self.parameters.get(name), let value = Int(text), value > 0, value <= Int(Int32.max) else {
            throw APIError.validation([.init(field: name, message: "must be a positive whole number")])
        }
        return value
    }
}
