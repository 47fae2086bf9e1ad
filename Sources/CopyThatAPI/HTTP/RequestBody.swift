import Foundation
public import Hummingbird
import NIOCore

/// Reading request bodies: the media type checked (415), the size bounded while it arrives (413), JSON parsed into
/// a ``JSONValue`` object (malformed JSON is a 422 naming `body`).
public enum RequestBody {
    /// Bodies on JSON routes: 1 MiB.
    public static let jsonLimit = 1 << 20

    /// The body as a JSON object.
    public static func jsonObject(_ request: Request, limit: Int = Self.jsonLimit) async throws -> FieldReader {
        try Self.requireMediaType(request, "application/json", suffix: "+json")
        let bytes = try await Self.collect(request, limit: limit)
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw APIError.validation([.init(field: "body", message: "Malformed JSON")])
        }
        guard case .object(let object) = value else {
            throw APIError.validation([.init(field: "body", message: "must be a JSON object, got \(value.typeName)")])
        }
        return FieldReader(object: object)
    }

    /// The body as `application/x-www-form-urlencoded` fields (the OAuth2 password form).
    public static func form(_ request: Request, limit: Int = 16 * 1024) async throws -> [String: String] {
        try Self.requireMediaType(request, "application/x-www-form-urlencoded", suffix: nil)
        let bytes = try await Self.collect(request, limit: limit)
        return try FormDecoding.decode(bytes)
    }

    static func requireMediaType(_ request: Request, _ expected: String, suffix: String?) throws {
        let mediaType = Self.mediaType(request.headers[.contentType] ?? "")
        let matches = mediaType == expected || (suffix.map { mediaType.hasPrefix("application/") && mediaType.hasSuffix($0) } ?? false)
        guard matches else {
            throw APIError(
                .unsupportedMediaType,
                mediaType.isEmpty ? "Content-Type must be \(expected)" : "Content-Type must be \(expected), got \(mediaType)"
            )
        }
    }

    /// The media type of a `Content-Type` value: before any `;`, without surrounding spaces or tabs, in lower case
    /// (ASCII only, as media types are).
    static func mediaType(_ header: String) -> String {
        let bytes = header.utf8.prefix { $0 != UInt8(ascii: ";") }
        let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }), let last = bytes.lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(decoding: bytes[first...last].map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    static func collect(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Self.tooLarge(limit)
        }
        var collected: [UInt8] = []
        for try await buffer in request.body {
            guard collected.count + buffer.readableBytes <= limit else { throw Self.tooLarge(limit) }
            collected.append(contentsOf: buffer.readableBytesView)
        }
        return collected
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "Request body too large (at most \(limit) bytes)")
    }
}

/// `application/x-www-form-urlencoded`: `+` is a space, `%XX` a byte; the result must be UTF-8.
enum FormDecoding {
    static func decode(_ bytes: [UInt8]) throws -> [String: String] {
        var fields: [String: String] = [:]
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.unescape(parts[0]), let value = Self.unescape(parts.count > 1 ? parts[1] : []) else {
                throw APIError.validation([.init(field: "body", message: "Malformed form encoding")])
            }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    static func unescape(_ bytes: ArraySlice<UInt8>) -> String? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex + 0, index + 2 <= bytes.endIndex - 1,
                    let high = Self.hex(bytes[index + 1]), let low = Self.hex(bytes[index + 2])
                else { return nil }
                output.append(high << 4 | low)
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return String(validating: output, as: UTF8.self)
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
