import ArgumentParser
import Clients
import CopyThatAPI
import Foundation
import JSONLogging
import Logging

/// Reading the configuration and setting up logging, as every subcommand does.
enum CommandEnvironment {
    /// The configuration from the process environment; a bad one ends the command with the variable's name.
    static func configuration() throws -> APIConfiguration {
        do {
            return try APIConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("configuration: \(error.description)")
        }
    }

    /// `DATABASE_URL` alone, for the commands that need nothing else; a bad one ends the command with its name.
    static func databaseURL() throws -> ConnectionURL {
        do {
            return try APIConfiguration.databaseURL(fromEnvironment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("configuration: \(error.description)")
        }
    }

    /// JSON logs on standard output at `LOG_LEVEL` (info).
    static func bootstrapLogging() -> Logger {
        let text = ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"
        let level = Logger.Level(rawValue: text.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            JSONLogHandler(label: label, sink: FileDescriptorLogSink.standardOutput, logLevel: level)
        }
        var logger = Logger(label: "copythat.api")
        logger.logLevel = level
        return logger
    }
}
