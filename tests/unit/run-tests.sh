#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# run-tests.sh OUTDIR DTB TEST... - run the cmocka binaries OUTDIR/TEST with
# TAP output and count test cases. A binary that dies (sanitizer report,
# signal) counts every case it did not report as passed or skipped as failed,
# and a non-zero exit after all cases passed counts as one failure. The last
# line is "unit: N passed, M failed"; the exit status is 1 when M > 0.

out=$1
dtb=$2
shift 2

pass=0
fail=0
skip=0
for t in "$@"; do
	log=$out/$t.log
	CMOCKA_MESSAGE_OUTPUT=TAP TSUBAKI_UNIT_DTB=$dtb \
		"$out/$t" "$dtb" >"$log" 2>&1
	rc=$?
	read plan p s <<EOF
$(awk '
		/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0 }
		/^(not )?ok [0-9]+/ && /# SKIP/ { s++; next }
		/^ok [0-9]+/ { p++ }
		END { print plan + 0, p + 0, s + 0 }' "$log")
EOF
	# A skipped case is not a pass: count it as failed.
	f=$((plan - p))
	[ "$plan" -eq 0 ] && f=1
	[ "$rc" -ne 0 ] && [ "$f" -le 0 ] && f=1
	[ "$f" -lt 0 ] && f=0
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	if [ "$f" -ne 0 ]; then
		echo "---- $t (exit status $rc) ----"
		cat "$log"
		echo "----"
	fi
	printf '  %-16s %3d passed, %d failed, %d skipped\n' "$t" "$p" "$f" "$s"
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
