import ArgumentParser
import CopyThatAPI
import Foundation
import Logging

/// `copythat-api create-admin --email E`: the password comes from standard input, never from the command line
/// (where `ps` and shell history would show it).
struct CreateAdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-admin",
        abstract: "Creates an admin, or makes an existing account an admin; reads the password (12-128 characters) from stdin."
    )

    @Option(name: .long, help: ArgumentHelp("The admin's email.", valueName: "email"))
    var email: String

    func run() async throws {
        let configuration = try CommandEnvironment.configuration()
        var logger = Logger(label: "copythat.api")
        logger.logLevel = .warning
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("create-admin: no password on standard input (echo \"$PASSWORD\" | copythat-api create-admin --email …)")
        }
        let api = try await APIApplication.build(configuration: configuration, logger: logger)
        do {
            _ = try await api.migrate()
            let (user, created) = try await api.createAdmin(email: self.email, password: line)
            print("\(created ? "created" : "promoted") admin \(user.email) (\(user.id))")
            await api.shutdown()
        } catch let error as AdminError {
            await api.shutdown()
            throw ValidationError("create-admin: \(error.message)")
        } catch {
            await api.shutdown()
            print("create-admin: \(error)")
            throw ExitCode.failure
        }
    }
}
