/// Decides whether a request may connect to an address, at the moment libcurl is about to connect
/// (`CURLOPT_OPENSOCKETFUNCTION`): after DNS, for every address tried, so a name that resolves (or re-resolves) to a
/// refused address is refused too.
public struct ConnectFilter: Sendable {
    /// Returns `nil` to allow, or the reason the address is refused (shown to whoever made the request).
    public let decide: @Sendable (_ address: [UInt8], _ port: Int) -> String?

    /// A filter. `address` is 4 bytes (IPv4) or 16 (IPv6), in network order.
    public init(_ decide: @escaping @Sendable (_ address: [UInt8], _ port: Int) -> String?) {
        self.decide = decide
    }
}
