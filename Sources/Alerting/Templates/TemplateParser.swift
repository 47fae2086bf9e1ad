/// The parsed form of a Go text/template, as far as alert templates use it.
indirect enum TemplateNode {
    case text(String)
    case action(Pipeline)
    case conditional(kind: BlockKind, branches: [(Pipeline, [TemplateNode])], otherwise: [TemplateNode])

    enum BlockKind { case `if`, with, range }
}

/// `$x := command | command ...`.
struct Pipeline {
    var declaration: String?
    var commands: [[Operand]]
}

/// One word of a command.
indirect enum Operand {
    case field([String])  // .Labels.job
    case variable(String, [String])  // $labels.job
    case literal(TemplateValue)
    case function(String)
    case nested(Pipeline)
}

/// Parses Go template text into nodes. Unknown functions and unsupported actions are parse errors, so that a rule
/// with such a template is rejected when it loads.
struct TemplateParser {
    private let text: [Character]
    private var position = 0
    let functions: Set<String>

    init(_ text: String, functions: Set<String>) {
        self.text = Array(text)
        self.functions = functions
    }

    mutating func parse() throws(TemplateError) -> [TemplateNode] {
        let (nodes, terminator) = try self.nodes()
        if let terminator { throw TemplateError(message: "unexpected {{\(terminator)}}") }
        return nodes
    }

    /// Reads nodes until the end or an `end`/`else` action, which it returns.
    private mutating func nodes() throws(TemplateError) -> ([TemplateNode], String?) {
        var nodes: [TemplateNode] = []
        var literal = ""
        while self.position < self.text.count {
            if self.starts(with: "{{") {
                var trimLeft = false
                self.position += 2
                if self.starts(with: "- ") || self.starts(with: "-\t") || self.starts(with: "-\n") {
                    trimLeft = true
                    self.position += 1
                }
                if trimLeft { while literal.last?.isWhitespace == true { literal.removeLast() } }
                if !literal.isEmpty { nodes.append(.text(literal)) }
                literal = ""
                guard let close = self.findClose() else { throw TemplateError(message: "unclosed action") }
                var inner = String(self.text[self.position..<close.start])
                self.position = close.end
                if close.trimRight { while self.position < self.text.count && self.text[self.position].isWhitespace { self.position += 1 } }
                inner = inner.trimmingWhitespace
                if inner.hasPrefix("/*") { continue }
                let words = inner.split(separator: " ", maxSplits: 1).map(String.init)
                let keyword = words.first ?? ""
                switch keyword {
                case "end": return (nodes, "end")
                case "else":
                    return (nodes, inner)
                case "if", "with", "range":
                    guard words.count == 2 else { throw TemplateError(message: "missing value for \(keyword)") }
                    nodes.append(try self.block(keyword, condition: words[1]))
                case "template", "define", "block", "break", "continue":
                    throw TemplateError(message: "the \(keyword) action is not supported in alert templates")
                default:
                    nodes.append(.action(try Self.pipeline(inner, functions: self.functions)))
                }
            } else {
                literal.append(self.text[self.position])
                self.position += 1
            }
        }
        if !literal.isEmpty { nodes.append(.text(literal)) }
        return (nodes, nil)
    }

    private mutating func block(_ keyword: String, condition: String) throws(TemplateError) -> TemplateNode {
        let kind: TemplateNode.BlockKind = keyword == "if" ? .if : keyword == "with" ? .with : .range
        var branches: [(Pipeline, [TemplateNode])] = []
        var pipeline = try Self.pipeline(condition, functions: self.functions)
        while true {
            let (body, terminator) = try self.nodes()
            branches.append((pipeline, body))
            guard let terminator else { throw TemplateError(message: "unexpected EOF: missing {{end}} for \(keyword)") }
            if terminator == "end" { return .conditional(kind: kind, branches: branches, otherwise: []) }
            let rest = terminator.dropFirst(4).trimmingWhitespace
            if rest.isEmpty {
                let (otherwise, final) = try self.nodes()
                guard final == "end" else { throw TemplateError(message: "expected {{end}} after {{else}}") }
                return .conditional(kind: kind, branches: branches, otherwise: otherwise)
            }
            guard rest.hasPrefix(keyword + " ") else { throw TemplateError(message: "unexpected {{\(terminator)}}") }
            pipeline = try Self.pipeline(String(rest.dropFirst(keyword.count + 1)), functions: self.functions)
        }
    }

    private func starts(with prefix: String) -> Bool {
        var index = self.position
        for character in prefix {
            guard index < self.text.count, self.text[index] == character else { return false }
            index += 1
        }
        return true
    }

    /// Finds the `}}` that closes the current action, skipping quoted strings.
    private func findClose() -> (start: Int, end: Int, trimRight: Bool)? {
        var index = self.position
        var quote: Character?
        while index < self.text.count {
            let character = self.text[index]
            if let open = quote {
                if character == "\\" && open != "`" {
                    index += 2
                    continue
                }
                if character == open { quote = nil }
            } else if character == "\"" || character == "`" || character == "'" {
                quote = character
            } else if character == "}" && index + 1 < self.text.count && self.text[index + 1] == "}" {
                if index > self.position && self.text[index - 1] == "-" && index - 2 >= self.position && self.text[index - 2].isWhitespace {
                    return (index - 1, index + 2, true)
                }
                return (index, index + 2, false)
            }
            index += 1
        }
        return nil
    }

    // MARK: Pipelines

    static func pipeline(_ source: String, functions: Set<String>) throws(TemplateError) -> Pipeline {
        var tokens = try Self.tokenize(source)
        var declaration: String?
        if tokens.count >= 2, case .variable(let name, let path) = tokens[0], path.isEmpty, case .declare = tokens[1] {
            declaration = name
            tokens.removeFirst(2)
        }
        var index = 0
        let pipeline = try Self.commands(&tokens, &index, functions: functions)
        guard index == tokens.count else { throw TemplateError(message: "unexpected \")\" in command") }
        guard !pipeline.isEmpty else { throw TemplateError(message: "missing value for command") }
        return Pipeline(declaration: declaration, commands: pipeline)
    }

    private static func commands(_ tokens: inout [Token], _ index: inout Int, functions: Set<String>) throws(TemplateError) -> [[Operand]] {
        var commands: [[Operand]] = []
        var current: [Operand] = []
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            switch token {
            case .pipe:
                guard !current.isEmpty else { throw TemplateError(message: "missing command before |") }
                commands.append(current)
                current = []
            case .close:
                index -= 1
                if !current.isEmpty { commands.append(current) }
                return commands
            case .open:
                let inner = try Self.commands(&tokens, &index, functions: functions)
                guard index < tokens.count, case .close = tokens[index] else { throw TemplateError(message: "unclosed left paren") }
                index += 1
                current.append(.nested(Pipeline(declaration: nil, commands: inner)))
            case .identifier(let name):
                switch name {
                case "true", "false": current.append(.literal(.bool(name == "true")))
                case "nil": current.append(.literal(.missing))
                default:
                    guard functions.contains(name) else { throw TemplateError(message: "function \"\(name)\" not defined") }
                    current.append(.function(name))
                }
            case .string(let text): current.append(.literal(.string(text)))
            case .number(let value): current.append(.literal(value))
            case .field(let path): current.append(.field(path))
            case .variable(let name, let path): current.append(.variable(name, path))
            case .declare: throw TemplateError(message: "unexpected := in command")
            }
        }
        if !current.isEmpty { commands.append(current) }
        return commands
    }

    private enum Token {
        case identifier(String)
        case string(String)
        case number(TemplateValue)
        case field([String])
        case variable(String, [String])
        case pipe, open, close, declare
    }

    private static func tokenize(_ source: String) throws(TemplateError) -> [Token] {
        let characters = Array(source)
        var tokens: [Token] = []
        var index = 0
        func word(from start: Int) -> (String, Int) {
            var end = start
            while end < characters.count && (characters[end].isLetter || characters[end].isNumber || characters[end] == "_") { end += 1 }
            return (String(characters[start..<end]), end)
        }
        func path(from start: Int) -> ([String], Int) {
            var parts: [String] = []
            var position = start
            while position < characters.count && characters[position] == "." {
                let (name, end) = word(from: position + 1)
                if name.isEmpty { break }
                parts.append(name)
                position = end
            }
            return (parts, position)
        }
        while index < characters.count {
            let character = characters[index]
            switch character {
            case " ", "\t", "\n", "\r": index += 1
            case "|":
                tokens.append(.pipe)
                index += 1
            case "(":
                tokens.append(.open)
                index += 1
            case ")":
                tokens.append(.close)
                index += 1
            case ":" where index + 1 < characters.count && characters[index + 1] == "=":
                tokens.append(.declare)
                index += 2
            case "\"", "`":
                var text = ""
                index += 1
                var closed = false
                while index < characters.count {
                    let next = characters[index]
                    index += 1
                    if next == character {
                        closed = true
                        break
                    }
                    if next == "\\" && character == "\"" && index < characters.count {
                        let escaped = characters[index]
                        index += 1
                        switch escaped {
                        case "n": text.append("\n")
                        case "t": text.append("\t")
                        case "\\", "\"": text.append(escaped)
                        default: throw TemplateError(message: "invalid syntax in string escape \\\(escaped)")
                        }
                        continue
                    }
                    text.append(next)
                }
                guard closed else { throw TemplateError(message: "unterminated quoted string") }
                tokens.append(.string(text))
            case "$":
                let (name, end) = word(from: index + 1)
                let (parts, after) = path(from: end)
                tokens.append(.variable("$" + name, parts))
                index = after
            case ".":
                let (parts, after) = path(from: index)
                tokens.append(.field(parts))
                index = after == index ? index + 1 : after
            default:
                if character.isNumber || character == "-" || character == "+" {
                    var end = index + 1
                    while end < characters.count && (characters[end].isNumber || ".eE+-xX_".contains(characters[end])) { end += 1 }
                    let text = String(characters[index..<end])
                    if let integer = Int(text) {
                        tokens.append(.number(.int(integer)))
                    } else if let value = Double(text) {
                        tokens.append(.number(.float(value)))
                    } else {
                        throw TemplateError(message: "bad number syntax: \"\(text)\"")
                    }
                    index = end
                } else if character.isLetter || character == "_" {
                    let (name, end) = word(from: index)
                    tokens.append(.identifier(name))
                    index = end
                } else {
                    throw TemplateError(message: "unexpected \"\(character)\" in command")
                }
            }
        }
        return tokens
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice = slice.dropFirst() }
        while slice.last?.isWhitespace == true { slice = slice.dropLast() }
        return String(slice)
    }
}
