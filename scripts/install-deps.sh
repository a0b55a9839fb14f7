#!/usr/bin/env bash
# Install the Debian packages lfvpci needs to build, test and benchmark.
# Installs only what is missing; does nothing when everything is present.
# Usage: scripts/install-deps.sh [build|bench|xen|xen-boot|fuzz]...   (default: build)
set -euo pipefail

# pciutils and python3: the CLI tests decode lfvpci's dumps with lspci.
want=(cmake make gcc g++ pkg-config liburcu-dev libck-dev libjemalloc-dev
      libbenchmark-dev pciutils python3)
for group in "${@:-build}"; do
    case "$group" in
    build) ;;
    bench) want+=(linux-perf valgrind python3-matplotlib) ;;
    fuzz) want+=(clang libclang-rt-14-dev) ;; # libFuzzer, ASan, UBSan
    xen) want+=(dpkg-dev bison flex python3 gcc-aarch64-linux-gnu
                libc6-dev-arm64-cross) ;;
    xen-boot) want+=(qemu-system-arm ipxe-qemu cpio gzip dpkg) ;;
    *) echo "install-deps: unknown group '$group'" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run as root (or install them) and retry" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
