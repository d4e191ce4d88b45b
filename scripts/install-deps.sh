#!/usr/bin/env bash
# Installs the Debian packages Switchyard builds and tests with, when they are missing.
# As root it runs apt-get; otherwise it says exactly what to install.
set -euo pipefail

missing=()
need() { dpkg -s "$1" >/dev/null 2>&1 || missing+=("$1"); }
need pkg-config
need libpq-dev
need libncurses-dev
# `switchyard archive`: gzip files (zlib) and their SHA-256 (OpenSSL's libcrypto).
need zlib1g-dev
need libssl-dev
need postgresql-15
need postgresql-client-15
need tmux
need locales
# Router tests run routers whose clocks are skewed (libfaketime).
need faketime
# The dashboard is tested over a real SSH session, with a private sshd the test starts.
need openssh-server
need openssh-client
# /metrics is checked with promtool and scraped by a real Prometheus server the test starts
# (Debian's package brings both). Alert webhooks go through libcurl, loaded with dlopen on the
# first one (Sources/CCurl); the metrics tests' requests through the tests' URLSession, which
# loads it too. systemd-analyze (from systemd)
# verifies the unit when it is there.
need prometheus
need libcurl4
# TLS verification is tested against `openssl s_server` with a certificate made at test time.
need openssl

if ! command -v swift >/dev/null 2>&1; then
    echo "swift is not on PATH. Install Swift 6 (swift.org) and add its bin folder to PATH." >&2
    exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing missing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # Installing prometheus (or openssh-server) must not start a system service that holds
    # ports the tests use: without a policy-rc.d of its own (containers usually have one),
    # service starts are refused for the install, and prometheus' own unit is stopped after.
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
        trap 'rm -f "$policy"' EXIT
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # The package enables its unit for the next boot: a test machine wants no Prometheus of its
    # own running (the tests start theirs on free ports).
    if [[ " ${missing[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
        systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
else
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
