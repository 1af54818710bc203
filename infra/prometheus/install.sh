#!/usr/bin/env bash
# Installs Prometheus (Debian's package) for the test that has it scrape a running worker; nothing
# is started here: the test runs its own server on a free port with its own config and data folder.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
if [[ $(id -u) != 0 ]]; then
  echo "Prometheus is missing: install Debian's package (sudo apt-get install prometheus)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: the server alone (no node exporter); policy-rc.d keeps the package's
# service from starting where a service manager exists.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v prometheus >/dev/null
