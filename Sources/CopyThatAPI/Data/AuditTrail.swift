import Foundation
public import JSONLogging
public import Logging

/// The audit events the API records.
public enum AuditAction: String, Sendable {
    case authSuccess = "AUTH_SUCCESS"
    case authFailure = "AUTH_FAILURE"
    case register = "USER_REGISTERED"
    case refreshReuse = "REFRESH_TOKEN_REUSED"
    case apiKeyCreated = "API_KEY_CREATED"
    case apiKeyRevoked = "API_KEY_REVOKED"
    case projectCreated = "PROJECT_CREATED"
    case projectUpdated = "PROJECT_UPDATED"
    case projectDeleted = "PROJECT_DELETED"
    case accessDenied = "ACCESS_DENIED"
}

/// Every auditable action as a row in `audit_logs` and a JSON line from the ``AuditLogger`` (whose lines carry the
/// request id), with user, resource, address and request id. Details hold names and ids, never a password, token or
/// key. A row that cannot be written is logged as an error with the whole event, so the line still has it.
public struct AuditTrail: Sendable {
    let database: Database
    let logger: AuditLogger
    let errors: Logger

    /// Creates the trail.
    public init(database: Database, logger: AuditLogger, errors: Logger) {
        self.database = database
        self.logger = logger
        self.errors = errors
    }

    /// Records `action`.
    public func record(
        _ action: AuditAction,
        userID: String?,
        resourceType: String,
        resourceID: String,
        ipAddress: String?,
        details: [String: String] = [:]
    ) async {
        var metadata: Logger.Metadata = [:]
        for (key, value) in details { metadata[key] = .string(value) }
        self.logger.log(
            action: action.rawValue,
            userID: userID ?? "anonymous",
            resourceType: resourceType,
            resourceID: resourceID,
            details: metadata,
            ipAddress: ipAddress
        )
        let json =
            (try? JSONSerialization.data(withJSONObject: details, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
            ?? "{}"
        do {
            _ = try await self.database.query(
                """
                INSERT INTO audit_logs (action, user_id, resource_type, resource_id, ip_address, request_id, details)
                VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
                """,
                [action.rawValue, userID, resourceType, String(resourceID.prefix(64)), ipAddress, LogContext.requestID, json]
            )
        } catch {
            self.errors.error(
                "audit row not written",
                metadata: ["action": "\(action.rawValue)", "resource": "\(resourceType):\(resourceID)", "error.message": "\(error)"]
            )
        }
    }
}
