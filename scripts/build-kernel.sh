#!/usr/bin/env bash
# Build the normal-world Linux kernel from Debian's linux-source-6.1 with the repo's config
# fragment. Build products live in a cache outside the clone, keyed by the source package
# version and the fragment, so a rebuild with nothing changed takes seconds.
#
#   scripts/build-kernel.sh OUTDIR [arm64|arm]
#
# arm64 (the default) builds with linux/tsubaki.config; arm (ARMv7-A, LPAE) with that
# fragment overridden symbol by symbol by linux/tsubaki-arm.config.
# Leaves OUTDIR/Image (arm64) or OUTDIR/zImage (arm), OUTDIR/vmlinux and a symlink OUTDIR/kbuild -> the kernel build tree
# (for out-of-tree modules, and its usr/gen_init_cpio for the initramfs). Cache root: $TSUBAKI_CACHE (default ~/.cache/tsubaki).
set -euo pipefail

# Bump when the recipe below changes in a way that changes the products.
RECIPE=1

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-kernel.sh OUTDIR}
karch=${2:-arm64}
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${TSUBAKI_CACHE:-$HOME/.cache/tsubaki}
jobs=${JOBS:-$(nproc)}
case "$karch" in
arm64) cross=aarch64-linux-gnu- target=Image ;;
arm) cross=arm-linux-gnueabihf- target=zImage ;;
*) echo "build-kernel: unknown architecture '$karch' (arm64 or arm)" >&2; exit 2 ;;
esac
mkdir -p "$cache"
# The effective fragment: the common one, with the architecture's own lines overriding it.
frag="$cache/.fragment-$karch.$$"
trap 'rm -f "$frag"' EXIT
if [ "$karch" = arm64 ]; then
	cp "$top/linux/tsubaki.config" "$frag"
else
	over="$top/linux/tsubaki-$karch.config"
	syms=$(grep -oE 'CONFIG_[A-Za-z0-9_]+' "$over" | sort -u)
	grep -vwF -f <(echo "$syms") "$top/linux/tsubaki.config" >"$frag" || true
	cat "$over" >>"$frag"
fi

[ -f "$tarball" ] || { echo "build-kernel: $tarball missing (run scripts/setup.sh)" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
# arm64 keeps its key from before the ARM port (the same words hashed).
key=$( { echo "recipe=$RECIPE src=$srcver cc=$(${cross}gcc -dumpversion)";
	[ "$karch" = arm64 ] || echo "arch=$karch"; cat "$frag"; } | sha256sum | cut -c1-16)
src="$cache/linux-src-$srcver"
bld="$cache/linux-build-$key"
mkdir -p "$out"

exec 9>"$cache/.lock"
flock 9

if [ ! -f "$src/.extracted" ]; then
	echo "build-kernel: extracting linux-source $srcver into $src"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	touch "$src.tmp/.extracted"
	mv "$src.tmp" "$src"
fi

if [ ! -f "$bld/.config-ok" ]; then
	echo "build-kernel: configuring ($bld)"
	mkdir -p "$bld"
	KCONFIG_ALLCONFIG="$frag" make -s -C "$src" O="$bld" ARCH=$karch \
		CROSS_COMPILE=$cross allnoconfig >/dev/null
	make -s -C "$src" O="$bld" ARCH=$karch CROSS_COMPILE=$cross olddefconfig >/dev/null
	bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF -- "$line" "$bld/.config" || {
				echo "build-kernel: fragment line lost: $line" >&2; bad=1; } ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			if grep -q "^$sym=" "$bld/.config"; then
				echo "build-kernel: fragment line lost: $line" >&2; bad=1
			fi ;;
		esac
	done <"$frag"
	[ $bad = 0 ] || exit 1
	touch "$bld/.config-ok"
fi

if [ ! -f "$bld/.build-ok" ] || [ "${FORCE:-0}" = 1 ]; then
	echo "build-kernel: building $target + modules for $karch with -j$jobs (about 7 min on 2 cores)"
	make -s -C "$src" O="$bld" ARCH=$karch CROSS_COMPILE=$cross -j"$jobs" $target modules
	touch "$bld/.build-ok"
fi

# The initramfs and the test overlays are written by the kernel's own cpio tool.
if [ ! -x "$bld/usr/gen_init_cpio" ]; then
	make -s -C "$src" O="$bld" ARCH=$karch CROSS_COMPILE=$cross usr/gen_init_cpio
fi

cp -f "$bld/arch/$karch/boot/$target" "$out/$target.tmp" && mv -f "$out/$target.tmp" "$out/$target"
ln -sfn "$bld/vmlinux" "$out/vmlinux"
ln -sfn "$bld" "$out/kbuild"
ln -sfn "$src" "$out/src"
echo "build-kernel: $(cat "$bld/include/config/kernel.release") ready (key $key)"
