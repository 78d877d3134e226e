# SPDX-License-Identifier: BSD-3-Clause
"""The PNG figures (matplotlib, Agg). Each function writes one file, also when
there is no data (then the figure says so), and returns its name."""
import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt     # noqa: E402

from harness import stats           # noqa: E402

COLORS = {"primary": "#c0392b", "prep": "#f39c12", "boot": "#2980b9",
          "during": "#c0392b", "after": "#2980b9", "straddle": "#aaaaaa",
          "capture": "#8e44ad", "copy": "#c0392b", "restart": "#2980b9"}


def _save(fig, out, name):
    fig.tight_layout()
    fig.savefig(os.path.join(out, name), dpi=110, bbox_inches="tight")
    plt.close(fig)
    return name


def _nodata(ax):
    ax.text(0.5, 0.5, "no data (see the report's failures)", ha="center", va="center",
            transform=ax.transAxes, color="gray")


def _median(rows, key):
    return stats([r.get(key) for r in rows])[1]


def _err(values):
    n, med, lo, hi = stats(values)
    if not n:
        return None, None
    return med, [[med - lo], [hi - med]]


def fig_a(results, out, a_sum):
    st = results["settings"]
    fig, ax = plt.subplots(figsize=(8, 4.8))
    if not any(s["n"] for s in a_sum):
        _nodata(ax)
    names = []
    seen = set()
    for i, s in enumerate(a_sum):
        lab = s["label"]
        names.append("Linux alone\n(reboot)" if lab == "reboot" else
                     "all\n(%d MiB)" % s["window_mib"] if lab == "all" else "%s MiB" % lab)
        if not s["n"]:
            ax.text(i, 0, "failed", ha="center", va="bottom", color="gray", fontsize=8)
            continue
        bottom = 0
        for key, part, text in (("primary_s", "primary", "fault -> primary dump done"),
                                ("prep_s", "prep", "primary done (reboot: request) -> restart started"),
                                ("boot_s", "boot", "restart started -> restart done")):
            v = s[key + "_median"] or 0
            ax.bar(i, v, 0.6, bottom=bottom, color=COLORS[part],
                   label=text if part not in seen else None)
            seen.add(part)
            bottom += v
        rows = [r for r in results["runs"] if r["figure"] == "a" and r["ok"]
                and r["label"] == lab]
        med, err = _err([r["fw_total_s"] for r in rows])
        ax.errorbar(i, med, yerr=err, fmt="none", ecolor="black", capsize=4)
        hmed, herr = _err([r["host_s"] for r in rows])
        ax.errorbar(i + 0.36, hmed, yerr=herr, fmt="x", color="black", ms=6, capsize=3,
                    label="host clock (panic line -> READY)" if i == 0 else None)
        ax.annotate("%.2f s" % med, (i, med), xytext=(0, 6), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(a_sum)))
    ax.set_xticklabels(names)
    ax.set_xlabel("primary dump (boot window)")
    ax.set_ylabel("downtime (s)")
    ax.set_title("Downtime vs primary-dump size: %d MiB Linux, disk %s, n=%d"
                 % (st["mem"], "%.0f MB/s" % (st["throttle"] / 1e6) if st["throttle"]
                    else "unthrottled", st["reps"]), fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    ax.set_ylim(top=ax.get_ylim()[1] * 1.08)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, out, "fig_a_downtime.png")


def fig_b(results, out, comp):
    st = results["settings"]
    fig, ax = plt.subplots(figsize=(8, 4))
    configs = []
    for c in comp:
        if c["config"] not in configs and c["n"]:
            configs.append(c["config"])
    kd = [r for r in results["runs"] if r["figure"] == "b" and r["ok"]]
    if not any(c["n"] for c in comp):
        _nodata(ax)
    for y, name in enumerate(configs):
        host = next((c for c in comp if c["config"] == name and c["clock"] == "host"), None)
        fw = next((c for c in comp if c["config"] == name and c["clock"] == "firmware"), None)
        if name.startswith("kdump") and kd:
            left = 0
            for key, part, text in (("capture_boot_s", "capture", "kdump: panic -> capture up"),
                                    ("copy_s", "copy", "kdump: vmcore copy"),
                                    ("restart_s", "restart", "kdump: restart -> READY")):
                v = _median(kd, key) or 0
                ax.barh(y, v, 0.5, left=left, color=COLORS[part], label=text)
                left += v
        elif host and host["n"]:
            ax.barh(y, host["median_s"], 0.5, color="#7f8c8d",
                    label="host clock (console)" if y == 0 else None)
        if host and host["n"]:
            ax.errorbar(host["median_s"], y, xerr=[[host["median_s"] - host["min_s"]],
                                                   [host["max_s"] - host["median_s"]]],
                        fmt="none", ecolor="black", capsize=4)
            ax.annotate("%.2f s" % host["median_s"], (host["max_s"], y), xytext=(6, 0),
                        textcoords="offset points", va="center", fontsize=8)
        if fw and fw["n"]:
            ax.plot(fw["median_s"], y + 0.3, "v", color="black", ms=6,
                    label="firmware clock" if y == 0 else None)
    ax.set_yticks(range(len(configs)))
    ax.set_yticklabels([c.replace(" (", "\n(") for c in configs], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("downtime (s)")
    ax.set_title("kdump vs Tsubaki on the same machine: %d MiB, disk %s" % (
        st["mem"], "%.0f MB/s" % (st["throttle"] / 1e6) if st["throttle"] else "unthrottled"),
        fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, out, "fig_b_kdump.png")


def fig_c(results, out):
    st = results["settings"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    runs = [r for r in results["runs"] if r["figure"] == "c" and r["ok"]]
    if not runs:
        _nodata(ax)
    for i, r in enumerate(runs):
        t = [s[0] for s in r["samples"]]
        mb = [s[1] for s in r["samples"]]
        line, = ax.step(t, mb, where="post", label="run %d" % r["rep"])
        ax.axvline(r["host_done_after_prober_s"], color=line.get_color(), ls="--", lw=0.8,
                   label="dump done" if i == 0 else None)
    ax.axhline(st["mem"], color="gray", lw=0.8, ls=":")
    ax.text(0, st["mem"], " RAM %d MiB" % st["mem"], va="bottom", fontsize=8, color="gray")
    ax.set_xlabel("time since READY boot=2 (s)")
    ax.set_ylabel("memory a program got (MiB)")
    ax.set_ylim(0, st["mem"] * 1.08)
    ax.set_title("Memory available after a crash restart: %d MiB boot window, %d MiB grants"
                 % (st["mem_window"], st["grant"]), fontsize=10)
    if runs:
        ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    return _save(fig, out, "fig_c_memory.png")


def fig_d(results, out, d_rows):
    st = results["settings"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    runs = [r for r in results["runs"] if r["figure"] == "d" and r["ok"]]
    if not runs:
        _nodata(ax)
    markers = "o^sDv"
    seen = set()
    for i, r in enumerate(runs):
        for phase in ("during", "straddle", "after"):
            pts = [(t, ms) for t, ms, ph in r["runs"] if ph == phase]
            if not pts:
                continue
            lab = None
            if phase not in seen:
                lab = {"during": "during the secondary dump", "after": "after it",
                       "straddle": "straddling dump-done (dropped)"}[phase]
                seen.add(phase)
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=10,
                       marker=markers[i % len(markers)], color=COLORS[phase], label=lab)
        ax.axvline(r["host_done_after_spin_s"], color="gray", ls="--", lw=0.8)
    txt = ["run %d: %s%%" % (d["rep"], "%.2f" % d["overhead_pct"]
                             if d["overhead_pct"] is not None else "n/a") for d in d_rows]
    if txt:
        med = stats([d["overhead_pct"] for d in d_rows])[1]
        txt.append("median: %s%%" % ("%.2f" % med if med is not None else "n/a"))
        ax.text(0.99, 0.97, "overhead\n" + "\n".join(txt), transform=ax.transAxes,
                ha="right", va="top", fontsize=8,
                bbox=dict(facecolor="white", alpha=0.8, edgecolor="gray"))
    ax.set_xlabel("time since READY boot=2 (s); dashed: dump done")
    ax.set_ylabel("ms per %.0e increments" % st["spin_n"])
    ax.set_title("CPU overhead of the secondary dump: 1 CPU, %d MiB" % st["mem"], fontsize=10)
    if runs:
        ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    return _save(fig, out, "fig_d_cpu.png")


def make_all(results, out, a_sum, comp, d_rows):
    return [fig_a(results, out, a_sum), fig_b(results, out, comp),
            fig_c(results, out), fig_d(results, out, d_rows)]
