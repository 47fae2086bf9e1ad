import Clients

/// `CORS_ORIGINS`: a comma-separated list of exact origins (`scheme://host[:port]`). `*` and `null` are refused:
/// the API sends credentials, and a wildcard or `null` origin would let any page (or a sandboxed one) use them.
enum CORSOriginList {
    static func parse(_ text: String) throws(APIConfigurationError) -> [String] {
        var origins: [String] = []
        for item in text.split(separator: ",") {
            let origin = item.trimmingWhitespace()
            if origin.isEmpty { continue }
            if origin == "*" || origin.lowercased() == "null" {
                throw APIConfigurationError(variable: "CORS_ORIGINS", reason: "\"\(origin)\" is not allowed; list each origin")
            }
            guard Self.isOrigin(origin) else {
                throw APIConfigurationError(
                    variable: "CORS_ORIGINS",
                    reason: "\"\(origin)\" is not an origin (scheme://host[:port], no path)"
                )
            }
            origins.append(origin)
        }
        return origins
    }

    static func isOrigin(_ text: String) -> Bool {
        let lowered = text.lowercased()
        let rest: Substring
        if lowered.hasPrefix("https://") {
            rest = lowered.dropFirst(8)
        } else if lowered.hasPrefix("http://") {
            rest = lowered.dropFirst(7)
        } else {
            return false
        }
        return !rest.isEmpty && !rest.contains("/") && !rest.contains("@") && !rest.contains(" ")
    }
}
