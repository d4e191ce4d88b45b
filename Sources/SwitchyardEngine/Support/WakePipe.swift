import Glibc

/// A self-pipe: `wake()` makes `readDescriptor` readable, so that a thread sleeping in poll()
/// beside other descriptors wakes; `drain()` makes it quiet again. Both ends are non-blocking
/// and close-on-exec. When no pipe can be made, `readDescriptor` is -1 and waking does nothing
/// (the sleeper then wakes on its timeout).
///
/// `@unchecked Sendable`: the descriptors are set once and closed in deinit; write(2) and
/// read(2) on a pipe are safe from any thread.
public final class WakePipe: @unchecked Sendable {
    public let readDescriptor: Int32
    private let writeDescriptor: Int32

    public init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFL, O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        (readDescriptor, writeDescriptor) = (fds[0], fds[1])
    }

    deinit {
        if readDescriptor >= 0 { close(readDescriptor) }
        if writeDescriptor >= 0 { close(writeDescriptor) }
    }

    /// Makes `readDescriptor` readable until the next `drain()`; a full pipe already is.
    public func wake() {
        guard writeDescriptor >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(writeDescriptor, &byte, 1)
    }

    /// Reads everything written so far.
    public func drain() {
        guard readDescriptor >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readDescriptor, &buffer, buffer.count) > 0 {}
    }
}
