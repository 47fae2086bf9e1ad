#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends JSON to a byte buffer: strings with every control character escaped, numbers, and RFC 3339 timestamps.
///
/// The buffer is raw memory the writer owns (it is not copyable, and frees it when done): every line of every log
/// call goes through here, and appending to an `Array` checks uniqueness and capacity on each of a line's hundred
/// small appends.
struct JSONWriter: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written so far.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        self.start = .allocate(capacity: self.capacity)
    }

    deinit {
        self.start.deallocate()
    }

    /// A copy of what has been written.
    var bytes: [UInt8] {
        Array(UnsafeBufferPointer(start: self.start, count: self.count))
    }

    /// Calls `body` with what has been written.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        body(UnsafeRawBufferPointer(start: self.start, count: self.count))
    }

    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if self.count + extra > self.capacity { self.grow(to: self.count + extra) }
    }

    private mutating func grow(to needed: Int) {
        var capacity = self.capacity * 2
        while capacity < needed { capacity *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        bigger.update(from: self.start, count: self.count)
        self.start.deallocate()
        self.start = bigger
        self.capacity = capacity
    }

    /// Appends one byte.
    @inline(__always)
    mutating func append(_ byte: UInt8) {
        self.reserve(1)
        self.start[self.count] = byte
        self.count += 1
    }

    /// Appends bytes.
    @inline(__always)
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        self.reserve(bytes.count)
        (self.start + self.count).update(from: base, count: bytes.count)
        self.count += bytes.count
    }

    /// Appends `"string"`, escaping `"`, `\` and every control character (U+0000 to U+001F, and U+007F) so that any
    /// Swift string, NULs and newlines included, stays one valid line. Non-ASCII UTF-8 passes through unchanged.
    mutating func appendString(_ string: String) {
        // Native strings (small ones included) lend their bytes in place; only others are copied first.
        if string.utf8.withContiguousStorageIfAvailable({ self.appendEscaped($0) }) == nil {
            var string = string
            string.withUTF8 { self.appendEscaped($0) }
        }
    }

    /// `"` + `utf8` escaped + `"`.
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        self.append(UInt8(ascii: "\""))
        // Most values (routes, ids, addresses) need no escape: checked eight bytes at a time, then copied whole.
        guard Self.mayNeedEscape(utf8) else {
            self.append(contentsOf: utf8)
            self.append(UInt8(ascii: "\""))
            return
        }
        var runStart = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0x7F else { continue }
            if runStart < index {
                self.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            }
            self.appendEscape(byte)
            runStart = index + 1
        }
        if runStart < utf8.count {
            self.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        self.append(UInt8(ascii: "\""))
    }

    /// Whether any byte of `utf8` is below 0x20, `"`, `\\` or 0x7F; false means the bytes can be written as they are.
    /// Word by word: `x - 0x01…01 & ~x & 0x80…80` is nonzero exactly when some byte of `x` is zero, and below `n`
    /// for `x - n…n` (n at most 0x80); `"`, `\\` and 0x7F are found as zero bytes of `x ^ c…c`.
    static func mayNeedEscape(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = utf8.baseAddress else { return false }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ word: UInt64) -> Bool { (word &- ones) & ~word & highs != 0 }
        var index = 0
        while index + 8 <= utf8.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            if (word &- ones &* 0x20) & ~word & highs != 0 || hasZeroByte(word ^ (ones &* 0x22))
                || hasZeroByte(word ^ (ones &* 0x5C)) || hasZeroByte(word ^ (ones &* 0x7F))
            {
                return true
            }
            index += 8
        }
        while index < utf8.count {
            let byte = utf8[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0x7F { return true }
            index += 1
        }
        return false
    }

    private mutating func appendEscape(_ byte: UInt8) {
        self.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): self.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): self.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "\n"): self.append(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): self.append(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): self.append(UInt8(ascii: "t"))
        case 0x08: self.append(UInt8(ascii: "b"))
        case 0x0C: self.append(UInt8(ascii: "f"))
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            for escaped in [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]] {
                self.append(escaped)
            }
        }
    }

    /// Appends `"key":`.
    mutating func appendKey(_ key: String) {
        self.appendString(key)
        self.append(UInt8(ascii: ":"))
    }

    @inline(__always)
    mutating func appendRaw(_ literal: StaticString) {
        literal.withUTF8Buffer { self.append(contentsOf: $0) }
    }

    /// Appends an unsigned integer.
    mutating func appendUInt(_ value: UInt) {
        if value < 10 {
            self.append(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        var digits = 0
        var remaining = value
        while remaining > 0 {
            digits += 1
            remaining /= 10
        }
        self.reserve(digits)
        remaining = value
        for position in stride(from: self.count + digits - 1, through: self.count, by: -1) {
            self.start[position] = UInt8(ascii: "0") &+ UInt8(remaining % 10)
            remaining /= 10
        }
        self.count += digits
    }

    /// Appends `"2026-11-23T07:20:44.123Z"` for a time in milliseconds since the Unix epoch (UTC, RFC 3339); years
    /// outside 0 to 9999 are clamped to them. Every line starts with one: the 26 bytes are stored in place, reserved
    /// once.
    mutating func appendTimestamp(millisecondsSinceEpoch: Int64) {
        let milliseconds = Int(millisecondsSinceEpoch % 1000)
        let totalSeconds = millisecondsSinceEpoch / 1000
        let days = totalSeconds / 86_400
        let secondOfDay = Int(totalSeconds % 86_400)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: days)
        self.reserve(26)
        let out = self.start + self.count
        func put(_ value: Int, digits: Int, at offset: Int) {
            var remaining = value
            for position in stride(from: offset + digits - 1, through: offset, by: -1) {
                out[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
                remaining /= 10
            }
        }
        out[0] = UInt8(ascii: "\"")
        out[5] = UInt8(ascii: "-")
        out[8] = UInt8(ascii: "-")
        out[11] = UInt8(ascii: "T")
        out[14] = UInt8(ascii: ":")
        out[17] = UInt8(ascii: ":")
        out[20] = UInt8(ascii: ".")
        out[24] = UInt8(ascii: "Z")
        out[25] = UInt8(ascii: "\"")
        put(min(max(year, 0), 9999), digits: 4, at: 1)
        put(month, digits: 2, at: 6)
        put(day, digits: 2, at: 9)
        put(secondOfDay / 3600, digits: 2, at: 12)
        put(secondOfDay / 60 % 60, digits: 2, at: 15)
        put(secondOfDay % 60, digits: 2, at: 18)
        put(milliseconds, digits: 3, at: 21)
        self.count += 26
    }

    mutating func appendDigits(_ value: Int, count: Int) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var remaining = value
        while divisor > 0 {
            self.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining / divisor))
            remaining %= divisor
            divisor /= 10
        }
    }

    /// Howard Hinnant's `civil_from_days`: the proleptic Gregorian date of a day count since 1970-01-01.
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}

extension JSONWriter {
    /// Appends `,"message":…,"source":…,"file":…,"function":…,"line":…`, the members that say where a line comes from.
    mutating func appendCallSite(message: String, source: String, file: String, function: String, line: UInt) {
        self.appendRaw(",\"message\":")
        self.appendString(message)
        self.appendRaw(",\"source\":")
        self.appendString(source)
        self.appendRaw(",\"file\":")
        self.appendString(file)
        self.appendRaw(",\"function\":")
        self.appendString(function)
        self.appendRaw(",\"line\":")
        self.appendUInt(line)
    }

    /// Appends `"<value>"`, an integer as a JSON string.
    mutating func appendQuotedInteger(_ value: Int) {
        self.append(UInt8(ascii: "\""))
        if value < 0 { self.append(UInt8(ascii: "-")) }
        self.appendUInt(UInt(value.magnitude))
        self.append(UInt8(ascii: "\""))
    }

    /// Appends microseconds as milliseconds in a JSON string, as Swift prints the `Double` rounded to three decimals:
    /// `"12.0"`, `"1.5"`, `"0.042"`.
    mutating func appendQuotedMilliseconds(microseconds: Int64) {
        let magnitude = microseconds.magnitude
        self.append(UInt8(ascii: "\""))
        if microseconds < 0 { self.append(UInt8(ascii: "-")) }
        self.appendUInt(UInt(magnitude / 1000))
        self.append(UInt8(ascii: "."))
        var fraction = Int(magnitude % 1000)
        if fraction == 0 {
            self.append(UInt8(ascii: "0"))
        } else {
            var digits = 3
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            self.appendDigits(fraction, count: digits)
        }
        self.append(UInt8(ascii: "\""))
    }
}
