/// One colour of an extracted palette.
public struct ExtractedColor: Sendable, Hashable, Codable {
    /// `#RRGGBB`.
    public var hex: String
    /// A name for it (`Deep Ocean Blue`); `nil` when the provider cannot name colours (the local one).
    public var name: String?
    /// One of ``Palette/designIntents``, or `nil` when unknown.
    public var designIntent: String?
    /// 0–1.
    public var confidence: Double
    /// Where in a design it fits.
    public var usage: String?
    /// Its share of the image, 0–100.
    public var prominence: Double

    enum CodingKeys: String, CodingKey {
        case hex, name, confidence, usage, prominence
        case designIntent = "design_intent"
    }

    /// A colour.
    public init(hex: String, name: String?, designIntent: String?, confidence: Double, usage: String?, prominence: Double) {
        self.hex = hex
        self.name = name
        self.designIntent = designIntent
        self.confidence = confidence
        self.usage = usage
        self.prominence = prominence
    }
}

/// What an extraction finds: the seeds' result shape.
public struct Palette: Sendable, Hashable, Codable {
    /// The colours, most prominent first.
    public var colors: [ExtractedColor]
    /// The hex values of the dominant colours.
    public var dominantColors: [String]
    /// A sentence about the palette.
    public var paletteDescription: String
    /// 0–1.
    public var overallConfidence: Double

    enum CodingKeys: String, CodingKey {
        case colors
        case dominantColors = "dominant_colors"
        case paletteDescription = "palette_description"
        case overallConfidence = "overall_confidence"
    }

    /// A palette.
    public init(colors: [ExtractedColor], dominantColors: [String], paletteDescription: String, overallConfidence: Double) {
        self.colors = colors
        self.dominantColors = dominantColors
        self.paletteDescription = paletteDescription
        self.overallConfidence = overallConfidence
    }

    /// The seeds' ten design roles.
    public static let designIntents = [
        "primary", "secondary", "accent", "success", "error", "warning", "info", "background", "surface", "text",
    ]

    /// Why this palette is not a valid answer for `maxColors` colours, or `nil` when it is: exactly `maxColors`
    /// colours, every hex `#RRGGBB`, confidences in 0–1, prominences in 0–100, design intents from the ten.
    public func problem(maxColors: Int) -> String? {
        guard self.colors.count == maxColors else { return "\(self.colors.count) colours instead of \(maxColors)" }
        for (index, color) in self.colors.enumerated() {
            guard Self.isHex(color.hex) else { return "colour \(index): hex \(color.hex.debugDescription) is not #RRGGBB" }
            guard (0...1).contains(color.confidence) else { return "colour \(index): confidence \(color.confidence) is outside 0–1" }
            guard (0...100).contains(color.prominence) else { return "colour \(index): prominence \(color.prominence) is outside 0–100" }
            if let intent = color.designIntent, !Self.designIntents.contains(intent) {
                return "colour \(index): design intent \(intent.debugDescription) is not one of the ten"
            }
            if (color.name?.count ?? 0) > 100 || (color.usage?.count ?? 0) > 500 { return "colour \(index): name or usage too long" }
        }
        guard self.dominantColors.allSatisfy(Self.isHex) else { return "a dominant colour is not #RRGGBB" }
        guard (0...1).contains(self.overallConfidence) else { return "overall confidence is outside 0–1" }
        guard self.paletteDescription.count <= 2000 else { return "the palette description is too long" }
        return nil
    }

    /// `^#[0-9A-Fa-f]{6}$`.
    public static func isHex(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 7 && bytes[0] == UInt8(ascii: "#")
            && bytes.dropFirst().allSatisfy { byte in
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
            }
    }
}
