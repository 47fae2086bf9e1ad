import Foundation
import Testing

/// The exporter links FoundationEssentials only: full Foundation brings ICU and several megabytes of resident
/// memory (README, "Building for production"). Every module the exporter links may import Foundation only as the
/// fallback of `#if canImport(FoundationEssentials)`, for platforms without it.
@Suite struct FoundationFreeTests {
    static let modules = [
        "PrometheusRegistry", "CRegistryShims", "JSONLogging", "LibYAML", "Probes", "CopyThatInstrumentation", "Alerting",
        "CopyThatExporter",
    ]

    @Test func theExportersModulesImportFoundationOnlyAsAFallback() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        var checked = 0
        var offenders: [String] = []
        for module in Self.modules {
            let base = sources.appendingPathComponent(module).path
            let enumerator = FileManager.default.enumerator(atPath: base)
            while let name = enumerator?.nextObject() as? String {
                guard name.hasSuffix(".swift") else { continue }
                let lines = try String(contentsOfFile: base + "/" + name, encoding: .utf8).split(
                    separator: "\n",
                    omittingEmptySubsequences: false
                )
                checked += 1
                for (index, line) in lines.enumerated() where Self.importsFoundation(line) {
                    if index == 0 || lines[index - 1].trimmingCharacters(in: .whitespaces) != "#else" {
                        offenders.append("\(module)/\(name):\(index + 1)")
                    }
                }
            }
        }
        #expect(checked > 100)
        #expect(offenders.isEmpty, "full Foundation imported by \(offenders)")
    }

    /// `import Foundation`, with any access modifier or attribute, and not FoundationEssentials.
    static func importsFoundation(_ line: Substring) -> Bool {
        let words = line.split(separator: " ")
        guard let index = words.firstIndex(of: "import"), index + 1 < words.count else { return false }
        return words[index + 1] == "Foundation" && words[..<index].allSatisfy { !$0.hasPrefix("//") }
    }
}
