import CImageCodecs
public import NIOPosix

/// Pixels of a decoded image, 8-bit RGBA, row by row.
struct RGBAImage: Sendable {
    var width: Int
    var height: Int
    var pixels: [UInt8]
}

/// PNG (libpng's simplified API) and JPEG (libjpeg, scaled down while decoding when the image is large) to RGBA,
/// on a thread pool: decoding is CPU work that must not hold an event loop or the cooperative pool.
public struct ImageDecoder: Sendable {
    /// Images with more pixels are refused before any pixel buffer is allocated (a small file can declare a huge
    /// image).
    public static let maxPixels = 16_000_000
    /// JPEGs are scaled down while decoding as long as this many pixels remain.
    static let enoughPixels = 250_000

    let threadPool: NIOThreadPool

    /// A decoder whose work runs on `threadPool`.
    public init(threadPool: NIOThreadPool) {
        self.threadPool = threadPool
    }

    func decode(_ image: FetchedImage) async throws(APIError) -> RGBAImage {
        guard image.mediaType == .png || image.mediaType == .jpeg else {
            throw APIError(.unsupportedMediaType, "The local provider reads PNG and JPEG images only")
        }
        let result: Result<RGBAImage, APIError>
        do {
            result = try await self.threadPool.runIfActive { Self.decodeBlocking(image) }
        } catch {
            throw APIError.unavailable("Image decoding is shutting down")
        }
        return try result.get()
    }

    static func decodeBlocking(_ image: FetchedImage) -> Result<RGBAImage, APIError> {
        var pixels: UnsafeMutablePointer<UInt8>?
        var width: UInt32 = 0
        var height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.bytes.withUnsafeBytes { bytes in
            image.mediaType == .png
                ? cimage_decode_png(bytes.baseAddress, bytes.count, Self.maxPixels, &pixels, &width, &height, &message, message.count)
                : cimage_decode_jpeg(
                    bytes.baseAddress,
                    bytes.count,
                    Self.maxPixels,
                    Self.enoughPixels,
                    &pixels,
                    &width,
                    &height,
                    &message,
                    message.count
                )
        }
        switch Int(status) {
        case Int(CIMAGE_OK):
            guard let pixels else { return .failure(APIError.unavailable("Image decoding failed")) }
            defer { free(pixels) }
            let count = Int(width) * Int(height) * 4
            return .success(
                RGBAImage(width: Int(width), height: Int(height), pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
            )
        case Int(CIMAGE_TOO_LARGE):
            return .failure(APIError(.contentTooLarge, "The image has more than 16 million pixels"))
        case Int(CIMAGE_NO_MEMORY):
            return .failure(APIError.unavailable("Not enough memory to decode the image"))
        default:
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let kind = image.mediaType == .png ? "PNG" : "JPEG"
            return .failure(APIError.validation([.init(field: "image", message: "is not a valid \(kind): \(reason)")]))
        }
    }
}
