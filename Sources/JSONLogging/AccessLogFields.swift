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
    @inlinable
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
        case clientAddress, durationMilliseconds, method, path, requestID, route, status

        var name: String {
            switch self {
            case .clientAddress: "client_address"
            case .durationMilliseconds: "duration_ms"
            case .method: "method"
            case .path: "path"
            case .requestID: LogContext.requestIDKey
            case .route: "route"
            case .status: "status"
            }
        }
    }
}

/// Where an access line comes from, with its message, encoded once: the `"message"`, `"source"`, `"file"`,
/// `"function"` and `"line"` members are the same on every line of one call site, so they are escaped when the call
/// site is created rather than on every request. The message must be a constant without secrets: it is not scanned.
package struct LogCallSite: Sendable {
    let encoded: [UInt8]

    /// Encodes a call site.
    package init(message: String, source: String, file: String = #fileID, function: String = #function, line: UInt = #line) {
        var writer = JSONWriter(capacity: 256)
        writer.appendCallSite(message: message, source: source, file: file, function: function, line: line)
        self.encoded = writer.bytes
    }
}

extension JSONLogHandler {
    /// Writes one access line: the logger's and the provider's metadata merged in key order with `fields`, which
    /// win a clash of keys as call metadata does. The same line ``log(level:message:fields:source:file:function:line:)``
    /// would write with these fields as strings, at a fraction of the cost: this is the line every request writes.
    ///
    /// The task's ``LogContext/requestID`` is written as `request_id` unless the logger's metadata has one, as in
    /// every line. A `request_id` is written without the credential scan when it is a well-formed id (at most 128
    /// letters, digits, `-`, `_` and `.`): nothing of that shape can carry a secret the scanner finds.
    package func logAccess(level: Logger.Level, fields: AccessLogFields, callSite: LogCallSite) {
        guard self.logLevel <= level else { return }
        // Nothing to gather for a logger without metadata (the usual case).
        let context = self.metadata.isEmpty && self.metadataProvider == nil ? [] : self.loggerEntries(extra: 0).entries
        var writer = self.beginLine(level: level, capacity: 512)
        callSite.encoded.withUnsafeBufferPointer { writer.append(contentsOf: $0) }
        self.appendAccessFields(fields, context: context, to: &writer)
        self.finishLine(&writer)
    }

    /// The access fields merged in key order with the logger's entries (`context`, sorted) and the task's request id;
    /// with no entries, each key is written as a constant.
    private func appendAccessFields(_ fields: AccessLogFields, context: [MetadataEntries.Entry], to writer: inout JSONWriter) {
        guard !context.isEmpty else { return self.appendAccessFields(fields, to: &writer) }
        var next = 0
        for key in AccessLogFields.Key.allCases {
            if key == .clientAddress && fields.clientAddress == nil { continue }
            let name = key.name
            // Context entries that sort before this field.
            while next < context.count && context[next].key < name {
                self.appendContext(context[next], to: &writer)
                next += 1
            }
            if key == .requestID {
                // The task's id, unless the logger's metadata has its own (written with the entries after it).
                if next < context.count && context[next].key == name { continue }
                if let id = LogContext.requestID {
                    self.appendRequestID(id, to: &writer)
                }
                continue
            }
            // A field overrides the logger's entry of the same key.
            if next < context.count && context[next].key == name { next += 1 }
            writer.append(UInt8(ascii: ","))
            writer.appendKey(name)
            switch key {
            case .clientAddress: writer.appendString(self.redaction.redact(fields.clientAddress ?? ""))
            case .durationMilliseconds: writer.appendQuotedMilliseconds(microseconds: fields.durationMicroseconds)
            case .method: writer.appendString(fields.method)
            case .path: writer.appendString(self.redaction.redact(fields.path))
            case .requestID: break  // written above
            case .route: writer.appendString(fields.route)
            case .status: writer.appendQuotedInteger(fields.status)
            }
        }
        while next < context.count {
            self.appendContext(context[next], to: &writer)
            next += 1
        }
    }

    /// The access fields of a logger without metadata (the usual case): the same keys in the same order as the
    /// merge above, each written as a constant.
    private func appendAccessFields(_ fields: AccessLogFields, to writer: inout JSONWriter) {
        if let address = fields.clientAddress {
            writer.appendRaw(",\"client_address\":")
            writer.appendString(self.redaction.redact(address))
        }
        writer.appendRaw(",\"duration_ms\":")
        writer.appendQuotedMilliseconds(microseconds: fields.durationMicroseconds)
        writer.appendRaw(",\"method\":")
        writer.appendString(fields.method)
        writer.appendRaw(",\"path\":")
        writer.appendString(self.redaction.redact(fields.path))
        if let id = LogContext.requestID {
            self.appendRequestID(id, to: &writer)
        }
        writer.appendRaw(",\"route\":")
        writer.appendString(fields.route)
        writer.appendRaw(",\"status\":")
        writer.appendQuotedInteger(fields.status)
    }

    /// One of the logger's metadata entries; a well-formed `request_id` skips the credential scan.
    private func appendContext(_ entry: MetadataEntries.Entry, to writer: inout JSONWriter) {
        if entry.key == LogContext.requestIDKey, case .string(let id) = entry.value {
            self.appendRequestID(id, to: &writer)
        } else {
            self.append(entry, to: &writer)
        }
    }

    /// `,"request_id":"<id>"`; any id but a well-formed one is written as any metadata value is (scanned).
    private func appendRequestID(_ id: String, to writer: inout JSONWriter) {
        guard Self.isWellFormedRequestID(id) else {
            let entry = MetadataEntries.Entry(key: LogContext.requestIDKey, value: .string(id), order: 0, trusted: false)
            return self.append(entry, to: &writer)
        }
        writer.appendRaw(",\"request_id\":")
        writer.appendString(id)
    }

    /// 1 to 128 bytes of letters, digits, `-`, `_` and `.`: the shape of a request id, which can carry neither a
    /// secret the credential scanner would find nor a header or log injection.
    package static func isWellFormedRequestID(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard utf8.count >= 1 && utf8.count <= 128 else { return false }
        func isAllowed(_ byte: UInt8) -> Bool {
            // Bit b of allowedBytes.0 (bytes 0-63) or .1 (64-127) is set for each allowed byte.
            let allowedBytes: (UInt64, UInt64) = (0x03FF_6000_0000_0000, 0x07FF_FFFE_87FF_FFFE)
            guard byte < 128 else { return false }
            return ((byte < 64 ? allowedBytes.0 : allowedBytes.1) >> UInt64(byte & 63)) & 1 == 1
        }
        return utf8.withContiguousStorageIfAvailable { bytes in bytes.allSatisfy(isAllowed) } ?? utf8.allSatisfy(isAllowed)
    }
}
