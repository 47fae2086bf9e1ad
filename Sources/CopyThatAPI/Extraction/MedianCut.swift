/// A palette measured from pixels: median cut. Start with one box holding every sample; split the box whose widest
/// channel spans the most (weighted by how many samples it holds) at the median of that channel; stop at
/// `maxColors` boxes or when no box can be split (every box one colour). Each box gives its per-channel median colour, its
/// share of the samples, and its spread (mean distance of its samples from that colour, 0–441). A pure function, tested without
/// images.
enum MedianCut {
    struct Swatch: Equatable {
        var red: UInt8
        var green: UInt8
        var blue: UInt8
        /// Percentage of the samples, 0–100.
        var share: Double
        /// Mean Euclidean distance of the box's samples from its colour.
        var spread: Double
    }

    /// `samples` as packed 0xRRGGBB values.
    static func palette(_ samples: [UInt32], maxColors: Int) -> [Swatch] {
        guard !samples.isEmpty, maxColors > 0 else { return [] }
        var boxes: [ArraySlice<UInt32>] = [samples[...]]
        var storage = samples
        while boxes.count < maxColors {
            // The box worth splitting most: widest channel range × population.
            var best: (index: Int, channel: Int, score: Int)?
            for (index, box) in boxes.enumerated() {
                let (channel, range) = Self.widestChannel(box)
                guard range > 0 else { continue }
                let score = range * box.count
                if best == nil || score > best!.score { best = (index, channel, score) }
            }
            guard let best else { break }
            let box = boxes[best.index]
            let shift = UInt32(16 - 8 * best.channel)
            storage[box.startIndex..<box.endIndex].sort { ($0 >> shift) & 0xff < ($1 >> shift) & 0xff }
            let sorted = storage[box.startIndex..<box.endIndex]
            // Split at the median, moved to the end of its run of equal values so that one value never straddles.
            var middle = sorted.startIndex + sorted.count / 2
            let value = (sorted[middle] >> shift) & 0xff
            while middle < sorted.endIndex && (sorted[middle] >> shift) & 0xff == value { middle += 1 }
            if middle == sorted.endIndex {
                middle = sorted.startIndex + sorted.count / 2
                while middle > sorted.startIndex && (sorted[middle - 1] >> shift) & 0xff == value { middle -= 1 }
            }
            boxes[best.index] = sorted[sorted.startIndex..<middle]
            boxes.append(sorted[middle..<sorted.endIndex])
        }
        let total = Double(samples.count)
        return boxes.map { Self.swatch($0, total: total) }.sorted { $0.share > $1.share }
    }

    private static func widestChannel(_ box: ArraySlice<UInt32>) -> (channel: Int, range: Int) {
        var low: [UInt32] = [255, 255, 255]
        var high: [UInt32] = [0, 0, 0]
        for pixel in box {
            for channel in 0..<3 {
                let value = (pixel >> UInt32(16 - 8 * channel)) & 0xff
                low[channel] = min(low[channel], value)
                high[channel] = max(high[channel], value)
            }
        }
        let ranges = (0..<3).map { Int(high[$0]) - Int(low[$0]) }
        let channel = ranges.indices.max { ranges[$0] < ranges[$1] } ?? 0
        return (channel, ranges[channel])
    }

    private static func swatch(_ box: ArraySlice<UInt32>, total: Double) -> Swatch {
        // The per-channel median, not the mean: a box that took in a few blended pixels from an edge (JPEG's
        // ringing and chroma subsampling) keeps the colour most of its pixels have.
        let channels = (0..<3).map { channel -> Double in
            let shift = UInt32(16 - 8 * channel)
            let values = box.map { ($0 >> shift) & 0xff }.sorted()
            return Double(values[values.count / 2])
        }
        var distance = 0.0
        for pixel in box {
            let dr = Double((pixel >> 16) & 0xff) - channels[0]
            let dg = Double((pixel >> 8) & 0xff) - channels[1]
            let db = Double(pixel & 0xff) - channels[2]
            distance += (dr * dr + dg * dg + db * db).squareRoot()
        }
        let count = Double(box.count)
        return Swatch(
            red: UInt8(channels[0]),
            green: UInt8(channels[1]),
            blue: UInt8(channels[2]),
            share: count / total * 100,
            spread: distance / count
        )
    }
}
