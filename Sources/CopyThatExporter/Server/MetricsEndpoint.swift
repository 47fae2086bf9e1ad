import Clients
import CompressNIO
import ExporterConfig
import Hummingbird
import PrometheusRegistry

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /metrics`: the registry in the format the scraper asks for, gzipped when it accepts gzip, behind optional
/// bearer or basic authentication.
struct MetricsEndpoint: Sendable {
    let registry: PrometheusRegistry
    let authorization: Authorization?

    /// What `Authorization` header value is accepted, precomputed.
    struct Authorization: Sendable {
        let expected: [UInt8]
        let challenge: String

        init(_ auth: ExporterConfiguration.MetricsAuth) {
            switch auth {
            case .bearer(let token):
                self.expected = Array("Bearer \(token)".utf8)
                self.challenge = "Bearer realm=\"metrics\""
            case .basic(let username, let password):
                self.expected = Array("Basic \(Data("\(username):\(password)".utf8).base64EncodedString())".utf8)
                self.challenge = "Basic realm=\"metrics\""
            }
        }

        /// Compares in constant time, so the token cannot be guessed byte by byte from response times.
        func accepts(_ header: String?) -> Bool {
            guard let header else { return false }
            return ConstantTime.equals(Array(header.utf8), self.expected)
        }
    }

    func respond(to request: Request) -> Response {
        if let authorization {
            guard authorization.accepts(request.headers[.authorization]) else {
                return Response(
                    status: .unauthorized,
                    headers: [.wwwAuthenticate: authorization.challenge, .contentType: "text/plain; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: "unauthorized\n"))
                )
            }
        }
        let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
        var body = ByteBuffer(bytes: self.registry.render(format: format))
        var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept, Accept-Encoding"]
        if Self.acceptsGzip(request.headers[.acceptEncoding]), let compressed = try? body.compress(with: .gzip()) {
            body = compressed
            headers[.contentEncoding] = "gzip"
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// Whether `Accept-Encoding` allows gzip (present, and not with `q=0`).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for coding in header.split(separator: ",") {
            let parts = coding.split(separator: ";").map { $0.trimmingWhitespace() }
            guard let name = parts.first?.lowercased(), name == "gzip" || name == "*" else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if quality > 0 { return true }
        }
        return false
    }
}
