import Logging
import Testing

@testable import JSONLogging

@Suite struct RedactionTests {
    @Test(arguments: [
        ("postgres://app:hunter2@db.internal:5432/copythat", "postgres://app:[REDACTED]@db.internal:5432/copythat"),
        ("postgresql://app:p%40ss@db/x?sslmode=require", "postgresql://app:[REDACTED]@db/x?sslmode=require"),
        ("redis://:s3cret@cache:6379/0", "redis://:[REDACTED]@cache:6379/0"),
        (
            "redis://default:AZnUAAIncDI2ZDM0@literate-javelin-39380.upstash.io:6379",
            "redis://default:[REDACTED]@literate-javelin-39380.upstash.io:6379"
        ),
        ("connect to postgres://u:pw@h/d failed", "connect to postgres://u:[REDACTED]@h/d failed"),
        ("host=db user=app password=hunter2 dbname=x", "host=db user=app password=[REDACTED] dbname=x"),
        ("postgres://db/x?user=app&password=hunter2&sslmode=require", "postgres://db/x?user=app&password=[REDACTED]&sslmode=require"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "Authorization: Bearer [REDACTED]"),
        ("Basic dXNlcjpwYXNzd29yZA==", "Basic [REDACTED]"),
        ("key sk-ant-api03-abcdefghijklmnopqrstuvwxyz used", "key sk-[REDACTED] used"),
        ("sk-proj-1234567890abcdefXYZ", "sk-[REDACTED]"),
    ])
    func credentialsInsideStringsAreMasked(input: String, expected: String) {
        #expect(Redaction.default.redact(input) == expected)
    }

    @Test(arguments: [
        "plain message with no secrets",
        "https://example.com/path?x=1",
        "user@example.com signed in",
        "postgres://db.internal:5432/copythat",
        "ask-me anything",
        "risk-free",
        "a = b",
        "Bearer short",
        "ünïcode ✓ 🚀 text",
    ])
    func ordinaryTextIsUntouched(input: String) {
        #expect(Redaction.default.redact(input) == input)
    }

    @Test func sensitiveKeysAreMaskedAtAnyDepth() throws {
        let sink = InMemoryLogSink()
        makeLogger(sink).info(
            "login",
            metadata: [
                "password": "hunter2",
                "api_key": "abc",
                "Authorization": "Bearer xyz",
                "db_token": "t",
                "config": ["client_secret": "s", "host": "db"],
                "user_id": "u-1",
            ]
        )
        let line = try #require(sink.lines.first)
        for secret in ["hunter2", "\"abc\"", "xyz", "\"t\"", "\"s\""] {
            #expect(!line.contains(secret), "\(secret) leaked: \(line)")
        }
        let object = try decode(line)
        #expect(object["password"] as? String == "[REDACTED]")
        #expect(object["user_id"] as? String == "u-1")
        #expect((object["config"] as? [String: String])?["host"] == "db")
        #expect((object["config"] as? [String: String])?["client_secret"] == "[REDACTED]")
    }

    @Test func messagesAndMetadataValuesAreScanned() throws {
        let sink = InMemoryLogSink()
        makeLogger(sink).warning(
            "retrying redis://:pw123456@cache:6379",
            metadata: ["dsn": "postgres://app:hunter2@db/x", "urls": ["postgres://a:b@c/d"]]
        )
        let line = try #require(sink.lines.first)
        #expect(!line.contains("pw123456"))
        #expect(!line.contains("hunter2"))
        #expect(!line.contains(":b@"))
        #expect(line.contains("redis://:[REDACTED]@cache:6379"))
    }

    @Test func redactionCanBeTurnedOff() throws {
        let sink = InMemoryLogSink()
        makeLogger(sink, redaction: .disabled).info("postgres://a:b@c/d", metadata: ["password": "p"])
        let object = try decode(try #require(sink.lines.first))
        #expect(object["message"] as? String == "postgres://a:b@c/d")
        #expect(object["password"] as? String == "p")
    }
}

@Suite struct AuditLoggerTests {
    @Test func everyAuditLineCarriesTheFiveKeys() throws {
        let sink = InMemoryLogSink()
        let audit = AuditLogger(logger: makeLogger(sink, label: "audit"))
        audit.logAuthSuccess(userID: "u-1", ipAddress: "10.0.0.1")
        audit.logAuthFailure(email: "who@example.com", ipAddress: nil)
        audit.logResourceAccess(userID: "u-2", resourceType: "project", resourceID: "p-3", action: "read")
        let objects = try sink.lines.map(decode)
        #expect(objects.count == 3)
        for object in objects {
            #expect(object["logger"] as? String == "audit")
            #expect(object["level"] as? String == "INFO")
            for key in ["action", "user_id", "resource_type", "resource_id", "ip_address"] {
                #expect(object[key] is String, "missing \(key)")
            }
        }
        #expect(objects[0]["action"] as? String == "AUTH_SUCCESS")
        #expect(objects[0]["resource_type"] as? String == "session")
        #expect(objects[0]["resource_id"] as? String == "new")
        #expect(objects[0]["ip_address"] as? String == "10.0.0.1")
        #expect(objects[1]["action"] as? String == "AUTH_FAILURE")
        #expect(objects[1]["user_id"] as? String == "anonymous")
        #expect(objects[1]["ip_address"] as? String == "unknown")
        #expect((objects[1]["details"] as? [String: String])?["email"] == "who@example.com")
        #expect(objects[2]["action"] as? String == "PROJECT_read")
        #expect(objects[2]["resource_id"] as? String == "p-3")
    }
}
