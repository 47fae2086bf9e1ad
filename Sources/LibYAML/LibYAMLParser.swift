import CLibYAML

/// Owns one libyaml parser and the bytes it reads, and frees both: the only type that touches libyaml.
///
/// libyaml parses from memory with no I/O, so its calls are short and never block.
final class LibYAMLParser {
    /// One parsing event, copied out of libyaml's structure.
    enum Event {
        case streamStart
        case streamEnd
        case documentStart
        case documentEnd
        case alias(anchor: String, mark: YAMLMark)
        case scalar(value: String, anchor: String?, style: YAMLNode.ScalarStyle, mark: YAMLMark)
        case sequenceStart(anchor: String?, mark: YAMLMark)
        case sequenceEnd
        case mappingStart(anchor: String?, mark: YAMLMark)
        case mappingEnd
    }

    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>

    /// A parser over a copy of `text`'s UTF-8 bytes.
    init(text: String) throws(YAMLError) {
        self.input = .allocate(capacity: text.utf8.count)
        _ = self.input.initialize(from: text.utf8)
        self.parser = .allocate(capacity: 1)
        guard yaml_parser_initialize(self.parser) != 0 else {
            self.parser.deallocate()
            self.input.deallocate()
            throw YAMLError(problem: "libyaml could not allocate a parser", mark: nil)
        }
        yaml_parser_set_input_string(self.parser, self.input.baseAddress, self.input.count)
        yaml_parser_set_encoding(self.parser, YAML_UTF8_ENCODING)
    }

    deinit {
        yaml_parser_delete(self.parser)
        self.parser.deallocate()
        self.input.deallocate()
    }

    /// The next event; throws libyaml's scanner or parser error with its position.
    func next() throws(YAMLError) -> Event {
        var event = yaml_event_t()
        guard yaml_parser_parse(self.parser, &event) != 0 else { throw self.error() }
        defer { yaml_event_delete(&event) }
        let mark = Self.mark(event.start_mark)
        switch event.type {
        case YAML_STREAM_START_EVENT: return .streamStart
        case YAML_STREAM_END_EVENT: return .streamEnd
        case YAML_DOCUMENT_START_EVENT: return .documentStart
        case YAML_DOCUMENT_END_EVENT: return .documentEnd
        case YAML_ALIAS_EVENT: return .alias(anchor: Self.string(event.data.alias.anchor) ?? "", mark: mark)
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value = scalar.value.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
            }
            return .scalar(value: value ?? "", anchor: Self.string(scalar.anchor), style: Self.style(scalar.style), mark: mark)
        case YAML_SEQUENCE_START_EVENT: return .sequenceStart(anchor: Self.string(event.data.sequence_start.anchor), mark: mark)
        case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
        case YAML_MAPPING_START_EVENT: return .mappingStart(anchor: Self.string(event.data.mapping_start.anchor), mark: mark)
        case YAML_MAPPING_END_EVENT: return .mappingEnd
        default: throw YAMLError(problem: "libyaml returned an unknown event", mark: mark)
        }
    }

    /// The parser's error: the problem, the context it arose in, and the problem's position.
    private func error() -> YAMLError {
        let parser = self.parser.pointee
        let problem = Self.string(parser.problem) ?? "unknown error"
        let context = Self.string(parser.context).map { "\($0): " } ?? ""
        let mark = parser.problem != nil ? Self.mark(parser.problem_mark) : nil
        return YAMLError(problem: context + problem, mark: mark)
    }

    private static func mark(_ mark: yaml_mark_t) -> YAMLMark {
        YAMLMark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLNode.ScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }
}
