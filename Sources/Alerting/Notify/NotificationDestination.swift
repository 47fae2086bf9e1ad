/// Where notifications go: an Alertmanager (API v2) or a webhook receiving Alertmanager's webhook format.
public struct NotificationDestination: Sendable, Hashable, CustomStringConvertible {
    /// The kinds of destination.
    public enum Kind: String, Sendable {
        /// Alertmanager API v2.
        case alertmanager
        /// Alertmanager's webhook format.
        case webhook
    }

    /// The kind.
    public var kind: Kind
    /// For Alertmanager its base URL (`http://alertmanager:9093`); for a webhook the URL to post to.
    public var url: String
    /// Extra headers (authorization); never logged.
    public var headers: [String: String]

    /// A destination.
    public init(kind: Kind, url: String, headers: [String: String] = [:]) {
        self.kind = kind
        self.url = url
        self.headers = headers
    }

    /// The URL alerts are posted to.
    public var endpoint: String {
        switch self.kind {
        case .alertmanager:
            let base = self.url.hasSuffix("/") ? String(self.url.dropLast()) : self.url
            return base + "/api/v2/alerts"
        case .webhook: return self.url
        }
    }

    /// The endpoint without credentials, for logs and metric labels.
    public var description: String {
        guard let scheme = self.endpoint.firstRange(of: "://"), let at = self.endpoint[scheme.upperBound...].firstIndex(of: "@") else {
            return self.endpoint
        }
        return String(self.endpoint[..<scheme.upperBound]) + "***@" + String(self.endpoint[self.endpoint.index(after: at)...])
    }
}
