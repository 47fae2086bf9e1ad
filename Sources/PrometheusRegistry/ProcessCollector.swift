#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The standard `process_*` metrics, read from `/proc/self` on every scrape (Linux only; elsewhere it reports nothing).
///
/// Exposes `process_cpu_seconds_total`, `process_resident_memory_bytes`, `process_virtual_memory_bytes`,
/// `process_open_fds`, `process_max_fds` and `process_start_time_seconds`, with the same meaning as Prometheus's
/// Go and Python clients.
public struct ProcessCollector: Collector {
    private let procRoot: String

    /// Creates a collector for this process.
    public init() {
        self.procRoot = "/proc/self"
    }

    /// Creates a collector for another process or a fixture directory laid out like `/proc/<pid>`.
    /// - Parameter procRoot: a directory holding `stat`, `fd/` and `limits`.
    public init(procRoot: String) {
        self.procRoot = procRoot
    }

    /// Reads the process's figures now.
    public func collect() -> [CollectedFamily] {
        #if os(Linux)
        var families: [CollectedFamily] = []
        if let stat = Self.readFile(self.procRoot + "/stat"), let fields = Self.statFields(stat) {
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
            if let utime = Double(fields[11]), let stime = Double(fields[12]) {
                families.append(
                    Self.family(
                        "process_cpu_seconds_total",
                        "Total user and system CPU time spent in seconds.",
                        .counter,
                        (utime + stime) / ticks
                    )
                )
            }
            if let vsize = Double(fields[20]) {
                families.append(Self.family("process_virtual_memory_bytes", "Virtual memory size in bytes.", .gauge, vsize))
            }
            if let rss = Double(fields[21]) {
                families.append(Self.family("process_resident_memory_bytes", "Resident memory size in bytes.", .gauge, rss * pageSize))
            }
            if let start = Double(fields[19]), let bootTime = Self.bootTime() {
                families.append(
                    Self.family(
                        "process_start_time_seconds",
                        "Start time of the process since unix epoch in seconds.",
                        .gauge,
                        bootTime + start / ticks
                    )
                )
            }
        }
        if let openFDs = Self.countEntries(self.procRoot + "/fd") {
            families.append(Self.family("process_open_fds", "Number of open file descriptors.", .gauge, Double(openFDs)))
        }
        if let maxFDs = self.maxFileDescriptors() {
            families.append(Self.family("process_max_fds", "Maximum number of open file descriptors.", .gauge, maxFDs))
        }
        return families
        #else
        return []
        #endif
    }

    private static func family(_ name: String, _ help: String, _ type: MetricType, _ value: Double) -> CollectedFamily {
        CollectedFamily(name: name, help: help, type: type, samples: [CollectedSample(value: value)])
    }

    /// The fields after the command name, which may itself contain spaces and parentheses; index 0 is field 3 (state).
    static func statFields(_ stat: String) -> [Substring]? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        return fields.count > 21 ? fields : nil
    }

    private static func bootTime() -> Double? {
        guard let stat = self.readFile("/proc/stat") else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingPrefix(" "))
        }
        return nil
    }

    private func maxFileDescriptors() -> Double? {
        if self.procRoot == "/proc/self" {
            var limit = rlimit()
            guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
            return limit.rlim_cur == rlim_t.max ? .infinity : Double(limit.rlim_cur)
        }
        guard let limits = Self.readFile(self.procRoot + "/limits") else { return nil }
        for line in limits.split(separator: "\n") where line.hasPrefix("Max open files") {
            let fields = line.dropFirst("Max open files".count).split(separator: " ")
            guard let soft = fields.first else { return nil }
            return soft == "unlimited" ? .infinity : Double(soft)
        }
        return nil
    }

    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            result.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: result, as: UTF8.self)
    }

    private static func countEntries(_ path: String) -> Int? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDot { count += 1 }
        }
        // The directory stream itself holds one descriptor while we count.
        return path == "/proc/self/fd" ? count - 1 : count
    }
}
