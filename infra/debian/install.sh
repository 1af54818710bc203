#!/usr/bin/env bash
# Installs the Debian packages the integration tests use as real clients: Prometheus (scrapes a
# running worker) and kcat (produces with librdkafka's default partitioner, as many users' producers
# do). Nothing is started here: each test runs its own process with its own config.
set -euo pipefail
# command -> Debian package
declare -A PACKAGES=([prometheus]=prometheus [kcat]=kcat)
missing=()
for command in "${!PACKAGES[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${PACKAGES[$command]}")
done
if [[ ${#missing[@]} == 0 ]]; then
  exit 0
fi
if [[ $(id -u) != 0 ]]; then
  echo "missing: install Debian's packages (sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: the programs alone (no node exporter); policy-rc.d keeps a package's
# service from starting where a service manager exists.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for command in "${!PACKAGES[@]}"; do
  command -v "$command" >/dev/null
done
