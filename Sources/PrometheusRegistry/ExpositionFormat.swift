/// A Prometheus exposition format: text 0.0.4 or OpenMetrics 1.0.
public struct ExpositionFormat: Hashable, Sendable, CustomStringConvertible {
    private enum Base: Hashable, Sendable {
        case text004
        case openMetrics
    }

    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// The Prometheus text format, version 0.0.4.
    public static let text004 = ExpositionFormat(.text004)
    /// OpenMetrics 1.0.0 text.
    public static let openMetrics = ExpositionFormat(.openMetrics)

    /// The `Content-Type` header value for a response in this format.
    public var contentType: String {
        switch self.base {
        case .text004: return "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: return "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// `text/0.0.4` or `openmetrics/1.0.0`.
    public var description: String {
        self.isOpenMetrics ? "openmetrics/1.0.0" : "text/0.0.4"
    }

    var isOpenMetrics: Bool { self.base == .openMetrics }

    /// Picks the format a scraper asks for in its `Accept` header.
    ///
    /// OpenMetrics is chosen when `application/openmetrics-text` (version 1.0.0, 0.0.1 or none) is acceptable with
    /// a quality at least as high as the best acceptable plain-text range; otherwise, and with no header, text 0.0.4.
    /// - Parameter accept: the raw `Accept` header, or `nil`.
    /// - Returns: the format to answer in.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept, !accept.isEmpty else { return .text004 }
        var openMetricsQuality = 0.0
        var textQuality = 0.0
        for range in accept.split(separator: ",") {
            let parameters = range.split(separator: ";").map { $0.trimmingASCIIWhitespace() }
            guard let mediaType = parameters.first?.lowercased() else { continue }
            var quality = 1.0
            var version: Substring?
            for parameter in parameters.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingASCIIWhitespace() }
                guard pair.count == 2 else { continue }
                switch pair[0].lowercased() {
                case "q": quality = Double(pair[1]) ?? 0
                case "version": version = pair[1]
                default: break
                }
            }
            switch mediaType {
            case "application/openmetrics-text":
                if version == nil || version == "1.0.0" || version == "0.0.1" {
                    openMetricsQuality = max(openMetricsQuality, quality)
                }
            case "text/plain", "text/*", "*/*":
                textQuality = max(textQuality, quality)
            default:
                break
            }
        }
        return openMetricsQuality > 0 && openMetricsQuality >= textQuality ? .openMetrics : .text004
    }
}

extension Substring {
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
