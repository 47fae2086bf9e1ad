import CCurl
import NIOConcurrencyHelpers
public import NIOPosix

/// An HTTP request for ``CurlHTTPClient``.
public struct HTTPClientRequest: Sendable {
    /// `GET`, `POST`, `HEAD`, …
    public var method: String
    /// The absolute URL.
    public var url: String
    /// Header lines as name and value.
    public var headers: [(name: String, value: String)]
    /// The request body, if any.
    public var body: [UInt8]?
    /// The whole exchange must finish within this.
    public var timeout: Duration
    /// Connecting (DNS, TCP and TLS) must finish within this.
    public var connectTimeout: Duration
    /// The most response-body bytes kept; a larger body fails the request.
    public var maxResponseBytes: Int
    /// Decides, for every address libcurl is about to connect to, whether it may; with one set, no proxy is used
    /// (the filter must see the origin's address, not a proxy's). `nil`: every address, and proxies from the
    /// environment.
    public var connectFilter: ConnectFilter?

    /// Creates a request.
    public init(
        method: String = "GET",
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration = .seconds(5),
        connectTimeout: Duration? = nil,
        maxResponseBytes: Int = 1 << 20,
        connectFilter: ConnectFilter? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout ?? timeout
        self.maxResponseBytes = maxResponseBytes
        self.connectFilter = connectFilter
    }
}

/// What an HTTP exchange returned, with the phase timings libcurl measured.
public struct HTTPClientResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The body (at most the request's ``HTTPClientRequest/maxResponseBytes``).
    public var body: [UInt8]
    /// The response's header fields in order, names as sent.
    public var headers: [(name: String, value: String)] = []
    /// The first value of the header `name` (compared without regard to case).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return self.headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// Seconds until the name was resolved.
    public var resolveSeconds: Double
    /// Seconds until the TCP connection was made.
    public var connectSeconds: Double
    /// Seconds until TLS was set up (0 for plain HTTP).
    public var tlsSeconds: Double
    /// Seconds until the first response byte.
    public var firstByteSeconds: Double
    /// Seconds for the whole exchange.
    public var totalSeconds: Double
}

/// An HTTP failure with a message safe to show.
public struct HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public typealias Code = ClientErrorCode

    /// What kind of failure this is.
    public var code: Code
    /// libcurl's explanation.
    public var message: String

    /// An error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `<code>: <message>`.
    public var description: String { "\(self.code): \(self.message)" }
}

/// HTTP over libcurl easy handles, which keep their connections alive between requests.
///
/// TLS verification is on and redirects are not followed. Every request runs on the thread pool with libcurl's own
/// total and connect timeouts (in milliseconds, `CURLOPT_NOSIGNAL` set), so a server that never answers fails at the
/// deadline. Requests run at once, each on a handle of its own: a request takes an idle handle (or makes one) and
/// gives it back after, and at most `idleHandles` are kept.
// @unchecked Sendable: the idle handles live behind a lock; a handle taken out is used by one request only.
public final class CurlHTTPClient: @unchecked Sendable {
    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    private let idle: NIOLockedValueBox<[UnsafeSendableCurl]>
    private let idleHandles: Int
    private let threadPool: NIOThreadPool

    /// Creates a client whose requests run on `threadPool`, keeping at most `idleHandles` connections' handles.
    public init(threadPool: NIOThreadPool, idleHandles: Int = 4) {
        Self.globalInit
        self.idle = NIOLockedValueBox([])
        self.idleHandles = max(1, idleHandles)
        self.threadPool = threadPool
    }

    deinit {
        self.idle.withLockedValue { handles in
            for handle in handles { curl_easy_cleanup(handle.pointer) }
        }
    }

    private func takeHandle() -> UnsafeSendableCurl? {
        if let handle = self.idle.withLockedValue({ $0.popLast() }) { return handle }
        return curl_easy_init().map(UnsafeSendableCurl.init)
    }

    private func giveBack(_ handle: UnsafeSendableCurl) {
        let kept = self.idle.withLockedValue { handles in
            guard handles.count < self.idleHandles else { return false }
            handles.append(handle)
            return true
        }
        if !kept { curl_easy_cleanup(handle.pointer) }
    }

    /// Performs `request`.
    /// - Throws: ``HTTPClientError``; a response of any status is a success here (the probe judges the status).
    public func perform(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        // A CR or LF in a header would end its line and start another: refuse rather than send it.
        for (name, value) in request.headers where !HTTPFieldSyntax.isToken(name) || !HTTPFieldSyntax.isFieldValue(value) {
            throw HTTPClientError(
                code: .failed,
                message: "header \(HTTPFieldSyntax.isToken(name) ? name : "name") is not valid HTTP; not sent"
            )
        }
        if HTTPFieldSyntax.controlCharacterPosition(inURL: request.url) != nil {
            throw HTTPClientError(code: .failed, message: "the URL contains a control character or space; not sent")
        }
        let result: Result<HTTPClientResponse, HTTPClientError>
        do {
            result = try await self.threadPool.runIfActive {
                guard let handle = self.takeHandle() else {
                    return .failure(HTTPClientError(code: .failed, message: "libcurl could not create a handle"))
                }
                defer { self.giveBack(handle) }
                return Self.performBlocking(handle.pointer, request)
            }
        } catch {
            throw HTTPClientError(code: .failed, message: "the probe thread pool is shut down")
        }
        return try result.get()
    }

    private final class ResponseBuffer {
        var bytes: [UInt8] = []
        var headers: [(name: String, value: String)] = []
        let limit: Int
        var overflowed = false
        let connectFilter: ConnectFilter?
        /// Why the filter refused the last address it was asked about.
        var refusal: String?
        init(limit: Int, connectFilter: ConnectFilter?) {
            self.limit = limit
            self.connectFilter = connectFilter
        }
    }

    private static func performBlocking(
        _ curl: UnsafeMutableRawPointer,
        _ request: HTTPClientRequest
    ) -> Result<HTTPClientResponse, HTTPClientError> {
        curl_easy_reset(curl)
        let buffer = ResponseBuffer(limit: request.maxResponseBytes, connectFilter: request.connectFilter)
        let unmanaged = Unmanaged.passRetained(buffer)
        defer { unmanaged.release() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        // "Expect: 100-continue" would add a round trip to every POST.
        headerList = curl_slist_append(headerList, "Expect:")

        ccurl_setopt_string(curl, CURLOPT_URL, request.url)
        ccurl_setopt_long(curl, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(curl, CURLOPT_TIMEOUT_MS, max(1, request.timeout.wholeMilliseconds))
        ccurl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, max(1, request.connectTimeout.wholeMilliseconds))
        ccurl_setopt_long(curl, CURLOPT_FOLLOWLOCATION, 0)
        ccurl_setopt_long(curl, CURLOPT_SSL_VERIFYPEER, 1)
        ccurl_setopt_long(curl, CURLOPT_SSL_VERIFYHOST, 2)
        ccurl_setopt_long(curl, CURLOPT_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS))
        ccurl_setopt_slist(curl, CURLOPT_HTTPHEADER, headerList)
        ccurl_setopt_string(curl, CURLOPT_USERAGENT, "copythat-exporter")
        if request.method == "HEAD" {
            ccurl_setopt_long(curl, CURLOPT_NOBODY, 1)
        } else if request.method != "GET" {
            ccurl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, request.method)
        }
        if request.connectFilter != nil {
            ccurl_setopt_string(curl, CURLOPT_PROXY, "")  // no proxy, not even one from the environment
            ccurl_setopt_pointer(curl, CURLOPT_OPENSOCKETDATA, unmanaged.toOpaque())
            ccurl_setopt_opensocket_function(curl) { clientp, purpose, address in
                let buffer = Unmanaged<ResponseBuffer>.fromOpaque(clientp!).takeUnretainedValue()
                guard let address, let filter = buffer.connectFilter else { return CURL_SOCKET_BAD }
                var bytes = [UInt8](repeating: 0, count: 16)
                var port: Int32 = 0
                let count = Int(ccurl_sockaddr_address(address, &bytes, &port))
                guard count > 0 else {
                    buffer.refusal = "not an IP address"
                    return CURL_SOCKET_BAD
                }
                if let refusal = filter.decide(Array(bytes.prefix(count)), Int(port)) {
                    buffer.refusal = refusal
                    return CURL_SOCKET_BAD  // libcurl tries the next address, or fails with CURLE_COULDNT_CONNECT
                }
                return ccurl_open_socket(address)
            }
        }
        ccurl_setopt_pointer(curl, CURLOPT_WRITEDATA, unmanaged.toOpaque())
        ccurl_setopt_write_function(curl) { data, size, count, userdata in
            let buffer = Unmanaged<ResponseBuffer>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            let needed = buffer.bytes.count + length
            guard needed <= buffer.limit else {
                buffer.overflowed = true
                return 0  // makes libcurl stop with CURLE_WRITE_ERROR
            }
            if needed > buffer.bytes.capacity {
                // Grow by doubling, but never past the limit (plain appending would double 32 MiB to 64).
                buffer.bytes.reserveCapacity(min(buffer.limit, max(needed, buffer.bytes.capacity * 2)))
            }
            if let data {
                buffer.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
            }
            return length
        }
        ccurl_setopt_pointer(curl, CURLOPT_HEADERDATA, unmanaged.toOpaque())
        ccurl_setopt_header_function(curl) { data, size, count, userdata in
            let buffer = Unmanaged<ResponseBuffer>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            guard let data else { return length }
            var line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
            while line.last?.isNewline == true { line.removeLast() }
            if line.hasPrefix("HTTP/") {
                buffer.headers = []  // a new response (after a 100 Continue): its headers replace the last ones
            } else if let colon = line.firstIndex(of: ":") {
                let value = line[line.index(after: colon)...].drop(while: { $0 == " " || $0 == "\t" })
                // A declared length past the limit stops the transfer before any of the body is buffered.
                if line[..<colon].lowercased() == "content-length", let declared = Int(value), declared > buffer.limit {
                    buffer.overflowed = true
                    return 0
                }
                buffer.headers.append((String(line[..<colon]), String(value)))
            }
            return length
        }
        let code: CURLcode
        if let body = request.body {
            code = body.withUnsafeBufferPointer { bytes in
                ccurl_setopt_long(curl, CURLOPT_POSTFIELDSIZE, bytes.count)
                ccurl_setopt_pointer(curl, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                return curl_easy_perform(curl)
            }
            ccurl_setopt_pointer(curl, CURLOPT_POSTFIELDS, nil)
        } else {
            code = curl_easy_perform(curl)
        }
        guard code == CURLE_OK else {
            if let refusal = buffer.refusal, code == CURLE_COULDNT_CONNECT {
                return .failure(HTTPClientError(code: .addressRefused, message: refusal))
            }
            if buffer.overflowed {
                return .failure(
                    HTTPClientError(code: .responseTooLarge, message: "the response body exceeded \(request.maxResponseBytes) bytes")
                )
            }
            return .failure(HTTPClientError(code: Self.errorCode(code), message: String(cString: curl_easy_strerror(code))))
        }
        var status = 0
        ccurl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        return .success(
            HTTPClientResponse(
                status: status,
                body: buffer.bytes,
                headers: buffer.headers,
                resolveSeconds: Self.seconds(curl, CURLINFO_NAMELOOKUP_TIME),
                connectSeconds: Self.seconds(curl, CURLINFO_CONNECT_TIME),
                tlsSeconds: Self.seconds(curl, CURLINFO_APPCONNECT_TIME),
                firstByteSeconds: Self.seconds(curl, CURLINFO_STARTTRANSFER_TIME),
                totalSeconds: Self.seconds(curl, CURLINFO_TOTAL_TIME)
            )
        )
    }

    private static func errorCode(_ code: CURLcode) -> HTTPClientError.Code {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .resolveFailed
        case CURLE_COULDNT_CONNECT: return .connectionFailed
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE: return .tlsFailed
        default: return .failed
        }
    }

    private static func seconds(_ curl: UnsafeMutableRawPointer, _ info: CURLINFO) -> Double {
        var value = 0.0
        ccurl_getinfo_double(curl, info, &value)
        return value
    }
}

/// A libcurl easy handle moved into a thread-pool job.
struct UnsafeSendableCurl: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
}
