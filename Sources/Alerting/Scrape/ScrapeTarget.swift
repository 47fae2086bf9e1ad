/// A `/metrics` endpoint the rule engine scrapes.
public struct ScrapeTarget: Sendable, Hashable {
    /// The `job` label.
    public var job: String
    /// The URL to fetch.
    public var url: String
    /// The most time a scrape may take.
    public var timeout: Duration
    /// Extra request headers (authorization, for one); never logged.
    public var headers: [String: String]
    /// What one scrape may bring (`scrape_limits`).
    public var limits: ScrapeLimits

    /// A target.
    public init(
        job: String,
        url: String,
        timeout: Duration = .seconds(10),
        headers: [String: String] = [:],
        limits: ScrapeLimits = ScrapeLimits()
    ) {
        self.job = job
        self.url = url
        self.timeout = timeout
        self.headers = headers
        self.limits = limits
    }

    /// The `instance` label: host and port of the URL, as Prometheus sets it.
    public var instance: String {
        var rest = Substring(self.url)
        var defaultPort = "80"
        if let scheme = rest.firstRange(of: "://") {
            if rest[..<scheme.lowerBound].lowercased() == "https" { defaultPort = "443" }
            rest = rest[scheme.upperBound...]
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? String(authority)
        if hostPort.hasSuffix("]") || !hostPort.contains(":") { return hostPort + ":" + defaultPort }
        return hostPort
    }
}

/// Where a scrape's samples come from: an HTTP fetch, or an in-process source such as the exporter's own registry.
public protocol ScrapeSource: Sendable {
    /// The exposition text, or an error describing why there is none.
    func fetch(_ target: ScrapeTarget) async throws -> [UInt8]
}
