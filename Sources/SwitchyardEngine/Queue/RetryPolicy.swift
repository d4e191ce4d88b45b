import FoundationEssentials
import Glibc

/// Capped exponential backoff with jitter between attempts of one task.
public struct RetryPolicy: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration
    /// 0.5 means a delay anywhere from half to the whole of the computed one.
    public var jitter: Double
    public static let `default` = RetryPolicy(base: .seconds(1), cap: .seconds(300), jitter: 0.5)
    public init(base: Duration, cap: Duration, jitter: Double) {
        (self.base, self.cap, self.jitter) = (base, cap, jitter)
    }

    /// The wait before the next attempt after `attempts` failed ones (1 = the first failed).
    public func delay(afterAttempt attempts: Int, random: Double = Double.random(in: 0...1)) -> TimeInterval {
        let (base, cap) = (self.base.seconds, self.cap.seconds)
        let full = min(cap, base * pow(2, Double(min(max(attempts - 1, 0), 30))))
        return full * (1 - jitter * random)
    }
}
