import CopyThatInstrumentation
import Hummingbird

/// `/admin/costs` and `/admin/costs/daily`: the seeds' cost dashboard, for admins. Money is summed by PostgreSQL in
/// whole nanodollars and rounded once, to the cent, here.
struct AdminRoutes {
    let services: APIServices

    struct ModelCost: Encodable {
        var model: String
        var cost: Double
        var requests: Int
    }

    struct CostDashboard: Encodable {
        var periodDays: Int
        var totalCostUSD: Double
        var dailyAverageUSD: Double
        var byModel: [ModelCost]
        var cacheSavingsUSD: Double
        var cacheSavingsPercentage: Double

        enum CodingKeys: String, CodingKey {
            case periodDays = "period_days"
            case totalCostUSD = "total_cost_usd"
            case dailyAverageUSD = "daily_average_usd"
            case byModel = "by_model"
            case cacheSavingsUSD = "cache_savings_usd"
            case cacheSavingsPercentage = "cache_savings_percentage"
        }
    }

    struct DailyCost: Encodable {
        var date: String
        var cost: Double
        var requests: Int
    }

    func add(to group: RecordingRoutes) {
        group.get("/admin/costs") { request, context in
            let days = try await self.admin(request, context, defaultDays: 30)
            let report = try await self.services.extraction.usage.costReport(days: days)
            let dashboard = CostDashboard(
                periodDays: days,
                totalCostUSD: Self.dollars(report.total),
                dailyAverageUSD: Self.dollars(Money(nanodollars: report.total.nanodollars / Int64(days))),
                byModel: report.byModel.sorted { $0.key < $1.key }.map {
                    ModelCost(model: $0.key, cost: Self.dollars($0.value.cost), requests: $0.value.requests)
                },
                cacheSavingsUSD: Self.dollars(report.cacheSavings),
                // The seeds' ratio: savings over what was spent (at least a cent), in percent to one decimal.
                cacheSavingsPercentage: (Double(report.cacheSavings.nanodollars) / Double(max(report.total.nanodollars, 10_000_000)) * 1000)
                    .rounded() / 10
            )
            return try JSONResponse.make(dashboard)
        }
        group.get("/admin/costs/daily") { request, context in
            let days = try await self.admin(request, context, defaultDays: 7)
            let rows = try await self.services.extraction.usage.dailyCosts(days: days)
            return try JSONResponse.make(rows.map { DailyCost(date: $0.date, cost: Self.dollars($0.cost), requests: $0.requests) })
        }
    }

    /// The `days` query parameter (1–365; the seeds divided by zero at 0) for an admin; 403 for anyone else.
    func admin(_ request: Request, _ context: APIRequestContext, defaultDays: Int) async throws -> Int {
        let user = try await context.requireUser(for: request)
        guard user.isAdmin else { throw APIError.forbidden("Admin role required") }
        guard let text = request.uri.queryParameters["days"] else { return defaultDays }
        guard let days = Int(text), (1...365).contains(days) else {
            throw APIError.validation([.init(field: "days", message: "must be a whole number from 1 to 365")])
        }
        return days
    }

    /// Dollars rounded half away from zero to the cent.
    static func dollars(_ money: Money) -> Double { Double(money.cents) / 100 }
}
