import FoundationEssentials

/// The refresh policy and the waits for the database, as `update` applies them: messages in,
/// effects out (see `RefreshSchedule`).

/// Starts a refresh when one is due: the snapshot, plus the list or detail being looked at.
func refreshIfDue(_ model: inout DashboardModel) -> [DashboardEffect] {
    guard model.refresh.startIfDue(at: model.moment, interval: model.refreshInterval) else { return [] }
    return [.loadSnapshot(model.filter)] + detailEffects(model)
}

/// The snapshot read was answered: the next may start (at once when one was wanted meanwhile),
/// or, after the last one allowed, the dashboard stops.
func snapshotAnswered(_ model: inout DashboardModel) -> [DashboardEffect] {
    guard model.refresh.finishRead(at: model.uptime) else { return [] }
    if model.refresh.isFinished { return [.refreshLimitReached] }
    return refreshIfDue(&model)
}

/// What a tick shows about waits for the database: a read unanswered for `noAnswerAfter` turns
/// the header to NO ANSWER, and a preview or change waiting that long says so on the status line.
func noticeWaits(_ model: inout DashboardModel) {
    if let read = model.refresh.outstanding, model.uptime - read.uptime >= model.noAnswerAfter {
        if case .noAnswer = model.connection {} else {
            model.connection = .noAnswer(since: read)
            model.lastError = StatusMessage(
                "The database has not answered since \(Format.clock(read.date, model.settings.timeZone)).\n"
                    + unansweredReadAdvice, isError: true, at: model.now, lifetime: .untilConnected)
        }
    }
    if let request = model.pendingRequest {
        let waited = model.uptime - request.since.uptime
        guard waited >= model.noAnswerAfter else { return }
        let then = request.cancellable ? "Esc cancels." : "it will say what changed when it does."
        model.say("\(request.text) The database has not answered for \(Format.age(waited.seconds)); \(then)", lifetime: .untilReplaced)
    }
}

/// `e` on NO ANSWER.
let unansweredReadAdvice = """
    The server may be frozen, or the network between here and it dropping packets. The data on \
    screen stays as it was, marked stale; the dashboard keeps asking and shows new data as soon \
    as the server answers. q quits at once.
    """

/// `e` after a change was given up on without an answer.
let unansweredChangeAdvice = """
    The change may have been made or not: the server got it, or did not, before it stopped \
    answering. Once it answers, the task's audit trail (Enter on the task) shows what happened; \
    asking again is safe: a task whose state already changed is skipped.
    """
