import CCurl

/// The parts of a URL that decide where a request goes, as libcurl's own parser reads them (so that what a policy
/// checks is what libcurl will connect to).
public struct CurlURL: Sendable, Hashable {
    /// The scheme, lower-case (`http`, `https`).
    public var scheme: String
    /// The host as libcurl will resolve it: a name, an IPv4 address, or an IPv6 address in brackets.
    public var host: String
    /// The port, the scheme's default when none is written.
    public var port: Int

    /// Parses `text`; `nil` when libcurl does not accept it as a URL with a scheme, a host and a port.
    public init?(_ text: String) {
        var scheme: UnsafeMutablePointer<CChar>?
        var host: UnsafeMutablePointer<CChar>?
        var port: UnsafeMutablePointer<CChar>?
        defer {
            curl_free(scheme)
            curl_free(host)
            curl_free(port)
        }
        guard ccurl_parse_url(text, &scheme, &host, &port) == CURLUE_OK, let scheme, let host, let port,
            let number = Int(String(cString: port))
        else { return nil }
        self.scheme = String(cString: scheme).lowercased()
        self.host = String(cString: host)
        self.port = number
    }
}
