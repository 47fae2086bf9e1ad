import Hummingbird
import Synchronization

/// Every route the API registers, as `METHOD /path/{param}`: the list a test compares with the OpenAPI document,
/// so that neither can gain a route the other lacks.
public final class RouteTable: Sendable {
    private let entries = Mutex<[String]>([])

    /// Creates an empty table.
    public init() {}

    /// The routes, sorted.
    public var routes: [String] { self.entries.withLock { $0.sorted() } }

    func record(_ method: HTTPRequest.Method, _ path: String) {
        self.entries.withLock { $0.append("\(method.rawValue) \(path)") }
    }
}

/// Registers routes on a router or group and records each in a ``RouteTable``.
struct RecordingRoutes {
    let prefix: String
    let table: RouteTable
    let add: (HTTPRequest.Method, String, @escaping @Sendable (Request, APIRequestContext) async throws -> Response) -> Void

    init(group: RouterGroup<APIRequestContext>, prefix: String, table: RouteTable) {
        self.prefix = prefix
        self.table = table
        self.add = { method, path, handler in group.on(RouterPath(path), method: method, use: handler) }
    }

    init(router: Router<APIRequestContext>, table: RouteTable) {
        self.prefix = ""
        self.table = table
        self.add = { method, path, handler in router.on(RouterPath(path), method: method, use: handler) }
    }

    func on(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response
    ) {
        self.table.record(method, self.prefix + path)
        self.add(method, path, handler)
    }

    func get(_ path: String, _ handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response) {
        self.on(.get, path, handler)
    }

    func post(_ path: String, _ handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response) {
        self.on(.post, path, handler)
    }

    func put(_ path: String, _ handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response) {
        self.on(.put, path, handler)
    }

    func patch(_ path: String, _ handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response) {
        self.on(.patch, path, handler)
    }

    func delete(_ path: String, _ handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response) {
        self.on(.delete, path, handler)
    }
}
