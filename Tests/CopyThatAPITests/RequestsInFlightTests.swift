import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import Clients
@testable import CopyThatAPI

/// The middleware that tells the clients' reactor how many requests are in flight (a wait polls only while one is).
@Suite struct RequestsInFlightTests {
    struct Failure: Error {}

    @Test func aRequestIsCountedWhileItIsAnsweredAndNotAfterEvenWhenItFails() async throws {
        let reactor = IOReactor()
        let seen = Mutex<[Int]>([])
        let router = Router()
        router.add(middleware: RequestsInFlightMiddleware(reactor: reactor))
        router.get("/counted") { _, _ in
            seen.withLock { $0.append(reactor.requestsInFlight.load(ordering: .relaxed)) }
            return "ok"
        }
        router.get("/failing") { _, _ -> String in
            seen.withLock { $0.append(reactor.requestsInFlight.load(ordering: .relaxed)) }
            throw Failure()
        }
        try await Application(router: router).test(.router) { client async throws in
            #expect(try await client.execute(uri: "/counted", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/failing", method: .get).status == .internalServerError)
            #expect(try await client.execute(uri: "/counted", method: .get).status == .ok)
        }
        #expect(seen.withLock { $0 } == [1, 1, 1])  // each alone, and the failure did not leave itself counted
        #expect(reactor.requestsInFlight.load(ordering: .relaxed) == 0)
    }
}
