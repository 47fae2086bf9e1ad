import Atomics
public import HTTPTypes
public import Hummingbird
import JSONLogging
import Logging

/// Gives every request an id: a well-formed `X-Request-ID` from the client (1 to 128 characters of letters, digits,
/// `-`, `_`, `.`) is kept, anything else is replaced by a fresh random one. The id is echoed on the response and
/// bound to the request's task as `LogContext.requestID`, so every line logged while serving it carries
/// `request_id`: a `JSONLogHandler` writes it on the lines of any logger; with another handler it is put in the
/// request logger's metadata.
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The header name.
    public static var headerName: HTTPField.Name { requestIDHeaderName }

    /// Creates the middleware.
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = Self.id(for: request)
        guard LogContext.isWrittenByHandler(of: context.logger) else {
            var context = context
            context.logger[metadataKey: LogContext.requestIDKey] = .string(id)
            return try await LogContext.$requestID.withValue(id) {
                try await self.respond(to: request, context: context, id: id, next: next)
            }
        }
        return try await LogContext.$requestID.withValue(id) { try await self.respond(to: request, context: context, id: id, next: next) }
    }

    private func respond(
        to request: Request,
        context: Context,
        id: String,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            var response = try await next(request, context)
            Self.set(id, on: &response)
            return response
        } catch let error as any HTTPResponseError {
            // Keep the id on error responses too: the client needs it most then.
            var response = try error.response(from: request, context: context)
            Self.set(id, on: &response)
            return response
        }
    }

    /// The client's id when it is well formed, else a new one.
    static func id(for request: Request) -> String {
        request.headers[Self.headerName].flatMap { Self.isWellFormed($0) ? $0 : nil } ?? Self.generate()
    }

    /// Puts `id` in the response's header: appended unless the route set one (the subscript's setter searches,
    /// removes and rebuilds in every case), replacing the route's if it did.
    static func set(_ id: String, on response: inout Response) {
        if response.headers.contains(Self.headerName) {
            response.headers[Self.headerName] = id
        } else {
            response.headers.append(HTTPField(name: Self.headerName, value: id))
        }
    }

    /// Whether a client's id can be kept: bounded length, safe characters only (no header or log injection).
    public static func isWellFormed(_ id: String) -> Bool {
        JSONLogHandler.isWellFormedRequestID(id)
    }

    /// 32 hexadecimal digits: a random per-process prefix and a counter scrambled by a bijective mixer, so ids never
    /// repeat within a process and differ across processes, without a system call per request.
    static func generate() -> String {
        let prefix = RequestIDSequence.processPrefix
        let mixed = RequestIDSequence.mix(RequestIDSequence.shared.next())
        // One allocation: the 32 digits written straight into the string's storage.
        return String(unsafeUninitializedCapacity: 32) { buffer in
            Self.writeHex(prefix, to: buffer, at: 0)
            Self.writeHex(mixed, to: buffer, at: 16)
            return 32
        }
    }

    private static func writeHex(_ value: UInt64, to buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        let digits: StaticString = "0123456789abcdef"
        for index in 0..<16 {
            let nibble = Int((value >> UInt64(60 - 4 * index)) & 0xF)
            buffer[offset + index] = digits.utf8Start[nibble]
        }
    }
}

/// `X-Request-ID`, validated once rather than on every request.
private let requestIDHeaderName = HTTPField.Name("X-Request-ID")!

/// The counter behind generated request ids.
final class RequestIDSequence: Sendable {
    static let shared = RequestIDSequence()
    /// Random once per process.
    static let processPrefix = UInt64.random(in: .min ... .max)
    private static let key = UInt64.random(in: .min ... .max)
    private let counter = ManagedAtomic<UInt64>(0)

    func next() -> UInt64 {
        self.counter.loadThenWrappingIncrement(ordering: .relaxed)
    }

    /// SplitMix64's finaliser, keyed: a bijection on 64-bit values, so distinct counters give distinct ids.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value ^ self.key
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
