/// Colours from the pixels themselves, for a machine with no AI account (or, with `EXTRACTION_FALLBACK=local`, when
/// the AI provider fails): the image decoded (``ImageDecoder``), at most 65,536 samples taken evenly (transparent
/// pixels skipped), a ``MedianCut`` palette of at most `max_colors` colours with their prominence. Names, design
/// intents and usage are unknown (`null`); confidence falls with a colour's spread. It costs nothing.
public struct LocalPaletteProvider: Sendable {
    /// The model name reported for its answers.
    public static let model = "local-median-cut"
    /// The most samples read from an image.
    static let maxSamples = 65_536

    let decoder: ImageDecoder

    /// A provider decoding with `decoder`.
    public init(decoder: ImageDecoder) {
        self.decoder = decoder
    }

    func extract(image: FetchedImage, maxColors: Int) async throws(APIError) -> Palette {
        let decoded = try await self.decoder.decode(image)
        let swatches = MedianCut.palette(Self.samples(decoded), maxColors: maxColors)
        guard !swatches.isEmpty else {
            throw APIError.validation([.init(field: "image", message: "has no opaque pixels to take colours from")])
        }
        let colors = swatches.map { swatch in
            ExtractedColor(
                hex: "#" + [swatch.red, swatch.green, swatch.blue].map { String($0, radix: 16, uppercase: true).leftPadded(2) }.joined(),
                name: nil,
                designIntent: nil,
                confidence: (max(0, 1 - swatch.spread / 64) * 100).rounded() / 100,
                usage: nil,
                prominence: (swatch.share * 10).rounded() / 10
            )
        }
        let dominant = colors.filter { $0.prominence >= 10 }.map(\.hex)
        return Palette(
            colors: colors,
            dominantColors: dominant.isEmpty ? [colors[0].hex] : dominant,
            paletteDescription:
                "\(colors.count) colours measured from the image's pixels (median cut); names and design intents are not known.",
            overallConfidence: (colors.map(\.confidence).reduce(0, +) / Double(colors.count) * 100).rounded() / 100
        )
    }

    /// Opaque pixels as 0xRRGGBB, taken at an even stride so that there are at most ``maxSamples``.
    static func samples(_ image: RGBAImage) -> [UInt32] {
        let count = image.width * image.height
        let stride = max(1, count / Self.maxSamples)
        var samples: [UInt32] = []
        samples.reserveCapacity(count / stride + 1)
        image.pixels.withUnsafeBufferPointer { pixels in
            var index = 0
            while index < count {
                let offset = index * 4
                if pixels[offset + 3] >= 128 {
                    samples.append(UInt32(pixels[offset]) << 16 | UInt32(pixels[offset + 1]) << 8 | UInt32(pixels[offset + 2]))
                }
                index += stride
            }
        }
        return samples
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - self.count)) + self }
}
