/// The address ranges an image fetch must never reach, by name: what a server-side request forgery aims at.
///
/// IPv4-mapped addresses are already IPv4 (``IPAddress``); IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96`) and
/// 6to4 (`2002::/16`) addresses are judged by the IPv4 address they carry.
enum AddressRanges {
    private static let ipv4: [(network: IPNetwork, name: String)] = [
        ("0.0.0.0/8", "unspecified (this network)"), ("10.0.0.0/8", "private"), ("100.64.0.0/10", "shared (CGNAT)"),
        ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local (cloud metadata)"), ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignments"), ("192.0.2.0/24", "documentation"), ("192.88.99.0/24", "6to4 relay"),
        ("192.168.0.0/16", "private"), ("198.18.0.0/15", "benchmarking"), ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"), ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved"),
    ].map { (IPNetwork($0.0)!, $0.1) }

    private static let ipv6: [(network: IPNetwork, name: String)] = [
        ("::/128", "unspecified"), ("::1/128", "loopback"), ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard-only"), ("2001::/32", "Teredo"), ("2001:db8::/32", "documentation"),
        ("fc00::/7", "unique local"), ("fe80::/10", "link-local"), ("fec0::/10", "site-local"), ("ff00::/8", "multicast"),
    ].map { (IPNetwork($0.0)!, $0.1) }

    /// Why `address` is refused (the range's name), or `nil` for a public unicast address.
    static func reservedRange(of address: IPAddress) -> String? {
        if address.bytes.count == 4 {
            return Self.ipv4.first { $0.network.contains(address) }?.name
        }
        if let embedded = Self.embeddedIPv4(in: address.bytes) {
            return Self.reservedRange(of: embedded).map { "\($0), inside an IPv6 address" }
        }
        return Self.ipv6.first { $0.network.contains(address) }?.name
    }

    /// The IPv4 address an IPv4-compatible, NAT64 or 6to4 address carries.
    private static func embeddedIPv4(in bytes: [UInt8]) -> IPAddress? {
        let nat64: [UInt8] = [0x00, 0x64, 0xff, 0x9b] + [UInt8](repeating: 0, count: 8)
        if bytes[0..<12].allSatisfy({ $0 == 0 }) && bytes[12..<16].contains(where: { $0 != 0 }) && bytes != Self.loopback6 {
            return IPAddress(bytes: Array(bytes[12..<16]))
        }
        if Array(bytes[0..<12]) == nat64 { return IPAddress(bytes: Array(bytes[12..<16])) }
        if bytes[0] == 0x20 && bytes[1] == 0x02 { return IPAddress(bytes: Array(bytes[2..<6])) }
        return nil
    }

    private static let loopback6: [UInt8] = [UInt8](repeating: 0, count: 15) + [1]
}
