import Foundation
import Testing

@testable import CopyThatAPI

/// The hand-written JSON parser against Foundation's, and the hand-written writer against `JSONEncoder`.
struct JSONCodingTests {
    /// Foundation's reading of `text` as a ``JSONValue`` (`nil` when it refuses).
    static func foundation(_ text: [UInt8]) -> JSONValue? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed]) else { return nil }
        return Self.value(object)
    }

    static func value(_ object: Any) -> JSONValue? {
        switch object {
        case is NSNull: return .null
        case let text as String: return .string(text)
        case let number as NSNumber:
            if String(describing: type(of: number)) == "__NSCFBoolean" { return .bool(number.boolValue) }
            return .number(number.doubleValue)
        case let array as [Any]:
            let elements = array.compactMap(Self.value)
            return elements.count == array.count ? .array(elements) : nil
        case let object as [String: Any]:
            var members: [String: JSONValue] = [:]
            for (key, value) in object {
                guard let value = Self.value(value) else { return nil }
                members[key] = value
            }
            return .object(members)
        default: return nil
        }
    }

    static let accepted: [String] = [
        #"{"project_id": 1, "max_colors": 10, "image_base64": "iVBORw0KGgo="}"#,
        " \t\r\n[1, -0, 0.5, -1.25e3, 1E+2, 2e-2, 123456789012345678901234567890]\n",
        #""\u00e9\ud83d\ude00 \" \\ \/ \b\f\n\r\t""#,
        "\"caf\u{e9} \u{1F600}\"",
        #"{"a": {"b": [true, false, null, {}, []]}}"#,
        #"{"a": 1, "a": 2}"#,
        "0", "-0.0", "1.7976931348623157e308", "5e-324", "\"\"", "[]", "{}",
    ]

    static let refused: [[UInt8]] =
        [
            "", " ", "{", "[1,]", "[1 2]", #"{"a" 1}"#, #"{"a":1,}"#, "{a:1}", "'a'", "01", "-", "1.", ".5", "1e", "1e+",
            "+1", "NaN", "Infinity", "-Infinity", "tru", "nul", "[1]]", "{}x", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\uZZZZ\"",
            "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"a\tb\"", "\"a\nb\"", "1e400", "-1e400", "/* c */ 1",
            "[" + String(repeating: "[", count: 600) + String(repeating: "]", count: 601),
        ].map { Array($0.utf8) } + [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0xEF, 0xBB, 0xBF, 0x31]]

    @Test(arguments: Self.accepted)
    func whatFoundationReadsReadsTheSame(_ text: String) throws {
        let ours = try JSONParser.parse(Array(text.utf8))
        #expect(ours == Self.foundation(Array(text.utf8)), "\(text.debugDescription)")
    }

    @Test(arguments: Self.refused)
    func whatIsNotJSONIsRefused(_ bytes: [UInt8]) {
        #expect(throws: JSONParser.Failure.self, "\(String(decoding: bytes, as: UTF8.self).debugDescription)") {
            try JSONParser.parse(bytes)
        }
    }

    @Test func depthIsBoundedNotTheStack() throws {
        let deep = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONParser.parse(Array(deep.utf8)) }
        let deeper = String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        let error = #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(deeper.utf8)) }
        #expect(error?.reason == "nested too deeply")
    }

    /// A body that is not JSON is a 422 naming `body`, through the real request path.
    @Test func malformedBodiesAreRefusedByTheAPI() async throws {
        try await ExtractionTests.withStub { api, _, user, _ in
            for body in ["{\"project_id\": 1,}", "{\"project_id\": 01}", "{\"a\": \"\\ud800\"}"] {
                let response = try await api.request(
                    "POST",
                    "/api/v1/colors/extract",
                    headers: [user.bearer, ("Content-Type", "application/json")],
                    body: Array(body.utf8)
                )
                #expect(response.status == 422, "\(body)")
                #expect(response.text.contains("Malformed JSON"), "\(body)")
            }
        }
    }

    static func encoderText(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func written(_ value: some JSONWritable) -> String {
        var output = JSONOutput()
        value.write(to: &output)
        return output.text
    }

    @Test func theWriterWritesWhatJSONEncoderWrites() throws {
        let awkward = "quote \" backslash \\ slash / controls \u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f} caf\u{e9} \u{1F600}"
        let numbers: [Double] = [
            0, 1, 0.9, 0.1 + 0.2, 1e-7, 12.5, 100, 1e21, 123_456_789.125, Double(Float(0.9)), .leastNonzeroMagnitude, -2.5,
        ]
        var tokens: [ColorToken] = []
        for (index, number) in numbers.enumerated() {
            tokens.append(
                ColorToken(
                    id: index + 1,
                    hex: "#A1B2C3",
                    name: index % 2 == 0 ? awkward : nil,
                    designIntent: index % 3 == 0 ? "primary" : nil,
                    role: index % 4 == 0 ? "accent" : nil,
                    confidence: index % 5 == 0 ? nil : number,
                    prominence: number,
                    usage: index % 2 == 1 ? awkward : nil,
                    extractionJobID: index % 6 == 0 ? nil : 7,
                    createdAt: "2026-12-02T06:00:00.123Z"
                )
            )
        }
        for token in tokens { #expect(Self.written(token) == (try Self.encoderText(token))) }
        for (cached, colors) in [(true, tokens), (false, []), (false, Array(tokens.prefix(1)))] {
            let result = ExtractionResult(
                jobID: 42,
                projectID: 9,
                provider: "anthropic",
                model: "claude-sonnet-4-5-20250929",
                cached: cached,
                colors: colors,
                dominantColors: colors.isEmpty ? [] : ["#A1B2C3", "#000000"],
                paletteDescription: awkward,
                overallConfidence: 0.87
            )
            #expect(Self.written(result) == (try Self.encoderText(result)))
        }
    }

    @Test func aCachedEntryReadsBackAsItWasWritten() throws {
        let palette = Palette(
            colors: [
                ExtractedColor(hex: "#112233", name: "Ink", designIntent: "text", confidence: 0.9, usage: "body copy", prominence: 40),
                ExtractedColor(hex: "#FFFFFF", name: nil, designIntent: nil, confidence: 1, usage: nil, prominence: 60),
            ],
            dominantColors: ["#FFFFFF"],
            paletteDescription: "Ink on paper",
            overallConfidence: 0.95
        )
        let entry = CachedExtraction(palette: palette, model: "m", inputTokens: 1500, outputTokens: 500)
        let text = String(decoding: try JSONEncoder().encode(entry), as: UTF8.self)
        let read = try #require(CachedExtraction(cached: text))
        #expect(read.palette == palette)
        #expect(read.model == "m" && read.inputTokens == 1500 && read.outputTokens == 500)
        #expect(CachedExtraction(cached: #"{"palette": {}, "model": "m", "inputTokens": 1, "outputTokens": 2}"#) == nil)
        #expect(CachedExtraction(cached: "not json") == nil)

    }
}
