/// What the registry needs of anything it exposes: its name, the sample names it claims, and how to render it.
protocol RegisteredFamily: AnyObject, Sendable {
    var name: String { get }
    var type: MetricType { get }
    /// Every name this family's samples can take in either format, used to reject clashes at registration.
    var sampleNames: [String] { get }
    func write(to writer: inout ExpositionWriter)
}
