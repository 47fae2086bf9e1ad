extension JSONValue {
    subscript(_ key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var doubleValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// A whole number within `Int`'s range.
    var intValue: Int? {
        guard let number = self.doubleValue, number.rounded() == number, abs(number) < 9.0e15 else { return nil }
        return Int(number)
    }
}

extension ExtractedColor {
    /// The colour in `json` (its `Codable` form), or `nil` when a field is missing or of the wrong type.
    init?(json: JSONValue) {
        guard let hex = json["hex"]?.stringValue, let confidence = json["confidence"]?.doubleValue,
            let prominence = json["prominence"]?.doubleValue
        else { return nil }
        self.init(
            hex: hex,
            name: json["name"]?.stringValue,
            designIntent: json["design_intent"]?.stringValue,
            confidence: confidence,
            usage: json["usage"]?.stringValue,
            prominence: prominence
        )
    }
}

extension Palette {
    /// The palette in `json` (its `Codable` form), or `nil` when a field is missing or of the wrong type.
    init?(json: JSONValue) {
        guard let colors = json["colors"]?.arrayValue?.compactMap(ExtractedColor.init(json:)),
            colors.count == json["colors"]?.arrayValue?.count,
            let dominant = json["dominant_colors"]?.arrayValue?.compactMap(\.stringValue),
            dominant.count == json["dominant_colors"]?.arrayValue?.count,
            let description = json["palette_description"]?.stringValue,
            let confidence = json["overall_confidence"]?.doubleValue
        else { return nil }
        self.init(colors: colors, dominantColors: dominant, paletteDescription: description, overallConfidence: confidence)
    }
}

extension CachedExtraction {
    /// The entry in `text` (its `Codable` form), or `nil` when it is not one (an older or damaged entry: a miss).
    init?(cached text: String) {
        guard let json = try? JSONParser.parse(text.utf8), let palette = json["palette"].flatMap(Palette.init(json:)),
            let model = json["model"]?.stringValue, let input = json["inputTokens"]?.intValue, let output = json["outputTokens"]?.intValue
        else { return nil }
        self.init(palette: palette, model: model, inputTokens: input, outputTokens: output)
    }
}
