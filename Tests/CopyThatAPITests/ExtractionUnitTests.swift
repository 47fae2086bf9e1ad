import Testing

@testable import CopyThatAPI

/// The extraction's pure parts, without sockets or clocks.
@Suite struct ExtractionUnitTests {
    let start = ContinuousClock.now

    static func permit(_ breaker: inout CircuitBreaker, at instant: ContinuousClock.Instant) -> Bool {
        breaker.permit(at: instant)
    }

    @Test func theBreakerOpensAfterTheThresholdAndTriesOnceAfterItsTime() {
        var breaker = CircuitBreaker(threshold: 3, openFor: .seconds(30))
        for _ in 0..<2 {
            #expect(Self.permit(&breaker, at: self.start))
            breaker.record(success: false, at: self.start)
        }
        #expect(!breaker.isOpen)
        breaker.record(success: true, at: self.start)  // a success resets the count
        for _ in 0..<3 { breaker.record(success: false, at: self.start) }
        #expect(breaker.isOpen)
        #expect(!Self.permit(&breaker, at: self.start + .seconds(29)))
        #expect(Self.permit(&breaker, at: self.start + .seconds(30)))  // the trial
        #expect(!Self.permit(&breaker, at: self.start + .seconds(30)))  // only one
        breaker.record(success: false, at: self.start + .seconds(31))  // the trial failed: open again, for 30 s more
        #expect(!Self.permit(&breaker, at: self.start + .seconds(60)))
        #expect(Self.permit(&breaker, at: self.start + .seconds(61)))
        breaker.record(success: true, at: self.start + .seconds(62))
        #expect(breaker.state == .closed(failures: 0))
    }

    @Test func retriesBackOffWithJitterAndStopAtTheDeadline() {
        let policy = RetryPolicy(maxAttempts: 4, base: .milliseconds(500), cap: .seconds(8), totalDeadline: .seconds(60))
        #expect(policy.delay(after: 1, retryAfter: nil, remaining: .seconds(60), jitter: 0) == .milliseconds(250))
        #expect(policy.delay(after: 1, retryAfter: nil, remaining: .seconds(60), jitter: 1) == .milliseconds(500))
        #expect(policy.delay(after: 3, retryAfter: nil, remaining: .seconds(60), jitter: 1) == .seconds(2))
        #expect(policy.delay(after: 4, retryAfter: nil, remaining: .seconds(60), jitter: 0) == nil)  // no call left
        #expect(policy.delay(after: 1, retryAfter: .seconds(3), remaining: .seconds(60), jitter: 0) == .seconds(3))
        #expect(policy.delay(after: 1, retryAfter: .seconds(9), remaining: .seconds(60), jitter: 0) == nil)  // past the cap
        #expect(policy.delay(after: 2, retryAfter: nil, remaining: .milliseconds(400), jitter: 1) == nil)  // past the deadline
    }

    @Test func anAnswerIsCheckedFieldByField() {
        let color = ExtractedColor(hex: "#A1b2C3", name: "Teal", designIntent: "primary", confidence: 0.5, usage: "links", prominence: 20)
        let palette = Palette(colors: [color, color], dominantColors: ["#A1B2C3"], paletteDescription: "ok", overallConfidence: 0.7)
        #expect(palette.problem(maxColors: 2) == nil)
        #expect(palette.problem(maxColors: 3) == "2 colours instead of 3")
        var bad = palette
        bad.colors[1].hex = "#A1B2C"
        #expect(bad.problem(maxColors: 2)?.contains("#RRGGBB") == true)
        bad = palette
        bad.colors[0].confidence = 1.01
        #expect(bad.problem(maxColors: 2)?.contains("confidence") == true)
        bad = palette
        bad.colors[0].designIntent = "hero"
        #expect(bad.problem(maxColors: 2)?.contains("design intent") == true)
        bad = palette
        bad.colors[0].prominence = -1
        #expect(bad.problem(maxColors: 2)?.contains("prominence") == true)
        bad = palette
        bad.overallConfidence = .nan
        #expect(bad.problem(maxColors: 2) != nil)
        for text in ["#12345", "123456", "#12345G", "#1234567", "＃123456"] { #expect(!Palette.isHex(text), "\(text)") }
    }

    @Test func arrayLiteralsQuoteEveryElement() {
        #expect(PostgresArrayLiteral.make(["a", nil, #"b "c""#, #"d\e"#, "{,}", ""]) == #"{"a",NULL,"b \"c\"","d\\e","{,}",""}"#)
        #expect(PostgresArrayLiteral.make([]) == "{}")
        #expect(PostgresArrayLiteral.make(["Crème \"brûlée\"", "日本\\", "🎨"]) == #"{"Crème \"brûlée\"","日本\\","🎨"}"#)
    }

    static func entry(_ model: String) -> CachedExtraction {
        CachedExtraction(
            palette: Palette(colors: [], dominantColors: [], paletteDescription: "", overallConfidence: 1),
            model: model,
            inputTokens: 1,
            outputTokens: 2
        )
    }

    @Test func recentResultsAreHeldForTheirLifetimeAndTheSoonestToExpireMakesRoom() {
        let recent = RecentResults(capacity: 2, lifetime: .seconds(60))
        #expect(recent.entry(forKey: "a", at: self.start) == nil)
        recent.remember(Self.entry("a"), forKey: "a", at: self.start)
        #expect(recent.entry(forKey: "a", at: self.start + .seconds(59))?.model == "a")
        #expect(recent.entry(forKey: "a", at: self.start + .seconds(60)) == nil)  // expired: Redis is asked again
        #expect(recent.count == 0)  // and it is gone

        recent.remember(Self.entry("a"), forKey: "a", at: self.start)
        recent.remember(Self.entry("b"), forKey: "b", at: self.start + .seconds(10))
        recent.remember(Self.entry("b2"), forKey: "b", at: self.start + .seconds(20))  // a key written again: no room needed
        #expect(recent.count == 2)
        recent.remember(Self.entry("c"), forKey: "c", at: self.start + .seconds(30))  // full: "a" expires soonest
        #expect(recent.count == 2)
        #expect(recent.entry(forKey: "a", at: self.start + .seconds(30)) == nil)
        #expect(recent.entry(forKey: "b", at: self.start + .seconds(30))?.model == "b2")
        #expect(recent.entry(forKey: "c", at: self.start + .seconds(30))?.model == "c")
        // Full of expired entries: they all make room.
        recent.remember(Self.entry("d"), forKey: "d", at: self.start + .seconds(200))
        #expect(recent.count == 1)

        let off = RecentResults(capacity: 2, lifetime: .zero)
        off.remember(Self.entry("a"), forKey: "a", at: self.start)
        #expect(off.entry(forKey: "a", at: self.start) == nil && off.count == 0)
    }

    @Test func aVersionedEntryRoundTripsAndAnythingElseIsNoEntry() {
        let entry = VersionedEntry(version: 42, text: "[{\"hex\":\"#112233\"}]\nsecond line")
        #expect(entry.stored == "42\n[{\"hex\":\"#112233\"}]\nsecond line")
        #expect(VersionedEntry(stored: entry.stored) == entry)
        #expect(VersionedEntry(stored: "0\n") == VersionedEntry(version: 0, text: ""))
        // A list cached before versions (plain JSON), a negative or missing version, garbage: all misses.
        for stored in ["[]", "[\n]", "-1\n[]", "\n[]", "v1\n[]", "1.5\n[]", "", "99999999999999999999\n[]"] {
            #expect(VersionedEntry(stored: stored) == nil, "\(stored)")
        }
    }

    @Test func aContentTypeIsReadUpToItsParametersWithoutBlanksOrCase() {
        let cases = [
            ("application/json", "application/json"), (" Application/JSON ; charset=utf-8", "application/json"),
            ("\tapplication/problem+json\t", "application/problem+json"), ("", ""), ("  ;charset=utf-8", ""),
            ("text/plain;application/json", "text/plain"), ("APPLICATION/JSON\u{00A0}", "application/json\u{00A0}"),
        ]
        for (header, expected) in cases { #expect(RequestBody.mediaType(header) == expected, "\(header)") }
    }

    @Test func mediaTypesComeFromTheBytes() {
        #expect(ImageMediaType(sniffing: [0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageMediaType(sniffing: Array("GIF89a....".utf8)) == .gif)
        #expect(ImageMediaType(sniffing: Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == .webp)
        #expect(ImageMediaType(sniffing: Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVE".utf8)) == nil)
        #expect(ImageMediaType(sniffing: Array("<svg xmlns=".utf8)) == nil)
        #expect(ImageMediaType(sniffing: [0x89, 0x50, 0x4E]) == nil)
    }
}
