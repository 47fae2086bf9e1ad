public import HTTPTypes

/// The headers every response carries (OWASP's set for a JSON API).
///
/// `X-XSS-Protection: 0` rather than the seeds' `1; mode=block`, which OWASP deprecates (the filter it enabled was
/// itself an attack surface); a CSP that lets a JSON response load nothing and be framed by no one; `no-store` so
/// that no cache keeps a token or a user's data; HSTS outside `local`.
public struct SecurityHeaders: Sendable {
    /// Whether `Strict-Transport-Security` is sent.
    public var hsts: Bool

    /// Creates the set.
    public init(hsts: Bool) {
        self.hsts = hsts
    }

    /// Sets each header, replacing a value a route set.
    public func apply(to fields: inout HTTPFields) {
        fields[.xContentTypeOptions] = "nosniff"
        fields[.xFrameOptions] = "DENY"
        fields[.referrerPolicy] = "strict-origin-when-cross-origin"
        fields[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        fields[.xXSSProtection] = "0"
        if fields[.cacheControl] == nil { fields[.cacheControl] = "no-store" }
        if self.hsts { fields[.strictTransportSecurity] = "max-age=31536000; includeSubDomains" }
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xXSSProtection = Self("X-XSS-Protection")!
    static let rateLimitLimit = Self("X-RateLimit-Limit")!
    static let rateLimitRemaining = Self("X-RateLimit-Remaining")!
    static let rateLimitReset = Self("X-RateLimit-Reset")!
    static let apiKey = Self("X-API-Key")!
    static let forwardedFor = Self("X-Forwarded-For")!
}
