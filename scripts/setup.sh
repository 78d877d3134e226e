#!/usr/bin/env bash
# Install the Debian 12 packages Tsubaki needs, only those that are missing.
# Idempotent; safe to run before every build.
set -euo pipefail

PKGS=(
	make gcc libc6-dev perl
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	qemu-system-arm qemu-utils
	linux-source-6.1 bc bison flex libssl-dev libelf-dev cpio xz-utils kmod
	device-tree-compiler libfdt-dev
	libcmocka-dev pkg-config cppcheck clang binutils
	python3 python3-pytest python3-pexpect
	gdb-multiarch python3-drgn python3-matplotlib
)

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
