#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build and run the tsubaki-dump fuzz target (tests/fuzz/fuzz_dump.c) for a
# bounded time:
#
#   tests/fuzz/run.sh [SECONDS]          (default 60)
#
# Needs Debian's clang (apt-get install -y clang). Environment:
#   FUZZ_OUT=DIR   build and corpus directory (default build/fuzz)
#   FUZZ_JOBS=N    parallel fuzzing processes (default 1)
# The corpus grows in $FUZZ_OUT/corpus (seeds are regenerated into
# $FUZZ_OUT/seeds each run); crashes, leaks, timeouts and out-of-memory
# inputs are written to $FUZZ_OUT/artifacts/ and make the script exit
# non-zero (also those of earlier runs: delete them once fixed). Reproduce
# one with
#   $FUZZ_OUT/fuzz_dump $FUZZ_OUT/artifacts/crash-...
set -eu
cd "$(dirname "$0")/../.."
SECS=${1:-60}
OUT=${FUZZ_OUT:-build/fuzz}
JOBS=${FUZZ_JOBS:-1}
CC=${FUZZ_CC:-clang}

mkdir -p "$OUT/corpus" "$OUT/seeds" "$OUT/artifacts"
OUT=$(cd "$OUT" && pwd)
LIB=$(ls tools/dump/*.c | grep -v '/tsubaki-dump\.c$')
# shellcheck disable=SC2086
$CC -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iinclude -Itools/dump tests/fuzz/fuzz_dump.c $LIB -o "$OUT/fuzz_dump"
/usr/bin/python3 tests/fuzz/make_seeds.py "$OUT/seeds"

set -- -max_total_time="$SECS" -max_len=262144 -timeout=20 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$OUT/artifacts/"
if [ "$JOBS" -gt 1 ]; then
	set -- "$@" -jobs="$JOBS" -workers="$JOBS"
fi
cd "$OUT"	# with FUZZ_JOBS, libFuzzer writes fuzz-N.log here
"$OUT/fuzz_dump" "$@" "$OUT/corpus" "$OUT/seeds"
if ls "$OUT"/artifacts/crash-* "$OUT"/artifacts/leak-* "$OUT"/artifacts/timeout-* \
	"$OUT"/artifacts/oom-* >/dev/null 2>&1; then
	echo "run.sh: findings in $OUT/artifacts/" >&2
	exit 1
fi
