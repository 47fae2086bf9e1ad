import Clients
import Foundation
import TestSupport
import Testing

@testable import CopyThatAPI

/// The local provider: median cut without images, then the shipped images with known palettes through the API
/// with no AI provider configured, and the images it must refuse.
@Suite(.serialized) struct LocalProviderTests {
    static let known: [(hex: String, share: Double)] = [("#E63946", 40), ("#1D3557", 30), ("#F1FAEE", 20), ("#2A9D8F", 10)]

    static func example(_ name: String) throws -> [UInt8] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return Array(try Data(contentsOf: root.appendingPathComponent("examples/images/\(name)")))
    }

    static func rgb(_ hex: String) -> [Int] {
        let value = Int(hex.dropFirst(), radix: 16) ?? 0
        return [value >> 16 & 0xff, value >> 8 & 0xff, value & 0xff]
    }

    @Test func medianCutFindsEveryColourAndItsShare() {
        var samples: [UInt32] = []
        for (hex, share) in Self.known {
            samples += Array(repeating: UInt32(Int(hex.dropFirst(), radix: 16)!), count: Int(share) * 10)
        }
        let four = MedianCut.palette(samples.shuffled(), maxColors: 4)
        #expect(four.map { String(format: "#%02X%02X%02X", $0.red, $0.green, $0.blue) } == Self.known.map(\.hex))
        #expect(four.map(\.share) == [40, 30, 20, 10])
        #expect(four.allSatisfy { $0.spread == 0 })
        // More colours asked than there are: the four, not splits of one colour.
        #expect(MedianCut.palette(samples, maxColors: 10).count == 4)
        #expect(MedianCut.palette(samples, maxColors: 2).count == 2)
        #expect(MedianCut.palette(Array(repeating: 0x123456, count: 9), maxColors: 5).count == 1)
        #expect(MedianCut.palette([], maxColors: 5).isEmpty)
    }

    @Test(arguments: ["palette-four.png", "palette-four.jpg"])
    func theShippedImagesGiveTheirKnownPalettes(name: String) async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let project = try await api.json("POST", "/api/v1/projects", ["name": "Local"], headers: [user.bearer])
            let projectID = try project.object()["id"] as? Int ?? 0
            let response = try await ExtractionTests.extract(
                api,
                user,
                ["project_id": projectID, "max_colors": 4, "image_base64": Base64Text.encode(try Self.example(name))]
            )
            #expect(response.status == 200, "\(response.text)")
            let body = try response.object()
            #expect(body["provider"] as? String == "local")
            #expect(body["model"] as? String == "local-median-cut")
            let colors = body["colors"] as? [[String: Any]] ?? []
            #expect(colors.count == 4)
            for (hex, share) in Self.known {
                // Each known colour found within 8 per channel, its prominence within 5 points.
                let match = colors.first { color in
                    zip(Self.rgb(color["hex"] as? String ?? "#000000"), Self.rgb(hex)).allSatisfy { abs($0 - $1) <= 8 }
                }
                #expect(match != nil, "\(name): \(hex) not found in \(colors.map { $0["hex"] ?? "" })")
                #expect(abs((match?["prominence"] as? Double ?? -100) - share) <= 5, "\(name): \(hex)")
                #expect(match?["name"] is NSNull)
                #expect(match?["design_intent"] is NSNull)
            }
            let usage = try await api.sql("SELECT count(*) FROM api_usage_logs WHERE project_id = $1", [String(projectID)])
            #expect(usage == [["0"]])  // it costs nothing
        }
    }

    @Test func whatTheLocalProviderCannotReadIsRefusedWithTheReason() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let project = try await api.json("POST", "/api/v1/projects", ["name": "Local"], headers: [user.bearer])
            let projectID = try project.object()["id"] as? Int ?? 0
            func answer(_ bytes: [UInt8]) async throws -> (Int, String) {
                let response = try await ExtractionTests.extract(
                    api,
                    user,
                    ["project_id": projectID, "image_base64": Base64Text.encode(bytes)]
                )
                return (response.status, response.text)
            }
            let gif = try await answer(Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0])
            #expect(gif.0 == 415 && gif.1.contains("PNG and JPEG"))
            let png = try Self.example("palette-four.png")
            let truncated = try await answer(Array(png.prefix(60)))
            #expect(truncated.0 == 422 && truncated.1.contains("not a valid PNG"), "\(truncated.1)")
            let jpeg = try Self.example("palette-four.jpg")
            let brokenJPEG = try await answer(Array(jpeg.prefix(40)))
            #expect(brokenJPEG.0 == 422 && brokenJPEG.1.contains("not a valid JPEG"), "\(brokenJPEG.1)")
            // 100,000 × 100,000 declared in a few bytes: refused before any pixel buffer is allocated.
            let bomb = try await answer(Self.pngHeader(width: 100_000, height: 100_000))
            #expect(bomb.0 == 413 && bomb.1.contains("16 million pixels"), "\(bomb.0) \(bomb.1)")
            let jobs = try await api.sql("SELECT status, error FROM extraction_jobs WHERE project_id = $1 ORDER BY id", [String(projectID)])
            #expect(jobs.allSatisfy { $0 == ["failed", "the image could not be decoded"] } && jobs.count == 4)
            #expect(try await api.request("GET", "/health/live").status == 200)
        }
    }

    @Test func theLocalProviderStandsInWhenTheAIProviderFailsIfAskedTo() async throws {
        let fallBack: @Sendable (inout APIConfiguration) -> Void = { $0.extractionFallback = .local }
        try await ExtractionTests.withStub(attempts: 1, change: fallBack) { api, stub, user, projectID in
            stub.script([.init(status: 500, body: "{}")])
            let response = try await ExtractionTests.extract(
                api,
                user,
                ["project_id": projectID, "max_colors": 4, "image_base64": Base64Text.encode(try Self.example("palette-four.png"))]
            )
            #expect(response.status == 200)
            #expect(try response.object()["provider"] as? String == "local")
            #expect(stub.received.count == 1)
        }
    }

    /// A PNG declaring `width` × `height` (8-bit RGB) in its IHDR, followed by a token IDAT and IEND, all with valid
    /// CRCs: a few dozen bytes that would decode to `width × height × 4` bytes of pixels.
    static func pngHeader(width: UInt32, height: UInt32) -> [UInt8] {
        func bigEndian(_ value: UInt32) -> [UInt8] {
            [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
        }
        func chunk(_ kind: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(kind.utf8) + data
            var crc: UInt32 = 0xffff_ffff
            for byte in body {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
            }
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc ^ 0xffff_ffff)
        }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0])
            + chunk("IDAT", [0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]) + chunk("IEND", [])
    }
}
