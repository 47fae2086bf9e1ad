import Foundation
import TestSupport
import Testing

/// `/api/v1/query` and `/api/v1/query_range` on a running exporter, over what it scraped from itself.
@Suite struct QueryEndpointTests {
    @Test(.timeLimit(.minutes(1))) func theQueryAPIAnswersFromTheStoreAsPrometheusDoes() async throws {
        let exporter = try await RulesExporter()
        func json(_ path: String) async throws -> (Int, [String: Any]) {
            let answer = try #require(try await exporter.get(path))
            return (answer.status, try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]))
        }
        // The exporter scrapes itself as job copythat-exporter: `up` for it is 1 once the first scrape is in.
        var result: [[String: Any]] = []
        for _ in 0..<50 where result.isEmpty {
            let (status, body) = try await json("/api/v1/query?query=up")
            #expect(status == 200)
            result = ((body["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
            if result.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        let up = try #require(result.first)
        #expect((up["metric"] as? [String: String])?["job"] == "copythat-exporter")
        #expect((up["value"] as? [Any])?.last as? String == "1")

        try await Task.sleep(for: .seconds(2))
        let now = Int(Date().timeIntervalSince1970)
        let (rangeStatus, range) = try await json("/api/v1/query_range?query=up&start=\(now - 5)&end=\(now)&step=1")
        #expect(rangeStatus == 200)
        let data = try #require(range["data"] as? [String: Any])
        #expect(data["resultType"] as? String == "matrix")
        let values = ((data["result"] as? [[String: Any]])?.first?["values"] as? [[Any]]) ?? []
        #expect(values.count >= 2, "\(range)")

        // A bad expression is Prometheus's 400 with the parser's reason.
        let (badStatus, bad) = try await json("/api/v1/query?query=sum(")
        #expect(badStatus == 400)
        #expect(bad["status"] as? String == "error")
        #expect(bad["errorType"] as? String == "bad_data")
        #expect((bad["error"] as? String)?.contains("parse error") == true)
    }
}
