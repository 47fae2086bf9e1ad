import ExtrasBase64

/// Where an extraction's image comes from: exactly one of `image_url` and `image_base64`.
enum ImageSource: Sendable {
    case url(String)
    case base64(String)

    /// Text past this is refused before decoding (14 MiB: 10 MiB of image is about 13.4 MiB of base64).
    static let base64TextLimit = 14 << 20
    /// A decoded image past this is refused.
    static let decodedLimit = 10 << 20

    /// `source_type` as `extraction_jobs` stores it.
    var typeName: String {
        switch self {
        case .url: "url"
        case .base64: "base64"
        }
    }

    /// Reads the field that is there, recording a problem in `body` when it is not exactly one.
    static func read(_ body: inout FieldReader) -> ImageSource? {
        let url = body.string("image_url", required: false, minLength: 1, maxLength: 2048)
        var base64: String?
        switch body.object["image_base64"] {
        case nil, .null?: break
        case .string(let text)?: base64 = text
        case let value?: body.fail("image_base64", "must be a string, got \(value.typeName)")
        }
        switch (url, base64) {
        case (let url?, nil): return .url(url)
        case (nil, let text?): return .base64(text)
        case (_?, _?):
            body.fail("body", "give exactly one of image_url and image_base64, not both")
        case (nil, nil):
            if body.errors.isEmpty { body.fail("body", "give exactly one of image_url and image_base64") }
        }
        return nil
    }

    /// The bytes of an `image_base64` (an optional `data:…;base64,` prefix is dropped: its declared type is not
    /// believed) and their sniffed type: 413 past either size limit, 422 for text that is not base64, 415 for bytes
    /// that are not PNG, JPEG, GIF or WebP.
    static func decode(_ text: String) throws(APIError) -> FetchedImage {
        guard text.utf8.count <= Self.base64TextLimit else {
            throw APIError(.contentTooLarge, "image_base64 is larger than 14 MiB of text")
        }
        var payload = Substring(text)
        if payload.hasPrefix("data:"), let comma = payload.firstIndex(of: ",") {
            payload = payload[payload.index(after: comma)...]
        }
        let bytes: [UInt8]
        do {
            bytes = try Base64.decode(string: String(payload))
        } catch {
            throw APIError.validation([.init(field: "image_base64", message: "is not valid base64")])
        }
        guard bytes.count <= Self.decodedLimit else { throw APIError(.contentTooLarge, "The image is larger than 10 MiB") }
        guard let type = ImageMediaType(sniffing: bytes) else {
            throw APIError(.unsupportedMediaType, "The image is not PNG, JPEG, GIF or WebP")
        }
        return FetchedImage(bytes: bytes, mediaType: type)
    }
}
