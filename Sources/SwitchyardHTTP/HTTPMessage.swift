import SwitchyardEngine

/// One request as `HTTPListener` read it: the method, the path without its query, the query
/// (after `?`, as sent), the header fields (names in lower case) and the body (`Content-Length`
/// bytes; no chunked bodies).
package struct HTTPRequest: Sendable, Equatable {
    package var method: String
    package var path: String
    package var query = ""
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]
    /// False when the client asked to close after this answer (`Connection: close`, or HTTP/1.0).
    package var keepAlive: Bool

    package init(method: String, path: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                 keepAlive: Bool = true) {
        (self.method, self.path, self.headers, self.body, self.keepAlive) = (method, path, headers, body, keepAlive)
    }

    /// The first value of the header `name` (any case), trimmed.
    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name == wanted }?.value
    }

    package static func == (left: Self, right: Self) -> Bool {
        left.method == right.method && left.path == right.path && left.query == right.query && left.body == right.body && left.keepAlive == right.keepAlive
            && left.headers.map(\.name) == right.headers.map(\.name) && left.headers.map(\.value) == right.headers.map(\.value)
    }

    /// The value of the query parameter `name`, percent-decoded (`+` is a space); nil when absent.
    package func queryValue(_ name: String) -> String? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0] == name { return Self.percentDecoded(parts.count > 1 ? parts[1] : "") }
        }
        return nil
    }

    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses a request head (request line and header fields, without the blank line); nil when
    /// it is not HTTP/1.x.
    static func parseHead(_ text: Substring) -> (request: HTTPRequest, contentLength: Int)? {
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)[...]
        guard let requestLine = lines.popFirst() else { return nil }
        let parts = requestLine.split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            headers.append((String(line[..<colon]).lowercased(), String(line[line.index(after: colon)...]).trimmed))
        }
        let target = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var request = HTTPRequest(method: String(parts[0]), path: String(target[0]), headers: headers)
        request.query = target.count > 1 ? String(target[1]) : ""
        let connection = request.header("connection")?.lowercased()
        request.keepAlive = parts[2] == "HTTP/1.1" ? connection != "close" : connection == "keep-alive"
        guard let length = request.header("content-length").map({ Int($0) }) else { return (request, 0) }
        guard let length, length >= 0 else { return nil }
        return (request, length)
    }
}

/// One answer: a status, a body and its type, and any further header fields.
package struct HTTPResponse: Sendable {
    package var status: Int
    package var contentType: String
    package var body: [UInt8]
    package var headers: [(name: String, value: String)]
    /// Close the connection without answering (a server that died after reading the request).
    package var dropConnection = false

    package init(status: Int, contentType: String, body: [UInt8], headers: [(name: String, value: String)] = []) {
        (self.status, self.contentType, self.body, self.headers) = (status, contentType, body, headers)
    }

    /// A plain-text answer.
    package static func text(_ status: Int, _ text: String) -> Self {
        Self(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    /// No answer at all: the connection is closed once the request was read.
    package static let dropped: Self = {
        var response = Self(status: 0, contentType: "", body: [])
        response.dropConnection = true
        return response
    }()

    /// The bytes on the wire: status line, header fields, blank line, body.
    func serialized(keepAlive: Bool) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Type: \(contentType)\r\n"
            + "Content-Length: \(body.count)\r\nConnection: \(keepAlive ? "keep-alive" : "close")\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        return Array((head + "\r\n").utf8) + body
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
