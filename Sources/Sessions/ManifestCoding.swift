import Foundation

// MARK: - Reading and writing manifest bytes

extension SessionManifest {
    /// The manifest as UTF-8 JSON: one line, keys sorted, so saves are reproducible.
    public func encoded() throws(SessionError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(SessionDate.string(from: date))
        }
        do {
            return try encoder.encode(self)
        } catch {
            throw .writeFailed(path: Self.fileName, reason: "cannot encode the session: \(error)")
        }
    }

    /// Decodes and validates manifest bytes; `path` names the file in errors. Checks the shape,
    /// the format name and version first (a newer session is reported as such, whatever its
    /// shape), then every field (see `validate(path:)`).
    public static func decode(_ data: Data, path: String) throws(SessionError) -> SessionManifest {
        guard data.count <= SessionLimits.maxManifestBytes else {
            throw .tooLarge(path: path, bytes: data.count, limit: SessionLimits.maxManifestBytes)
        }
        let decoder = manifestDecoder()
        let header: ManifestHeader
        do {
            header = try decoder.decode(ManifestHeader.self, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw .malformedJSON(path: path, detail: jsonProblem(context))
        } catch {
            throw .notASession(path: path)  // valid JSON, but not an object
        }
        guard header.format == formatName else { throw .notASession(path: path) }
        guard let version = header.version else {
            throw .invalidField(path: path, field: "version", reason: header.hasVersion ? "expected an integer" : "missing")
        }
        if version > currentVersion {
            throw .newerVersion(path: path, version: version, supported: currentVersion)
        }
        guard version >= 1 else { throw .unsupportedVersion(path: path, version: version) }

        let manifest: SessionManifest
        do {
            manifest = try decoder.decode(SessionManifest.self, from: data)
        } catch let error as DecodingError {
            var (field, reason) = describe(error)
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                // Foundation checks strings and numbers lazily and reports them without a place:
                // tell broken JSON from a number that does not fit its field.
                let failsWithoutPlace = { (text: Data) -> Bool in
                    do {
                        _ = try decoder.decode(SessionManifest.self, from: text)
                        return false
                    } catch DecodingError.dataCorrupted(let context) {
                        return context.codingPath.isEmpty
                    } catch {
                        return false
                    }
                }
                if let misfit = ManifestNumberScan.locateMisfit(in: data, failsWithoutPlace: failsWithoutPlace) {
                    (field, reason) = misfit
                } else if (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil {
                    (field, reason) = ("(manifest)", "a value does not fit its field")
                } else {
                    throw .malformedJSON(path: path, detail: jsonProblem(context))
                }
            }
            throw .invalidField(path: path, field: field, reason: reason)
        } catch {
            throw .malformedJSON(path: path, detail: "\(error)")
        }
        try manifest.validate(path: path)
        return manifest
    }

    private static func manifestDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = SessionDate.date(from: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not an ISO-8601 date and time")
            }
            return date
        }
        return decoder
    }

    /// The two fields read before anything else, leniently, so that a newer or foreign file is
    /// recognised whatever the rest of its shape.
    private struct ManifestHeader: Decodable {
        let format: String?
        let version: Int?
        let hasVersion: Bool

        enum CodingKeys: String, CodingKey { case format, version }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            format = try? container.decodeIfPresent(String.self, forKey: .format)
            version = try? container.decodeIfPresent(Int.self, forKey: .version)
            hasVersion = container.contains(.version)
        }
    }

    private static func jsonProblem(_ context: DecodingError.Context) -> String {
        if let underlying = context.underlyingError {
            let text = "\(underlying)"
            // Foundation's messages can run long; keep the first line.
            return String(text.prefix { $0 != "\n" }.prefix(200))
        }
        return context.debugDescription
    }

    /// A JSON path (`turns[2].segments[0].codes`) and a short reason for a decoding error.
    static func describe(_ error: DecodingError) -> (field: String, reason: String) {
        switch error {
        case let .keyNotFound(key, context):
            let field = fieldPath(context.codingPath + [key])
            return (field, "missing")
        case let .typeMismatch(type, context):
            return (fieldPath(context.codingPath), "expected \(jsonTypeName(type))")
        case let .valueNotFound(type, context):
            return (fieldPath(context.codingPath), "expected \(jsonTypeName(type)), found null")
        case let .dataCorrupted(context):
            return (fieldPath(context.codingPath), context.debugDescription)
        @unknown default:
            return ("(manifest)", "\(error)")
        }
    }

    static func fieldPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "(top level)" : text
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is UInt64.Type: "an integer"
        case is Float.Type, is Double.Type: "a number"
        case is [Int].Type: "an array of integers"
        default: type is any Collection.Type ? "an array" : "an object"
        }
    }
}

// MARK: - Dates

/// ISO-8601 dates with milliseconds in UTC (`2025-06-01T12:00:00.123Z`); reading also accepts
/// whole seconds and offsets, as a hand-edited file may hold.
enum SessionDate {
    /// Rounded to the millisecond, so a date read back and written again gives the same text.
    static func string(from date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = milliseconds / 1000
        var fraction = milliseconds % 1000
        if fraction < 0 {
            seconds -= 1
            fraction += 1000
        }
        let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle())  // …:SSZ
        let digits = String(fraction)
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    static func date(from text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
