# Switchyard: `make run` opens the dashboard on a private database; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := build
.PHONY: deps build run run-live test clean db-start db-stop db-url

deps:
	@scripts/install-deps.sh

build: deps
	swift build

run: build
	@scripts/run.sh

# The same demo with one live account routed to the local broker simulator (asks for LIVE).
run-live: build
	@scripts/run-live.sh

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

# `migrate` adopting a live seed database of ten million tasks, before and after, and the longest
# wait of a writer beside it (a benchmark, not a test): scripts/bench-migrate.sh.
.PHONY: bench-migrate
bench-migrate: deps
	@scripts/bench-migrate.sh all

# The router's drain rate (defaults, tuned, five in a row), beside PgQueuer and pgbench running the
# router's own SQL, and its pick-up latency (a benchmark, not a test): scripts/bench-router.sh.
.PHONY: bench-router
bench-router: deps
	@scripts/bench-router.sh all

# Live routing against the broker simulator at 0 and 50 ms of broker latency, beside dry-run:
# orders/s and enqueue-to-answer latency (a benchmark, not a test): scripts/bench-live.sh.
.PHONY: bench-live
bench-live: deps
	@scripts/bench-live.sh all

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

# `switchyard archive` at ten million tasks: rows per second, its cost to a drain beside it (A/B
# pairs), snapshots and table sizes before and after, and batched deletes against dropping a
# monthly partition (a benchmark, not a test): scripts/bench-archive.sh.
.PHONY: bench-archive
bench-archive: deps
	@scripts/bench-archive.sh all

# Manual pages, one per command, generated from the argument parser by its generate-manual
# plugin and kept in docs/man/ (a test fails when they no longer match the commands). The fixed
# date keeps them byte-for-byte reproducible; change it when the commands change on purpose.
MAN_DATE := 2026-12-07
.PHONY: man
man: deps
	swift package plugin generate-manual --configuration debug --multi-page --date $(MAN_DATE)
	rm -f docs/man/*.1 && mkdir -p docs/man
	cp .build/plugins/GenerateManual/outputs/switchyard/*.1 docs/man/

# `make install PREFIX=/usr/local` (DESTDIR for packaging): the binary, the manual pages, bash,
# zsh and fish completions, and the router's systemd unit pointing at the installed binary.
# `make uninstall` removes exactly those files. SWITCHYARD_BIN installs another build instead
# of the release one (the tests install the debug build they already have).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man/man1
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
UNITDIR ?= $(PREFIX)/lib/systemd/system
RELEASE_BIN := .build/release/switchyard
SWITCHYARD_BIN ?= $(RELEASE_BIN)
MAN_PAGES := $(notdir $(wildcard docs/man/*.1))
UNIT := switchyard-router.service
.PHONY: install uninstall release

release: deps
	swift build -c release --product switchyard

install: $(if $(filter $(RELEASE_BIN),$(SWITCHYARD_BIN)),release)
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)" "$(DESTDIR)$(BASHCOMPDIR)" \
		"$(DESTDIR)$(ZSHCOMPDIR)" "$(DESTDIR)$(FISHCOMPDIR)" "$(DESTDIR)$(UNITDIR)"
	install -m 0755 "$(SWITCHYARD_BIN)" "$(DESTDIR)$(BINDIR)/switchyard"
	install -m 0644 $(addprefix docs/man/,$(MAN_PAGES)) "$(DESTDIR)$(MANDIR)/"
	"$(SWITCHYARD_BIN)" --generate-completion-script bash > "$(DESTDIR)$(BASHCOMPDIR)/switchyard"
	"$(SWITCHYARD_BIN)" --generate-completion-script zsh > "$(DESTDIR)$(ZSHCOMPDIR)/_switchyard"
	"$(SWITCHYARD_BIN)" --generate-completion-script fish > "$(DESTDIR)$(FISHCOMPDIR)/switchyard.fish"
	sed 's|^ExecStart=/usr/local/bin/switchyard |ExecStart=$(BINDIR)/switchyard |' \
		Resources/systemd/$(UNIT) > "$(DESTDIR)$(UNITDIR)/$(UNIT)"
	chmod 0644 "$(DESTDIR)$(BASHCOMPDIR)/switchyard" "$(DESTDIR)$(ZSHCOMPDIR)/_switchyard" \
		"$(DESTDIR)$(FISHCOMPDIR)/switchyard.fish" "$(DESTDIR)$(UNITDIR)/$(UNIT)"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/switchyard" $(foreach page,$(MAN_PAGES),"$(DESTDIR)$(MANDIR)/$(page)") \
		"$(DESTDIR)$(BASHCOMPDIR)/switchyard" "$(DESTDIR)$(ZSHCOMPDIR)/_switchyard" \
		"$(DESTDIR)$(FISHCOMPDIR)/switchyard.fish" "$(DESTDIR)$(UNITDIR)/$(UNIT)"
