#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build and run the fuzz targets for a bounded time each:
#   fuzz_dump       tsubaki-dump's reader, list/info/verify and the vmcore
#                   exporter (tests/fuzz/fuzz_dump.c)
#   fuzz_pageclass  the firmware's page-data reader and its arm64 table walk
#                   (tests/fuzz/fuzz_pageclass.c)
#   fuzz_lz4        the shared LZ4 block decoder and the firmware's compressor,
#                   against liblz4 (tests/fuzz/fuzz_lz4.c)
# then coverage builds of fuzz_pageclass and fuzz_lz4, each run once over its
# corpus, and llvm-cov's line and branch coverage of pageclass.c and
# ns_walk.c, and of lib/lz4.c and include/tsubaki/lz4.h:
#
#   tests/fuzz/run.sh [SECONDS]          (default 60, for each target)
#
# Needs Debian's clang, llvm and liblz4-dev (scripts/setup.sh installs them; llvm-cov and
# llvm-profdata come with llvm). Environment:
#   FUZZ_OUT=DIR   build and corpus directory (default build/fuzz)
#   FUZZ_JOBS=N    parallel fuzzing processes (default 1)
# The corpora grow in $FUZZ_OUT/corpus (fuzz_dump), $FUZZ_OUT/pageclass/corpus
# and $FUZZ_OUT/lz4/corpus (seeds are regenerated into $FUZZ_OUT/seeds,
# $FUZZ_OUT/pageclass/seeds and $FUZZ_OUT/lz4/seeds each run); crashes,
# leaks, timeouts and out-of-memory inputs are written to $FUZZ_OUT/artifacts/
# (fuzz_pageclass's named pageclass-*, fuzz_lz4's lz4-*) and make the script
# exit non-zero (also those of earlier runs: delete them once fixed).
# Reproduce one with
#   $FUZZ_OUT/fuzz_dump $FUZZ_OUT/artifacts/crash-...
#   $FUZZ_OUT/fuzz_pageclass $FUZZ_OUT/artifacts/pageclass-crash-...
#   $FUZZ_OUT/fuzz_lz4 $FUZZ_OUT/artifacts/lz4-crash-...
set -eu
cd "$(dirname "$0")/../.."
SECS=${1:-60}
OUT=${FUZZ_OUT:-build/fuzz}
JOBS=${FUZZ_JOBS:-1}
CC=${FUZZ_CC:-clang}
PROFDATA=${FUZZ_PROFDATA:-llvm-profdata}
COV=${FUZZ_COV:-llvm-cov}

mkdir -p "$OUT/corpus" "$OUT/seeds" "$OUT/artifacts" \
	"$OUT/pageclass/corpus" "$OUT/pageclass/seeds" "$OUT/pageclass/cov" \
	"$OUT/lz4/corpus" "$OUT/lz4/seeds" "$OUT/lz4/cov"
OUT=$(cd "$OUT" && pwd)
TOP=$(pwd)
LIB=$(ls tools/dump/*.c | grep -v '/tsubaki-dump\.c$')
PC_SRCS="firmware/dump/pageclass.c firmware/arch/aarch64/ns_walk.c firmware/arch/lpae/walk.c"
PC_INC="-Ifirmware/include -Iinclude -Ifirmware/arch/lpae"
LZ_SRCS="tests/fuzz/fuzz_lz4.c firmware/lib/lz4.c"
# shellcheck disable=SC2086
$CC -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iinclude -Itools/dump tests/fuzz/fuzz_dump.c $LIB -o "$OUT/fuzz_dump"
# shellcheck disable=SC2086
$CC -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	$PC_INC tests/fuzz/fuzz_pageclass.c $PC_SRCS -o "$OUT/fuzz_pageclass"
# shellcheck disable=SC2086
$CC -g -O1 -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
	$PC_INC tests/fuzz/fuzz_pageclass.c $PC_SRCS -o "$OUT/fuzz_pageclass_cov"
# shellcheck disable=SC2086
$CC -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Ifirmware/include -Iinclude $LZ_SRCS -llz4 -o "$OUT/fuzz_lz4"
# shellcheck disable=SC2086
$CC -g -O1 -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
	-Ifirmware/include -Iinclude $LZ_SRCS -llz4 -o "$OUT/fuzz_lz4_cov"
/usr/bin/python3 tests/fuzz/make_seeds.py "$OUT/seeds"
/usr/bin/python3 tests/fuzz/make_pageclass_seeds.py "$OUT/pageclass/seeds"
/usr/bin/python3 tests/fuzz/make_lz4_seeds.py "$OUT/lz4/seeds"

# fuzz TARGET PREFIX MAX_LEN CORPUS SEEDS: one target for SECS seconds
fuzz() {
	set -- "$1" -max_total_time="$SECS" -max_len="$3" -timeout=20 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$OUT/artifacts/$2" "$4" "$5"
	if [ "$JOBS" -gt 1 ]; then
		set -- "$@" -jobs="$JOBS" -workers="$JOBS"
	fi
	mkdir -p "$OUT/logs-$(basename "$1")"
	# with FUZZ_JOBS, libFuzzer writes fuzz-N.log in the current directory
	(cd "$OUT/logs-$(basename "$1")" && "$@")
}

rc=0
fuzz "$OUT/fuzz_dump" "" 262144 "$OUT/corpus" "$OUT/seeds" || rc=1
fuzz "$OUT/fuzz_pageclass" pageclass- 300000 "$OUT/pageclass/corpus" \
	"$OUT/pageclass/seeds" || rc=1
fuzz "$OUT/fuzz_lz4" lz4- 65539 "$OUT/lz4/corpus" "$OUT/lz4/seeds" || rc=1

# coverage NAME WHAT MAX_LEN FILES...: the coverage build of fuzz_NAME run once
# over its corpus and seeds ($OUT/NAME/), then llvm-cov's report on FILES
coverage() {
	name=$1 what=$2 max=$3
	shift 3
	rm -f "$OUT/$name"/cov/*.profraw
	(cd "$OUT/$name/cov" && LLVM_PROFILE_FILE="$OUT/$name/cov/run-%p.profraw" \
		"$OUT/fuzz_${name}_cov" -runs=0 -max_len="$max" "$OUT/$name/corpus" \
		"$OUT/$name/seeds" >"$OUT/$name/cov/run.log" 2>&1) ||
		{ tail -20 "$OUT/$name/cov/run.log" >&2; return 1; }
	ls "$OUT/$name"/cov/*.profraw >/dev/null 2>&1 || return 0
	"$PROFDATA" merge -sparse "$OUT/$name"/cov/*.profraw -o "$OUT/$name/cov/$name.profdata"
	echo "run.sh: coverage of $what (fuzz_$name corpus):"
	"$COV" report "$OUT/fuzz_${name}_cov" -instr-profile="$OUT/$name/cov/$name.profdata" \
		-show-region-summary=false -show-branch-summary "$@"
}
coverage pageclass "the page-data reader" 300000 \
	"$TOP/firmware/dump/pageclass.c" "$TOP/firmware/arch/aarch64/ns_walk.c" "$TOP/firmware/arch/lpae/walk.c" || rc=1
coverage lz4 "the LZ4 codecs" 65539 \
	"$TOP/firmware/lib/lz4.c" "$TOP/include/tsubaki/lz4.h" || rc=1

if ls "$OUT"/artifacts/crash-* "$OUT"/artifacts/leak-* "$OUT"/artifacts/timeout-* \
	"$OUT"/artifacts/oom-* "$OUT"/artifacts/pageclass-crash-* \
	"$OUT"/artifacts/pageclass-leak-* "$OUT"/artifacts/pageclass-timeout-* \
	"$OUT"/artifacts/pageclass-oom-* "$OUT"/artifacts/lz4-crash-* \
	"$OUT"/artifacts/lz4-leak-* "$OUT"/artifacts/lz4-timeout-* \
	"$OUT"/artifacts/lz4-oom-* >/dev/null 2>&1; then
	echo "run.sh: findings in $OUT/artifacts/" >&2
	exit 1
fi
exit $rc
