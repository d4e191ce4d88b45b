/// How long Switchyard waits for Postgres to answer before it gives up on a connection, by use:
/// the one place for these defaults (`ConnectionSettings.answerDeadline` carries the one in force).
///
/// A frozen server (SIGSTOP, a hung host) or a network black hole never closes the socket, so
/// without a deadline a statement waits forever. When a deadline passes, the statement is
/// cancelled (`PQcancel`, off the waiting thread), the connection abandoned, and the caller gets
/// a `DatabaseError` whose `noAnswerAfter` is set; the next call connects again.
public enum AnswerDeadline {
    /// Commands, the router's statements and anything not named below. Long: a write-back of a
    /// batch of thousands of tasks is one statement, and the server's own timeouts speak first.
    public static let standard: Duration = .seconds(30)
    /// The dashboard's reads and changes: above the 2 s `statement_timeout` of its reads (the
    /// server then answers first), short enough that a quit or a reconnect never waits long. The
    /// dashboard shows NO ANSWER sooner, from how long its read has been outstanding.
    public static let dashboard: Duration = .seconds(5)
    /// What a router, once asked to stop, still waits for each answer: its batch is then left to
    /// its lease (any router rescues it when the lease ends), so a stop never hangs on the server.
    public static let stopping: Duration = .seconds(2)
    /// libpq's `connect_timeout` when neither the URL nor `PGCONNECT_TIMEOUT` sets one.
    static let connect: Duration = .seconds(10)
}
