import Clients
import Foundation
import NIOPosix
import TestSupport
import Testing

@testable import CopyThatInstrumentation

/// Migrations, the usage log and the cost report against the real PostgreSQL.
@Suite struct UsageLogTests {
    @Test func migrationsApplyOnceAndTheCostReportIsExactToTheNanodollar() async throws {
        let url = try ConnectionURL(try TestEnvironment.databaseURL())
        let connection = try await PostgresConnection.connect(url: url, timeout: .seconds(5), threadPool: PostgresPoolTests.threads)
        _ = try await Migrations.copyThat.apply(on: connection)  // the first run in this database may apply it
        #expect(try await Migrations.copyThat.apply(on: connection) == [])  // …and a second applies nothing
        let versions = try await connection.query("SELECT version, name FROM schema_migrations ORDER BY version", timeout: .seconds(5))
        #expect(versions.first == ["1", "create api_usage_logs"])
        let indexes = try await connection.query(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'api_usage_logs'",
            timeout: .seconds(5)
        )
        #expect(Set(indexes.compactMap { $0.first.flatMap { $0 } }).isSuperset(of: ["ix_api_usage_user_date", "ix_api_usage_model"]))
        await connection.close()

        let pool = try PostgresPool(
            configuration: .init(url: url, poolSize: 2),
            threadPool: PostgresPoolTests.threads,
            metrics: nil,
            registry: nil
        )
        let log = UsageLog(pool: pool)
        let model = "report-test-\(UUID().uuidString.prefix(8))"
        let user = "user-\(UUID().uuidString.prefix(8))"
        let price = ModelPrice(inputDollarsPer1K: 0.003, outputDollarsPer1K: 0.015)
        let calls: [(input: Int, output: Int, cached: Bool)] = [(1234, 567, false), (1000, 1000, false), (333, 777, true), (1, 1, false)]
        var expectedSpent = Money.zero
        var expectedSaved = Money.zero
        for call in calls {
            let usage = AICostTracker.Usage(
                model: model,
                inputTokens: call.input,
                outputTokens: call.output,
                cached: call.cached,
                duration: .seconds(1)
            )
            let cost = price.cost(inputTokens: call.input, outputTokens: call.output)
            if call.cached { expectedSaved = expectedSaved + cost } else { expectedSpent = expectedSpent + cost }
            try await log.write(.init(usage: usage, cost: cost, userID: user, projectID: 7, endpoint: "/api/v1/extract"))
        }
        // 1,234×3,000,000/1000 + 567×15,000,000/1000 = 12,207,000; 1000 in + 1000 out = 18,000,000; 1 in + 1 out = 18,000.
        #expect(expectedSpent.nanodollars == 12_207_000 + 18_000_000 + 18_000)
        let report = try await log.costReport(days: 30)
        #expect(report.byModel[model]?.cost == expectedSpent)
        #expect(report.byModel[model]?.requests == 4)
        #expect(report.periodDays == 30)
        #expect(try await log.dailyCost(userID: user) == expectedSpent)
        #expect(expectedSpent.description == "$0.03")
        #expect(expectedSaved.nanodollars == 333 * 3000 + 777 * 15000)
        await pool.close()
    }

    /// Budgets read today's counters, not the log: concurrent writers of one user (on random shards, several rows in
    /// one statement) add up exactly, cached calls add nothing, and everyone's figure grows by the same amount.
    @Test func theDailyCountersAddUpUnderConcurrentWriters() async throws {
        let url = try ConnectionURL(try TestEnvironment.databaseURL())
        let connection = try await PostgresConnection.connect(url: url, timeout: .seconds(5), threadPool: PostgresPoolTests.threads)
        _ = try await Migrations.copyThat.apply(on: connection)
        await connection.close()
        let pool = try PostgresPool(
            configuration: .init(url: url, poolSize: 4),
            threadPool: PostgresPoolTests.threads,
            metrics: nil,
            registry: nil
        )
        let log = UsageLog(pool: pool)
        let user = "user-\(UUID().uuidString.prefix(8))"
        let before = try await log.dailySpending(userID: user)
        #expect(before.user == .zero)
        func entry(_ nanodollars: Int64, cached: Bool = false) -> UsageLog.Entry {
            let usage = AICostTracker.Usage(model: "counter-test", inputTokens: 10, outputTokens: 10, cached: cached, duration: .zero)
            return .init(usage: usage, cost: Money(nanodollars: nanodollars), userID: user, projectID: 1, endpoint: "/test")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 1...40 {
                group.addTask {
                    // Two spending rows and a cached one per statement: 3 × index nanodollars spent.
                    try await log.write([entry(Int64(index)), entry(Int64(2 * index)), entry(1_000_000, cached: true)])
                }
            }
            try await group.waitForAll()
        }
        let after = try await log.dailySpending(userID: user)
        let expected = Money(nanodollars: 3 * (1...40).reduce(0, +))
        #expect(after.user == expected)
        #expect(try await log.dailyCost(userID: user) == expected)
        #expect(after.everyone.nanodollars - before.everyone.nanodollars == expected.nanodollars)
        let rows = try await pool.withConnection { connection in
            try await connection.query("SELECT count(*) FROM ai_daily_spend WHERE scope = $1", [user], timeout: .seconds(5))
        }
        #expect((rows.first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0) > 1)  // spread over shards
        await pool.close()
    }
}
