import Foundation
import TestSupport
import Testing

/// `/graph` and `/` on a running exporter, rendered by a real headless browser (Debian's chromium): the DOM it built
/// is checked, and its screenshot kept as the test's artefact (`.build/test-artifacts/graph-page.png`).
@Suite struct GraphPageBrowserTests {
    static func chromium(_ arguments: [String]) async throws -> ExternalTool.Output {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        return try await ExternalTool.run(
            "chromium",
            ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(profile.path)"] + arguments,
            environment: ["HOME": profile.path]
        )
    }

    @Test(.timeLimit(.minutes(2))) func theGraphPageShowsEachSeriesAndPlotsItsLastHour() async throws {
        let exporter = try await RulesExporter()
        let port = exporter.port
        try await Task.sleep(for: .seconds(4))  // a few self-scrapes, so that there is a line to plot

        // The expression as Prometheus encodes it in a generatorURL (spaces as +, + as %2B): two series, the
        // self-scrape's `up` (what the rule reads, so kept) and a constant.
        let url = "http://127.0.0.1:\(port)/graph?g0.expr=up+%2B+0+or+vector%282%29&g0.tab=1"
        let rendered = try await Self.chromium(["--dump-dom", url])
        #expect(rendered.status == 0, "\(rendered.standardError.suffix(2000))")
        let dom = rendered.standardOutput
        let rows = dom.components(separatedBy: "<tr class=\"series\">").count - 1
        let series = try await Self.seriesCount(port: port, query: "up + 0 or vector(2)")
        #expect(series == 2)
        #expect(rows == series, "\(dom.prefix(3000))")
        // One path per series, one point (an M or L command) per sample it plots, and several samples each.
        let paths = try Regex(#"<path class="series" data-points="(\d+)"[^>]* d="([^"]*)""#)
        let matches = dom.matches(of: paths)
        #expect(matches.count == series)
        for match in matches {
            let declared = Int(match.output[1].substring ?? "") ?? -1
            let commands = (match.output[2].substring ?? "").split(separator: " ").filter { $0.first == "M" || $0.first == "L" }.count
            #expect(commands == declared)
            #expect(declared >= 3, "\(match.output[0].substring ?? "")")
        }
        #expect(dom.contains("value=\"up + 0 or vector(2)\""))  // the form shows the expression

        let artefacts = URL(fileURLWithPath: ".build/test-artifacts", isDirectory: true)
        try FileManager.default.createDirectory(at: artefacts, withIntermediateDirectories: true)
        let screenshot = artefacts.appendingPathComponent("graph-page.png")
        try? FileManager.default.removeItem(at: screenshot)
        let shot = try await Self.chromium(["--screenshot=\(screenshot.path)", "--window-size=1000,900", "--hide-scrollbars", url])
        #expect(shot.status == 0, "\(shot.standardError.suffix(2000))")
        let png = try Data(contentsOf: screenshot)
        #expect(png.count > 5_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]))

        // A broken expression is a 400 page that says why, with the form still there.
        let broken = try #require(try await exporter.get("/graph?g0.expr=sum%28"))
        #expect(broken.status == 400)
        #expect(broken.body.contains("class=\"error\"") && broken.body.contains("parse error") && broken.body.contains("<form"))
        // The landing page links everything the exporter serves.
        let landing = try await Self.chromium(["--dump-dom", "http://127.0.0.1:\(port)/"])
        for link in ["/metrics", "/health/ready?verbose", "/api/v1/rules", "/api/v1/alerts", "/graph"] {
            #expect(landing.standardOutput.contains("href=\"\(link)\""), "\(link)")
        }
    }

    static func seriesCount(port: Int, query: String) async throws -> Int {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let body = try #require(try await CommandLineTests.get(port: port, path: "/api/v1/query?query=\(encoded)")).body
        let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return ((json?["data"] as? [String: Any])?["result"] as? [[String: Any]])?.count ?? 0
    }
}
