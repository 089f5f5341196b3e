#!/usr/bin/env bash
# Installs the Debian packages Walloc's builds and tests need, only when something is missing.
# Usage: scripts/install-deps.sh [native|java|wasm|all]   (default: all)
set -euo pipefail
group=${1:-all}

native=(cmake g++ make libgtest-dev libbenchmark-dev libmimalloc-dev libjemalloc-dev
        clang lld libclang-rt-14-dev nlohmann-json3-dev)
java=(cmake g++ make maven openjdk-17-jdk-headless)
wasm=(emscripten binaryen nodejs npm chromium)

case "$group" in
  native) want=("${native[@]}") ;;
  java)   want=("${java[@]}") ;;
  wasm)   want=("${wasm[@]}") ;;
  all)    want=("${native[@]}" "${java[@]}" "${wasm[@]}") ;;
  *) echo "install-deps.sh: unknown group '$group' (native, java, wasm, all)" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from outside Debian on some images: accept working commands.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' | sort -u || true))
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

echo "install-deps.sh: installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
