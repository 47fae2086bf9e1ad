import Foundation
import Testing

@testable import PrometheusRegistry

@Suite struct ProcessCollectorTests {
    func values() -> [String: Double] {
        Dictionary(uniqueKeysWithValues: ProcessCollector().collect().map { ($0.name, $0.samples[0].value) })
    }

    @Test func exposesTheSixStandardSeries() {
        let values = self.values()
        #expect(
            Set(values.keys) == [
                "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                "process_open_fds", "process_max_fds", "process_start_time_seconds",
            ]
        )
    }

    @Test func valuesAreThoseOfThisProcess() throws {
        let values = self.values()
        let now = Date().timeIntervalSince1970
        let start = try #require(values["process_start_time_seconds"])
        #expect(start <= now + 1 && start > now - 3600, "start time \(start)")
        let resident = try #require(values["process_resident_memory_bytes"])
        #expect(resident > 1_000_000 && resident < 8_000_000_000)
        #expect(try #require(values["process_virtual_memory_bytes"]) >= resident)
        let openBefore = try #require(values["process_open_fds"])
        let descriptor = open("/dev/null", O_RDONLY)
        defer { close(descriptor) }
        #expect(try #require(self.values()["process_open_fds"]) == openBefore + 1)
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        #expect(values["process_max_fds"] == Double(limit.rlim_cur))
    }

    @Test func cpuSecondsGrowWithWork() throws {
        let before = try #require(self.values()["process_cpu_seconds_total"])
        let end = ContinuousClock.now + .milliseconds(300)
        var spin = 0
        while ContinuousClock.now < end { spin &+= 1 }
        let after = try #require(self.values()["process_cpu_seconds_total"])
        #expect(after - before >= 0.1, "spun \(spin) times")
    }

    @Test func commandNamesWithSpacesAndParenthesesParse() throws {
        let stat = "1234 (my (weird) cmd) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 5000 10000000 2500 18446744073709551615"
        let fields = try #require(ProcessCollector.statFields(stat))
        #expect(fields[11] == "250")
        #expect(fields[12] == "50")
        #expect(fields[19] == "5000")
        #expect(fields[20] == "10000000")
        #expect(fields[21] == "2500")
        #expect(ProcessCollector.statFields("garbage") == nil)
    }

    @Test func aMissingProcDirectoryReportsNothingRatherThanFailing() {
        #expect(ProcessCollector(procRoot: "/nonexistent").collect().isEmpty)
    }
}
