/// A series type that can write its samples; each of the registry's types conforms.
protocol WritableSeries: MetricSeries {
    func write(to writer: inout ExpositionWriter, names: FamilyNames, labels: [UInt8])
}

/// A series exposed as one line whose value lives in raw atomic cells: counters and gauges.
protocol OneLineSeries: WritableSeries {
    var cellsAddress: UnsafeMutableRawPointer { get }
    /// The sample name and labels, then a space: everything before the value.
    static func linePrefix(names: FamilyNames, labels: [UInt8], format: ExpositionFormat) -> [UInt8]
    /// Appends the value read from `cells`.
    static func appendValue(cells: UnsafeMutableRawPointer, to bytes: inout [UInt8])
    /// Whether `format` needs more than prefix and value (exemplars), so the general path must be used.
    static func needsFullWrite(_ format: ExpositionFormat) -> Bool
}
extension Histogram: WritableSeries {}
extension Summary: WritableSeries {}

/// Writes a family's entries; built per concrete type so that the loop over thousands of series is specialised.
typealias EntriesWriter = @Sendable (SeriesStore, inout ExpositionWriter, FamilyNames) -> Void

enum SeriesWriting {
    /// The writer for one-line series: prefixes from the store's cached ``LinePlan``, values straight from the cells.
    static func lineWriter<Series: OneLineSeries>(for type: Series.Type) -> EntriesWriter {
        let general = self.writer(for: type)
        return { store, writer, names in
            guard !Series.needsFullWrite(writer.format) else {
                return general(store, &writer, names)
            }
            let format = writer.format
            let plan = store.linePlan(
                format: format,
                prefix: { Series.linePrefix(names: names, labels: $0.renderedLabels, format: format) },
                cells: { unsafeDowncast($0.series, to: Series.self).cellsAddress }
            )
            plan.prefixBytes.withUnsafeBufferPointer { prefixes in
                plan.prefixEnds.withUnsafeBufferPointer { ends in
                    plan.cells.withUnsafeBufferPointer { cells in
                        var start = 0
                        for index in 0..<ends.count {
                            writer.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: prefixes[start..<ends[index]]))
                            Series.appendValue(cells: cells[index], to: &writer.bytes)
                            writer.bytes.append(UInt8(ascii: "\n"))
                            start = ends[index]
                        }
                    }
                }
            }
        }
    }

    static func writer<Series: WritableSeries>(for type: Series.Type) -> EntriesWriter {
        { store, writer, names in
            for entry in store.sortedEntries() {
                // Only the family created for `Series` stores these entries.
                unsafeDowncast(entry.series, to: Series.self).write(to: &writer, names: names, labels: entry.renderedLabels)
            }
        }
    }
}
