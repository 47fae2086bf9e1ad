public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs the independent tools that check what we emit (promtool, python3, jq) and the project's scripts.
///
/// Built on `posix_spawn` and `waitpid` rather than Foundation's `Process`, whose exit detection relies on a
/// descriptor the child inherits: a script that starts a daemon (PostgreSQL, Redis) would hand that descriptor to
/// the daemon, and the caller would wait for as long as the daemon runs. Output goes to files for the same reason.
public struct ExternalTool: Sendable {
    /// The result of one run.
    public struct Output: Sendable {
        /// The exit status (128 + the signal number when killed by a signal).
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

    /// Runs `executable` (looked up on `PATH` unless it contains a `/`) with `arguments`, feeding `input` to its
    /// standard input, and waits for it without holding a thread of the cooperative pool (a blocking wait there
    /// would stall every other test's continuations, and their timing checks, while promtool or python runs).
    public static func run(
        _ executable: String,
        _ arguments: [String],
        input: Data = Data(),
        environment: [String: String] = [:]
    ) async throws -> Output {
        let child = try ChildProcess(executable, arguments, input: input, environment: environment)
        let status = await child.exit()
        return Output(status: status, standardOutput: child.standardOutput, standardError: child.standardError)
    }

    /// The full path of `executable` on `PATH`, if any.
    public static func find(_ executable: String) -> String? {
        if executable.contains("/") { return FileManager.default.isExecutableFile(atPath: executable) ? executable : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// A child process started with `posix_spawn`, its output captured in files.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked Sendable: `pid` and the paths are set once in init; `exitStatus` is only written under `lock`.
    /// The process id.
    public let pid: pid_t
    private let directory: URL
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts `executable` with `arguments`; `environment` adds to (or overrides) this process's environment.
    public init(_ executable: String, _ arguments: [String], input: Data = Data(), environment: [String: String] = [:]) throws {
        guard let path = ExternalTool.find(executable) else { throw ExternalTool.MissingTool(name: executable) }
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        try input.write(to: self.directory.appendingPathComponent("stdin"))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, self.directory.appendingPathComponent("stdin").path, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(
            &actions,
            1,
            self.directory.appendingPathComponent("stdout").path,
            O_WRONLY | O_CREAT | O_TRUNC,
            0o644
        )
        posix_spawn_file_actions_addopen(
            &actions,
            2,
            self.directory.appendingPathComponent("stderr").path,
            O_WRONLY | O_CREAT | O_TRUNC,
            0o644
        )
        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard result == 0 else { throw SpawnFailed(executable: executable, errno: result) }
        self.pid = pid
    }

    deinit {
        try? FileManager.default.removeItem(at: self.directory)
    }

    /// Sends `signal` (SIGTERM by default).
    public func signal(_ number: Int32 = SIGTERM) {
        kill(self.pid, number)
    }

    /// Waits for the process to exit, polling without blocking a thread, and returns its status (128 + signal when
    /// killed).
    @discardableResult
    public func exit() async -> Int32 {
        while true {
            if let status = self.poll() { return status }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits for the process to exit and returns its status (128 + signal when killed). Blocking: not for async code.
    @discardableResult
    public func wait() -> Int32 {
        while true {
            if let status = self.poll() { return status }
            usleep(5000)
        }
    }

    /// The exit status if the process has exited, without blocking.
    public func poll() -> Int32? {
        self.lock.lock()
        defer { self.lock.unlock() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let result = waitpid(self.pid, &status, WNOHANG)
        guard result == self.pid else { return nil }
        let signal = status & 0x7F
        self.exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        return self.exitStatus
    }

    /// What it wrote to standard output so far.
    public var standardOutput: String {
        String(decoding: (try? Data(contentsOf: self.directory.appendingPathComponent("stdout"))) ?? Data(), as: UTF8.self)
    }

    /// What it wrote to standard error so far.
    public var standardError: String {
        String(decoding: (try? Data(contentsOf: self.directory.appendingPathComponent("stderr"))) ?? Data(), as: UTF8.self)
    }

    /// `posix_spawn` failed.
    public struct SpawnFailed: Error, CustomStringConvertible {
        /// The executable.
        public var executable: String
        /// The error number.
        public var errno: Int32
        /// `cannot start …`.
        public var description: String { "cannot start \(self.executable): \(String(cString: strerror(self.errno)))" }
    }
}
