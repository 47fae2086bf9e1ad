import Foundation
import LibYAML
import TestSupport
import Testing

@Suite struct YAMLNodeTests {
    @Test func mappingsSequencesAndScalarsKeepOrderTextAndPosition() throws {
        let yaml = """
            name: api
            ports: [80, "443"]
            nested:
              - first
              - key: 'quoted value'
            block: |
              line one
              line two
            """
        let root = try #require(try YAMLNode.compose(yaml: yaml))
        let mapping = try #require(root.mapping)
        #expect(mapping.keys.compactMap(\.string) == ["name", "ports", "nested", "block"])
        #expect(mapping["name"]?.string == "api")
        #expect(mapping["name"]?.mark == YAMLMark(line: 1, column: 7))
        let ports = try #require(mapping["ports"]?.sequence)
        #expect(ports.map(\.string) == ["80", "443"])
        #expect(ports[0].scalar?.style == .plain)
        #expect(ports[1].scalar?.style == .doubleQuoted)
        let nested = try #require(mapping["nested"]?.sequence)
        #expect(nested.count == 2)
        #expect(nested[0].mark == YAMLMark(line: 4, column: 5))
        #expect(
            nested[1].mapping?["key"]?.scalar == YAMLNode.Scalar("quoted value", style: .singleQuoted, mark: YAMLMark(line: 5, column: 10))
        )
        #expect(mapping["block"]?.string == "line one\nline two")  // no final newline in the text: clip keeps none
        #expect(mapping["block"]?.scalar?.style == .literal)
        #expect(mapping["missing"] == nil)
    }

    @Test func scalarsAreNotConvertedToOtherTypes() throws {
        let root = try #require(try YAMLNode.compose(yaml: "a: yes\nb: 010\nc: ~\nd:\ne: 1e3\n"))
        let values = try #require(root.mapping).map { $0.value.string }
        #expect(values == ["yes", "010", "~", "", "1e3"])
    }

    @Test func anchorsAndAliasesResolveToCopies() throws {
        let root = try #require(try YAMLNode.compose(yaml: "base: &b {x: 1, y: [2, 3]}\ncopy: *b\n"))
        let mapping = try #require(root.mapping)
        #expect(mapping["copy"] == mapping["base"])
        #expect(mapping["copy"]?.mapping?["y"]?.sequence?.map(\.string) == ["2", "3"])
    }

    @Test func anUndefinedAliasIsAnErrorAtItsPosition() {
        #expect(throws: YAMLError(problem: "found undefined alias nope", mark: YAMLMark(line: 2, column: 4))) {
            try YAMLNode.compose(yaml: "a: 1\nb: *nope\n")
        }
    }

    @Test func nestedAliasesCannotExpandWithoutBound() {
        // Nine levels of ten aliases each: a billion scalars described in a few hundred bytes.
        var yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let previous = "*l\(level - 1)"
            yaml += "l\(level): &l\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]\n"
        }
        do {
            _ = try YAMLNode.compose(yaml: yaml)
            Issue.record("a billion-node document was accepted")
        } catch {
            #expect(error.problem.contains("more than \(YAMLNode.nodeLimit) nodes"))
            #expect(error.mark != nil)
        }
    }

    @Test(arguments: [
        ("key: [unclosed\n", "did not find expected ',' or ']'", 2),
        ("a: b: c\n", "mapping values are not allowed in this context", 1),
        ("a:\n\tb: 1\n", "found character that cannot start any token", 2),
        ("- a\nb: c\n", "did not find expected '-' indicator", 2),
    ])
    func syntaxErrorsCarryLibyamlsProblemAndLine(yaml: String, problem: String, line: Int) {
        do {
            _ = try YAMLNode.compose(yaml: yaml)
            Issue.record("\(yaml.debugDescription) was accepted")
        } catch {
            #expect(error.problem.contains(problem), "\(error)")
            #expect(error.mark?.line == line, "\(error)")
        }
    }

    @Test func deepNestingIsAnErrorNotAStackOverflow() throws {
        let yaml = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        do {
            _ = try YAMLNode.compose(yaml: yaml)
            Issue.record("100,000 nested sequences were accepted")
        } catch {
            #expect(error.problem.contains("nest more than \(YAMLNode.nestingLimit) levels"))
            #expect(error.mark == YAMLMark(line: 1, column: YAMLNode.nestingLimit + 1))
        }
        // At the limit it is read.
        let deepest = String(repeating: "[", count: YAMLNode.nestingLimit) + String(repeating: "]", count: YAMLNode.nestingLimit)
        #expect(try YAMLNode.compose(yaml: deepest) != nil)
    }

    @Test func emptyTextHasNoDocumentAndASecondDocumentIsAnError() throws {
        #expect(try YAMLNode.compose(yaml: "") == nil)
        #expect(try YAMLNode.compose(yaml: "# only a comment\n") == nil)
        #expect(throws: YAMLError.self) { try YAMLNode.compose(yaml: "a: 1\n---\nb: 2\n") }
    }

    /// Every YAML file in the repository, read by us and by PyYAML's pure-Python composer (an implementation
    /// independent of libyaml): the same tree, the same scalar text, the same positions.
    @Test func agreesWithPyYAMLOnEveryYAMLFileInTheRepository() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var files: [String] = []
        for directory in ["alerts", "examples"] {
            let base = root.appendingPathComponent(directory).path
            let enumerator = FileManager.default.enumerator(atPath: base)
            while let name = enumerator?.nextObject() as? String {
                if name.hasSuffix(".yml") || name.hasSuffix(".yaml") { files.append(base + "/" + name) }
            }
        }
        #expect(files.count >= 10)
        // One python3 for all files: a blocking child per file would hold a test thread for seconds.
        let script = """
            import json, sys, yaml
            def tree(node):
                mark = [node.start_mark.line + 1, node.start_mark.column + 1]
                if isinstance(node, yaml.ScalarNode): return {"s": node.value, "at": mark}
                if isinstance(node, yaml.SequenceNode): return {"q": [tree(n) for n in node.value], "at": mark}
                return {"m": [[tree(k), tree(v)] for k, v in node.value], "at": mark}
            result = {}
            for path in sys.argv[1:]:
                docs = list(yaml.compose_all(open(path), Loader=yaml.SafeLoader))
                result[path] = tree(docs[0]) if len(docs) == 1 else None
            print(json.dumps(result))
            """
        let output = try await ExternalTool.run("python3", ["-c", script] + files)
        #expect(output.status == 0, "\(output.standardError)")
        let trees = try #require(try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
        var compared = 0
        for file in files.sorted() {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            guard let expected = trees[file] as? NSDictionary else {
                // Several documents (a Kubernetes manifest): we read exactly one, and say so.
                #expect(trees[file] is NSNull, "\(file)")
                #expect(throws: YAMLError.self) { try YAMLNode.compose(yaml: text) }
                continue
            }
            let node = try #require(try YAMLNode.compose(yaml: text))
            #expect(Self.tree(node) as NSDictionary == expected, "\(file)")
            compared += 1
        }
        #expect(compared >= 10)
    }

    private static func tree(_ node: YAMLNode) -> [String: Any] {
        let mark = [node.mark?.line ?? 0, node.mark?.column ?? 0]
        switch node {
        case .scalar(let scalar): return ["s": scalar.string, "at": mark]
        case .sequence(let sequence): return ["q": sequence.map(Self.tree), "at": mark]
        case .mapping(let mapping): return ["m": mapping.map { [Self.tree($0.key), Self.tree($0.value)] }, "at": mark]
        }
    }
}
