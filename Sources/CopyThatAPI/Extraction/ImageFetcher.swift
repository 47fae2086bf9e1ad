public import Clients
import HTTPTypes

/// An image's bytes and the media type they were sniffed as.
public struct FetchedImage: Sendable {
    /// The bytes.
    public var bytes: [UInt8]
    /// What the first bytes say they are.
    public var mediaType: ImageMediaType
}

/// Fetches `image_url`s under an ``ImageFetchPolicy``: libcurl, no redirects, no proxy, a 10 s deadline, the body cut
/// at `maxBytes` while it streams, the media type sniffed.
///
/// Every failure is an ``APIError`` with a sentence for the client: 422 for a refused URL (no connection is made) or
/// an image that cannot be fetched (DNS, timeout, redirect, the origin's error status), 413 past the size limit,
/// 415 for bytes that are not PNG, JPEG, GIF or WebP.
public struct ImageFetcher: Sendable {
    /// 10 MiB, as for `image_base64` decoded.
    public static let defaultMaxBytes = 10 << 20

    let client: CurlHTTPClient
    let policy: ImageFetchPolicy
    let maxBytes: Int
    let timeout: Duration

    /// A fetcher over `client`.
    public init(client: CurlHTTPClient, policy: ImageFetchPolicy, maxBytes: Int = Self.defaultMaxBytes, timeout: Duration = .seconds(10)) {
        self.client = client
        self.policy = policy
        self.maxBytes = maxBytes
        self.timeout = timeout
    }

    /// Fetches the image at `url`.
    public func fetch(_ url: String) async throws(APIError) -> FetchedImage {
        let permit: ImageFetchPolicy.Permit
        switch self.policy.permit(url) {
        case .success(let value): permit = value
        case .failure(let refusal): throw Self.unprocessable(refusal.reason)
        }
        let request = HTTPClientRequest(
            url: url,
            headers: [("Accept", "image/png, image/jpeg, image/gif, image/webp")],
            timeout: self.timeout,
            maxResponseBytes: self.maxBytes,
            connectFilter: permit.connectFilter
        )
        let response: HTTPClientResponse
        do {
            response = try await self.client.perform(request)
        } catch {
            throw Self.error(for: error, maxBytes: self.maxBytes)
        }
        switch response.status {
        case 200..<300: break
        case 300..<400: throw Self.unprocessable("the image URL redirected (HTTP \(response.status)); redirects are not followed")
        default: throw Self.unprocessable("the image could not be fetched: the server answered HTTP \(response.status)")
        }
        guard let mediaType = ImageMediaType(sniffing: response.body) else {
            throw APIError(.unsupportedMediaType, "The image is not PNG, JPEG, GIF or WebP")
        }
        return FetchedImage(bytes: response.body, mediaType: mediaType)
    }

    private static func unprocessable(_ reason: String) -> APIError {
        APIError.validation([APIError.FieldError(field: "image_url", message: reason)])
    }

    private static func error(for error: HTTPClientError, maxBytes: Int) -> APIError {
        switch error.code {
        case .addressRefused: return Self.unprocessable(error.message)
        case .responseTooLarge: return APIError(.contentTooLarge, "The image is larger than \(maxBytes >> 20) MiB")
        case .resolveFailed: return Self.unprocessable("the image could not be fetched: the host name does not resolve")
        case .timeout: return Self.unprocessable("the image could not be fetched within the time allowed")
        case .tlsFailed: return Self.unprocessable("the image could not be fetched: TLS failed")
        case .connectionFailed: return Self.unprocessable("the image could not be fetched: the connection was refused")
        default: return Self.unprocessable("the image could not be fetched")
        }
    }
}
