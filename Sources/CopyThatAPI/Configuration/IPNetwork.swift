#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address as its bytes (4 or 16); IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are read as IPv4.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, in network order.
    public let bytes: [UInt8]

    /// Parses the text forms `inet_pton` accepts (dotted quad, RFC 4291 IPv6); brackets and a zone are not allowed.
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            self.bytes = Array(bytes[12..<16])
        } else {
            self.bytes = bytes
        }
    }

    /// An address from its 4 or 16 bytes in network order (16 bytes of an IPv4-mapped address give the IPv4 one).
    public init?(bytes: [UInt8]) {
        if bytes.count == 4 {
            self.bytes = bytes
        } else if bytes.count == 16 {
            let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
            self.bytes = mapped ? Array(bytes[12..<16]) : bytes
        } else {
            return nil
        }
    }

    /// The canonical text form.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        if self.bytes.count == 4 {
            var v4 = in_addr()
            withUnsafeMutableBytes(of: &v4) { $0.copyBytes(from: self.bytes) }
            inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count))
        } else {
            var v6 = in6_addr()
            withUnsafeMutableBytes(of: &v6) { $0.copyBytes(from: self.bytes) }
            inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count))
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`); a bare address is a network of one.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The network's first address.
    public let address: IPAddress
    /// The prefix length in bits.
    public let prefixLength: Int

    /// Parses `a.b.c.d/n`, `x::y/n` or a single address; `nil` for anything else (host bits set are cleared).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let address = IPAddress(parts[0]) else { return nil }
        let bits = address.bytes.count * 8
        var length = bits
        if parts.count == 2 {
            guard let value = Int(parts[1]), value >= 0, value <= bits, parts[1].allSatisfy(\.isASCII) else { return nil }
            length = value
        }
        self.prefixLength = length
        self.address = IPAddress(masked: address.bytes, prefixLength: length)
    }

    /// Whether `address` is in this network (an IPv4 address is never in an IPv6 network, and the reverse).
    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == self.address.bytes.count else { return false }
        return IPAddress(masked: address.bytes, prefixLength: self.prefixLength) == self.address
    }

    /// `address/prefix`.
    public var description: String { "\(self.address)/\(self.prefixLength)" }
}

extension IPAddress {
    fileprivate init(masked bytes: [UInt8], prefixLength: Int) {
        var result = bytes
        for index in result.indices {
            let keep = max(0, min(8, prefixLength - index * 8))
            result[index] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
        self.bytes = result
    }
}
