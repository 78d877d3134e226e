# SPDX-License-Identifier: BSD-3-Clause
"""From results.json to CSV files, PNG plots and report.md."""
import csv
import datetime
import os
import platform
import subprocess

from harness import BUILD, TOP, stats

# The paper's numbers (IPSJ SIG-OS 2018-OS-142, Jetson TK1, SD card).
PAPER = dict(all_memory_s=124, spin_during_ms=1080.035, spin_after_ms=1070.720,
             overhead_pct=0.87, dma_irq_us=12, xfer_irq_us=4313, grant_us=14817,
             cpu_share_pct=0.75, lines=dict(communication=65, fault=3, device=13,
                                            memory=213, total=294))


# ---- host facts ---------------------------------------------------------------
def _run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                              cwd=TOP).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def host_info():
    cpu = next((ln.split(":", 1)[1].strip() for ln in _read("/proc/cpuinfo").splitlines()
                if ln.startswith("model name")), platform.processor() or "?")
    mem_kb = next((int(ln.split()[1]) for ln in _read("/proc/meminfo").splitlines()
                   if ln.startswith("MemTotal:")), 0)
    osrel = next((ln.split("=", 1)[1].strip('"') for ln in
                  _read("/etc/os-release").splitlines() if ln.startswith("PRETTY_NAME=")), "?")
    try:
        import matplotlib
        mpl = matplotlib.__version__
    except ImportError:
        mpl = "missing"
    head = _run(["git", "rev-parse", "--short", "HEAD"])
    dirty = _run(["git", "status", "--porcelain", "--untracked-files=no"])
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "ram_mib": mem_kb // 1024,
        "os": osrel,
        "host_kernel": platform.release(),
        "qemu": _run(["qemu-system-aarch64", "--version"]).splitlines()[0]
        if _run(["qemu-system-aarch64", "--version"]) else "?",
        "guest_kernel": _read(os.path.join(BUILD, "linux", "kbuild", "include",
                                           "config", "kernel.release")).strip() or "?",
        "cross_gcc": (_run(["aarch64-linux-gnu-gcc", "--version"]).splitlines() or ["?"])[0],
        "python": platform.python_version(),
        "matplotlib": mpl,
        "drgn": _run(["dpkg-query", "-W", "-f=${Version}", "python3-drgn"]) or "?",
        "git": (head or "?") + (" (with uncommitted changes)" if dirty else ""),
        "load_at_start": _read("/proc/loadavg").split()[:3],
    }


# ---- helpers ------------------------------------------------------------------
MIB = 1 << 20


def ok_rows(results, fig, label=None):
    return [r for r in results["runs"] if r["figure"] == fig and r["ok"]
            and (label is None or r["label"] == label)]


def col(rows, key):
    return [r.get(key) for r in rows if r.get(key) is not None]


def fmt(x, nd=2):
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return "%.*f" % (nd, x)
    return str(x)


def mr(values, nd=2, unit=""):
    """'median (min-max)' of @values, 'n/a' when there are none."""
    n, med, lo, hi = stats(values)
    if not n:
        return "n/a"
    if n == 1:
        return "%s%s (1 run)" % (fmt(med, nd), unit)
    return "%s%s (%s-%s, n=%d)" % (fmt(med, nd), unit, fmt(lo, nd), fmt(hi, nd), n)


def ratio(a, b):
    """(median ratio, min, max) of two samples: med(a)/med(b), range from the
    extremes; None where undefined."""
    na, ma, la, ha = stats(a)
    nb, mb, lb, hb = stats(b)
    if not na or not nb or not mb or not lb or not hb:
        return (None, None, None)
    return (ma / mb, la / hb, ha / lb)


def write_csv(path, rows, fields=None):
    if fields is None:
        fields = []
        for r in rows:
            for k, v in r.items():
                if k not in fields and not isinstance(v, (list, dict)):
                    fields.append(k)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("%.6g" % v if isinstance(v, float) else v)
                        for k, v in r.items() if k in fields})


def window_key(label):
    return (1, 0) if label == "reboot" else (0, 1 << 30) if label == "all" else (0, int(label))


# ---- per-figure computations --------------------------------------------------
SEGMENTS = (("primary_s", "fault notified -> primary dump done"),
            ("prep_s", "primary dump done -> restart started"),
            ("boot_s", "restart started -> restart done (tsubaki.ko up)"))


def fig_a(results):
    labels = sorted({r["label"] for r in results["runs"] if r["figure"] == "a"},
                    key=window_key)
    out = []
    for lab in labels:
        rows = ok_rows(results, "a", lab)
        s = dict(label=lab, window_mib=rows[0]["window_mib"] if rows else None,
                 n=len(rows))
        for k in ("primary_s", "prep_s", "boot_s", "fw_total_s", "host_s"):
            n, med, lo, hi = stats(col(rows, k))
            s[k + "_median"], s[k + "_min"], s[k + "_max"] = med, lo, hi
        out.append(s)
    return out


def cpu_row(r):
    during = [ms for _, ms, ph in r["runs"] if ph == "during"]
    after = [ms for _, ms, ph in r["runs"] if ph == "after"]
    _, md, _, _ = stats(during)
    _, ma, _, _ = stats(after)
    out = dict(rep=r["rep"], n_during=len(during), n_after=len(after),
               median_during_ms=md, median_after_ms=ma,
               overhead_pct=(md / ma - 1) * 100 if md and ma else None,
               fiq=r["fiq"], fiq_us_mean=r["fiq_ns"] / r["fiq"] / 1e3 if r["fiq"] else None,
               fiq_us_max=r["fiq_ns_max"] / 1e3,
               handback_count=r["handback_count"],
               handback_us_mean=(r["handback_ns_total"] / r["handback_count"] / 1e3
                                 if r["handback_count"] else None),
               handback_us_max=r["handback_ns_max"] / 1e3,
               secondary_s=r.get("secondary_s"),
               other_load_spin_cores=r.get("other_load_spin_cores"),
               secondary_MBps=r.get("secondary_MBps"))
    waits = sorted(w for _, _, w in r.get("grants", []))
    out["grant_wait_us_median"] = waits[len(waits) // 2] / 1e3 if waits else None
    if r.get("secondary_s"):
        out["cpu_share_pct"] = ((r["fiq_ns"] + r["handback_ns_total"]) / 1e9
                                / r["secondary_s"] * 100)
    return out


# ---- the report ----------------------------------------------------------------
def write_all(results, out):
    import plots
    st = results["settings"]
    rate_mbs = st["throttle"] / 1e6 if st["throttle"] else None
    files = []

    def csvf(name, rows, fields=None):
        write_csv(os.path.join(out, name), rows, fields)
        files.append(name)

    # -- CSV --
    a_runs = [r for r in results["runs"] if r["figure"] == "a"]
    csvf("fig_a_downtime_runs.csv", a_runs)
    a_sum = fig_a(results)
    csvf("fig_a_downtime_summary.csv", a_sum)

    b_runs = [r for r in results["runs"] if r["figure"] == "b"]
    csvf("fig_b_kdump_runs.csv", b_runs)
    c_all = [r for r in results["runs"] if r["figure"] == "c"]
    c_runs = ok_rows(results, "c")
    csvf("fig_c_memory_runs.csv", c_all)
    csvf("fig_c_memory_samples.csv",
         [dict(rep=r["rep"], t_s=t, mib=mb) for r in c_runs for t, mb in r["samples"]],
         ["rep", "t_s", "mib"])
    csvf("fig_c_grants.csv",
         [dict(rep=r["rep"], t_after_linux_up_s=t, size_mib=sz / (1 << 20), wait_us=w / 1e3)
          for r in c_runs for t, sz, w in r.get("grants", [])],
         ["rep", "t_after_linux_up_s", "size_mib", "wait_us"])
    d_runs = ok_rows(results, "d")
    d_rows = [cpu_row(r) for r in d_runs]
    csvf("fig_d_cpu_runs.csv", d_rows)
    csvf("fig_d_spin_samples.csv",
         [dict(rep=r["rep"], t_s=t, ms=ms, phase=ph) for r in d_runs for t, ms, ph in r["runs"]],
         ["rep", "t_s", "ms", "phase"])

    # -- comparison (b) and ratios (f) --
    reboot = ok_rows(results, "a", "reboot")
    w_all = ok_rows(results, "a", "all")
    kd = ok_rows(results, "b", "kdump")                 # plain copy of /proc/vmcore
    kd31 = ok_rows(results, "b", "kdump-c-d31")         # makedumpfile -c -d 31 (kdump-tools)
    kd1 = ok_rows(results, "b", "kdump-d1")             # makedumpfile -d 1
    t64 = c_runs        # crash restarts with the --mem-window boot window, 2 CPUs
    s_runs = ok_rows(results, "s", "spare")     # the same, spare-window mode
    # dump levels, each maybe compressed too: "31", "31z"
    s_levels = sorted({"%d%s" % (r["filter"], "z" if r.get("compress") else "")
                       for r in ok_rows(results, "s") if r.get("filter")},
                      key=lambda k: (int(k.rstrip("z")), k))
    sf = {lv: ok_rows(results, "s", "spare-f%s" % lv) for lv in s_levels}

    def lvname(lv):
        return "filter=%s%s" % (lv.rstrip("z"), ", LZ4" if lv.endswith("z") else "")
    for r in kd + kd31 + kd1:           # kdump: the vmcore is complete when the copy ends
        if r.get("capture_boot_s") is not None and r.get("copy_s") is not None:
            r["dump_done_after_panic_s"] = r["capture_boot_s"] + r["copy_s"]
    csvf("fig_s_spare_runs.csv", [r for r in results["runs"] if r["figure"] == "s"])
    m_runs = ok_rows(results, "m")      # memory mode: no dump disk, Linux saves the dump
    csvf("fig_m_memory_mode_runs.csv", [r for r in results["runs"] if r["figure"] == "m"])
    comp = []

    def comp_row(what, rows_, key, clock, note=""):
        n, med, lo, hi = stats(col(rows_, key))
        comp.append(dict(config=what, clock=clock, n=n, median_s=med, min_s=lo, max_s=hi,
                         note=note))
    wlab = "Tsubaki, %d MiB boot window" % st["mem_window"]
    comp_row("Linux alone (plain reboot)", reboot, "host_s", "host",
             "'reboot: Restarting system' -> READY boot=2")
    comp_row("Linux alone (plain reboot)", reboot, "fw_total_s", "firmware",
             "restart-request -> linux-up")
    comp_row(wlab, t64, "host_s", "host", "'Kernel panic' -> READY boot=2 (figure c runs)")
    comp_row(wlab, t64, "fw_downtime_s", "firmware", "panic -> linux-up (figure c runs)")
    slab = "Tsubaki, spare window (%d MiB, restart at once)" % st["mem_window"]
    comp_row(slab, s_runs, "host_s", "host", "'Kernel panic' -> READY boot=2 (figure s runs)")
    comp_row(slab, s_runs, "fw_downtime_s", "firmware", "panic -> linux-up (figure s runs)")
    mlab = "Tsubaki, memory mode (no dump disk; tsubaki-save to Linux's disk)"
    comp_row(mlab, m_runs, "host_s", "host", "'Kernel panic' -> READY boot=N (figure m runs)")
    comp_row(mlab, m_runs, "fw_downtime_s", "firmware", "panic -> linux-up (figure m runs)")
    comp_row("Tsubaki, window=all (collect, then restart)", w_all, "host_s", "host",
             "'Kernel panic' -> READY boot=2")
    comp_row("Tsubaki, window=all (collect, then restart)", w_all, "fw_total_s", "firmware",
             "panic -> linux-up")
    comp_row("kdump (capture kernel, vmcore to disk, restart)", kd, "host_s", "host",
             "'Kernel panic' -> READY boot=2")
    comp_row("kdump, makedumpfile -c -d 31 (Debian's kdump-tools)", kd31, "host_s", "host",
             "'Kernel panic' -> READY boot=2")
    comp_row("kdump, makedumpfile -d 1 (zero pages left out)", kd1, "host_s", "host",
             "'Kernel panic' -> READY boot=2")
    csvf("fig_b_comparison.csv", comp)

    ratios = []

    def add_ratio(name, a, b, note):
        v, lo, hi = ratio(a, b)
        ratios.append(dict(ratio=name, value=v, range_min=lo, range_max=hi, note=note))
    add_ratio("downtime Tsubaki(%d MiB window) / kdump, host clock" % st["mem_window"],
              col(t64, "host_s"), col(kd, "host_s"), "%d MiB RAM, same disk rate" % st["mem"])
    add_ratio("downtime Tsubaki(%d MiB window) / plain reboot, firmware clock" % st["mem_window"],
              col(t64, "fw_downtime_s"), col(reboot, "fw_total_s"), "")
    add_ratio("downtime Tsubaki(%d MiB window) / plain reboot, host clock" % st["mem_window"],
              col(t64, "host_s"), col(reboot, "host_s"), "")
    add_ratio("downtime Tsubaki(spare window) / plain reboot, firmware clock",
              col(s_runs, "fw_downtime_s"), col(reboot, "fw_total_s"), "goal <= 1.1")
    add_ratio("downtime Tsubaki(spare window, first crash after power-on) / plain reboot, "
              "firmware clock", col(s_runs, "fw_downtime_crash1_s"), col(reboot, "fw_total_s"),
              "a window no kernel ran in yet: QEMU translates the kernel anew")
    add_ratio("firmware part of the restart: Tsubaki(spare window) / plain reboot",
              col(s_runs, "fw_restart_s"), col(reboot, "prep_s"),
              "panic (or restart request) -> the new kernel entered")
    add_ratio("downtime Tsubaki(spare window) / plain reboot, host clock",
              col(s_runs, "host_s"), col(reboot, "host_s"), "")
    add_ratio("downtime Tsubaki(spare window) / kdump, host clock",
              col(s_runs, "host_s"), col(kd, "host_s"), "%d MiB RAM, same disk rate" % st["mem"])
    add_ratio("downtime Tsubaki(spare window) / kdump(makedumpfile -c -d 31), host clock",
              col(s_runs, "host_s"), col(kd31, "host_s"), "goal <= 0.1 (issue 12)")
    add_ratio("all memory back / dump complete: Tsubaki(spare window, unfiltered) / "
              "kdump(-c -d 31) back up", col(s_runs, "dump_done_after_panic_s"),
              col(kd31, "host_s"), "Tsubaki writes all RAM; makedumpfile -d 31 a few MB")
    add_ratio("dump size: Tsubaki(spare window) / kdump(-c -d 31)",
              col(s_runs, "dumped_bytes"), col(kd31, "vmcore_bytes"), "bytes on the disk")
    for lv in s_levels:
        add_ratio("dump complete: Tsubaki(spare window, %s) / kdump(-c -d 31)" % lvname(lv),
                  col(sf[lv], "dump_done_after_panic_s"), col(kd31, "dump_done_after_panic_s"),
                  "panic -> all of the dump on disk; goal <= 1.0 (issue 12)")
        add_ratio("downtime Tsubaki(spare window, %s) / kdump(-c -d 31), host clock"
                  % lvname(lv), col(sf[lv], "host_s"), col(kd31, "host_s"),
                  "goal <= 0.1 (issue 12)")
        add_ratio("90 %% of memory usable: Tsubaki(spare window, %s) / kdump(-c -d 31)"
                  % lvname(lv), col(sf[lv], "t90_after_panic_s"), col(kd31, "host_s"),
                  "panic -> the prober holds 90 % of what it ends with; kdump: its downtime")
        add_ratio("dump size: Tsubaki(spare window, %s) / kdump(-c -d 31)" % lvname(lv),
                  col(sf[lv], "dumped_bytes"), col(kd31, "vmcore_bytes"),
                  "bytes on the disk" + ("" if lv.endswith("z") else " (not compressed)"))
        if lv.endswith("z"):
            add_ratio("compression: Tsubaki(spare window, %s) bytes on disk / bytes kept"
                      % lvname(lv), col(sf[lv], "dumped_bytes"), col(sf[lv], "kept_bytes"),
                      "LZ4 blocks of the firmware's, per 64 KiB chunk")
            add_ratio("CPU: Tsubaki(spare window, %s) compression time / dump time"
                      % lvname(lv), [v / 1e9 for v in col(sf[lv], "compress_ns")],
                      col(sf[lv], "dump_done_after_up_s"),
                      "gathering and compressing chunks, in the disk's FIQ")
            add_ratio("CPU: Tsubaki(spare window, %s) FIQ time / dump time" % lvname(lv),
                      [v / 1e9 for v in col(sf[lv], "fiq_ns")],
                      col(sf[lv], "dump_done_after_up_s"),
                      "all of the firmware's time in the disk's FIQ, compression included")
    add_ratio("downtime Tsubaki(spare window) / Tsubaki(%d MiB window), firmware clock"
              % st["mem_window"], col(s_runs, "fw_downtime_s"), col(t64, "fw_downtime_s"), "")
    add_ratio("all memory back: Tsubaki(spare window) / Tsubaki(%d MiB window)"
              % st["mem_window"], col(s_runs, "dump_done_after_panic_s"),
              col(t64, "dump_done_after_panic_s"), "panic -> dump done, firmware clock")
    add_ratio("downtime Tsubaki(memory mode) / plain reboot, firmware clock",
              col(m_runs, "fw_downtime_s"), col(reboot, "fw_total_s"), "")
    add_ratio("downtime Tsubaki(memory mode) / kdump, host clock",
              col(m_runs, "host_s"), col(kd, "host_s"), "%d MiB RAM, same disk rate" % st["mem"])
    add_ratio("all memory back: Tsubaki(memory mode) / Tsubaki(spare window, DMA)",
              col(m_runs, "dump_done_after_panic_s"), col(s_runs, "dump_done_after_panic_s"),
              "panic -> dump done; memory mode waits for tsubaki-save, started by hand")
    add_ratio("downtime Tsubaki(window=all) / Tsubaki(%d MiB window), firmware clock"
              % st["mem_window"], col(w_all, "fw_total_s"), col(t64, "fw_downtime_s"),
              "collect-then-reboot vs concurrent dump")
    if rate_mbs:
        add_ratio("secondary dump throughput / disk rate",
                  col(t64 + d_runs, "secondary_MBps"), [rate_mbs],
                  "disk throttled to %.1f MB/s; figure c and d runs" % rate_mbs)
        add_ratio("primary dump throughput / disk rate",
                  col(ok_rows(results, "a"), "primary_MBps"), [rate_mbs], "figure a runs")
        add_ratio("kdump vmcore copy throughput / disk rate", col(kd, "vmcore_MBps"),
                  [rate_mbs], "")
    add_ratio("CPU overhead / paper's 0.87 %", col(d_rows, "overhead_pct"),
              [PAPER["overhead_pct"]], "1 CPU, spin during vs after the secondary dump")
    csvf("table_f_ratios.csv", ratios)

    # -- lines (e) --
    lc = results["linux_changes"]
    mod = lc["module"]
    paper_map = {"Communication": PAPER["lines"]["communication"],
                 "Fault notification": PAPER["lines"]["fault"],
                 "Memory hand-back": PAPER["lines"]["memory"]}
    e_rows = [dict(part="kernel patch", lines=lc["kernel_patch"],
                   paper_lines=PAPER["lines"]["total"],
                   note="paper: 294 lines patched into Linux 3.10; here no patch")]
    for k, v in mod.items():
        e_rows.append(dict(part="tsubaki.ko: " + k, lines=v,
                           paper_lines=paper_map.get(k, ""),
                           note="paper: dynamic memory allocation" if k == "Memory hand-back"
                           else "paper: inter-OS communication" if k == "Communication" else ""))
    e_rows.append(dict(part="tsubaki.ko: device restriction", lines=0,
                       paper_lines=PAPER["lines"]["device"],
                       note="done by the firmware in the DT it builds"))
    e_rows.append(dict(part="tsubaki.ko total", lines=sum(mod.values()), paper_lines=""))
    csvf("table_e_linux_changes.csv", e_rows, ["part", "lines", "paper_lines", "note"])

    fails = [r for r in results["runs"] if not r["ok"]]
    csvf("failures.csv", fails, ["figure", "label", "rep", "error", "logdir"])

    # -- plots --
    pngs = plots.make_all(results, out, a_sum, comp, d_rows)
    files += pngs

    # -- report.md --
    md = []
    w = md.append
    h = results["host"]
    started = datetime.datetime.fromtimestamp(results["started"])
    dur = (results.get("finished", results["started"]) - results["started"]) / 60
    arch = st.get("arch", "arm64")
    w("# Tsubaki benchmark report (%s%s)\n" % (started.strftime("%Y-%m-%d %H:%M"),
                                             ", ARMv7-A" if arch == "arm" else ""))
    w("The evaluation of Yamamoto et al. (IPSJ SIG-OS 2018-OS-142) reproduced under QEMU "
      "TCG. Benchmarks report, they assert nothing. Generated by `bench/run.py %s` "
      "(preset `%s`) in %.1f min (estimated beforehand: %.0f min)."
      % (" ".join(results.get("argv", [])), st["preset"], dur, results["estimate_s"] / 60))
    w("Every number is the median over the runs, with the range (min-max) and the number of "
      "runs `n`; per-run values are in the CSV files.\n")
    w("## Machine and software\n")
    w("| | |\n|---|---|")
    for k, lab in (("cpu_model", "CPU"), ("cores", "cores"), ("ram_mib", "RAM (MiB)"),
                   ("os", "host OS"), ("host_kernel", "host kernel"), ("qemu", "QEMU"),
                   ("guest_kernel", "guest Linux"), ("cross_gcc", "cross compiler"),
                   ("python", "Python"), ("matplotlib", "matplotlib"), ("drgn", "drgn"),
                   ("git", "Tsubaki commit")):
        w("| %s | %s |" % (lab, h.get(k)))
    w("| host load average (1/5/15 min) at start | %s |" % " ".join(h.get("load_at_start", [])))
    other = col(results["runs"], "other_load_cores")
    w("| CPU used by other processes during the runs | %s cores (of %s) |"
      % (mr(other, 2), h.get("cores")))
    w("\nQEMU: %s, TCG; the guest's clock is the "
      % ("`qemu-system-arm -machine virt,secure=on,gic-version=2`, `cortex-a15` (the paper's "
         "CPU), an LPAE zImage" if arch == "arm" else
         "`virt,secure=on,gic-version=3`, `cortex-a57`") +
      "host's, so a busy host slows everything down. *CPU used by other processes* is the "
      "host's busy time during each run minus this run's QEMU and the bench itself "
      "(`other_load_cores` in the CSV files): near 0 means the timings are undisturbed. "
      "Disk-bound numbers (dump times, throughput) hardly care; CPU-bound ones (boot "
      "times, figure d) do.\n")
    w("## Settings\n")
    w("| setting | value | meaning |\n|---|---|---|")
    meaning = dict(
        preset="full, quick or smoke", reps="repetitions of every measurement",
        mem="normal-world RAM (MiB), every figure", cpus="CPUs of figures a, b, c (d: 1)",
        throttle="write limit of the dump disk and of kdump's disk (bytes/s; 0 = none)",
        windows="figure a: primary-dump sizes (MiB; all = all RAM, collect then restart)",
        mem_window="boot window of figures c, d and the ratios (MiB)",
        grant="hand-back granularity (MiB)", crashkernel="kdump: crashkernel= reservation",
        floor_mib="prober: stop allocating at this MemAvailable (MiB)",
        spin_n="spin: increments per timed run",
        after_s="figure d: seconds of spin after the dump",
        after_min="figure d: at least this many runs after the dump",
        tail_s="figure c: seconds of prober after the dump", figures="measured figures",
        strict="exit non-zero if a run failed", out="results directory",
        dirty_mib="figures b and s: MiB written and freed again before the measured crash",
        filters="figure s: dump levels run besides every page (filter=)",
        kdump="figure b: how the capture kernel saves the vmcore")
    for k, v in st.items():
        if k in meaning:
            w("| `%s` | %s | %s |" % (k, ",".join(str(x) for x in v) if isinstance(v, list)
                                     else v, meaning[k]))
    w("| kdump capture command line | `console=ttyAMA0 maxcpus=1 reset_devices "
      "tsubaki_script=/etc/capture.script` | same Image as the production kernel, "
      "kexec_file_load(KEXEC_FILE_ON_CRASH) |")
    w("| crash | `cpu 0 sysrq c` | panic() on CPU0 |")
    w("")

    # (a)
    w("## (a) Downtime vs primary-dump size (paper fig. 7)\n")
    w("![downtime](fig_a_downtime.png)\n")
    w("%d MiB Linux, %d CPUs, disk %s. Each crash restart is split at the paper's 4 points, "
      "from the firmware's EVENT lines (firmware clock): fault notified (`panic`) -> primary "
      "dump done (`primary-done`) -> restart started (`linux-entry boot=2`) -> restart done "
      "(`linux-up boot=2`, tsubaki.ko probing). *Linux alone*: a plain `reboot` "
      "(`restart-request` -> `linux-entry` -> `linux-up`). *host*: the same downtime on the "
      "host's clock, from the console's `Kernel panic` (or `reboot: Restarting system`) line "
      "to `READY boot=2` (init's prompt), as for kdump.\n"
      % (st["mem"], st["cpus"], ("%.1f MB/s" % rate_mbs) if rate_mbs else "unthrottled"))
    w("| primary dump | n | dump (s) | prep (s) | Linux boot (s) | downtime, firmware (s) "
      "| downtime, host (s) |\n|---|---|---|---|---|---|---|")
    for s in a_sum:
        rows = ok_rows(results, "a", s["label"])
        name = "Linux alone (reboot)" if s["label"] == "reboot" else \
            "%s MiB%s" % (s["window_mib"], " (all)" if s["label"] == "all" else "")
        w("| %s | %d | %s | %s | %s | %s | %s |" % (
            name, s["n"], mr(col(rows, "primary_s")), mr(col(rows, "prep_s"), 3),
            mr(col(rows, "boot_s")), mr(col(rows, "fw_total_s")), mr(col(rows, "host_s"))))
    w("\nPaper: downtime grows in proportion to the primary dump and does not depend on the "
      "secondary dump's size; collecting everything first (`all`) is the slowest. Primary "
      "dump throughput: %s MB/s (disk: %s)." % (
          mr(col(ok_rows(results, "a"), "primary_MBps"), 1),
          ("%.1f MB/s" % rate_mbs) if rate_mbs else "unthrottled"))
    hdr = [r for r in ok_rows(results, "a") if r.get("hdr_primary_s") is not None]
    if hdr:
        diff = max(abs(r["hdr_primary_s"] - r["primary_s"]) for r in hdr)
        w("The dump header's own timestamps agree with the events (primary dump time: "
          "largest difference %.3f ms over %d runs)." % (diff * 1e3, len(hdr)))
    w("")

    # (b)
    w("## (b) kdump on the same machine\n")
    w("![kdump](fig_b_kdump.png)\n")
    w("The production kernel boots with `crashkernel=%s` and loads the capture kernel "
      "(the same Image, the normal initramfs plus `/etc/capture.script`) with "
      "`kdump-load` (kexec_file_load, KEXEC_FILE_ON_CRASH). On the panic the capture kernel "
      "copies `/proc/vmcore` to its own virtio disk (`vmcore-copy`, 1 MiB writes, fsync; the "
      "disk throttled like Tsubaki's), then `reboot`s -- through PSCI SYSTEM_RESET, i.e. "
      "Tsubaki's warm restart -- into the production kernel (READY boot=2). Downtime is on "
      "the host's clock, from the console's `Kernel panic` line to `READY boot=2`. The "
      "vmcore is cut from the disk image (its first `bytes` bytes) and opened in drgn. "
      "The makedumpfile rows of the comparison (`--kdump`) run Debian's `makedumpfile` in "
      "the capture kernel instead, as kdump-tools does (`-c -d 31`) or with `-d 1`; what "
      "they wrote is the disk image's allocation afterwards.\n"
      % st["crashkernel"])
    w("| kdump | value |\n|---|---|")
    w("| downtime (host) | %s s |" % mr(col(kd, "host_s")))
    w("| panic -> capture kernel's READY | %s s |" % mr(col(kd, "capture_boot_s")))
    w("| capture READY -> vmcore on disk | %s s |" % mr(col(kd, "copy_s")))
    w("| vmcore on disk -> production READY boot=2 | %s s |" % mr(col(kd, "restart_s")))
    w("| vmcore size | %s MiB |" % mr([b / (1 << 20) for b in col(kd, "vmcore_bytes")], 1))
    w("| vmcore copy throughput (in the capture kernel) | %s MB/s |" % mr(col(kd, "vmcore_MBps"), 1))
    w("| RAM not in the vmcore (the crashkernel reservation, ELF headers aside) | %s MiB |"
      % mr([st["mem"] - b / (1 << 20) for b in col(kd, "vmcore_bytes")], 1))
    w("| vmcore opens in drgn, release matches | %d of %d (%s) |" % (
        sum(1 for r in kd if r.get("drgn_ok")), len(b_runs),
        ", ".join(sorted({str(r.get("drgn_release")) for r in kd})) or "n/a"))
    checked = [r for r in kd if r.get("drgn_checks_ok") is not None]
    if checked:
        errs = sorted({r["drgn_checks_errors"] for r in checked if r.get("drgn_checks_errors")})
        w("| tests/dumptool/analyze.py checks (panic in the log, panic frame, task %s) "
          "| %d of %d pass%s |" % (
              ", ".join(sorted({str(r.get("drgn_panic_task")) for r in checked})),
              sum(1 for r in checked if r["drgn_checks_ok"]), len(checked),
              (": " + "; ".join(errs)) if errs else ""))
    w("\nSame machine, same clock. kdump writes less than Tsubaki's `window=all` because its "
      "vmcore leaves out the memory reserved for the capture kernel.\n")
    w("| configuration | clock | downtime (s) | measured |\n|---|---|---|---|")
    for c in comp:
        n, med, lo, hi = c["n"], c["median_s"], c["min_s"], c["max_s"]
        val = "n/a" if not n else ("%.2f (%.2f-%.2f, n=%d)" % (med, lo, hi, n) if n > 1
                                   else "%.2f (1 run)" % med)
        w("| %s | %s | %s | %s |" % (c["config"], c["clock"], val, c["note"]))
    w("")

    # (c)
    w("## (c) Memory available after a crash restart (paper fig. 8)\n")
    w("![memory](fig_c_memory.png)\n")
    w("%d MiB Linux, %d MiB boot window, %d CPUs. `prober` starts right after READY boot=2 "
      "and allocates and touches 1 MiB at a time while MemAvailable stays above %d MiB, "
      "printing the total every second; the run ends %s s after the firmware's `dump-done`."
      "\n" % (st["mem"], st["mem_window"], st["cpus"], st["floor_mib"], st["tail_s"]))
    w("| | value |\n|---|---|")
    w("| downtime (firmware / host) | %s / %s s |" % (mr(col(c_runs, "fw_downtime_s")),
                                                      mr(col(c_runs, "host_s"))))
    w("| allocated after 1 s | %s MiB |" % mr(col(c_runs, "first_mib"), 0))
    w("| allocated at the end | %s MiB |" % mr(col(c_runs, "final_mib"), 0))
    w("| time to 99 %% of that (from prober start) | %s s |" % mr(col(c_runs, "t_final_s"), 1))
    w("| dump done (firmware, after linux-up) | %s s |"
      % mr(col(c_runs, "dump_done_after_up_s"), 1))
    w("| secondary dump throughput | %s MB/s |" % mr(col(c_runs, "secondary_MBps"), 2))
    w("| hand-backs (grants) | %s |" % mr(col(c_runs, "handback_count"), 0))
    w("\nPaper: more than the 64 MB boot window at once, all memory after about %d s "
      "(1 GB, SD card: ~7.7 MB/s effective); a staircase because memory comes back in "
      "grants.\n" % PAPER["all_memory_s"])

    # (s)
    w("## (s) Spare-window mode\n")
    w("The same machine and measurement as (c), with `--spare`: Linux runs outside a second "
      "%d MiB window and restarts in it at once after a crash, with no primary dump; all of "
      "the crashed kernel's memory, its own window included, is dumped while the new kernel "
      "runs, and its window becomes the next spare. The cost is that window of RAM, kept out "
      "of Linux's memory (kdump keeps out its `crashkernel=%s`).\n"
      % (st["mem_window"], st["crashkernel"]))
    no_spare = col(reboot, "memtotal_kb") + col(t64, "memtotal_kb")
    with_spare = col(s_runs, "memtotal_kb")
    _, mt_plain, _, _ = stats(no_spare)
    _, mt_spare, _, _ = stats(with_spare)
    w("| | spare window | %d MiB window (c) | plain reboot |\n|---|---|---|---|"
      % st["mem_window"])
    w("| downtime, firmware clock | %s s | %s s | %s s |" % (
        mr(col(s_runs, "fw_downtime_s")), mr(col(t64, "fw_downtime_s")),
        mr(col(reboot, "fw_total_s"))))
    w("| downtime of the first crash after power-on, firmware clock | %s s | | |" % (
        mr(col(s_runs, "fw_downtime_crash1_s"))))
    w("| downtime, host clock | %s s | %s s | %s s |" % (
        mr(col(s_runs, "host_s")), mr(col(t64, "host_s")), mr(col(reboot, "host_s"))))
    w("| all memory back (panic -> dump done) | %s s | %s s | |" % (
        mr(col(s_runs, "dump_done_after_panic_s"), 1),
        mr(col(t64, "dump_done_after_panic_s"), 1)))
    w("| allocated after 1 s | %s MiB | %s MiB | |" % (
        mr(col(s_runs, "first_mib"), 0), mr(col(t64, "first_mib"), 0)))
    w("| MemTotal at the first boot | %s MiB | %s MiB | %s MiB |" % (
        mr([v / 1024 for v in with_spare], 1), mr([v / 1024 for v in col(t64, "memtotal_kb")], 1),
        mr([v / 1024 for v in col(reboot, "memtotal_kb")], 1)))
    w("| MemTotal after the dump (+ the hot-added blocks' struct pages) | %s MiB | %s MiB | |"
      % (
        mr([v / 1024 for v in col(s_runs, "memtotal_after_kb")], 1),
        mr([v / 1024 for v in col(t64, "memtotal_after_kb")], 1)))
    w("| memory cost of the spare | %s | | |" % (
        fmt((mt_plain - mt_spare) / 1024, 1) + " MiB" if mt_plain and mt_spare else "n/a"))
    w("\nEach spare run crashes %d times and is measured at the last crash. The first crash "
      "after power-on restarts in a window no kernel has run in yet; under QEMU TCG that costs "
      "a translation of the whole kernel, as a cold boot does. Later crashes restart in a "
      "window an earlier boot used: the steady state of a device, and what the rows above "
      "and the ratios show. A plain warm reboot is QEMU's best case: it re-runs the kernel, "
      "init and the module from the very pages the boot before used, all translated already; "
      "a crash restart runs some of it from other pages (silicon has no such cost). The "
      "firmware's own part of the restart is compared in the ratios too.\n"
      % st.get("spare_crashes", 2))

    # (s) with dump levels
    if s_levels or kd31 or kd1:
        w("## (l) Dump levels, side by side with kdump\n")
        w("Figure (s) runs with `--filter LEVEL` (makedumpfile's `-d` bits: pages of those kinds "
          "are not written and go back to Linux without waiting for the disk), next to kdump "
          "with Debian's makedumpfile in the capture kernel. Memory before the measured crash: "
          "%s. *Dump complete*: panic -> the whole dump on disk (Tsubaki: the firmware's "
          "`dump-done`; kdump: the capture kernel's copy done). *90 %% usable*: panic -> the "
          "prober holds 90 %% of what it ends with (kdump's production kernel has all its "
          "memory at boot: its downtime). *LZ4*: also `--compress`: each 64 KiB chunk that "
          "shrinks goes to disk as one LZ4 block, compressed by the firmware in the disk's "
          "FIQ; *on disk* is then the blocks' sectors.\n"
          % ("%d MiB written and freed again (`--dirty-mib`), the prober's and the module's "
             "own memory in use" % st["dirty_mib"] if st.get("dirty_mib") else
             "as booted (QEMU's RAM is zeros: zero pages are far more than on a used device)"))
        w("| configuration | n | downtime, host (s) | dump complete (s) | 90 % usable (s) | "
          "on disk (MB) |\n|---|---|---|---|---|---|")
        lrows = [("Tsubaki, spare window, every page", s_runs, "dumped_bytes")]
        lrows += [("Tsubaki, spare window, %s" % lvname(lv), sf[lv], "dumped_bytes")
                  for lv in s_levels]
        lrows += [("kdump, makedumpfile -c -d 31", kd31, "vmcore_bytes"),
                  ("kdump, makedumpfile -d 1", kd1, "vmcore_bytes")]
        for name, rows_, size_key in lrows:
            t90 = col(rows_, "t90_after_panic_s") if rows_ is not kd31 and rows_ is not kd1 \
                else col(rows_, "host_s")
            w("| %s | %d | %s | %s | %s | %s |" % (
                name, len(rows_), mr(col(rows_, "host_s")),
                mr(col(rows_, "dump_done_after_panic_s"), 1), mr(t90, 1),
                mr([v / 1e6 for v in col(rows_, size_key)], 1)))
        for lv in s_levels:
            sk = col(sf[lv], "skipped_bytes")
            if sk:
                w("\n%s left out %s MB a dump (not written, handed back at once)."
                  % (lvname(lv), mr([v / 1e6 for v in sk], 0)))
        w("")

    # (m)
    w("## (m) Memory mode: no dump disk, the dump saved by Linux\n")
    w("`--memory`: no dump disk at all. Linux restarts at once in the spare window (as in "
      "(s)); the crashed kernel's memory stays in RAM, and `tsubaki-save` copies "
      "`/dev/tsubaki/vmcore` to `/var/crash` on Linux's own ext4 disk, throttled to the same "
      "%s, releasing each part as it is synced, which the collector then hands back. "
      "Downtime is measured as in (s); the save is started as soon as Linux is READY (a "
      "distribution would start it at boot). Side by side: (s), the same restart with a dump "
      "disk written by DMA, and kdump (b).\n" % (
          "%.1f MB/s" % rate_mbs if rate_mbs else "(unthrottled) rate"))
    w("| | memory mode | spare window, DMA (s) | kdump (b) |\n|---|---|---|---|")
    w("| downtime, firmware clock | %s s | %s s | |" % (
        mr(col(m_runs, "fw_downtime_s")), mr(col(s_runs, "fw_downtime_s"))))
    w("| downtime, host clock | %s s | %s s | %s s |" % (
        mr(col(m_runs, "host_s")), mr(col(s_runs, "host_s")), mr(col(kd, "host_s"))))
    w("| time to save (tsubaki-save; kdump: vmcore copy) | %s s | | %s s |" % (
        mr(col(m_runs, "save_s"), 1), mr(col(kd, "copy_s"), 1)))
    w("| saved | %s MiB at %s MB/s | | %s MiB |" % (
        mr([v / MIB for v in col(m_runs, "saved_bytes")], 0), mr(col(m_runs, "save_MBps"), 2),
        mr([v / MIB for v in col(kd, "vmcore_bytes")], 0)))
    w("| checksummed by the collector (after the panic) | %s s | | |" % (
        mr(col(m_runs, "sums_after_panic_s"), 2)))
    w("| longest SiP call of the restarted kernel | %s ms | | |" % (
        mr(col(m_runs, "smc_ms_max"), 2)))
    w("| all memory back (panic -> dump done) | %s s | %s s | %s s (downtime) |" % (
        mr(col(m_runs, "dump_done_after_panic_s"), 1),
        mr(col(s_runs, "dump_done_after_panic_s"), 1), mr(col(kd, "host_s"), 1)))
    w("| MemTotal at the first boot / after the save | %s / %s MiB | %s / %s MiB | |" % (
        mr([v / 1024 for v in col(m_runs, "memtotal_kb")], 1),
        mr([v / 1024 for v in col(m_runs, "memtotal_after_kb")], 1),
        mr([v / 1024 for v in col(s_runs, "memtotal_kb")], 1),
        mr([v / 1024 for v in col(s_runs, "memtotal_after_kb")], 1)))
    w("\nEach memory-mode run crashes %d times, saving each dump to the end, and is measured "
      "at the last crash.\n" % st.get("spare_crashes", 2))

    # (d)
    w("## (d) CPU overhead (paper fig. 9, table 2)\n")
    w("![cpu](fig_d_cpu.png)\n")
    w("1 CPU, %d MiB Linux, %d MiB boot window. `spin %d` times that many increments of a "
      "volatile counter, over and over, from READY boot=2 on; runs that end before the "
      "`dump-done` event was seen are *during*, runs that start more than 0.5 s after it "
      "are *after*; the one in between is dropped. Overhead = median(during) / "
      "median(after) - 1, per run.\n" % (st["mem"], st["mem_window"], st["spin_n"]))
    w("| | this run | paper |\n|---|---|---|")
    w("| spin run during the secondary dump | %s ms | %.3f ms |"
      % (mr(col(d_rows, "median_during_ms"), 3), PAPER["spin_during_ms"]))
    w("| spin run after it | %s ms | %.3f ms |"
      % (mr(col(d_rows, "median_after_ms"), 3), PAPER["spin_after_ms"]))
    w("| runs during / after | %s / %s | |" % (mr(col(d_rows, "n_during"), 0),
                                             mr(col(d_rows, "n_after"), 0)))
    w("| **overhead** | **%s %%** | %.2f %% |" % (mr(col(d_rows, "overhead_pct"), 2),
                                                 PAPER["overhead_pct"]))
    w("| firmware: disk completion FIQ, mean | %s us | %d us (DMA irq), %d us (transfer done) |"
      % (mr(col(d_rows, "fiq_us_mean"), 1), PAPER["dma_irq_us"], PAPER["xfer_irq_us"]))
    w("| firmware: disk completion FIQ, max | %s us | |" % mr(col(d_rows, "fiq_us_max"), 1))
    w("| FIQs per dump | %s | |" % mr(col(d_rows, "fiq"), 0))
    w("| Linux: one hand-back (%d MiB), mean | %s us | %d us |"
      % (st["grant"], mr(col(d_rows, "handback_us_mean"), 1), PAPER["grant_us"]))
    w("| Linux: one hand-back, max | %s us | |" % mr(col(d_rows, "handback_us_max"), 1))
    w("| grant wait (unit on disk -> Linux fetches it), median | %s us | |"
      % mr(col(d_rows, "grant_wait_us_median"), 1))
    w("| estimated CPU share (FIQ + hand-back time / secondary dump time) | %s %% | %.2f %% |"
      % (mr(col(d_rows, "cpu_share_pct"), 3), PAPER["cpu_share_pct"]))
    busy = col(d_rows, "other_load_spin_cores")
    w("| CPU used by other host processes while spin ran | %s cores | |" % mr(busy, 2))
    if busy and max(busy) > 0.2:
        w("\n**Caution:** other processes used up to %.1f cores of the host while spin ran; "
          "their load changes over time and shifts spin's timings by more than the dump "
          "does, so the overhead figure above is not meaningful. Rerun on a quiet host."
          % max(busy))
    w("")

    # (e)
    w("## (e) Linux changes (paper table 3)\n")
    w("Non-blank, non-comment lines of `linux/module/` (core.c, hotplug.c, vmcore.c, "
      "watchdog.c, tsubaki.h) by their section headers; "
      "the kernel itself is not patched (an unmodified `linux-source-6.1` with a config "
      "fragment).\n")
    w("| part | lines here | paper |\n|---|---|---|")
    for r in e_rows:
        w("| %s | %s | %s%s |" % (r["part"], r["lines"], r["paper_lines"],
                                  (" (%s)" % r["note"]) if r.get("note") else ""))
    w("")

    # (f)
    w("## (f) Ratios\n")
    w("Ratio of the medians; the range is the most extreme ratio of any two runs.\n")
    w("| ratio | value | range | note |\n|---|---|---|---|")
    for r in ratios:
        w("| %s | %s | %s | %s |" % (
            r["ratio"], fmt(r["value"], 3),
            "n/a" if r["range_min"] is None else "%.3f-%.3f" % (r["range_min"], r["range_max"]),
            r["note"]))
    w("")

    # failures and files
    w("## Failures\n")
    if fails:
        w("| figure | run | rep | error | logs |\n|---|---|---|---|---|")
        for r in fails:
            w("| %s | %s | %d | %s | `%s` |" % (r["figure"], r["label"], r["rep"],
                                               r.get("error", "").replace("|", "/"),
                                               r["logdir"]))
    else:
        w("None: all %d runs completed." % len(results["runs"]))
    w("\n## Files\n")
    w("CSV: %s. Plots: %s. Raw data: `results.json`. Per-run logs (normal-world "
      "console, secure log, error trace): `logs/<figure>-<run>-r<rep>/`; dump images "
      "are deleted after each run." % (
          ", ".join("`%s`" % f for f in files if f.endswith(".csv")),
          ", ".join("`%s`" % f for f in files if f.endswith(".png"))))
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    files.append("report.md")

    missing = [f for f in files if not os.path.exists(os.path.join(out, f))]
    if missing:
        print("bench: missing outputs: %s" % ", ".join(missing))
        return 1
    return 0
