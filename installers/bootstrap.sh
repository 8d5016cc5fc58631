#!/usr/bin/env bash
# Idempotent set-up for `make run` / `make test`: Debian packages (as root, only when missing), the venv, the
# project with torch pinned to the CPU build, and the demo model. Each step leaves a stamp keyed by the hash
# of its inputs, so a second run with nothing changed takes well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
STAMPS=.stamps
mkdir -p "$STAMPS"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# Libraries Qt needs for offscreen and Xvfb windows, and the tools deploy needs.
DEBIAN_PACKAGES=(xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon0 libxkbcommon-x11-0
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6
  libxkbfile1 libasound2
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)

missing_debian_packages() {
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

if command -v dpkg-query >/dev/null; then
  missing=$(missing_debian_packages)
  if [[ -n "$missing" ]]; then
    if [[ $(id -u) -eq 0 ]]; then
      log "installing Debian packages: $missing"
      apt-get update -qq
      # shellcheck disable=SC2086
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    else
      log "warning: missing Debian packages (run as root or install them): $missing"
    fi
  fi
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi

deps_hash=$(cat pyproject.toml installers/bootstrap.sh | sha256sum | cut -c1-16)
if [[ ! -f "$STAMPS/deps-$deps_hash" ]]; then
  log "installing the project and its dependencies (torch==2.13.0, CPU build)"
  # torch first and pinned, so nothing pulls a CUDA build.
  "$VENV/bin/python" -m pip install -q "torch==2.13.0"
  "$VENV/bin/python" -m pip install -q -e ".[dev]"
  rm -f "$STAMPS"/deps-*
  touch "$STAMPS/deps-$deps_hash"
fi

# Optional extra: Ray (architecture search and distillation on a cluster), installed so `make test` covers it.
# It does not depend on torch, so the pinned CPU build stays.
if [[ ! -f "$STAMPS/ray-$deps_hash" ]]; then
  log "installing the Ray extra (ray[train])"
  "$VENV/bin/python" -m pip install -q -e ".[ray]"
  rm -f "$STAMPS"/ray-*
  touch "$STAMPS/ray-$deps_hash"
fi

# The demo model is trained here (seconds on digits) unless it is already present and current.
"$VENV/bin/python" -m studio.zoo.demo --quiet

# The quantum benchmark's baselines (qiskit-machine-learning, PennyLane): the `bench` extra, installed here too.
bench_hash=$(cat pyproject.toml | sha256sum | cut -c1-16)
if [[ ! -f "$STAMPS/bench-$bench_hash" ]]; then
  log "installing the benchmark baselines (the bench extra)"
  if "$VENV/bin/python" -m pip install -q -e ".[bench]"; then
    rm -f "$STAMPS"/bench-*
    touch "$STAMPS/bench-$bench_hash"
  else
    log "warning: the bench extra did not install; benchmarks/bench_quantum.py will name the missing baseline"
  fi
fi

# Byte-compile the studio once here: with PYTHONDONTWRITEBYTECODE set (as on CI machines) every launch would
# otherwise recompile ~200 modules before the window can show. compileall skips files that are up to date.
"$VENV/bin/python" -m compileall -q -j 0 studio plugins benchmarks >/dev/null
