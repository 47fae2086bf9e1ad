public import NIOCore

/// Who the client is, by address: the TCP peer, or, when the peer is a trusted proxy, the rightmost address in
/// `X-Forwarded-For` that is not itself a trusted proxy.
///
/// Reading from the right matters: everything left of the last trusted hop was written by the client and can say
/// anything, so taking the first entry (as the seeds do) lets any client choose its own rate-limit bucket.
public enum ClientAddress {
    /// The client's address for a request from `peer` with the given `X-Forwarded-For` values (all of them, in order).
    public static func resolve(peer: String?, forwardedFor: [String], trustedProxies: [IPNetwork]) -> String? {
        guard let peer else { return nil }
        guard !trustedProxies.isEmpty, Self.isTrusted(peer, trustedProxies) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { Self.stripPort(String($0.filter { !$0.isWhitespace })) }
        var client = peer
        for hop in hops.reversed() {
            guard let address = IPAddress(hop) else { return client }  // garbage: stop at the last hop we could trust
            client = address.description
            if !Self.isTrusted(client, trustedProxies) { return client }
        }
        return client
    }

    /// The peer's address as text (`127.0.0.1`, `::1`), or `nil` for a unix socket.
    public static func peer(_ address: SocketAddress?) -> String? {
        guard let address, let ip = address.ipAddress else { return nil }
        return IPAddress(ip)?.description ?? ip
    }

    static func isTrusted(_ address: String, _ networks: [IPNetwork]) -> Bool {
        guard let parsed = IPAddress(address) else { return false }
        return networks.contains { $0.contains(parsed) }
    }

    /// `[::1]:443` → `::1`, `1.2.3.4:80` → `1.2.3.4`; anything else unchanged.
    static func stripPort(_ text: String) -> String {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return String(text[text.index(after: text.startIndex)..<close])
        }
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            return String(text[..<colon])
        }
        return text
    }
}
