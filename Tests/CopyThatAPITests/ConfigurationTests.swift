import Testing

@testable import CopyThatAPI

/// `APIConfiguration.fromEnvironment`: every mistake named, no secret echoed, no secret defaulted.
@Suite struct ConfigurationTests {
    let base = [
        "DATABASE_URL": "postgres://copythat:db-password@127.0.0.1:5432/copythat",
        "REDIS_URL": "redis://:redis-password@127.0.0.1:6379/0",
        "SECRET_KEY": "q8Jz2vR7nL0sX4tY6wB1mC9pD3fG5hK-Ae",
    ]

    func load(_ changes: [String: String?], files: [String: String] = [:]) throws(APIConfigurationError) -> APIConfiguration {
        var environment = self.base
        for (name, value) in changes { environment[name] = value }
        return try APIConfiguration.fromEnvironment(environment) { path in
            guard let text = files[path] else { throw APIConfigurationError(variable: path, reason: "missing") }
            return text
        }
    }

    func failure(_ changes: [String: String?], files: [String: String] = [:]) -> APIConfigurationError? {
        do {
            _ = try self.load(changes, files: files)
            return nil
        } catch {
            return error
        }
    }

    @Test func theDefaultsAreTheContracts() throws {
        let configuration = try self.load([:])
        #expect(configuration.environment == .local)
        #expect(configuration.rateLimitPerMinute == 60)
        #expect(configuration.rateLimitPerHour == 1000)
        #expect(configuration.loginRateLimit == 10)
        #expect(configuration.accessTokenLifetime == .seconds(1800))
        #expect(configuration.refreshTokenLifetime == .seconds(7 * 86_400))
        #expect(configuration.trustedProxies.isEmpty)
        #expect(configuration.corsOrigins == ["http://localhost:5173", "http://localhost:3000", "http://127.0.0.1:5173"])
        #expect(configuration.bcryptCost == 12)
        #expect(configuration.metricsToken == nil)
        #expect(configuration.shutdownGrace == .seconds(25))
        #expect(configuration.cacheHitCommit == .asynchronous)
        #expect(try self.load(["EXTRACTION_CACHE_HIT_COMMIT": "durable"]).cacheHitCommit == .durable)
        #expect(configuration.resultHold == .seconds(60))
        #expect(try self.load(["EXTRACTION_CACHE_HOLD_SECONDS": "0"]).resultHold == .zero)
        #expect(configuration.clientPollLimit == .microseconds(500))
        #expect(try self.load(["CLIENT_POLL_MICROSECONDS": "0"]).clientPollLimit == .zero)
        #expect(try self.load(["CLIENT_POLL_MICROSECONDS": "10000"]).clientPollLimit == .milliseconds(10))
        #expect(try self.load(["SHUTDOWN_GRACE": "3"]).shutdownGrace == .seconds(3))
        let production = try self.load(["ENVIRONMENT": "production"])
        #expect(production.corsOrigins == ["https://copythat.dev", "https://www.copythat.dev", "https://admin.copythat.dev"])
        #expect(production.shutdownDelay == .seconds(5))
    }

    @Test func aMissingShortOrPlaceholderSecretKeyStopsStartUpWithoutEchoingIt() {
        let missing = self.failure(["SECRET_KEY": nil])
        #expect(missing?.variable == "SECRET_KEY")
        #expect(missing?.reason.contains("required") == true)
        let short = self.failure(["SECRET_KEY": "only-31-bytes-long-0123456789ab"])
        #expect(short?.reason.contains("31 bytes") == true)
        #expect(short?.description.contains("only-31") == false)
        for placeholder in [
            "changeme-changeme-changeme-changeme", "your-secret-key-here-0123456789abcdef", String(repeating: "a", count: 40),
        ] {
            let error = self.failure(["SECRET_KEY": placeholder])
            #expect(error?.reason.contains("placeholder") == true, "\(placeholder)")
            #expect(error?.description.contains(placeholder) == false)
        }
    }

    @Test func fileVariablesReadSecretsAndBothAtOnceIsAnError() throws {
        let configuration = try self.load(
            ["SECRET_KEY": nil, "SECRET_KEY_FILE": "/run/secrets/key"],
            files: ["/run/secrets/key": "Zr4!pX9@kL2#vB7$nQ5%wE8^tY1&uI3*oP"]
        )
        #expect(configuration.secretKey == Array("Zr4!pX9@kL2#vB7$nQ5%wE8^tY1&uI3*oP".utf8))
        #expect(self.failure(["SECRET_KEY_FILE": "/run/secrets/key"], files: ["/run/secrets/key": "x"])?.reason.contains("both") == true)
        let unreadable = self.failure(["SECRET_KEY": nil, "SECRET_KEY_FILE": "/nope"])
        #expect(unreadable?.variable == "SECRET_KEY_FILE")
        #expect(APIConfiguration.readFileDropsOneNewline("value\n") == "value")
        #expect(APIConfiguration.readFileDropsOneNewline("value\r\n") == "value")
        #expect(APIConfiguration.readFileDropsOneNewline("value\n\n") == "value\n")
    }

    @Test func migrationsNeedTheDatabaseURLAlone() throws {
        let url = try APIConfiguration.databaseURL(fromEnvironment: ["DATABASE_URL": "postgres://copythat:pw@127.0.0.1:5432/copythat"])
        #expect(url.host == "127.0.0.1" && url.port == 5432)
        let fromFile = try APIConfiguration.databaseURL(fromEnvironment: ["DATABASE_URL_FILE": "/run/secrets/db"]) { _ in
            "postgres://copythat:pw@db.internal:6432/copythat\n"
        }
        #expect(fromFile.host == "db.internal" && fromFile.port == 6432)
        let missing = #expect(throws: APIConfigurationError.self) {
            try APIConfiguration.databaseURL(fromEnvironment: ["SECRET_KEY": "x", "REDIS_URL": "redis://127.0.0.1:6379/0"])
        }
        #expect(missing?.variable == "DATABASE_URL")
    }

    @Test func everyBadValueIsNamed() {
        let cases: [(String, String)] = [
            ("ENVIRONMENT", "prod"),
            ("RATE_LIMIT_PER_MINUTE", "0"),
            ("RATE_LIMIT_PER_HOUR", "lots"),
            ("LOGIN_RATE_LIMIT", "-1"),
            ("ACCESS_TOKEN_MINUTES", "0"),
            ("REFRESH_TOKEN_DAYS", "366"),
            ("TRUSTED_PROXIES", "10.0.0.0/33"),
            ("TRUSTED_PROXIES", "proxy.internal"),
            ("CORS_ORIGINS", "*"),
            ("CORS_ORIGINS", "null"),
            ("CORS_ORIGINS", "https://ok.example.com,https://bad.example.com/path"),
            ("DATABASE_URL", "not a url"),
            ("BCRYPT_COST", "3"),
            ("SHUTDOWN_GRACE", "0"),
            ("IMAGE_FETCH_ALLOW", "10.0.0.0/33"),
            ("IMAGE_FETCH_ALLOW", "images.internal, http://x"),
            ("EXTRACTION_FALLBACK", "remote"),
            ("EXTRACTION_CACHE_HIT_COMMIT", "sync"),
            ("EXTRACTION_CACHE_HOLD_SECONDS", "3601"),
            ("EXTRACTION_CACHE_HOLD_SECONDS", "-1"),
            ("EXTRACTION_CACHE_HOLD_SECONDS", "1m"),
            ("CLIENT_POLL_MICROSECONDS", "10001"),
            ("CLIENT_POLL_MICROSECONDS", "-1"),
            ("CLIENT_POLL_MICROSECONDS", "0.5"),
        ]
        for (name, value) in cases {
            #expect(self.failure([name: value])?.variable == name, "\(name)=\(value)")
        }
        #expect(self.failure(["ENVIRONMENT": "production", "BCRYPT_COST": "10"])?.variable == "BCRYPT_COST")
        #expect(self.failure(["REDIS_URL": nil])?.variable == "REDIS_URL")
        let database = self.failure(["DATABASE_URL": "postgres://u:pw-in-url@[::1"])
        #expect(database?.description.contains("pw-in-url") == false)
    }

    @Test func listsAreParsed() throws {
        let configuration = try self.load([
            "TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1 ,fd00::/8",
            "CORS_ORIGINS": "https://app.example.com, http://localhost:3000",
            "IMAGE_FETCH_ALLOW": "127.0.0.1, Images.Internal",
        ])
        #expect(configuration.imageFetchPolicy.allowedNetworks.map(\.description) == ["127.0.0.1/32"])
        #expect(configuration.imageFetchPolicy.allowedHosts == ["images.internal"])
        #expect(configuration.trustedProxies.map(\.description) == ["10.0.0.0/8", "192.168.1.1/32", "fd00::/8"])
        #expect(configuration.corsOrigins == ["https://app.example.com", "http://localhost:3000"])
    }
}
