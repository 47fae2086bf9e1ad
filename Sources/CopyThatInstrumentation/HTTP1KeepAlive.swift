public import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// RFC 9112 §9.3 persistence for Hummingbird's HTTP/1 server, whose HTTP-types codec forgets the request's version:
/// an HTTP/1.0 request is answered as HTTP/1.0 and its connection closed after the response unless it asked for
/// `Connection: keep-alive` (then the answer says `keep-alive`), and any request with `Connection: close` gets
/// `Connection: close` and a closed connection.
///
/// Pass ``channelHandlers()`` as `additionalChannelHandlers` of `HTTP1Channel.Configuration`; Hummingbird adds them
/// after its codec, so the first one moves the real handler in front of it, where versions are still visible.
public enum HTTP1KeepAlive {
    /// The handlers for `HTTP1Channel.Configuration(additionalChannelHandlers:)`.
    public static func channelHandlers() -> [any RemovableChannelHandler] {
        [Installer()]
    }

    /// Puts a ``PersistenceHandler`` before the HTTP-types codec, then removes itself.
    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny

        func handlerAdded(context: ChannelHandlerContext) {
            let pipeline = context.pipeline.syncOperations
            if let codec = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) {
                try? pipeline.addHandler(PersistenceHandler(), position: .before(codec))
            }
            pipeline.removeHandler(context: context, promise: nil)
        }
    }

    /// Sees each request head's version and persistence, and applies them to its response.
    final class PersistenceHandler: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias InboundOut = HTTPServerRequestPart
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart

        /// Version and keep-alive of the requests not answered yet, oldest first (requests may be pipelined).
        private var pending: [(version: HTTPVersion, keepAlive: Bool)] = []
        private var closeAfterResponse = false

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let head) = self.unwrapInboundIn(data) {
                self.pending.append((head.version, head.isKeepAlive))
            }
            context.fireChannelRead(data)
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            switch self.unwrapOutboundIn(data) {
            case .head(var head) where head.status.code >= 200:
                let request = self.pending.isEmpty ? (version: HTTPVersion.http1_1, keepAlive: true) : self.pending.removeFirst()
                let responseKeepAlive =
                    request.keepAlive && !head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
                head.version = request.version == .http1_0 ? .http1_0 : head.version
                head.headers.remove(name: "connection")
                if !responseKeepAlive {
                    head.headers.add(name: "connection", value: "close")
                } else if request.version == .http1_0 {
                    head.headers.add(name: "connection", value: "keep-alive")
                }
                self.closeAfterResponse = !responseKeepAlive
                context.write(self.wrapOutboundOut(.head(head)), promise: promise)
            case .end:
                guard self.closeAfterResponse else {
                    context.write(data, promise: promise)
                    return
                }
                self.closeAfterResponse = false
                let written = promise ?? context.eventLoop.makePromise()
                context.write(data, promise: written)
                let channel = context.channel
                written.futureResult.whenComplete { _ in channel.close(promise: nil) }
            default:
                context.write(data, promise: promise)
            }
        }
    }
}
