# SPDX-License-Identifier: BSD-3-Clause
"""The measured scenarios. Each function boots one QEMU machine in @logdir,
runs one experiment and returns a dict of results (times in seconds); any
failure raises. Firmware times come from the secure log's EVENT lines (the
firmware clock, since QEMU started); host times are time.monotonic() when the
console line arrived, so kdump and Tsubaki are compared on the same clock.
"""
import json
import os
import re
import time
import shutil
import subprocess

from harness import (BOOT_TIMEOUT, BUILD, CMD_TIMEOUT, READY_RE, TOP, BenchError,
                     BenchMachine, LoadMeter, build_overlay, ev_t, makedumpfile_files, now)

import dumpdisk         # tests/system, on sys.path through harness

MIB = 1 << 20
CAPTURE_SCRIPT = "/etc/capture.script"
CAPTURE_CMDLINE = ("console=ttyAMA0 maxcpus=1 reset_devices tsubaki_script=%s"
                   % CAPTURE_SCRIPT)
RESTART_RE = r"reboot: Restarting system"
# Assumed rate of an unthrottled disk, only to size timeouts.
FAST_RATE = 30e6


def xfer_timeout(cfg, nbytes):
    """A generous bound for writing @nbytes to the (throttled) disk."""
    rate = cfg.throttle or FAST_RATE
    return 2.0 * nbytes / rate + 120


def common_args(cfg):
    return ["--throttle", str(cfg.throttle), "--grant", str(cfg.grant)]


def window_bytes(cfg, w):
    return cfg.mem * MIB if w == "all" else int(w) * MIB


def _header_times(disk):
    """The dump header's 4 paper timestamps (+ secondary done), or {}."""
    try:
        d = dumpdisk.read_disk(disk).dumps[-1]
    except (OSError, ValueError, IndexError):
        return {}
    return {"hdr_" + k: (v / 1e9 if v else None) for k, v in d.times.items()}


# ---- (a) downtime vs primary-dump size ---------------------------------------
def run_downtime(cfg, window, logdir):
    wb = window_bytes(cfg, window)
    m = BenchMachine(logdir, cpus=cfg.cpus, mem=cfg.mem,
                     extra=common_args(cfg) + ["--window", str(window)])
    try:
        m.ready(1)
        t_panic = m.crash()
        t_ready = m.ready(2, timeout=BOOT_TIMEOUT + xfer_timeout(cfg, wb))
        panic = m.need_event("panic")
        entry = m.need_event("linux-entry", boot=2)
        up = m.need_event("linux-up", boot=2)
        prim = m.event("primary-done")
        m.poweroff()
    finally:
        m.close()
    t0 = ev_t(panic)
    t1 = ev_t(prim) if prim else t0           # window 0: no primary dump
    t2, t3 = ev_t(entry), ev_t(up)
    row = dict(window=window, window_mib=wb // MIB, primary_s=t1 - t0,
               prep_s=t2 - t1, boot_s=t3 - t2, fw_total_s=t3 - t0,
               fw_downtime_s=int(up["downtime_ns"]) / 1e9,
               host_s=t_ready - t_panic,
               primary_bytes=int(prim["bytes"]) if prim else 0)
    if row["primary_s"] > 0:
        row["primary_MBps"] = row["primary_bytes"] / row["primary_s"] / 1e6
    row["other_load_cores"] = m.other_load
    row.update(_header_times(os.path.join(logdir, "dump.img")))
    if row.get("hdr_fault") and row.get("hdr_primary_done"):
        row["hdr_primary_s"] = row["hdr_primary_done"] - row["hdr_fault"]
    return row


def run_linux_alone(cfg, logdir):
    m = BenchMachine(logdir, cpus=cfg.cpus, mem=cfg.mem, extra=common_args(cfg))
    try:
        m.ready(1)
        memtotal = memtotal_kb(m)
        m.p.sendline("reboot")
        t_req = m.expect_t(RESTART_RE, CMD_TIMEOUT)[1]
        t_ready = m.ready(2)
        req = m.need_event("restart-request", boot=1)
        entry = m.need_event("linux-entry", boot=2)
        up = m.need_event("linux-up", boot=2)
        m.poweroff()
    finally:
        m.close()
    t0, t2, t3 = ev_t(req), ev_t(entry), ev_t(up)
    return dict(window="reboot", window_mib=0, primary_s=0.0, prep_s=t2 - t0,
                boot_s=t3 - t2, fw_total_s=t3 - t0, host_s=t_ready - t_req,
                memtotal_kb=memtotal, other_load_cores=m.other_load)


# ---- (b) kdump on the same machine -------------------------------------------
# How the capture kernel saves /proc/vmcore: a plain copy, or Debian's
# makedumpfile as kdump-tools runs it (-c -d 31: compressed, zero, cache,
# user and free pages left out) and with zero pages only left out (-d 1).
KDUMP_SAVERS = {
    "kdump": "run /bin/vmcore-copy /proc/vmcore /dev/vda",
    "kdump-c-d31": "run /usr/bin/makedumpfile -c -d 31 -f /proc/vmcore /dev/vda",
    "kdump-d1": "run /usr/bin/makedumpfile -d 1 -f /proc/vmcore /dev/vda",
}


def prepare_kdump(workdir, label="kdump"):
    """The production overlay: /boot/Image and /boot/capture.cpio (the normal
    initramfs + /etc/capture.script, concatenated; makedumpfile and its
    libraries for the makedumpfile labels)."""
    workdir = os.path.join(workdir, label)
    os.makedirs(workdir, exist_ok=True)
    script = os.path.join(workdir, "capture.script")
    with open(script, "w") as f:
        f.write("# kdump capture kernel: save the vmcore, then restart\n"
                "%s\nreboot\n" % KDUMP_SAVERS[label])
    files = {CAPTURE_SCRIPT: script}
    if "makedumpfile" in KDUMP_SAVERS[label]:
        files.update(makedumpfile_files())
    capov = build_overlay(os.path.join(workdir, "capture-overlay.cpio"), files)
    capture = os.path.join(workdir, "capture.cpio")
    with open(capture, "wb") as out:
        for part in (os.path.join(BUILD, "userland", "initramfs.cpio"), capov):
            with open(part, "rb") as f:
                shutil.copyfileobj(f, out)
    return build_overlay(os.path.join(workdir, "kdump-overlay.cpio"), {
        "/boot/Image": os.path.join(BUILD, "linux", "Image"),
        "/boot/capture.cpio": capture})


def run_kdump(cfg, overlay, logdir, label="kdump"):
    if label != "kdump":
        return _run_kdump_makedumpfile(cfg, overlay, logdir, label)
    ldisk = os.path.join(logdir, "linux.img")
    m = _kdump_boot(cfg, overlay, logdir, ldisk)
    try:
        t_panic, t_cap = _kdump_crash(m, cfg)
        size = int(m.expect_t(r"VMCORE size=(\d+)[\r\n]", CMD_TIMEOUT)[0].group(1))
        i = m.p.expect([r"VMCORE bytes=(\d+) ms=([\d.]+)[\r\n]", r"vmcore-copy: [^\r\n]*[\r\n]"],
                       timeout=xfer_timeout(cfg, size))
        if i:
            raise BenchError(m.p.match.group(0))
        t_copied = now()
        nbytes, copy_ms = int(m.p.match.group(1)), float(m.p.match.group(2))
        t_restart = m.expect_t(RESTART_RE, CMD_TIMEOUT)[1]
        t_ready = m.ready(2)
        up = m.need_event("linux-up", boot=2)
        req = m.event("restart-request", boot=1, last=True)
        m.poweroff()
    finally:
        m.close()
    if nbytes != size:
        raise BenchError("vmcore-copy copied %d of %d bytes" % (nbytes, size))
    row = dict(host_s=t_ready - t_panic, capture_boot_s=t_cap - t_panic,
               copy_s=t_copied - t_cap, restart_s=t_ready - t_copied,
               reboot_to_ready_s=t_ready - t_restart,
               vmcore_bytes=nbytes, vmcore_copy_s=copy_ms / 1e3,
               vmcore_MBps=nbytes / (copy_ms / 1e3) / 1e6 if copy_ms else None,
               other_load_cores=m.other_load)
    if req:
        row["fw_restart_s"] = ev_t(up) - ev_t(req)
    # The vmcore is the first @nbytes of the disk: cut the image there.
    os.truncate(ldisk, nbytes)
    row.update(check_vmcore(ldisk))
    os.unlink(ldisk)
    return row


def _kdump_boot(cfg, overlay, logdir, ldisk):
    """Boot with crashkernel=, load the capture kernel; return the machine."""
    m = BenchMachine(logdir, cpus=cfg.cpus, mem=cfg.mem, overlay=[overlay],
                     extra=common_args(cfg) + [
                         "--append", "crashkernel=%s" % cfg.crashkernel,
                         "--linux-disk", ldisk])
    try:
        m.ready(1)
        out = m.cmd("run /bin/kdump-load /boot/Image /boot/capture.cpio "
                    + CAPTURE_CMDLINE, timeout=120)
        if "KDUMP loaded" not in out or "EXIT 0" not in out:
            raise BenchError("kdump-load failed: %s" % out.strip()[-300:])
        if m.value("/sys/kernel/kexec_crash_loaded") != 1:
            raise BenchError("kexec_crash_loaded is not 1")
    except BaseException:
        m.close()           # no QEMU left behind
        raise
    return m


def _kdump_crash(m, cfg):
    """Panic (after dirtying memory, if asked); host times of the panic and
    of the capture kernel's READY."""
    if cfg.dirty_mib:
        dirty(m, cfg.dirty_mib)
    t_panic = m.crash()
    return t_panic, m.expect_t(READY_RE, BOOT_TIMEOUT)[1]


def _run_kdump_makedumpfile(cfg, overlay, logdir, label):
    """kdump as Debian's kdump-tools runs it: makedumpfile in the capture kernel."""
    ldisk = os.path.join(logdir, "linux.img")
    m = _kdump_boot(cfg, overlay, logdir, ldisk)
    try:
        t_panic, t_cap = _kdump_crash(m, cfg)
        i = m.p.expect([r"makedumpfile Completed\.", r"makedumpfile Failed\.",
                        r"EXIT [1-9]\d*"], timeout=xfer_timeout(cfg, cfg.mem * MIB))
        if i:
            raise BenchError("makedumpfile failed: %s" % m.p.before[-300:])
        t_copied = now()
        t_restart = m.expect_t(RESTART_RE, CMD_TIMEOUT)[1]
        t_ready = m.ready(2)
        m.poweroff()
    finally:
        m.close()
    # What makedumpfile wrote: the sparse disk image's allocated bytes.
    written = os.stat(ldisk).st_blocks * 512
    with open(ldisk, "rb") as f:
        sig = f.read(8)
    os.unlink(ldisk)
    return dict(host_s=t_ready - t_panic, capture_boot_s=t_cap - t_panic,
                copy_s=t_copied - t_cap, restart_s=t_ready - t_copied,
                reboot_to_ready_s=t_ready - t_restart, vmcore_bytes=written,
                vmcore_format=sig.rstrip(b"\0 ").decode("ascii", "replace"),
                saver=KDUMP_SAVERS[label].split(" ", 1)[1], dirty_mib=cfg.dirty_mib,
                other_load_cores=m.other_load)


def dirty(m, mib):
    """A used machine's memory: fill @mib MiB (memfill writes every page), then
    free it again, so that RAM is not the zeros QEMU hands out."""
    m.p.sendline("bg /bin/memfill %d" % mib)
    pid = int(m.expect_t(r"PID (\d+)\s", CMD_TIMEOUT)[0].group(1))
    m.expect_t(r"MEMFILL mib=\d+ pages=\d+ nonce=0x[0-9a-f]{16}\s", 300)
    m.sync()
    m.cmd("kill %d" % pid)
    m.cmd("sleep 1")


def check_vmcore(path, timeout=600):
    """Open the vmcore in drgn (in a child, bounded): release string."""
    helper = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vmcore_check.py")
    vmlinux = os.path.join(BUILD, "linux", "vmlinux")
    try:
        r = subprocess.run(["/usr/bin/python3", helper, path, vmlinux],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return dict(drgn_ok=False, drgn_error="timeout after %d s" % timeout)
    try:
        res = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return dict(drgn_ok=False, drgn_error=(r.stderr or r.stdout).strip()[-300:])
    want = _kernel_release()
    ok = bool(res.get("release")) and (want is None or res["release"] == want)
    out = dict(drgn_ok=ok, drgn_release=res.get("release"), drgn_via=res.get("via"),
               drgn_checks_ok=res.get("checks_ok"),
               drgn_checks_errors="; ".join(res.get("checks_errors", [])) or None,
               drgn_panic_task=res.get("panic_task"))
    if res.get("error"):
        out["drgn_error"] = res["error"]
    elif not ok:
        out["drgn_error"] = "release %r, expected %r" % (res.get("release"), want)
    return out


def _kernel_release():
    try:
        with open(os.path.join(BUILD, "linux", "kbuild", "include", "config",
                               "kernel.release")) as f:
            return f.read().strip()
    except OSError:
        return None


# ---- (c) memory available after a crash restart ------------------------------
def _dump_done_waiter(m, tail_s, nth=1):
    """(state, until): until() notes in state["done"] the host time the
    @nth dump-done event was first seen, and is true @tail_s s later."""
    state = {"done": None}

    def until(lines):
        if state["done"] is None:
            if len(m.events("dump-done")) < nth:
                return False
            state["done"] = now()
        return now() - state["done"] >= tail_s
    return state, until


def _handback_stats(m):
    out = {}
    for k in ("handback_count", "handback_ns_total", "handback_ns_max",
              "bytes_handed_back", "bytes_pending"):
        out[k] = m.value("/sys/kernel/tsubaki/%s" % k)
    return out


def _secondary(m, row, boot=2):
    """Downtime and secondary-dump figures from the events of the crash that
    restarted Linux as boot @boot."""
    since = int(m.need_event("linux-up", boot=boot - 1)["t_ns"])

    def after(name, wait=0):
        deadline = now() + wait
        while True:
            evs = [e for e in m.events(name) if int(e["t_ns"]) > since]
            if evs or now() > deadline:
                return evs[0] if evs else None
            time.sleep(0.2)
    panic, up = after("panic"), m.need_event("linux-up", boot=boot)
    if not panic:
        raise BenchError("no panic event before boot %d" % boot)
    since = int(panic["t_ns"])          # this crash's dump, not an earlier one's
    prim, start = after("primary-done"), after("secondary-start")
    done = after("dump-done", wait=10)
    if not done:
        raise BenchError("no dump-done event after the panic before boot %d" % boot)
    row["fw_downtime_s"] = int(up["downtime_ns"]) / 1e9
    row["fw_total_s"] = ev_t(up) - ev_t(panic)
    # The firmware's part: the panic call to entering the new kernel.
    row["fw_restart_s"] = ev_t(m.need_event("linux-entry", boot=boot)) - ev_t(panic)
    row["dump_state"] = done["state"]
    row["dump_done_after_up_s"] = ev_t(done) - ev_t(up)
    row["dump_done_after_panic_s"] = ev_t(done) - ev_t(panic)
    # on the disk: after compression (the dump's bytes_stored); kept: before it
    row["kept_bytes"] = int(done["bytes"])
    row["dumped_bytes"] = int(done.get("stored", done["bytes"]))
    row["skipped_bytes"] = int(done.get("skipped", 0))
    row["compress_ns"] = int(done.get("compress_ns", 0))
    if prim and start:
        sec = int(done["bytes"]) - int(prim["bytes"])
        dt = ev_t(done) - ev_t(start)
        row["secondary_bytes"] = sec
        row["secondary_s"] = dt
        row["secondary_MBps"] = sec / dt / 1e6 if dt > 0 else None
    row["fiq"] = int(done["fiq"])
    row["fiq_ns"] = int(done["fiq_ns"])
    row["fiq_ns_max"] = int(done["fiq_ns_max"])
    grants = [e for e in m.events("grant") if int(e["t_ns"]) >= int(up["t_ns"])]
    row["grants"] = [(ev_t(g) - ev_t(up), int(g["size"]), int(g["wait_ns"]))
                     for g in grants]
    return row


def memtotal_kb(m):
    out = m.cmd("cat /proc/meminfo")
    mt = re.search(r"^MemTotal:\s+(\d+) kB", out, re.M)
    if not mt:
        raise BenchError("no MemTotal in /proc/meminfo")
    return int(mt.group(1))


def _wait_handback(m, cfg):
    """Until the dump is done and all memory is back (the module's view)."""
    deadline = now() + xfer_timeout(cfg, cfg.mem * MIB)
    while now() < deadline:
        if (m.value("/sys/kernel/tsubaki/bytes_pending") == 0 and
                m.event("dump-done", last=True) is not None):
            return
        time.sleep(1)
    raise BenchError("the dump did not end")


def run_memory(cfg, logdir, spare=False, level=0, compress=False):
    """Figure c (and, with @spare, figure s: the spare-window mode, which
    restarts at once in a second window of the same size). Figure s crashes
    twice: the first crash after power-on restarts in a window no kernel ran
    in yet (under QEMU that costs a translation of the whole kernel, as a
    cold boot does); the second, measured like figure c, restarts in the
    window the first boot used -- the steady state of a device. @level: the
    dump level (filter=); @compress: chunks stored as LZ4 blocks (compress=1).
    With cfg.dirty_mib, the measured crash comes after
    that much memory was written and freed again (a used machine)."""
    extra = common_args(cfg) + ["--window", str(cfg.mem_window)]
    if spare:
        extra.append("--spare")
    if level:
        extra += ["--filter", str(level)]
    if compress:
        extra.append("--compress")
    m = BenchMachine(logdir, cpus=cfg.cpus, mem=cfg.mem, extra=extra)
    boot, first = 2, {}
    try:
        m.ready(1)
        memtotal = memtotal_kb(m)
        for n in range(1, (cfg.spare_crashes if spare else 1)):
            t_panic = m.crash()
            first["host_crash%d_s" % n] = m.ready(boot) - t_panic
            up = m.need_event("linux-up", boot=boot)
            first["fw_downtime_crash%d_s" % n] = int(up["downtime_ns"]) / 1e9
            _wait_handback(m, cfg)
            boot += 1
        if cfg.dirty_mib:
            dirty(m, cfg.dirty_mib)
        t_panic = m.crash()
        t_ready = m.ready(boot, timeout=BOOT_TIMEOUT + xfer_timeout(cfg, cfg.mem_window * MIB))
        m.p.sendline("bg /bin/prober %d" % cfg.floor_mib)
        t_start = now()
        state, until = _dump_done_waiter(m, cfg.tail_s, nth=boot - 1)
        lines = m.collect(r"PROBE t_ms=(\d+) mib=(\d+)[\r\n]", until,
                          timeout=xfer_timeout(cfg, cfg.mem * MIB) + cfg.tail_s)
        row = dict(host_s=t_ready - t_panic, memtotal_kb=memtotal,
                   host_done_after_prober_s=state["done"] - t_start, **first)
        _secondary(m, row, boot)
        row.update(_handback_stats(m))
        row["memtotal_after_kb"] = memtotal_kb(m)
        m.poweroff()
    finally:
        m.close()
    row["other_load_cores"] = m.other_load
    row["samples"] = [(int(x.group(1)) / 1e3, int(x.group(2))) for _, x in lines]
    if not row["samples"]:
        raise BenchError("no PROBE output")
    final = max(mb for _, mb in row["samples"])
    row["first_mib"] = row["samples"][0][1] if len(row["samples"]) < 2 \
        else row["samples"][1][1]          # at t = 1 s (t = 0 is before any malloc)
    row["final_mib"] = final
    row["t_final_s"] = next(t for t, mb in row["samples"] if mb >= 0.99 * final)
    # 90 % of the memory usable: of what the prober got at the end, from the panic
    row["t90_after_panic_s"] = row["host_s"] + next(
        t for t, mb in row["samples"] if mb >= 0.9 * final)
    row["filter"] = level
    row["compress"] = int(compress)
    return row


# ---- (m) memory mode: Linux saves the dump to its own disk ---------------------
def _mkfs(path, mib):
    with open(path, "wb") as f:
        f.truncate(mib * MIB)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "crash", path], check=True)


def _save(m, cfg):
    """Mount Linux's disk, run tsubaki-save to the end: (seconds, its output)."""
    out = m.cmd("mount /dev/vda /var/crash ext4", timeout=CMD_TIMEOUT)
    if "ERR" in out:
        raise BenchError("mount: %s" % out.strip()[-200:])
    t0 = now()
    out = m.cmd("run /bin/tsubaki-save", timeout=xfer_timeout(cfg, cfg.mem * MIB))
    t = now() - t0
    if "EXIT 0" not in out:
        raise BenchError("tsubaki-save: %s" % out.strip()[-300:])
    return t, out


def run_save(cfg, logdir):
    """Figure m: memory mode, no dump disk. Linux restarts at once in the spare
    window and tsubaki-save keeps the dump on Linux's own ext4 disk (throttled
    like the dump disk elsewhere), each saved part handed back. Like figure s
    it crashes cfg.spare_crashes times and is measured at the last crash."""
    ldisk = os.path.join(logdir, "linux.img")
    _mkfs(ldisk, 2 * cfg.mem + 256)
    extra = common_args(cfg) + ["--window", str(cfg.mem_window), "--memory",
                                "--linux-disk", ldisk]
    m = BenchMachine(logdir, cpus=cfg.cpus, mem=cfg.mem, extra=extra)
    boot, row = 2, {}
    try:
        m.ready(1)
        row["memtotal_kb"] = memtotal_kb(m)
        for n in range(1, cfg.spare_crashes + 1):
            t_panic = m.crash()
            t_ready = m.ready(boot)
            up = m.need_event("linux-up", boot=boot)
            panic = m.event("panic", last=True)
            t_save, _ = _save(m, cfg)
            _wait_handback(m, cfg)
            m.cmd("umount /var/crash")
            boot += 1
        done = m.event("dump-done", last=True)
        sums = m.event("sums-done", last=True)
        row.update(host_s=t_ready - t_panic, fw_downtime_s=int(up["downtime_ns"]) / 1e9,
                   save_s=t_save, dump_done_after_panic_s=ev_t(done) - ev_t(panic),
                   sums_after_panic_s=int(sums["ms"]) / 1e3 if sums else None,
                   saved_bytes=int(done["bytes"]))
        row["save_MBps"] = row["saved_bytes"] / t_save / 1e6 if t_save else None
        row.update(_handback_stats(m))
        row["memtotal_after_kb"] = memtotal_kb(m)
        row["smc_ms_max"] = m.value("/sys/kernel/tsubaki/smc_ns_max") / 1e6
        m.poweroff()
    finally:
        m.close()
    row["other_load_cores"] = m.other_load
    os.unlink(ldisk)
    return row


# ---- (d) CPU overhead ---------------------------------------------------------
MARGIN_S = 0.5      # secure-log polling lag: runs this close to dump-done are dropped


def run_cpu(cfg, logdir):
    m = BenchMachine(logdir, cpus=1, mem=cfg.mem,
                     extra=common_args(cfg) + ["--window", str(cfg.mem_window)])
    try:
        m.ready(1)
        t_panic = m.crash()
        t_ready = m.ready(2, timeout=BOOT_TIMEOUT + xfer_timeout(cfg, cfg.mem_window * MIB))
        m.p.sendline("bg /bin/spin %d" % cfg.spin_n)
        t_start = now()
        meter = LoadMeter(m)
        state, until_done = _dump_done_waiter(m, cfg.after_s)

        def until(lines):
            if not until_done(lines):
                return False
            after = [1 for t, x in lines
                     if t - float(x.group(1)) / 1e3 > state["done"] + MARGIN_S]
            return len(after) >= cfg.after_min
        lines = m.collect(r"SPIN ms=([\d.]+)[\r\n]", until,
                          timeout=xfer_timeout(cfg, cfg.mem * MIB) + 10 * cfg.after_s + 300)
        done_at = state["done"]
        row = dict(host_s=t_ready - t_panic, other_load_spin_cores=meter.cores())
        _secondary(m, row)
        row.update(_handback_stats(m))
        m.poweroff()
    finally:
        m.close()
    runs = []
    for t, x in lines:
        ms = float(x.group(1))
        t_begin = t - ms / 1e3
        if t <= done_at:
            phase = "during"
        elif t_begin > done_at + MARGIN_S:
            phase = "after"
        else:
            phase = "straddle"
        runs.append((t_begin - t_start, ms, phase))
    row["other_load_cores"] = m.other_load
    row["runs"] = runs
    row["host_done_after_spin_s"] = done_at - t_start
    return row


# ---- (e) the Linux side, in lines ------------------------------------------------
SECTIONS = ("Communication", "Fault notification", "Memory hand-back", "Dump reading",
            "Watchdog", "Driver")
MODULE_SOURCES = ("core.c", "hotplug.c", "vmcore.c", "watchdog.c", "tsubaki.h")


def module_lines(paths=tuple(os.path.join(TOP, "linux", "module", n) for n in MODULE_SOURCES)):
    """Non-blank, non-comment lines of the module's sources, by their
    '---- Section' comment headers ('Other' = before a file's first header:
    includes, globals, the internal header)."""
    counts = {"Other (includes, globals)": 0}
    counts.update({s: 0 for s in SECTIONS})
    for path in paths:
        _count_lines(path, counts)
    return counts


def _count_lines(path, counts):
    cur = "Other (includes, globals)"
    in_comment = False
    with open(path) as f:
        for raw in f:
            line = raw
            if not in_comment and line.lstrip().startswith("/* ----"):
                for s in SECTIONS:
                    if line.lstrip()[len("/* ---- "):].startswith(s):
                        cur = s
                        break
            code = ""
            i = 0
            while i < len(line):
                if in_comment:
                    j = line.find("*/", i)
                    if j < 0:
                        i = len(line)
                    else:
                        in_comment = False
                        i = j + 2
                elif line.startswith("/*", i):
                    in_comment = True
                    i += 2
                elif line.startswith("//", i):
                    break
                elif line[i] == '"':            # a string: skip it whole
                    j = i + 1
                    while j < len(line) and line[j] != '"':
                        j += 2 if line[j] == "\\" else 1
                    code += line[i:j + 1]
                    i = j + 1
                else:
                    code += line[i]
                    i += 1
            if code.strip():
                counts[cur] += 1


def kernel_patch_lines():
    """Lines of patches to the kernel source: *.patch/*.diff under linux/."""
    n = 0
    for root, _, files in os.walk(os.path.join(TOP, "linux")):
        for name in files:
            if name.endswith((".patch", ".diff")):
                with open(os.path.join(root, name), errors="replace") as f:
                    n += sum(1 for ln in f if ln.startswith(("+", "-"))
                             and not ln.startswith(("+++", "---")))
    return n

