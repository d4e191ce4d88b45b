import FoundationEssentials
import SwitchyardEngine

/// "2026-12-07 05:56:30 UTC": every time the command line prints, in the host's zone (`TZ`, as
/// the dashboard shows them) with the zone shown. `--json` and log lines keep ISO 8601.
func timeText(_ date: Date) -> String { ClockZone.local.stamp(date) }
