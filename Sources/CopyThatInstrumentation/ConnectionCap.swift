public import HummingbirdCore
public import PrometheusRegistry

/// A cap on open HTTP connections for Hummingbird's listener, with the count in metrics.
///
/// At the cap the listener stops accepting (the kernel's backlog holds the rest) until a connection closes, as
/// Go's `netutil.LimitListener` does for exporter-toolkit; `<prefix>_connections` shows the open count,
/// `<prefix>_connections_limit` the cap and `<prefix>_connection_cap_reached_total` how often it was reached.
public struct ConnectionCap: AvailableConnectionsDelegate {
    let limit: Int
    var open = 0
    let openGauge: Gauge
    let reached: Counter

    /// Creates the cap and registers its three metrics in `registry` under `prefix` (`http_server`, say).
    public init(limit: Int, registry: PrometheusRegistry, prefix: String) throws(MetricError) {
        self.limit = max(1, limit)
        self.openGauge = try registry.makeGauge(name: "\(prefix)_connections", help: "HTTP connections open now")
        let limitGauge = try registry.makeGauge(name: "\(prefix)_connections_limit", help: "The most HTTP connections kept open at once")
        limitGauge.set(Double(self.limit))
        self.reached = try registry.makeCounter(
            name: "\(prefix)_connection_cap_reached_total",
            help: "Times the listener stopped accepting because the connection cap was reached"
        )
    }

    /// Counts an opened connection.
    public mutating func connectionOpened() {
        self.open += 1
        self.openGauge.set(Double(self.open))
        if self.open == self.limit { self.reached.inc() }
    }

    /// Counts a closed connection.
    public mutating func connectionClosed() {
        self.open -= 1
        self.openGauge.set(Double(self.open))
    }

    /// Whether another connection may be accepted.
    public func isAcceptingNewConnections() -> Bool {
        self.open < self.limit
    }
}
