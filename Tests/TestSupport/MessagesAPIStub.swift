import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// An in-process stand-in for Anthropic's Messages API (`POST /v1/messages`): answers from a script the test sets
/// (each answer once, the last one again for every request after), and keeps every request's headers and body so
/// that a test can check exactly what was sent.
public final class MessagesAPIStub: Sendable {
    /// One scripted answer.
    public struct Answer: Sendable {
        /// The status.
        public var status: Int
        /// Extra headers (`retry-after`).
        public var headers: [(String, String)]
        /// The body.
        public var body: String
        /// How long to wait before answering.
        public var delay: Duration

        /// An answer.
        public init(status: Int = 200, headers: [(String, String)] = [], body: String, delay: Duration = .zero) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
        }

        /// A 200 whose text block is `text`, with `usage`.
        public static func text(
            _ text: String,
            inputTokens: Int = 1200,
            outputTokens: Int = 400,
            model: String = "claude-sonnet-4-5-20250929"
        ) -> Answer {
            let escaped = text.unicodeScalars.map { scalar -> String in
                switch scalar {
                case "\"": return "\\\""
                case "\\": return "\\\\"
                case "\n": return "\\n"
                default:
                    return scalar.value < 0x20
                        ? "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                        : String(scalar)
                }
            }.joined()
            return Answer(
                body: """
                    {"id":"msg_test","type":"message","role":"assistant","model":"\(model)","stop_reason":"end_turn",\
                    "content":[{"type":"text","text":"\(escaped)"}],"usage":{"input_tokens":\(inputTokens),"output_tokens":\(outputTokens)}}
                    """
            )
        }
    }

    /// One request received.
    public struct Received: Sendable {
        /// Header names lower-cased.
        public var headers: [String: String]
        /// The body.
        public var body: [UInt8]
    }

    private struct State {
        var script: [Answer] = []
        var received: [Received] = []
    }

    private let state = Mutex(State())
    private let task = Mutex<Task<Void, any Error>?>(nil)
    private let portBox = Mutex(0)

    /// Creates a stub; call ``start()``.
    public init() {}

    /// Sets the answers, in order.
    public func script(_ answers: [Answer]) { self.state.withLock { $0.script = answers } }

    /// Every request so far.
    public var received: [Received] { self.state.withLock { $0.received } }

    /// The base URL to give as `ANTHROPIC_BASE_URL`.
    public var baseURL: String { "http://127.0.0.1:\(self.portBox.withLock { $0 })" }

    /// Starts listening on a free port.
    public func start() async throws {
        let router = Router()
        router.post("/v1/messages") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 32 << 20)
            let headers = Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) }, uniquingKeysWith: { $1 })
            let answer = self.state.withLock { state -> Answer in
                state.received.append(Received(headers: headers, body: Array(buffer: body)))
                guard !state.script.isEmpty else { return Answer(status: 500, body: #"{"type":"error"}"#) }
                return state.script.count > 1 ? state.script.removeFirst() : state.script[0]
            }
            if answer.delay > .zero { try? await Task.sleep(for: answer.delay) }
            var fields: HTTPFields = [.contentType: "application/json"]
            for (name, value) in answer.headers { if let name = HTTPField.Name(name) { fields[name] = value } }
            return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
        let (task, port) = await runOnLoopback(router, label: "messages-stub")
        self.task.withLock { $0 = task }
        self.portBox.withLock { $0 = port }
    }

    /// Stops the server.
    public func stop() { self.task.withLock { $0?.cancel() } }
}
