import Testing

@testable import Clients

@Suite struct ConnectionURLTests {
    @Test func parsesEveryPart() throws {
        let url = try ConnectionURL("postgresql://app:p%40ss%3Aword@db.internal:5433/copythat?sslmode=require&application_name=probe")
        #expect(url.scheme == "postgresql")
        #expect(url.user == "app")
        #expect(url.password == "p@ss:word")
        #expect(url.host == "db.internal")
        #expect(url.port == 5433)
        #expect(url.path == "copythat")
        #expect(url.parameter("sslmode") == "require")
        #expect(url.parameter("application_name") == "probe")
    }

    @Test(arguments: [
        ("postgres://app:hunter2@db:5432/x", "postgres://app:****@db:5432/x"),
        ("redis://:s3cret@cache:6379/0", "redis://:****@cache:6379/0"),
        ("postgres://db/x?user=app&password=hunter2", "postgres://db/x?user=app&password=****"),
        (
            "redis://default:AZnUAAIncDI2ZDM0@literate-javelin-39380.upstash.io:6379",
            "redis://default:****@literate-javelin-39380.upstash.io:6379"
        ),
        ("postgres://[::1]:5432/x", "postgres://[::1]:5432/x"),
    ])
    func redactionHidesPasswords(input: String, expected: String) throws {
        let url = try ConnectionURL(input)
        #expect(url.redacted == expected)
        #expect("\(url)" == expected)
    }

    @Test(arguments: [
        "no-scheme-here",
        "postgres://host:99999/x",
        "postgres://host:port/x",
        "postgres://[::1/x",
        "postgres://u:%zz@host/x",
        "://host",
    ])
    func malformedURLsAreErrorsWithoutThePassword(input: String) {
        #expect(throws: ConnectionURLError.self) { try ConnectionURL(input) }
        do {
            _ = try ConnectionURL(input)
        } catch {
            #expect(!error.description.contains("%zz"))
        }
    }

    @Test func hostWithoutPortAndIPv6() throws {
        #expect(try ConnectionURL("redis://cache").port == nil)
        let v6 = try ConnectionURL("redis://[::1]:6380/2")
        #expect(v6.host == "::1")
        #expect(v6.port == 6380)
        #expect(v6.path == "2")
    }
}
