#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine, then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests drive (none yet beyond Node; later: dnsutils, serf, chromium).
need=()
for pkg in $(cat scripts/apt-packages.txt 2>/dev/null); do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

# `npm install` (not `npm ci`): this npm records only some of msgpackr-extract's optional platform
# packages in the lock file and `npm ci` then refuses it; install still uses the locked versions.
npm install --no-audit --no-fund
npm test
