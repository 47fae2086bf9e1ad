import Hummingbird
import Logging

/// Runs `router` as a quiet Hummingbird application on a free loopback port: returns the running task (cancel it to
/// stop) and the port, once the server listens.
func runOnLoopback(_ router: Router<BasicRequestContext>, label: String) async -> (task: Task<Void, any Error>, port: Int) {
    var logger = Logger(label: label)
    logger.logLevel = .critical
    let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
        logger: logger
    )
    let task = Task { try await app.run() }
    var iterator = stream.makeAsyncIterator()
    return (task, await iterator.next() ?? 0)
}
