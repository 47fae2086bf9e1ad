import Testing

@testable import JSONLogging

/// JSON string escaping against an independent byte-by-byte reference.
@Suite struct JSONWriterTests {
    /// The reference: every byte looked at on its own, escaped as RFC 8259 allows.
    static func referenceEscaped(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "\"")]
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): output += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): output += Array(#"\\"#.utf8)
            case 0x0A: output += Array(#"\n"#.utf8)
            case 0x0D: output += Array(#"\r"#.utf8)
            case 0x09: output += Array(#"\t"#.utf8)
            case 0x08: output += Array(#"\b"#.utf8)
            case 0x0C: output += Array(#"\f"#.utf8)
            case 0..<0x20, 0x7F:
                let hex = Array("0123456789abcdef".utf8)
                output += Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
        return output
    }

    /// The word-at-a-time check agrees with the byte-by-byte definition for every byte value at every position of
    /// a word, in the tail after the last whole word, and over random buffers of any bytes.
    @Test func theWordAtATimeCheckFindsEveryByteThatNeedsAnEscape() {
        func needsEscape(_ bytes: [UInt8]) -> Bool { bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F } }
        for value in UInt8.min...UInt8.max {
            for position in 0..<19 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 19)
                bytes[position] = value
                let found = bytes.withUnsafeBufferPointer { JSONWriter.mayNeedEscape($0) }
                #expect(found == needsEscape(bytes), "byte \(value) at \(position)")
            }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...40, using: &generator)).map { _ in
                // Mostly bytes that need no escape, so that buffers without any are common.
                Bool.random(using: &generator)
                    ? UInt8.random(in: 0x23...0x5B, using: &generator) : UInt8.random(in: 0...255, using: &generator)
            }
            #expect(bytes.withUnsafeBufferPointer { JSONWriter.mayNeedEscape($0) } == needsEscape(bytes), "\(bytes)")
        }
    }

    @Test func escapedOutputMatchesTheByteByByteReference() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = Array("abc xyz/{}".utf8) + [0, 0x01, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x1F, 0x22, 0x5C, 0x7F]
        for _ in 0..<2000 {
            let length = Int.random(in: 0...40, using: &generator)
            var bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            if Bool.random(using: &generator) {
                bytes.append(contentsOf: Array("é✓🙂".utf8))  // non-ASCII passes through unchanged
            }
            let string = String(decoding: bytes, as: UTF8.self)
            var writer = JSONWriter(capacity: 64)
            writer.appendString(string)
            #expect(writer.bytes == Self.referenceEscaped(Array(string.utf8)), "\(bytes)")
        }
    }
}
