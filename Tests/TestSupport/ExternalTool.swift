public import Foundation

/// Runs the independent tools that check what we emit (promtool, python3, jq) and reports what they said.
public struct ExternalTool: Sendable {
    /// The result of one run.
    public struct Output: Sendable {
        /// The exit status.
        public var status: Int32
        /// Standard output.
        public var standardOutput: String
        /// Standard error.
        public var standardError: String
    }

    /// A tool is missing from `PATH`: the test environment is incomplete (run `scripts/install-deps.sh`).
    public struct MissingTool: Error, CustomStringConvertible {
        /// The missing executable.
        public var name: String
        /// What to do.
        public var description: String { "\(self.name) is not installed; run scripts/install-deps.sh" }
    }

    /// Runs `executable` (looked up on `PATH`) with `arguments`, feeding `input` to its standard input.
    public static func run(_ executable: String, _ arguments: [String], input: Data = Data()) throws -> Output {
        guard let path = self.find(executable) else { throw MissingTool(name: executable) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Write and read concurrently so that large inputs and outputs cannot deadlock on full pipes.
        let writer = Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let errorData = LockedData()
        let errorReader = Thread { errorData.set(stderr.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1000) }
        return Output(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData.get(), as: UTF8.self)
        )
    }

    /// The full path of `executable` on `PATH`, if any.
    public static func find(_ executable: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

private final class LockedData: @unchecked Sendable {
    // @unchecked Sendable: every access goes through `lock`.
    private let lock = NSLock()
    private var data: Data?

    func set(_ data: Data) { self.lock.withLock { self.data = data } }
    func get() -> Data { self.lock.withLock { self.data ?? Data() } }
    var isSet: Bool { self.lock.withLock { self.data != nil } }
}
