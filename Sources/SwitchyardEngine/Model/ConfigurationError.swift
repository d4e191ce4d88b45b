/// Settings that cannot work, found before anything runs: live routing without a live
/// connector, a batch size of zero. Says what is wrong; the caller says which option fixes it.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
