public import Clients

/// Which `image_url`s the API fetches, and which addresses such a fetch may connect to.
///
/// http and https only, on ports 80 and 443, and never to a loopback, private, link-local, shared, multicast,
/// reserved or unspecified address (``AddressRanges``). The URL is read by libcurl's own parser (``CurlURL``), and the
/// address is checked again where libcurl connects (``ConnectFilter``), after DNS and for every address tried, so
/// neither another spelling of an address nor a name that resolves to one gets through. `IMAGE_FETCH_ALLOW` lists
/// networks and host names exempt from the address and port rules (tests, private deployments).
public struct ImageFetchPolicy: Sendable {
    /// Networks whose addresses may be connected to on any port.
    public var allowedNetworks: [IPNetwork]
    /// Host names (lower-case) fetched whatever they resolve to, on any port.
    public var allowedHosts: Set<String>

    /// The ports fetched from hosts not exempt.
    public static let ports: Set<Int> = [80, 443]

    /// A policy exempting `allowedNetworks` and `allowedHosts`.
    public init(allowedNetworks: [IPNetwork] = [], allowedHosts: Set<String> = []) {
        self.allowedNetworks = allowedNetworks
        self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
    }

    /// Reads `IMAGE_FETCH_ALLOW`'s comma-separated entries: each a network (`10.0.0.0/8`, an address) or a host name.
    /// - Returns: the policy, or the first entry that is neither.
    public static func parse(allowList text: String) -> Result<ImageFetchPolicy, ImageFetchAllowListError> {
        var policy = ImageFetchPolicy()
        for entry in text.split(separator: ",") {
            let entry = entry.trimmingWhitespace()
            guard !entry.isEmpty else { continue }
            if let network = IPNetwork(entry) {
                policy.allowedNetworks.append(network)
            } else if Self.isHostName(entry) {
                policy.allowedHosts.insert(entry.lowercased())
            } else {
                return .failure(ImageFetchAllowListError(entry: entry))
            }
        }
        return .success(policy)
    }

    /// What a permitted URL is fetched with.
    public struct Permit: Sendable {
        /// The URL as libcurl reads it.
        public let url: CurlURL
        /// Checks each address libcurl is about to connect to.
        public let connectFilter: ConnectFilter
    }

    /// Lets `text` through, or says why not (a sentence for the client).
    public func permit(_ text: String) -> Result<Permit, ImageURLRefusal> {
        guard text.utf8.count <= 2048 else { return .failure(ImageURLRefusal("image_url is longer than 2048 bytes")) }
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f }) else {
            return .failure(ImageURLRefusal("image_url contains a space or a control character"))
        }
        guard let url = CurlURL(text) else { return .failure(ImageURLRefusal("image_url is not a valid absolute URL")) }
        guard url.scheme == "http" || url.scheme == "https" else {
            return .failure(ImageURLRefusal("image_url must use http or https, not \(url.scheme)"))
        }
        let host = url.host.lowercased()
        let literal = IPAddress(host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host)
        let hostExempt = self.allowedHosts.contains(host) || literal.map(self.isAllowed) == true
        if !hostExempt {
            guard Self.ports.contains(url.port) else {
                return .failure(ImageURLRefusal("image_url must use port 80 or 443, not \(url.port)"))
            }
            if let literal, let range = AddressRanges.reservedRange(of: literal) {
                return .failure(ImageURLRefusal("image_url points to \(literal), a \(range) address"))
            }
        }
        let filter = ConnectFilter { [self] bytes, port in
            guard !hostExempt, let address = IPAddress(bytes: bytes) else { return nil }
            return self.refusal(connectingTo: address, port: port)
        }
        return .success(Permit(url: url, connectFilter: filter))
    }

    /// Why a fetch from a host not exempt may not connect to `address` on `port`, or `nil` when it may.
    func refusal(connectingTo address: IPAddress, port: Int) -> String? {
        if self.isAllowed(address) { return nil }
        if let range = AddressRanges.reservedRange(of: address) {
            return "image_url resolves to \(address), a \(range) address"
        }
        return Self.ports.contains(port) ? nil : "image_url must use port 80 or 443, not \(port)"
    }

    private func isAllowed(_ address: IPAddress) -> Bool {
        self.allowedNetworks.contains { $0.contains(address) }
    }

    private static func isHostName(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return text.utf8.count <= 253
            && labels.allSatisfy { label in
                !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                    && label.unicodeScalars.allSatisfy {
                        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")
                    }
            }
    }
}

/// Why an `image_url` is not fetched: a sentence safe to show the client.
public struct ImageURLRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The sentence.
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    /// The reason.
    public var description: String { self.reason }
}

/// An `IMAGE_FETCH_ALLOW` entry that is neither a network nor a host name.
public struct ImageFetchAllowListError: Error, Sendable, Hashable {
    /// The entry as written.
    public let entry: String
}
