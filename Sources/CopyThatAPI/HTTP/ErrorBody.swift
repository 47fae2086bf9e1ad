import HTTPTypes
import Hummingbird
import JSONLogging
import NIOCore

/// The contract's error body, `{"detail": …, "request_id": …[, "errors": […]]}`, written by hand so that it never
/// fails to encode.
enum ErrorBody {
    static func response(
        status: HTTPResponse.Status,
        detail: String,
        errors: [APIError.FieldError] = [],
        extra: [(String, Double)] = [],
        headers: HTTPFields = [:]
    ) -> Response {
        var text = "{\"detail\":"
        JSONText.appendString(detail, to: &text)
        text += ",\"request_id\":"
        JSONText.appendString(LogContext.requestID ?? "unknown", to: &text)
        for (key, value) in extra {
            text += ","
            JSONText.appendString(key, to: &text)
            text += ":" + JSONText.number(value)
        }
        if !errors.isEmpty {
            text += ",\"errors\":["
            for (index, error) in errors.enumerated() {
                if index > 0 { text += "," }
                text += "{\"field\":"
                JSONText.appendString(error.field, to: &text)
                text += ",\"message\":"
                JSONText.appendString(error.message, to: &text)
                text += "}"
            }
            text += "]"
        }
        text += "}"
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// JSON string and number text without Foundation.
enum JSONText {
    static func appendString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        text += "\""
    }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
