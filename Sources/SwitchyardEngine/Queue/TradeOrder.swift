/// Order within a trade, as the SQL conditions every statement that needs them splices in: one
/// definition each, shared by the claim, the router's lookups and the operator actions.
///
/// A position must never open after its exit. An EXIT is not claimed while an earlier ENTRY of
/// its trade is unfinished; and an ENTRY whose trade's EXIT already ran is refused by `tasks
/// retry` and by the router itself, however the ENTRY came back (a retry, a resume, a plain SQL
/// reset, a rescue).
package enum TradeOrder {
    /// The first EXIT of the trade of the ENTRY aliased `entry` (a later id) that already ran:
    /// attempted, SUCCESS (a "Nothing to close" included), or accepted by any account (an EXIT
    /// put back to PENDING with its attempts reset still closed those positions). NULL when
    /// none did. A subquery: one probe of `idx_execution_tasks_trade (trade_id, id)` and, for an
    /// EXIT not yet attempted, one of the acceptance index. `OFFSET 0` keeps that probe a probe:
    /// without it the planner may turn the EXISTS into a hashed subplan, which reads every
    /// acceptance in the table once per statement (48 ms a batch at 100,000 audit rows, a third
    /// of the drain rate, in the router benchmark).
    static func exitThatRan(after entry: String) -> Query {
        """
        (SELECT x.id FROM execution_tasks AS x
         WHERE x.trade_id = \(unescaped: entry).trade_id AND x.event_type = 'EXIT' AND x.id > \(unescaped: entry).id
           AND (x.attempts > 0 OR x.status = 'SUCCESS'
                OR EXISTS (SELECT 1 FROM execution_logs AS xl
                           WHERE xl.task_id = x.id AND xl.event = 'ATTEMPT' AND xl.status = 'SUCCESS'
                             AND xl.account IS NOT NULL OFFSET 0))
         ORDER BY x.id LIMIT 1)
        """
    }

    /// True while an earlier ENTRY of the trade of the EXIT aliased `exit` is unfinished: the
    /// EXIT waits for it.
    static func entryUnfinished(before exit: String) -> Query {
        """
        EXISTS (SELECT 1 FROM execution_tasks AS e
                WHERE e.trade_id = \(unescaped: exit).trade_id AND e.event_type = 'ENTRY' AND e.id < \(unescaped: exit).id
                  AND e.status IN (\(statuses: TaskStatus.unfinished)))
        """
    }
}
