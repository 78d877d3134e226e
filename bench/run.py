#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Tsubaki benchmarks: the paper's evaluation, reproduced under QEMU.

  bench/run.py                 full run -> bench/results/<YYYY-MM-DD>/ (make bench)
  bench/run.py --quick         1 repetition, 512 MiB, fewer points (make bench-quick)
  bench/run.py --smoke         tiny configuration for make test (make bench-smoke)
  bench/run.py --replot DIR    redo the CSVs, plots and report from DIR/results.json

Figures: (a) downtime vs primary-dump size, (b) kdump on the same machine,
(c) memory available after a crash restart, (d) CPU overhead of the secondary
dump, (s) the spare-window mode measured like (c), (m) the memory mode (no dump
disk: tsubaki-save keeps the dump on Linux's own disk), (e) the Linux-side
changes in lines, (f) ratios. Benchmarks report, they
do not assert timings: a failed run is recorded in the report and the rest go
on. The exit status is non-zero only when an output is missing (or, with
--strict, when a run failed).
"""
import argparse
import datetime
import json
import os
import shutil
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness                  # noqa: E402
import scenarios                # noqa: E402

TOP = harness.TOP
FIGURES = "abcdsm"
ARM_FIGURES = "acd"     # the paper's figures 7-9

PRESETS = {
    "full": dict(reps=3, mem=1024, throttle=8000000, windows="0,128,256,512,all",
                 crashkernel="128M", spin_n=100000000, after_s=30, after_min=10,
                 tail_s=5),
    "quick": dict(reps=1, mem=512, throttle=8000000, windows="0,128,all",
                  crashkernel="128M", spin_n=100000000, after_s=15, after_min=5,
                  tail_s=3),
    "smoke": dict(reps=1, mem=256, throttle=50000000, windows="64",
                  crashkernel="96M", spin_n=10000000, after_s=3, after_min=3,
                  tail_s=2),
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quick", dest="preset", action="store_const", const="quick",
                   help="1 repetition, 512 MiB, windows 0/128/all (< 10 min)")
    g.add_argument("--smoke", dest="preset", action="store_const", const="smoke",
                   help="256 MiB, 50 MB/s, one point per figure; --strict; "
                        "writes build/bench-smoke/")
    p.add_argument("--arch", default="arm64", choices=("arm64", "arm"),
                   help="the machine: arm64 (Cortex-A57, GICv3) or arm (ARMv7-A Cortex-A15, "
                        "GICv2; figures a, c and d only: no kdump-load, spare window or "
                        "memory mode there)")
    p.add_argument("--out", help="results directory (default: bench/results/<date>[-quick]"
                                 "[-arm])")
    p.add_argument("--reps", type=int, help="repetitions of every measurement (full: 3)")
    p.add_argument("--mem", type=int, metavar="MiB", help="normal-world RAM (full: 1024)")
    p.add_argument("--cpus", type=int, default=2, help="CPUs, except figure d (1)")
    p.add_argument("--throttle", type=int, metavar="B/s",
                   help="disk write limit, both the dump disk and kdump's disk "
                        "(full: 8000000, ~an SD card; 0: unthrottled)")
    p.add_argument("--windows", metavar="LIST",
                   help="figure a's primary-dump sizes in MiB, 0 or all "
                        "(full: 0,128,256,512,all)")
    p.add_argument("--mem-window", type=int, default=64, metavar="MiB",
                   help="boot window of figures c, d and the ratios")
    p.add_argument("--grant", type=int, default=8, metavar="MiB",
                   help="hand-back granularity")
    p.add_argument("--spare-crashes", type=int, default=2, metavar="N",
                   help="figure s: crashes per run; the last is measured like figure c")
    p.add_argument("--crashkernel", help="kdump reservation (full: 128M)")
    p.add_argument("--kdump", default="kdump,kdump-c-d31,kdump-d1", metavar="LIST",
                   help="figure b's ways to save the vmcore: kdump (a plain copy), "
                        "kdump-c-d31 (makedumpfile -c -d 31, as Debian's kdump-tools), "
                        "kdump-d1 (makedumpfile -d 1)")
    p.add_argument("--dirty-mib", type=int, default=0, metavar="MiB",
                   help="figures b and s: fill this much memory and free it again before "
                        "the measured crash (a used machine's RAM is not zeros)")
    p.add_argument("--filters", default="31,31z", metavar="LIST",
                   help="figure s: also run the spare-window mode at these dump levels "
                        "(filter=, makedumpfile's -d); a level with z: compressed too "
                        "(--compress, LZ4); empty: none")
    p.add_argument("--floor-mib", type=int, default=16,
                   help="the prober stops allocating at this MemAvailable")
    p.add_argument("--spin-n", type=int, help="increments per spin run (full: 1e8)")
    p.add_argument("--after-s", type=float, help="figure d: seconds of spin after the dump")
    p.add_argument("--after-min", type=int, help="figure d: at least this many runs after")
    p.add_argument("--tail-s", type=float, help="figure c: seconds of prober after the dump")
    p.add_argument("--figures", default=FIGURES,
                   help="which measured figures to run (subset of 'abcdsm'); "
                        "e and f are always produced")
    p.add_argument("--strict", action="store_true",
                   help="exit non-zero when any run failed")
    p.add_argument("--dry-run", action="store_true",
                   help="print the runs and the estimated duration, run nothing")
    p.add_argument("--replot", metavar="DIR",
                   help="only regenerate CSVs, plots and report from DIR/results.json")
    a = p.parse_args(argv)
    a.preset = a.preset or "full"
    for k, v in PRESETS[a.preset].items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    if a.preset == "smoke":
        a.strict = True
    today = datetime.date.today().isoformat()
    if a.arch == "arm":
        if a.figures == FIGURES:
            a.figures = ARM_FIGURES
        elif set(a.figures) - set(ARM_FIGURES):
            p.error("--arch arm takes figures %s only (no kdump-load, spare window or memory "
                    "mode on 32-bit ARM)" % ARM_FIGURES)
    if not a.out:
        sfx = "" if a.arch == "arm64" else "-" + a.arch
        a.out = {"full": os.path.join(HERE, "results", today + sfx),
                 "quick": os.path.join(HERE, "results", today + "-quick" + sfx),
                 "smoke": os.path.join(TOP, "build", "bench-smoke" + sfx)}[a.preset]
    a.out = os.path.abspath(a.out)
    a.windows = [w.strip() for w in a.windows.split(",") if w.strip()]
    for w in a.windows:
        if w != "all" and not (w == "0" or 16 <= int(w) <= a.mem - 2):
            p.error("window %s: must be 0, all or 16..mem-2" % w)
    if a.reps < 1:
        p.error("--reps must be >= 1")
    if a.throttle < 0:
        p.error("--throttle must be >= 0")
    if set(a.figures) - set(FIGURES):
        p.error("--figures takes letters of %s" % FIGURES)
    a.kdump = [k.strip() for k in a.kdump.split(",") if k.strip()]
    a.filters = [x.strip() for x in a.filters.split(",") if x.strip()]
    for x in a.filters:
        if not (x.rstrip("z").isdigit() and 1 <= int(x.rstrip("z")) <= 31 and
                x.count("z") <= 1):
            p.error("--filters takes dump levels 1..31, each with a z to compress too, "
                    "not %r" % x)
    for k in a.kdump:
        if k not in scenarios.KDUMP_SAVERS:
            p.error("--kdump %s: one of %s" % (k, ", ".join(scenarios.KDUMP_SAVERS)))
    if a.dirty_mib < 0 or a.dirty_mib > a.mem * 3 // 4:
        p.error("--dirty-mib must be 0..3/4 of mem")
    return a


def estimate_s(cfg):
    """A rough duration: disk time of every run plus boots and set-up."""
    rate = cfg.throttle or 100e6
    mb = cfg.mem * (1 << 20)
    per = 6 + cfg.mem / 256
    t = 0
    if "a" in cfg.figures:
        for w in cfg.windows:
            t += per + (mb if w == "all" else int(w) << 20) / rate
        t += per
    if "b" in cfg.figures:
        ck = int(cfg.crashkernel.rstrip("M")) << 20 if cfg.crashkernel.endswith("M") else 0
        if "kdump" in cfg.kdump:
            t += per + 5 + (mb - ck) / rate
        t += (per + 10) * len([k for k in cfg.kdump if k != "kdump"])
    for f in "cs":
        if f in cfg.figures:
            t += per + mb / rate + cfg.tail_s
    if "s" in cfg.figures:      # filtered: a few MB a dump, both crashes
        t += len(cfg.filters) * (cfg.spare_crashes * per + 20 + cfg.tail_s)
    if "m" in cfg.figures:
        t += cfg.spare_crashes * (per + mb / rate + 5)
    if "d" in cfg.figures:
        t += per + mb / rate + cfg.after_s + 10
    return t * cfg.reps


def plan(cfg):
    """(figure, label, rep) of every run, repetition-major so that a slow
    spell of the host is spread over all configurations."""
    runs = []
    for rep in range(1, cfg.reps + 1):
        if "a" in cfg.figures:
            runs += [("a", w, rep) for w in cfg.windows] + [("a", "reboot", rep)]
        if "c" in cfg.figures:
            runs.append(("c", "w%d" % cfg.mem_window, rep))
        if "s" in cfg.figures:
            runs.append(("s", "spare", rep))
            runs += [("s", "spare-f%s" % x, rep) for x in cfg.filters]
        if "m" in cfg.figures:
            runs.append(("m", "memory", rep))
        if "d" in cfg.figures:
            runs.append(("d", "w%d" % cfg.mem_window, rep))
        if "b" in cfg.figures:
            runs += [("b", k, rep) for k in cfg.kdump]
    return runs


def log(out, msg):
    line = "[%s] %s" % (time.strftime("%H:%M:%S"), msg)
    print(line, flush=True)
    with open(os.path.join(out, "bench.log"), "a") as f:
        f.write(line + "\n")


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def summary_line(fig, row):
    if fig == "a":
        return "downtime %.2f s (firmware), %.2f s (host)" % (row["fw_total_s"], row["host_s"])
    if fig == "b" and "drgn_ok" not in row:
        return "downtime %.2f s (host), %s wrote %.1f MB (%s)" % (
            row["host_s"], row["saver"].split()[0].rsplit("/", 1)[-1],
            row["vmcore_bytes"] / 1e6, row["vmcore_format"] or "?")
    if fig == "b":
        return "downtime %.2f s (host), vmcore %d MiB, drgn %s" % (
            row["host_s"], row["vmcore_bytes"] >> 20, "ok" if row["drgn_ok"] else "FAILED")
    if fig in "cs":
        return "downtime %.2f s, %d -> %d MiB, all after %.1f s" % (
            row["fw_downtime_s"], row["first_mib"], row["final_mib"], row["t_final_s"])
    if fig == "m":
        return "downtime %.2f s, saved %d MiB in %.1f s, all back %.1f s after the panic" % (
            row["fw_downtime_s"], row["saved_bytes"] >> 20, row["save_s"],
            row["dump_done_after_panic_s"])
    if fig == "d":
        n = {p: sum(1 for r in row["runs"] if r[2] == p) for p in ("during", "after")}
        return "%d spin runs during, %d after" % (n["during"], n["after"])
    return ""


def run_all(cfg, results):
    kdump_overlays = {}
    todo = plan(cfg)
    for i, (fig, label, rep) in enumerate(todo, 1):
        logdir = os.path.join(cfg.out, "logs", "%s-%s-r%d" % (fig, label, rep))
        if os.path.exists(logdir):
            shutil.rmtree(logdir)
        os.makedirs(logdir)
        t0 = time.monotonic()
        row = dict(figure=fig, label=label, rep=rep, load_before=loadavg(),
                   logdir=os.path.relpath(logdir, cfg.out))
        try:
            if fig == "a" and label == "reboot":
                row.update(scenarios.run_linux_alone(cfg, logdir))
            elif fig == "a":
                row.update(scenarios.run_downtime(cfg, label, logdir))
            elif fig == "b":
                if label not in kdump_overlays:
                    kdump_overlays[label] = scenarios.prepare_kdump(
                        os.path.join(cfg.out, "work"), label)
                row.update(scenarios.run_kdump(cfg, kdump_overlays[label], logdir, label))
                if label == "kdump" and not row.get("drgn_ok"):
                    raise harness.BenchError("vmcore check: %s" % row.get("drgn_error"))
            elif fig == "c":
                row.update(scenarios.run_memory(cfg, logdir))
            elif fig == "s":
                level = label.split("-f")[1] if "-f" in label else "0"
                row.update(scenarios.run_memory(cfg, logdir, spare=True,
                                                level=int(level.rstrip("z")),
                                                compress=level.endswith("z")))
            elif fig == "m":
                row.update(scenarios.run_save(cfg, logdir))
            elif fig == "d":
                row.update(scenarios.run_cpu(cfg, logdir))
            row["ok"] = True
            msg = "ok: " + summary_line(fig, row)
        except KeyboardInterrupt:
            row.update(ok=False, error="interrupted")
            results["runs"].append(row)
            log(cfg.out, "interrupted: writing what there is")
            return False
        except Exception as e:
            row["ok"] = False
            row["error"] = "%s: %s" % (type(e).__name__, str(e).strip().splitlines()[0]
                                       if str(e).strip() else "")
            with open(os.path.join(logdir, "error.txt"), "w") as f:
                f.write(traceback.format_exc())
            msg = "FAILED: %s (see %s)" % (row["error"], row["logdir"])
        finally:
            harness.clean_run_dir(logdir, keep=("console.txt", "secure.log", "error.txt"))
        row["elapsed_s"] = time.monotonic() - t0
        row["load_after"] = loadavg()
        results["runs"].append(row)
        log(cfg.out, "%d/%d %s %s rep %d: %s [%.0f s]" % (
            i, len(todo), fig, label, rep, msg, row["elapsed_s"]))
        save(cfg, results)
    shutil.rmtree(os.path.join(cfg.out, "work"), ignore_errors=True)
    return True


def save(cfg, results):
    with open(os.path.join(cfg.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)


def main(argv=None):
    cfg = parse_args(argv)
    harness.ARCH = cfg.arch
    if cfg.replot:
        import report
        with open(os.path.join(cfg.replot, "results.json")) as f:
            results = json.load(f)
        return report.write_all(results, os.path.abspath(cfg.replot))

    if cfg.dry_run:
        for fig, label, rep in plan(cfg):
            print("%s %s rep %d" % (fig, label, rep))
        print("%d runs, about %.0f min, into %s" % (len(plan(cfg)), estimate_s(cfg) / 60,
                                                    cfg.out))
        return 0

    import report
    if os.path.exists(cfg.out) and os.listdir(cfg.out):
        # Replace an earlier run's results, never anything else.
        if not os.path.exists(os.path.join(cfg.out, "results.json")):
            sys.exit("bench: %s exists and holds no earlier results; not overwriting"
                     % cfg.out)
        shutil.rmtree(cfg.out)
    os.makedirs(cfg.out, exist_ok=True)
    settings = {k: v for k, v in vars(cfg).items() if k not in ("replot", "dry_run")}
    results = dict(settings=settings, argv=sys.argv[1:], started=time.time(),
                   host=report.host_info(), runs=[],
                   linux_changes=dict(module=scenarios.module_lines(),
                                      kernel_patch=scenarios.kernel_patch_lines()),
                   estimate_s=estimate_s(cfg))
    log(cfg.out, "Tsubaki bench (%s): %d runs, about %.0f min; results in %s" % (
        cfg.preset, len(plan(cfg)), results["estimate_s"] / 60, cfg.out))
    save(cfg, results)
    run_all(cfg, results)
    results["finished"] = time.time()
    save(cfg, results)
    rc = report.write_all(results, cfg.out)
    nfail = sum(1 for r in results["runs"] if not r["ok"])
    log(cfg.out, "done in %.1f min, %d run(s) failed; report: %s" % (
        (results["finished"] - results["started"]) / 60, nfail,
        os.path.join(cfg.out, "report.md")))
    if rc:
        return rc
    return 1 if (cfg.strict and nfail) else 0


if __name__ == "__main__":
    sys.exit(main())
