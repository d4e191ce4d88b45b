import FoundationEssentials
import Logging
import SwitchyardEngine

/// Writes log lines to stderr, through `writeToStandardError` so a hung-up terminal cannot
/// crash the process.
///
/// Plain: `2026-11-30T02:21:58Z router r1 started: ...`, the level shown only when it is not
/// info (`... error: connection lost`); metadata is not printed. JSON: one object per line with
/// `ts` (RFC 3339 UTC, fractional seconds), `level`, `msg` and the metadata as further keys.
struct StandardErrorLogHandler: LogHandler {
    var format: LogFormat
    var logLevel = Logger.Level.info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(format: LogFormat) { self.format = format }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: Logging.LogEvent) {
        writeToStandardError(line(for: event, at: Date()))
    }

    /// The text written for one event, newline included.
    func line(for event: Logging.LogEvent, at time: Date) -> String {
        switch format {
        case .plain:
            let level = event.level == .info ? "" : "\(event.level): "
            return "\(PostgresTime.iso8601(time)) \(level)\(event.message)\n"
        case .json:
            var all = metadata
            if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
            if let explicit = event.metadata { all.merge(explicit) { _, new in new } }
            var object = all.mapValues(Self.json)
            if let error = event.error { object["error"] = .string("\(error)") }
            object["ts"] = .string(Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(time))
            object["level"] = .string(event.level.rawValue)
            object["msg"] = .string(event.message.description)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            // Encoding strings, numbers and containers of them cannot fail.
            let data = (try? encoder.encode(JSONValue.object(object))) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let value): .string(value.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let values): .object(values.mapValues(json))
        }
    }
}
