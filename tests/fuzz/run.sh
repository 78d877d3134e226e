#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build and run the fuzz targets for a bounded time each:
#   fuzz_dump       tsubaki-dump's reader, list/info/verify and the vmcore
#                   exporter (tests/fuzz/fuzz_dump.c)
#   fuzz_pageclass  the firmware's page-data reader and its arm64 table walk
#                   (tests/fuzz/fuzz_pageclass.c)
# then a coverage build of fuzz_pageclass, run once over its corpus, and
# llvm-cov's line and branch coverage of pageclass.c and ns_walk.c:
#
#   tests/fuzz/run.sh [SECONDS]          (default 60, for each target)
#
# Needs Debian's clang and llvm (scripts/setup.sh installs both; llvm-cov and llvm-profdata
# come with it). Environment:
#   FUZZ_OUT=DIR   build and corpus directory (default build/fuzz)
#   FUZZ_JOBS=N    parallel fuzzing processes (default 1)
# The corpora grow in $FUZZ_OUT/corpus (fuzz_dump) and
# $FUZZ_OUT/pageclass/corpus (seeds are regenerated into $FUZZ_OUT/seeds
# and $FUZZ_OUT/pageclass/seeds each run); crashes, leaks, timeouts and
# out-of-memory inputs are written to $FUZZ_OUT/artifacts/ (fuzz_pageclass's
# named pageclass-*) and make the script exit non-zero (also those of
# earlier runs: delete them once fixed). Reproduce one with
#   $FUZZ_OUT/fuzz_dump $FUZZ_OUT/artifacts/crash-...
#   $FUZZ_OUT/fuzz_pageclass $FUZZ_OUT/artifacts/pageclass-crash-...
set -eu
cd "$(dirname "$0")/../.."
SECS=${1:-60}
OUT=${FUZZ_OUT:-build/fuzz}
JOBS=${FUZZ_JOBS:-1}
CC=${FUZZ_CC:-clang}
PROFDATA=${FUZZ_PROFDATA:-llvm-profdata}
COV=${FUZZ_COV:-llvm-cov}

mkdir -p "$OUT/corpus" "$OUT/seeds" "$OUT/artifacts" \
	"$OUT/pageclass/corpus" "$OUT/pageclass/seeds" "$OUT/pageclass/cov"
OUT=$(cd "$OUT" && pwd)
TOP=$(pwd)
LIB=$(ls tools/dump/*.c | grep -v '/tsubaki-dump\.c$')
PC_SRCS="firmware/dump/pageclass.c firmware/arch/aarch64/ns_walk.c"
PC_INC="-Ifirmware/include -Iinclude -Ifirmware/arch/aarch64"
# shellcheck disable=SC2086
$CC -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iinclude -Itools/dump tests/fuzz/fuzz_dump.c $LIB -o "$OUT/fuzz_dump"
# shellcheck disable=SC2086
$CC -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	$PC_INC tests/fuzz/fuzz_pageclass.c $PC_SRCS -o "$OUT/fuzz_pageclass"
# shellcheck disable=SC2086
$CC -g -O1 -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
	$PC_INC tests/fuzz/fuzz_pageclass.c $PC_SRCS -o "$OUT/fuzz_pageclass_cov"
/usr/bin/python3 tests/fuzz/make_seeds.py "$OUT/seeds"
/usr/bin/python3 tests/fuzz/make_pageclass_seeds.py "$OUT/pageclass/seeds"

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

# coverage of the page-data reader over its corpus and seeds
rm -f "$OUT"/pageclass/cov/*.profraw
(cd "$OUT/pageclass/cov" && LLVM_PROFILE_FILE="$OUT/pageclass/cov/run-%p.profraw" \
	"$OUT/fuzz_pageclass_cov" -runs=0 -max_len=300000 "$OUT/pageclass/corpus" \
	"$OUT/pageclass/seeds" >"$OUT/pageclass/cov/run.log" 2>&1) ||
	{ tail -20 "$OUT/pageclass/cov/run.log" >&2; rc=1; }
if ls "$OUT"/pageclass/cov/*.profraw >/dev/null 2>&1; then
	"$PROFDATA" merge -sparse "$OUT"/pageclass/cov/*.profraw \
		-o "$OUT/pageclass/cov/pageclass.profdata"
	echo "run.sh: coverage of the page-data reader (fuzz_pageclass corpus):"
	# shellcheck disable=SC2086
	"$COV" report "$OUT/fuzz_pageclass_cov" \
		-instr-profile="$OUT/pageclass/cov/pageclass.profdata" \
		-show-region-summary=false -show-branch-summary \
		"$TOP/firmware/dump/pageclass.c" "$TOP/firmware/arch/aarch64/ns_walk.c"
fi

if ls "$OUT"/artifacts/crash-* "$OUT"/artifacts/leak-* "$OUT"/artifacts/timeout-* \
	"$OUT"/artifacts/oom-* "$OUT"/artifacts/pageclass-crash-* \
	"$OUT"/artifacts/pageclass-leak-* "$OUT"/artifacts/pageclass-timeout-* \
	"$OUT"/artifacts/pageclass-oom-* >/dev/null 2>&1; then
	echo "run.sh: findings in $OUT/artifacts/" >&2
	exit 1
fi
exit $rc
