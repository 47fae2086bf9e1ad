import Foundation
import Testing

/// The admin cost reports over a known set of calls. Other suites log calls too (today), so these calls use a model
/// of their own and, for the daily report, a day 300 days back that nothing else writes to.
@Suite(.serialized) struct AdminCostTests {
    static let model = "cost-report-test-model"

    /// Four calls 300 days ago: $1.234567891 and $0.005 spent, $2.50 served from the cache, $0.10 spent the next day.
    static func seed(_ api: APIFixture) async throws {
        _ = try await api.sql("DELETE FROM api_usage_logs WHERE model = $1", [Self.model])
        let day = "now() - interval '300 days'"
        for (offset, nanodollars, cached) in [
            ("0", "1234567891", "f"), ("1 hour", "5000000", "f"), ("2 hours", "2500000000", "t"), ("1 day", "100000000", "f"),
        ] {
            _ = try await api.sql(
                """
                INSERT INTO api_usage_logs (timestamp, model, input_tokens, output_tokens, cost_nanodollars, cached)
                VALUES (date_trunc('day', \(day)) + interval '1 hour' + $1::interval, $2, 1000, 100, $3::bigint, $4::boolean)
                """,
                [offset == "0" ? "0 hours" : offset, Self.model, nanodollars, cached]
            )
        }
    }

    @Test func theDashboardAndTheDailyBreakdownAreExactToTheCent() async throws {
        try await APIFixture.with { api in
            try await Self.seed(api)
            let admin = try await api.newUser(admin: true)
            let dashboard = try await api.request("GET", "/api/v1/admin/costs?days=365", headers: [admin.bearer])
            #expect(dashboard.status == 200, "\(dashboard.text)")
            let body = try dashboard.object()
            #expect(body["period_days"] as? Int == 365)
            let mine = (body["by_model"] as? [[String: Any]] ?? []).first { $0["model"] as? String == Self.model }
            // $1.234567891 + $0.005 + $0.10 = $1.339567891, to the cent $1.34; the cached $2.50 is a saving.
            #expect(mine?["cost"] as? Double == 1.34)
            #expect(mine?["requests"] as? Int == 4)
            #expect((body["cache_savings_usd"] as? Double ?? 0) >= 2.5)

            let daily = try await api.request("GET", "/api/v1/admin/costs/daily?days=365", headers: [admin.bearer])
            #expect(daily.status == 200)
            let days = try daily.array()
            let first = try await api.sql("SELECT to_char((now() - interval '300 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
            let second = try await api.sql("SELECT to_char((now() - interval '299 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
            let byDate = Dictionary(days.map { ($0["date"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            // 01:00, 02:00 and 03:00 UTC of one day; the next call a day later.
            #expect(byDate[first.first?.first.flatMap { $0 } ?? ""]?["cost"] as? Double == 1.24)
            #expect(byDate[first.first?.first.flatMap { $0 } ?? ""]?["requests"] as? Int == 3)
            #expect(byDate[second.first?.first.flatMap { $0 } ?? ""]?["cost"] as? Double == 0.1)
            let dates = days.compactMap { $0["date"] as? String }
            #expect(dates == dates.sorted())
            // The default window is 7 days: the seeded calls are not in it.
            let week = try await api.request("GET", "/api/v1/admin/costs/daily", headers: [admin.bearer]).array()
            #expect(!week.contains { $0["date"] as? String == first.first?.first.flatMap { $0 } })
        }
    }

    @Test func onlyAdminsAndOnlySensibleDays() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            #expect(try await api.request("GET", "/api/v1/admin/costs", headers: [user.bearer]).status == 403)
            #expect(try await api.request("GET", "/api/v1/admin/costs/daily", headers: [user.bearer]).status == 403)
            #expect(try await api.request("GET", "/api/v1/admin/costs").status == 401)
            let admin = try await api.newUser(admin: true)
            for days in ["0", "366", "-1", "abc", "1.5"] {
                let response = try await api.request("GET", "/api/v1/admin/costs?days=\(days)", headers: [admin.bearer])
                #expect(response.status == 422, "days=\(days)")
            }
            #expect(try await api.request("GET", "/api/v1/admin/costs?days=1", headers: [admin.bearer]).status == 200)
        }
    }
}
