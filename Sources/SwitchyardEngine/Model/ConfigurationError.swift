/// Settings that cannot work, found before anything runs: live routing without a live
/// connector, a batch size of zero. Says what is wrong; the caller says which option fixes it.
public struct ConfigurationError: RemedyCarrying, Sendable, Equatable {
    public var message: String
    public var remedy: Remedy?
    public init(_ message: String, remedy: Remedy? = nil) {
        self.message = message + (remedy.map { " " + $0.advice } ?? "")
        self.remedy = remedy
    }
    public var description: String { message }
}
