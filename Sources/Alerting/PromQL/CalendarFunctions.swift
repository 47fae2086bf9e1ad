/// PromQL's calendar functions (`year`, `month`, `day_of_month`, `day_of_week`, `day_of_year`, `days_in_month`,
/// `hour`, `minute`) over Unix seconds, in UTC, as Prometheus computes them with Go's `time` package.
enum CalendarFunctions {
    /// The functions' names.
    static let names: Set<String> = ["year", "month", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute"]

    /// The function of a sample value: Go's `time.Unix(int64(v), 0)`, where a value Go cannot convert (NaN,
    /// infinities, beyond ±2^63) becomes the smallest int64, as amd64's conversion gives.
    static func evaluate(_ name: String, value: Double) -> Double {
        let seconds: Int64 = value.isFinite && value.magnitude < 9.223372036854775807e18 ? Int64(value.rounded(.towardZero)) : Int64.min
        return self.evaluate(name, unixSeconds: seconds)
    }

    /// The function of an instant given as Unix seconds.
    static func evaluate(_ name: String, unixSeconds: Int64) -> Double {
        let (days, secondOfDay) = self.floorDivide(unixSeconds, 86_400)
        let (year, month, day) = self.civil(daysSinceEpoch: days)
        switch name {
        case "year": return Double(year)
        case "month": return Double(month)
        case "day_of_month": return Double(day)
        case "day_of_week": return Double(self.floorDivide(days + 4, 7).remainder)  // 1970-01-01 was a Thursday
        case "day_of_year": return Double(days - self.daysSinceEpoch(year: year, month: 1, day: 1) + 1)
        case "days_in_month": return Double(self.daysIn(month: month, year: year))
        case "hour": return Double(secondOfDay / 3600)
        default: return Double(secondOfDay % 3600 / 60)
        }
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = a / b
        var remainder = a % b
        if remainder < 0 {
            quotient -= 1
            remainder += b
        }
        return (quotient, remainder)
    }

    /// Howard Hinnant's `civil_from_days`: the proleptic Gregorian date of a day count from 1970-01-01.
    static func civil(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = self.floorDivide(z, 146_097).quotient
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Hinnant's `days_from_civil`.
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = self.floorDivide(y, 400).quotient
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
