import Alerting
import ArgumentParser

/// `copythat-exporter test-rules FILE...`: promtool's rule unit tests, evaluated by this exporter's engine.
struct TestRulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-rules",
        abstract: "Run rule unit tests written for `promtool test rules`.",
        discussion: """
            Reads promtool's unit-test format (rule_files, evaluation_interval, group_eval_order, tests with input_series, \
            alert_rule_test and promql_expr_test) and evaluates the rules with the exporter's own engine. Prints the same \
            report as promtool and exits 0 when every test passes, 1 otherwise.
            """
    )

    @Argument(help: ArgumentHelp("Test files.", valueName: "file"))
    var files: [String]

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Which Prometheus release's evaluation details to follow: prometheus3 (left-open windows) or prometheus2 (closed).",
            valueName: "release"
        )
    )
    var compatibility: String = PromQLCompatibility.prometheus3.rawValue

    func validate() throws {
        guard PromQLCompatibility(rawValue: self.compatibility) != nil else {
            throw ValidationError("--compatibility must be prometheus2 or prometheus3, got \"\(self.compatibility)\"")
        }
    }

    func run() throws {
        let runner = RuleTestRunner(options: EvaluationOptions(compatibility: PromQLCompatibility(rawValue: self.compatibility)!))
        var failed = false
        for file in self.files {
            print("Unit Testing:  \(file)")
            let result = runner.run(path: file)
            if result.passed {
                print("  SUCCESS\n")
            } else {
                failed = true
                // promtool's layout: each failure on stderr, each followed by an empty line on stdout.
                StandardStreams.write("  FAILED:\n", to: .error)
                for failure in result.failures {
                    StandardStreams.write(failure + "\n", to: .error)
                    print("")
                }
                print("")
            }
        }
        if failed { throw ExitCode(1) }
    }
}
