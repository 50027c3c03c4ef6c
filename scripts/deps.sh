#!/usr/bin/env bash
# Install the Debian packages salthunt builds, tests and benchmarks with.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config
  libhyperscan-dev libpcre2-dev libsqlite3-dev libyaml-dev libjansson-dev zlib1g-dev libzstd-dev
  libssl-dev openssl
  clang clang-format libclang-rt-14-dev
  python3 python3-jsonschema python3-yaml
  sqlite3 ripgrep hyperfine rsyslog bsdutils zstd gzip curl bc
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
