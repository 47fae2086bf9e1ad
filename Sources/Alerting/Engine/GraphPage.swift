/// `/graph?g0.expr=…`: where every alert's generatorURL points. A server-rendered page with no external assets: a
/// form to run an expression, a table of each series and its value now, and the last hour plotted as inline SVG
/// (one path per series, one point per sample).
public enum GraphPage {
    /// The plot's size in SVG units.
    static let width = 800.0
    static let height = 300.0
    static let margin = 40.0

    /// The page for `expressionText` (empty: just the form) evaluated at `now` over the last `range` milliseconds at
    /// `step`; the HTTP status (400 when the expression does not parse or evaluate) and the HTML.
    public static func render(
        expressionText: String,
        store: SampleStore,
        options: EvaluationOptions,
        window: QueryAPI.Window,
        now: Int64,
        range: Int64 = 3_600_000,
        step: Int64 = 15_000
    ) -> (status: Int, html: String) {
        var html = Self.header(expressionText)
        let trimmed = expressionText.trimmingWhitespace
        guard !trimmed.isEmpty else { return (200, html + Self.footer) }
        let expression: Expression
        let current: Value
        do throws(PromQLError) {
            expression = try Parser.parse(trimmed, compatibility: options.compatibility)
            guard expression.valueType == .vector || expression.valueType == .scalar else {
                throw PromQLError(message: "the graph needs an instant vector or a scalar, not a \(expression.valueType.rawValue)")
            }
            current = try Evaluator(store: store, time: now, options: options).evaluate(expression)
        } catch {
            let message = Self.escape(error.description)
            return (400, html + "<p class=\"error\">" + message + "</p>" + Self.footer)
        }
        let samples: [Sample]
        switch current {
        case .scalar(let value): samples = [Sample(labels: Labels(), value: value)]
        case .vector(let vector): samples = vector.sorted { $0.labels.description < $1.labels.description }
        default: samples = []
        }
        html += "<h2>Now (\(Self.escape(QueryTime.format(now))))</h2>\n<table>\n<tr><th>series</th><th>value</th></tr>\n"
        for sample in samples {
            html += "<tr class=\"series\"><td>\(Self.escape(sample.labels.description))</td>"
            html += "<td>\(Self.escape(GoFloat.format(sample.value)))</td></tr>\n"
        }
        html += "</table>\n"
        if samples.isEmpty { html += "<p class=\"empty\">No series.</p>\n" }
        let start = now - range
        if let oldest = window.oldest, start < oldest {
            html += "<p class=\"warning\">The exporter holds samples since \(Self.escape(QueryTime.format(oldest))) "
            html += "(it keeps \(PrometheusDuration.format(milliseconds: window.retention))): the plot shows what it holds.</p>\n"
        }
        html += Self.plot(expression, store: store, options: options, start: start, end: now, step: step)
        return (200, html + Self.footer)
    }

    /// The last hour as SVG: each series a path through its points, scaled to the values' range.
    private static func plot(
        _ expression: Expression,
        store: SampleStore,
        options: EvaluationOptions,
        start: Int64,
        end: Int64,
        step: Int64
    )
        -> String
    {
        var order: [Labels] = []
        var points: [Labels: [Point]] = [:]
        var time = start - start % step + step
        let cache = SelectorCache()  // every step reads the same series: match the selectors once
        // The page is drawn under the rule engine's lock: past the query API's time limit the plot stops there.
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: QueryAPI.Limits().timeout)
        var cut = false
        while time <= end {
            if clock.now > deadline {
                cut = true
                break
            }
            let evaluator = Evaluator(store: store, time: time, options: options, cache: cache, queryStart: start, queryEnd: end)
            if let value = try? evaluator.evaluate(expression) {
                let samples: [Sample]
                switch value {
                case .scalar(let number): samples = [Sample(labels: Labels(), value: number)]
                case .vector(let vector): samples = vector
                default: samples = []
                }
                for sample in samples where sample.value.isFinite {
                    if points[sample.labels] == nil { order.append(sample.labels) }
                    points[sample.labels, default: []].append(Point(t: time, v: sample.value))
                }
            }
            time += step
        }
        let values = points.values.flatMap { $0.map(\.v) }
        let note =
            cut
            ? "<p class=\"warning\">The plot stops at \(Self.escape(QueryTime.format(time))): drawing more would pass the time limit.</p>\n"
            : ""
        guard let low = values.min(), let high = values.max() else {
            return note + "<p class=\"empty\">Nothing to plot over the last hour.</p>\n"
        }
        let span = high > low ? high - low : 1
        let plotWidth = self.width - 2 * self.margin
        let plotHeight = self.height - 2 * self.margin
        func x(_ t: Int64) -> String { Self.coordinate(self.margin + plotWidth * Double(t - start) / Double(max(1, end - start))) }
        func y(_ v: Double) -> String { Self.coordinate(self.margin + plotHeight * (1 - (v - low) / span)) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(self.width)) \(Int(self.height))\" role=\"img\">\n"
        svg +=
            "<rect x=\"\(Int(self.margin))\" y=\"\(Int(self.margin))\" width=\"\(Int(plotWidth))\" height=\"\(Int(plotHeight))\" class=\"frame\"/>\n"
        svg += "<text x=\"4\" y=\"\(Int(self.margin))\">\(Self.escape(GoFloat.format(high)))</text>\n"
        svg += "<text x=\"4\" y=\"\(Int(self.height - self.margin))\">\(Self.escape(GoFloat.format(low)))</text>\n"
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
        for (index, labels) in order.enumerated() {
            let series = points[labels] ?? []
            let commands = series.enumerated().map { offset, point in (offset == 0 ? "M" : "L") + x(point.t) + " " + y(point.v) }
            svg += "<path class=\"series\" data-points=\"\(series.count)\" stroke=\"\(colours[index % colours.count])\" "
            svg += "d=\"\(commands.joined(separator: " "))\"><title>\(Self.escape(labels.description))</title></path>\n"
        }
        return note + svg + "</svg>\n"
    }

    private static func coordinate(_ value: Double) -> String { String((value * 10).rounded() / 10) }

    private static func header(_ expression: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>copythat-exporter: graph</title>
        <style>
        body { font-family: sans-serif; margin: 1.5em; }
        input[type=text] { width: 60%; font-family: monospace; }
        table { border-collapse: collapse; margin: 1em 0; }
        td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; font-family: monospace; text-align: left; }
        svg { width: 100%; max-width: 800px; border: 1px solid #eee; }
        svg path { fill: none; stroke-width: 1.5; }
        svg .frame { fill: none; stroke: #ccc; }
        svg text { font-size: 11px; fill: #555; }
        .error { color: #b00; } .warning { color: #a60; }
        </style></head><body>
        <p><a href="/">copythat-exporter</a> · <a href="/api/v1/alerts">alerts</a> · <a href="/api/v1/rules">rules</a></p>
        <form method="get" action="/graph"><input type="text" name="g0.expr" value="\(Self.escape(expression))" \
        aria-label="expression"> <button type="submit">Run</button></form>

        """
    }

    private static let footer = "</body></html>\n"

    /// Text and attribute values escaped for HTML.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
