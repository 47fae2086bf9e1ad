import ArgumentParser
import CopyThatAPI
import NIOPosix

/// `copythat-api migrate`: applies pending migrations and prints each.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Applies pending migrations, printing each version applied; exit 0 when the schema is current.",
        discussion: "Reads DATABASE_URL (or DATABASE_URL_FILE) only."
    )

    func run() async throws {
        let url = try CommandEnvironment.databaseURL()
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        let applied: [Int]
        do {
            applied = try await APIApplication.migrate(url: url, threadPool: threads)
            try? await threads.shutdownGracefully()
        } catch {
            try? await threads.shutdownGracefully()
            print("migrate: \(error)")
            throw ExitCode.failure
        }
        let names = Dictionary(uniqueKeysWithValues: Schema.migrations.migrations.map { ($0.version, $0.name) })
        for version in applied { print("applied \(version) \(names[version] ?? "")") }
        if applied.isEmpty { print("schema is current (version \(Schema.migrations.migrations.last?.version ?? 0))") }
    }
}
