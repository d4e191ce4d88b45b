import ArgumentParser
import FoundationEssentials
import SwitchyardEngine

extension Switchyard {
    struct Enqueue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add tasks to the queue: one, a file of them, or synthetic trades.",
            usage: "switchyard enqueue [<options>]",
            discussion: """
                One task:
                  --trade-id ES-1 --event-type ENTRY --payload
                  '{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150}'
                A file, one JSON object per line (- reads standard input):
                  --file tasks.jsonl
                  {"trade_id":"ES-1","event_type":"ENTRY","payload":{"kind":"ENTRY",...}}
                Synthetic trades, each an ENTRY and its EXIT (200 tasks):
                  --synthetic 100
                Later: SCHEDULED until then; a router claims it within a second of it:
                  --at 15:55 (today, in --time-zone), --at 2026-12-01T09:30Z, --in 15m

                Payloads are checked before anything is written; an error names the line and the field. \
                A file or a synthetic batch is written in one transaction per 5,000 tasks.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: "The trade the task belongs to (1 to 100 characters).")
        var tradeID: String?

        @OptionGroup var task: TaskOptions
        @OptionGroup var start: StartOptions

        @Option(help: ArgumentHelp("The zone of --at times without an offset (default: this machine's, \(ZoneRules.localIdentifier)).",
                                   valueName: "zone"))
        var timeZone: String?

        @Option(help: ArgumentHelp("A JSON-lines file of tasks; - reads standard input.", valueName: "file"))
        var file: String?

        @Option(help: ArgumentHelp("Add N synthetic trades (an ENTRY and its EXIT each).", valueName: "N"))
        var synthetic: Int?

        @Option(help: ArgumentHelp("With --synthetic: share of trades given a malformed ENTRY (0 to 1).", valueName: "share"))
        var malformed = 0.0

        var eventType: EventType? { task.eventType }
        var payload: String? { task.payload }
        var maxAttempts: Int? { task.maxAttempts }

        func validate() throws {
            if let timeZone, ZoneRules(identifier: timeZone) == nil {
                throw ValidationError("--time-zone \(timeZone) is not a time zone: use an IANA name such as UTC, Europe/London or America/New_York.")
            }
            let modes = [tradeID != nil || eventType != nil || payload != nil, file != nil, synthetic != nil].filter { $0 }.count
            guard modes == 1 else {
                throw ValidationError("Give either --trade-id, --event-type and --payload; or --file; or --synthetic N.")
            }
            if let synthetic, synthetic < 1 { throw ValidationError("--synthetic takes a number of trades, 1 or more.") }
            if tradeID != nil || eventType != nil || payload != nil {
                guard tradeID != nil, eventType != nil, payload != nil else {
                    throw ValidationError("One task needs all of --trade-id, --event-type and --payload.")
                }
            }
        }

        func run() throws {
            var tasks: [NewTask]
            if let synthetic {
                tasks = DemoTraffic.trades(count: synthetic, malformedShare: malformed, prefix: "SYN").map {
                    var task = $0
                    task.maxAttempts = maxAttempts
                    return task
                }
            } else if let file {
                tasks = try readFile(file)
            } else {
                do {
                    tasks = [try NewTask(tradeID: tradeID!, eventType: eventType!, payloadJSON: payload!, maxAttempts: maxAttempts)]
                } catch let error as PayloadError {
                    throw PayloadRefused(context: "", error: error)
                }
            }
            let connection = try database.connect()
            if let start = try start.start(zone: timeZone, on: connection) {
                for index in tasks.indices { tasks[index].start = start }
            }
            var ids: [TaskID] = []
            var start = 0
            while start < tasks.count {
                let chunk = Array(tasks[start..<min(start + 5000, tasks.count)])
                ids += try TaskQueue(connection: connection).enqueue(chunk)
                start += chunk.count
            }
            let when = switch tasks.first?.start {
            case .at(let time)?: ", SCHEDULED for \(timeText(time))"
            case .after(let delay)?: ", SCHEDULED in \(TimeSpan.format(delay))"
            case nil: ""
            }
            if ids.count == 1 {
                print("Enqueued task \(ids[0].rawValue)\(when).")
            } else {
                print("Enqueued \(ids.count) tasks (ids \(ids.first!.rawValue) to \(ids.last!.rawValue))\(when).")
            }
        }

        private func readFile(_ path: String) throws -> [NewTask] {
            let data: Data
            if path == "-" {
                data = Data(readStandardInput())
            } else {
                guard let contents = FileManager.default.contents(atPath: path) else {
                    throw CommandFailure("Cannot read \(path). Check the path given to --file.")
                }
                data = contents
            }
            var tasks: [NewTask] = []
            for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let text = line.trimmed
                if text.isEmpty { continue }
                do {
                    tasks.append(try NewTask(jsonLine: text, maxAttempts: maxAttempts))
                } catch let error as PayloadError {
                    throw PayloadRefused(context: "\(path), line \(number + 1): ", error: error)
                }
            }
            guard !tasks.isEmpty else { throw CommandFailure("\(path) holds no tasks: give a file with one JSON task a line.") }
            return tasks
        }
    }
}
