public import PrometheusRegistry

/// The exporter's own registry as a scrape source, read in process (no HTTP round trip).
public struct RegistryScrapeSource: ScrapeSource {
    /// The registry.
    public let registry: PrometheusRegistry

    /// A source over `registry`.
    public init(registry: PrometheusRegistry) { self.registry = registry }

    /// The registry rendered in the text format.
    public func fetch(_ target: ScrapeTarget) async throws -> [UInt8] { self.registry.render(format: .text004) }
}
