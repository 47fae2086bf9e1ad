/// Path arithmetic for configuration files that name other files relative to themselves.
package enum FilePaths {
    /// The directory part of `path`, as `NSString.deletingLastPathComponent` gives it: `/a/b/c` → `/a/b`,
    /// `c` → empty, `/c` → `/`, trailing slashes ignored.
    package static func directory(of path: String) -> String {
        var text = Substring(path)
        while text.count > 1 && text.hasSuffix("/") { text = text.dropLast() }
        guard let slash = text.lastIndex(of: "/") else { return "" }
        if slash == text.startIndex { return "/" }
        var directory = text[..<slash]
        while directory.count > 1 && directory.hasSuffix("/") { directory = directory.dropLast() }
        return String(directory)
    }
}
