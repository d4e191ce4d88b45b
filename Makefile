# Switchyard: `make run` opens the dashboard on a private database; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := build
.PHONY: deps build run test clean db-start db-stop db-url

deps:
	@scripts/install-deps.sh

build: deps
	swift build

run: build
	@scripts/run.sh

test: deps
	@scripts/test.sh

db-start: deps
	@scripts/pg.sh start .pgdata

db-stop:
	@scripts/pg.sh stop .pgdata

db-url:
	@scripts/pg.sh url .pgdata

clean:
	-@scripts/pg.sh stop .pgdata
	-@scripts/pg.sh destroy .pgtest
	rm -rf .build

# The dashboard's reads at ten million tasks (a benchmark, not a test): scripts/bench-monitor.sh.
.PHONY: bench-monitor
bench-monitor: deps
	@scripts/bench-monitor.sh all

# The dashboard's CPU, bytes written per second, memory and first frame next to htop, in an
# 80x24 tmux pane (a benchmark, not a test): scripts/bench-dashboard.sh.
.PHONY: bench-dashboard
bench-dashboard: deps
	@scripts/bench-dashboard.sh

# A frozen database (SIGSTOP): time to NO ANSWER on screen, and q to exit while it stays frozen
# (a benchmark, not a test): scripts/bench-dashboard.sh hung.
.PHONY: bench-hung
bench-hung: deps
	@scripts/bench-dashboard.sh hung

# How late schedule runs are enqueued with three routers, and the schedulers' server time with
# 1,000 schedules (a benchmark, not a test): scripts/bench-schedules.sh.
.PHONY: bench-schedules
bench-schedules: deps
	@scripts/bench-schedules.sh all

# An alert's way from a FAILED task to its webhook (p50/p99 over 20 firings) and the drain with 5
# rules beside the drain without (a benchmark, not a test): scripts/bench-alerts.sh.
.PHONY: bench-alerts
bench-alerts: deps
	@scripts/bench-alerts.sh all

# The accounts panel's reads and a per-account observer's snapshot at ten million tasks (a benchmark,
# not a test): scripts/bench-accounts.sh.
.PHONY: bench-accounts
bench-accounts: deps
	@scripts/bench-accounts.sh

# The router's drain rate (defaults, tuned, five in a row), beside PgQueuer and pgbench running the
# router's own SQL, and its pick-up latency (a benchmark, not a test): scripts/bench-router.sh.
.PHONY: bench-router
bench-router: deps
	@scripts/bench-router.sh all

# Time from a standby's promote to the first task finished on it, over five failovers (a
# benchmark, not a test): scripts/bench-failover.sh.
.PHONY: bench-failover
bench-failover: deps
	@scripts/bench-failover.sh failover

# Time from a dropped SSH session to the dashboard's exit, three ways of dropping it, five times
# each (a benchmark, not a test): scripts/bench-failover.sh ssh-drop.
.PHONY: bench-ssh-drop
bench-ssh-drop: deps
	@scripts/bench-failover.sh ssh-drop

# `switchyard stats --read-only` against a real hot standby (pg_basebackup of a small primary).
.PHONY: standby-check
standby-check: deps
	@scripts/standby-check.sh

# What --metrics-listen costs (a benchmark, not a test): /metrics in ms per scrape at ten million
# tasks, and the drain rate with a scrape every second beside the drain without it:
# scripts/bench-metrics.sh.
.PHONY: bench-metrics
bench-metrics: deps
	@scripts/bench-metrics.sh all
