#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// C's `printf` formatting for the verbs Go's `fmt` shares with it (`%d`, `%e`, `%f`, `%g` with flags, width and
/// precision), without Foundation's `String(format:)`.
enum CFormat {
    /// `format` applied to `arguments` by `vsnprintf`.
    static func format(_ format: String, _ arguments: any CVarArg...) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        var length = withVaList(arguments) { Int(vsnprintf(&buffer, buffer.count, format, $0)) }
        if length >= buffer.count {
            buffer = [CChar](repeating: 0, count: length + 1)
            length = withVaList(arguments) { Int(vsnprintf(&buffer, buffer.count, format, $0)) }
        }
        return String(decoding: buffer.prefix(max(length, 0)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
