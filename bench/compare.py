#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The paper's figures 7-9 side by side on the two machines: AArch64
(Cortex-A57) and ARMv7-A (Cortex-A15, the paper's CPU), from two runs of
bench/run.py made one after the other with the same settings (make
bench-arm does both, then this).

    bench/compare.py ARM64_DIR ARM_DIR [--out FILE]

Writes FILE (default ARM_DIR/compare.md): for each figure the medians and
ranges of both runs and their ratio (ARMv7-A / AArch64), with the paper's
Jetson TK1 numbers beside them. Reports; asserts nothing.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import report   # noqa: E402


def load(d):
    with open(os.path.join(d, "results.json")) as f:
        return json.load(f)


def med(values):
    n, m, lo, hi = report.stats([v for v in values if v is not None])
    return m, lo, hi, n


def cell(values, nd=2):
    m, lo, hi, n = med(values)
    if m is None:
        return "-"
    return "%.*f (%.*f-%.*f, n=%d)" % (nd, m, nd, lo, nd, hi, n)


def ratio(a, b):
    ma, mb = med(a)[0], med(b)[0]
    return "%.2f" % (mb / ma) if ma and mb else "-"


def fig_a_rows(res):
    return {s["label"]: [r["host_s"] for r in report.ok_rows(res, "a", s["label"])]
            for s in report.fig_a(res)}


def compare(r64, r32):
    out = []
    w = out.append
    w("# Figures 7-9 on AArch64 and on ARMv7-A\n")
    for name, res in (("AArch64", r64), ("ARMv7-A", r32)):
        st = res["settings"]
        w("- %s: `bench/run.py %s` (preset %s, %d MiB, disk %s B/s, %d runs each), "
          "Tsubaki %s" % (name, " ".join(res.get("argv", [])), st["preset"], st["mem"],
                          st["throttle"] or "unthrottled", st["reps"],
                          res["host"].get("git")))
    for k in ("mem", "throttle", "reps", "windows", "mem_window", "grant"):
        if r64["settings"].get(k) != r32["settings"].get(k):
            w("\n**The two runs differ in %s** (%s vs %s): the ratios below compare "
              "unlike runs." % (k, r64["settings"].get(k), r32["settings"].get(k)))
    w("\nMedians over the runs, range and n in brackets; ratio = ARMv7-A / AArch64.\n")

    w("## Figure 7: downtime (panic -> Linux back, host clock, s) by primary-dump size\n")
    w("| window | AArch64 | ARMv7-A | ratio |\n|---|---|---|---|")
    a64, a32 = fig_a_rows(r64), fig_a_rows(r32)
    for lab in sorted(set(a64) | set(a32), key=report.window_key):
        name = "plain reboot" if lab == "reboot" else "%s MiB" % lab if lab != "all" else "all"
        w("| %s | %s | %s | %s |" % (name, cell(a64.get(lab, [])), cell(a32.get(lab, [])),
                                     ratio(a64.get(lab, []), a32.get(lab, []))))

    w("\n## Figure 8: memory after a crash restart (64 MiB window)\n")
    w("| | AArch64 | ARMv7-A | ratio |\n|---|---|---|---|")
    c64, c32 = report.ok_rows(r64, "c"), report.ok_rows(r32, "c")
    for key, lab, nd in (("fw_downtime_s", "downtime (firmware clock, s)", 2),
                         ("first_mib", "MiB usable at the first sample", 0),
                         ("final_mib", "MiB usable at the end", 0),
                         ("t_final_s", "s until all of it", 1)):
        w("| %s | %s | %s | %s |" % (lab, cell(report.col(c64, key), nd),
                                     cell(report.col(c32, key), nd),
                                     ratio(report.col(c64, key), report.col(c32, key))))

    w("\n## Figure 9: CPU overhead of the secondary dump (1 CPU)\n")
    w("| | AArch64 | ARMv7-A | ratio | paper (Jetson TK1) |\n|---|---|---|---|---|")
    d64 = [report.cpu_row(r) for r in report.ok_rows(r64, "d")]
    d32 = [report.cpu_row(r) for r in report.ok_rows(r32, "d")]
    for key, lab, paper in (("overhead_pct", "spin slowdown during the dump (%)",
                             "%.2f" % report.PAPER["overhead_pct"]),
                            ("cpu_share_pct", "FIQ + hand-back time / dump time (%)", "-"),
                            ("fiq_us_mean", "time per FIQ (us)", "-"),
                            ("handback_us_mean", "time per hand-back (us)", "-"),
                            ("secondary_MBps", "secondary dump (MB/s)", "-")):
        v64, v32 = [r.get(key) for r in d64], [r.get(key) for r in d32]
        w("| %s | %s | %s | %s | %s |" % (lab, cell(v64), cell(v32), ratio(v64, v32), paper))
    fails = [(n, r) for n, res in (("AArch64", r64), ("ARMv7-A", r32))
             for r in res["runs"] if not r["ok"]]
    w("\n## Failed runs\n")
    if fails:
        for n, r in fails:
            w("- %s %s %s rep %s: %s" % (n, r["figure"], r["label"], r["rep"], r.get("error")))
    else:
        w("None.")
    return "\n".join(out) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("arm64_dir", help="results of bench/run.py (AArch64)")
    p.add_argument("arm_dir", help="results of bench/run.py --arch arm")
    p.add_argument("--out", help="where to write (default: ARM_DIR/compare.md)")
    a = p.parse_args(argv)
    try:
        r64, r32 = load(a.arm64_dir), load(a.arm_dir)
    except (OSError, ValueError) as e:
        p.error("cannot read the results: %s" % e)
    if r64["settings"].get("arch", "arm64") != "arm64" or r32["settings"].get("arch") != "arm":
        p.error("want an AArch64 run first and an --arch arm run second")
    out = a.out or os.path.join(a.arm_dir, "compare.md")
    with open(out, "w") as f:
        f.write(compare(r64, r32))
    print("compare: wrote %s" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
