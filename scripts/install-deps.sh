#!/usr/bin/env bash
# Installs the Debian packages Walloc's builds and tests need, only when something is missing.
# Usage: scripts/install-deps.sh [native|java|wasm|cross|all]   (default: all)
#   cross: the cross toolchains and emulators for linux-aarch_64 and windows-x86_64 (Debian's
#   gcc-aarch64-linux-gnu, mingw-w64 with the posix thread model, qemu-user, wine64, the
#   googletest sources) and, through multiarch (dpkg --add-architecture arm64), the arm64 JRE
#   that runs the Java tests under qemu.
set -euo pipefail
group=${1:-all}

native=(cmake g++ make libgtest-dev libbenchmark-dev libmimalloc-dev libjemalloc-dev
        clang lld libclang-rt-14-dev nlohmann-json3-dev)
java=(cmake g++ make maven openjdk-17-jdk-headless)
wasm=(emscripten binaryen nodejs npm chromium)
cross=(gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
       gcc-mingw-w64-x86-64-posix g++-mingw-w64-x86-64-posix wine64 googletest clang lld
       openjdk-17-jre-headless:arm64)

case "$group" in
  native) want=("${native[@]}") ;;
  java)   want=("${java[@]}") ;;
  wasm)   want=("${wasm[@]}") ;;
  cross)  want=("${cross[@]}") ;;
  all)    want=("${native[@]}" "${java[@]}" "${wasm[@]}" "${cross[@]}") ;;
  *) echo "install-deps.sh: unknown group '$group' (native, java, wasm, cross, all)" >&2; exit 2 ;;
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
if printf '%s\n' "${missing[@]}" | grep -q ':arm64$' && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
