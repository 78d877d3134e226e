#!/usr/bin/env bash
# Build the normal-world Linux kernel from Debian's linux-source-6.1 with the repo's config
# fragment. Build products live in a cache outside the clone, keyed by the source package
# version and the fragment, so a rebuild with nothing changed takes seconds.
#
#   scripts/build-kernel.sh OUTDIR
#
# Leaves OUTDIR/Image, OUTDIR/vmlinux and a symlink OUTDIR/kbuild -> the kernel build tree
# (for out-of-tree modules, and its usr/gen_init_cpio for the initramfs). Cache root: $TSUBAKI_CACHE (default ~/.cache/tsubaki).
set -euo pipefail

# Bump when the recipe below changes in a way that changes the products.
RECIPE=1

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-kernel.sh OUTDIR}
frag="$top/linux/tsubaki.config"
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${TSUBAKI_CACHE:-$HOME/.cache/tsubaki}
jobs=${JOBS:-$(nproc)}
cross=aarch64-linux-gnu-

[ -f "$tarball" ] || { echo "build-kernel: $tarball missing (run scripts/setup.sh)" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( { echo "recipe=$RECIPE src=$srcver cc=$(${cross}gcc -dumpversion)"; cat "$frag"; } |
	sha256sum | cut -c1-16)
src="$cache/linux-src-$srcver"
bld="$cache/linux-build-$key"
mkdir -p "$cache" "$out"

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
	KCONFIG_ALLCONFIG="$frag" make -s -C "$src" O="$bld" ARCH=arm64 \
		CROSS_COMPILE=$cross allnoconfig >/dev/null
	make -s -C "$src" O="$bld" ARCH=arm64 CROSS_COMPILE=$cross olddefconfig >/dev/null
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
	echo "build-kernel: building Image + modules with -j$jobs (about 7 min on 2 cores)"
	make -s -C "$src" O="$bld" ARCH=arm64 CROSS_COMPILE=$cross -j"$jobs" Image modules
	touch "$bld/.build-ok"
fi

# The initramfs and the test overlays are written by the kernel's own cpio tool.
if [ ! -x "$bld/usr/gen_init_cpio" ]; then
	make -s -C "$src" O="$bld" ARCH=arm64 CROSS_COMPILE=$cross usr/gen_init_cpio
fi

cp -f "$bld/arch/arm64/boot/Image" "$out/Image.tmp" && mv -f "$out/Image.tmp" "$out/Image"
ln -sfn "$bld/vmlinux" "$out/vmlinux"
ln -sfn "$bld" "$out/kbuild"
ln -sfn "$src" "$out/src"
echo "build-kernel: $(cat "$bld/include/config/kernel.release") ready (key $key)"
