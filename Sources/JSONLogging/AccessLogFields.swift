package import Logging

/// The fields of one HTTP access line, for ``JSONLogHandler``'s access-line path: written straight into the line in
/// key order, with no metadata dictionary, no boxing of each value and no sort of the fixed keys.
package struct AccessLogFields {
    /// The request method.
    package var method: String
    /// The matched route template (trusted: produced by the instrumentation, never from the client).
    package var route: String
    /// The raw path, from the client: scanned for credentials like any metadata value.
    package var path: String
    /// The response status.
    package var status: Int
    /// How long the request took, in whole microseconds; written as milliseconds with up to three decimals.
    package var durationMicroseconds: Int64
    /// The client's address, if the context knows it.
    package var clientAddress: String?

    /// The fields of one request.
    package init(method: String, route: String, path: String, status: Int, durationMicroseconds: Int64, clientAddress: String?) {
        self.method = method
        self.route = route
        self.path = path
        self.status = status
        self.durationMicroseconds = durationMicroseconds
        self.clientAddress = clientAddress
    }

    /// The keys, in the order they are written (sorted, as every line's metadata is).
    enum Key: CaseIterable {
        case clientAddress, durationMilliseconds, method, path, route, status

        var name: String {
            switch self {
            case .clientAddress: "client_address"
            case .durationMilliseconds: "duration_ms"
            case .method: "method"
            case .path: "path"
            case .route: "route"
            case .status: "status"
            }
        }
    }
}

extension JSONLogHandler {
    /// Writes one access line: the logger's and the provider's metadata merged in key order with `fields`, which
    /// win a clash of keys as call metadata does. The same line ``log(level:message:fields:source:file:function:line:)``
    /// would write with these fields as strings, at a fraction of the cost: this is the line every request writes.
    package func logAccess(
        level: Logger.Level,
        message: String,
        fields: AccessLogFields,
        source: String,
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        guard self.logLevel <= level else { return }
        let context = self.contextEntries(extra: 0).entries
        var writer = self.beginLine(level: level, message: message, source: source, file: file, function: function, line: line)
        var next = 0
        for key in AccessLogFields.Key.allCases {
            if key == .clientAddress && fields.clientAddress == nil { continue }
            let name = key.name
            // Context entries that sort before this field, then drop one the field overrides.
            while next < context.count && context[next].key < name {
                self.append(context[next], to: &writer)
                next += 1
            }
            if next < context.count && context[next].key == name { next += 1 }
            writer.append(UInt8(ascii: ","))
            writer.appendKey(name)
            switch key {
            case .clientAddress: writer.appendString(self.redaction.redact(fields.clientAddress ?? ""))
            case .durationMilliseconds: writer.appendQuotedMilliseconds(microseconds: fields.durationMicroseconds)
            case .method: writer.appendString(fields.method)
            case .path: writer.appendString(self.redaction.redact(fields.path))
            case .route: writer.appendString(fields.route)
            case .status: writer.appendQuotedInteger(fields.status)
            }
        }
        while next < context.count {
            self.append(context[next], to: &writer)
            next += 1
        }
        self.finishLine(&writer)
    }
}
