import Alerting
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the rule files on SIGHUP, as Prometheus does. A file that no longer loads is reported and the rules in
/// force stay; unchanged alerting rules keep their pending and firing alerts.
struct RuleReloadService: Service {
    let engine: RuleEngine
    let ruleFiles: [String]
    var forOverrides: [String: Int64] = [:]
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            self.reload()
        }
    }

    /// Loads the files again and swaps them in; the reason when they do not load.
    @discardableResult
    func reload() -> String? {
        do {
            let groups = try RuleFileLoader.load(paths: self.ruleFiles, compatibility: self.engine.settings.options.compatibility)
                .overridingFor(self.forOverrides)
            self.engine.reload(groups: groups)
            self.logger.info(
                "rules reloaded",
                metadata: ["groups": "\(groups.count)", "rules": "\(groups.reduce(0) { $0 + $1.rules.count })"]
            )
            return nil
        } catch {
            self.logger.error("rule reload failed; keeping the rules in force", metadata: ["error": "\(error.description)"])
            return error.description
        }
    }
}
