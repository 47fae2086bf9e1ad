public import Foundation

/// The real servers `scripts/test.sh` starts on loopback, as it describes them in the environment.
public enum TestEnvironment {
    /// A variable the test needs is missing: the suite was not started by `scripts/test.sh`.
    public struct Missing: Error, CustomStringConvertible {
        /// The variable.
        public var name: String

        /// Creates the error for `name`.
        public init(name: String) { self.name = name }
        /// What to do.
        public var description: String { "\(self.name) is not set: run the tests with scripts/test.sh, which starts PostgreSQL and Redis" }
    }

    /// The value of `name`, or ``Missing``.
    public static func value(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { throw Missing(name: name) }
        return value
    }

    /// `postgres://copythat:…@127.0.0.1:PORT/copythat`.
    public static func databaseURL() throws -> String { try self.value("TEST_DATABASE_URL") }
    /// `redis://:…@127.0.0.1:PORT/0`.
    public static func redisURL() throws -> String { try self.value("TEST_REDIS_URL") }
    /// An ACL user's URL.
    public static func redisACLURL() throws -> String { try self.value("TEST_REDIS_ACL_URL") }
    /// The unix socket URL.
    public static func redisSocketURL() throws -> String { try self.value("TEST_REDIS_SOCKET_URL") }

    /// The repository's `scripts/` directory.
    public static var scriptsDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts").path
    }

    /// Runs `scripts/<script> <arguments>` and fails when it does.
    public static func runScript(_ script: String, _ arguments: [String]) async throws {
        let output = try await ExternalTool.run("bash", [self.scriptsDirectory + "/" + script] + arguments)
        guard output.status == 0 else {
            throw ScriptFailed(script: script, output: output.standardError + output.standardOutput)
        }
    }

    /// ``runScript(_:_:)`` for a `defer` block, which cannot await: blocks its thread until the script exits, so only
    /// for cleanup at the end of a test.
    public static func runScriptBlocking(_ script: String, _ arguments: [String]) throws {
        let child = try ChildProcess("bash", [self.scriptsDirectory + "/" + script] + arguments)
        let output = ExternalTool.Output(status: child.wait(), standardOutput: child.standardOutput, standardError: child.standardError)
        guard output.status == 0 else {
            throw ScriptFailed(script: script, output: output.standardError + output.standardOutput)
        }
    }

    /// A script exited non-zero.
    public struct ScriptFailed: Error, CustomStringConvertible {
        /// The script.
        public var script: String
        /// What it printed.
        public var output: String
        /// `script failed: output`.
        public var description: String { "\(self.script) failed: \(self.output)" }
    }

    /// The directory holding the built executables (next to the test bundle).
    public static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }
}
