public import Logging

/// The security audit trail: one `INFO` line per auditable action on a logger labelled `audit`.
///
/// Every line carries `action`, `user_id`, `resource_type`, `resource_id` and `ip_address` (`unknown` when not
/// given), as the seeds' `AuditLogger` does, so a log pipeline can filter on `logger == "audit"` and rely on the keys.
public struct AuditLogger: Sendable {
    /// The underlying logger; its label is `audit` unless you pass another.
    public var logger: Logger

    /// Creates an audit logger over `logger` (default: a logger labelled `audit` from the bootstrapped system).
    public init(logger: Logger = Logger(label: "audit")) {
        self.logger = logger
    }

    /// Records `action` by `userID` on `resourceType`:`resourceID`.
    public func log(
        action: String,
        userID: String,
        resourceType: String,
        resourceID: String,
        details: Logger.Metadata = [:],
        ipAddress: String? = nil,
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        var metadata: Logger.Metadata = [
            "action": .string(action),
            "user_id": .string(userID),
            "resource_type": .string(resourceType),
            "resource_id": .string(resourceID),
            "ip_address": .string(ipAddress ?? "unknown"),
        ]
        if !details.isEmpty {
            metadata["details"] = .dictionary(details)
        }
        self.logger.info(
            "AUDIT: \(action) | user=\(userID) | resource=\(resourceType):\(resourceID) | ip=\(ipAddress ?? "unknown")",
            metadata: metadata,
            file: file,
            function: function,
            line: line
        )
    }

    /// A successful sign-in: `AUTH_SUCCESS` on `session:new`.
    public func logAuthSuccess(userID: String, ipAddress: String?) {
        self.log(action: "AUTH_SUCCESS", userID: userID, resourceType: "session", resourceID: "new", ipAddress: ipAddress)
    }

    /// A failed sign-in: `AUTH_FAILURE` by `anonymous` on `session:failed`, with the attempted email in `details`.
    public func logAuthFailure(email: String, ipAddress: String?) {
        self.log(
            action: "AUTH_FAILURE",
            userID: "anonymous",
            resourceType: "session",
            resourceID: "failed",
            details: ["email": .string(email)],
            ipAddress: ipAddress
        )
    }

    /// Access to a resource: the action is `<RESOURCE_TYPE>_<action>`, as in the seeds (`PROJECT_read`).
    public func logResourceAccess(userID: String, resourceType: String, resourceID: String, action: String, ipAddress: String? = nil) {
        self.log(
            action: "\(resourceType.uppercased())_\(action)",
            userID: userID,
            resourceType: resourceType,
            resourceID: resourceID,
            ipAddress: ipAddress
        )
    }
}
