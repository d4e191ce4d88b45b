#!/usr/bin/env bash
# Installs the Debian packages Switchyard builds and tests with, when they are missing.
# As root it runs apt-get; otherwise it says exactly what to install.
set -euo pipefail

missing=()
need() { dpkg -s "$1" >/dev/null 2>&1 || missing+=("$1"); }
need pkg-config
need libpq-dev
need libncurses-dev
need postgresql-15
need postgresql-client-15
need tmux
need locales
# Router tests run routers whose clocks are skewed (libfaketime).
need faketime
# The dashboard is tested over a real SSH session, with a private sshd the test starts.
need openssh-server
need openssh-client
# Alert webhooks go through Foundation's URLSession, which loads libcurl at run time.
need libcurl4

if ! command -v swift >/dev/null 2>&1; then
    echo "swift is not on PATH. Install Swift 6 (swift.org) and add its bin folder to PATH." >&2
    exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing missing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
