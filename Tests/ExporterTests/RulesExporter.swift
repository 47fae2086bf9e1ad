import Foundation
import TestSupport
import Testing

/// A `copythat-exporter serve` child with rule files of its own (in a directory of its own), evaluating every second:
/// what the tests of its HTTP endpoints run against. Killed and removed when released.
final class RulesExporter {
    let directory: URL
    let port: Int
    let child: ChildProcess

    /// The rule file `rules.yml`.
    var rules: URL { self.directory.appendingPathComponent("rules.yml") }

    /// A rule file of one group `g` with an alert per name, each firing on `up == 0`.
    static func alerts(_ names: [String]) -> String {
        "groups:\n  - name: g\n    rules:\n" + names.map { "      - alert: \($0)\n        expr: up == 0\n" }.joined()
    }

    /// Writes `rules` and a configuration on a free port, starts `serve` with `arguments`, and waits until it answers.
    init(rules: String = RulesExporter.alerts(["Down"]), arguments: [String] = []) async throws {
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("exporter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        try rules.write(to: self.directory.appendingPathComponent("rules.yml"), atomically: true, encoding: .utf8)
        self.port = refusedPort()
        let config = self.directory.appendingPathComponent("exporter.yaml")
        try "listen: 127.0.0.1:\(self.port)\nrule_files: [rules.yml]\nevaluation_interval: 1s\n".write(
            to: config,
            atomically: true,
            encoding: .utf8
        )
        self.child = try ChildProcess(
            CommandLineTests.binary,
            ["serve", "--config", config.path] + arguments,
            environment: CommandLineTests.environment([:])
        )
        #expect(try await CommandLineTests.waitForStatus(port: self.port, path: "/health/live", status: 200, within: .seconds(15)))
    }

    deinit {
        if self.child.poll() == nil { self.child.signal(SIGKILL) }
        try? FileManager.default.removeItem(at: self.directory)
    }

    /// Replaces the rule file.
    func writeRules(_ text: String) throws { try text.write(to: self.rules, atomically: true, encoding: .utf8) }

    /// `GET path`: the status and body, nil when nothing answered within curl's 2 s.
    func get(_ path: String) async throws -> (status: Int, body: String)? { try await CommandLineTests.get(port: self.port, path: path) }

    /// The rule names `/api/v1/rules` lists, in order.
    func ruleNames() async throws -> [String] {
        let body = try await self.get("/api/v1/rules")?.body ?? ""
        let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let groups = (json?["data"] as? [String: Any])?["groups"] as? [[String: Any]] ?? []
        return groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }.compactMap { $0["name"] as? String }
    }
}
