import FoundationEssentials

/// What a JSON decoding error says, in one line: where in the document and what was wrong
/// ("at accounts[2].name: expected a string"). Other errors as they describe themselves.
public func describeDecodingError(_ error: any Error) -> String {
    guard let error = error as? DecodingError else { return String(describing: error) }
    func path(_ context: DecodingError.Context) -> String {
        var text = ""
        for key in context.codingPath {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text.isEmpty ? "" : "at \(text): "
    }
    switch error {
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
         .dataCorrupted(let context):
        return path(context) + context.debugDescription
    @unknown default:
        return String(describing: error)
    }
}
