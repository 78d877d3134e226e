#!/usr/bin/env bash
# Install the Debian 12 packages Tsubaki needs, only those that are missing.
# Idempotent; safe to run before every build.
set -euo pipefail

PKGS=(
	make gcc libc6-dev perl
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
	qemu-system-arm qemu-utils
	linux-source-6.1 bc bison flex libssl-dev libelf-dev cpio xz-utils kmod
	device-tree-compiler libfdt-dev
	libcmocka-dev liblz4-dev pkg-config cppcheck clang llvm binutils
	python3 python3-pytest python3-pexpect
	e2fsprogs
	gdb-multiarch python3-drgn python3-matplotlib
)

# Guest programs from Debian's arm64 packages, unpacked (not installed) into
# $TSUBAKI_CACHE/arm64-root for the initramfs overlays: Debian's makedumpfile
# reads /dev/tsubaki/vmcore in the tests, and runs in kdump's capture kernel.
# arm64 only: the ARMv7-A build (make ARCH=arm) has no makedumpfile overlay yet.
GUEST_PKGS=(
	makedumpfile libdw1 libelf1 liblzo2-2 zlib1g libbz2-1.0 liblzma5 libzstd1
	libc6 libgcc-s1
)

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
updated=0

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	$SUDO apt-get update -q
	updated=1
	$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

root="${TSUBAKI_CACHE:-$HOME/.cache/tsubaki}/arm64-root"
want="${GUEST_PKGS[*]}"
if [ "$(cat "$root/.packages" 2>/dev/null)" != "$want" ]; then
	echo "setup: unpacking arm64 ${want} into $root"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		$SUDO dpkg --add-architecture arm64
		updated=0
	fi
	[ $updated = 1 ] || $SUDO apt-get update -q
	tmp=$(mktemp -d)
	chmod 755 "$tmp"	# apt downloads as _apt
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q "${GUEST_PKGS[@]/%/:arm64}")
	rm -rf "$root.tmp"
	mkdir -p "$root.tmp"
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$root.tmp"
	done
	echo "$want" >"$root.tmp/.packages"
	rm -rf "$root"
	mv "$root.tmp" "$root"
fi
