/// What the AI provider is asked, and the JSON schema its answer must follow (the Messages API's structured output,
/// `output_config.format`), instead of the seeds' greedy regex over free text.
enum ExtractionPrompt {
    /// Changes whenever the prompt or the schema does; part of the result cache's key.
    static let version = "v1"

    static func text(maxColors: Int) -> String {
        """
        Extract exactly \(maxColors) distinct colours from this image for a design system, most prominent first. \
        For each give its hex value (#RRGGBB), a short descriptive name, the design intent it best serves (one of \
        \(Palette.designIntents.joined(separator: ", "))), your confidence from 0 to 1, where it would be used, and \
        its prominence: the percentage of the image it covers, from 0 to 100. Also list the hex values of the \
        dominant colours, describe the palette in one or two sentences, and give an overall confidence from 0 to 1.
        """
    }

    /// The answer's schema: every object closed, the intents an enum (ranges and the hex form are checked on our
    /// side, ``Palette/problem(maxColors:)``, since structured output does not constrain numbers).
    static let schema: JSONValue = [
        "type": "object",
        "additionalProperties": false,
        "required": ["colors", "dominant_colors", "palette_description", "overall_confidence"],
        "properties": [
            "colors": [
                "type": "array",
                "items": [
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["hex", "name", "design_intent", "confidence", "usage", "prominence"],
                    "properties": [
                        "hex": ["type": "string"],
                        "name": ["type": "string"],
                        "design_intent": ["type": "string", "enum": .array(Palette.designIntents.map(JSONValue.string))],
                        "confidence": ["type": "number"],
                        "usage": ["type": "string"],
                        "prominence": ["type": "number"],
                    ],
                ],
            ],
            "dominant_colors": ["type": "array", "items": ["type": "string"]],
            "palette_description": ["type": "string"],
            "overall_confidence": ["type": "number"],
        ],
    ]
}
