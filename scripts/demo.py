#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The Tsubaki demo: boot Linux under the secure firmware, run a workload,
crash the kernel, and watch Tsubaki dump memory while Linux is already back."""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))
from conftest import Machine, build_dir  # noqa: E402
import dumpdisk  # noqa: E402

BOLD, DIM, RESET = "\033[1m", "\033[2m", "\033[0m"
if not sys.stdout.isatty():
    BOLD = DIM = RESET = ""


def say(msg):
    print("\n%s==> %s%s" % (BOLD, msg, RESET), flush=True)


def line(msg):
    print("    " + msg, flush=True)


class Timeline:
    """Prints the firmware's EVENT lines as they appear, relative to the panic."""

    def __init__(self, m):
        self.m, self.seen, self.t0 = m, 0, None

    def poll(self):
        evs = self.m.events()
        for e in evs[self.seen:]:
            if e["name"] == "grant":
                continue        # the progress lines show the hand-back
            t = int(e["t_ns"])
            if e["name"] == "panic":
                self.t0 = t
            rel = "" if self.t0 is None else "+%8.3f s" % ((t - self.t0) / 1e9)
            extra = " ".join("%s=%s" % kv for kv in e.items() if kv[0] not in ("t_ns", "name"))
            print("    %s%s  firmware: %-16s %s%s" % (DIM, rel, e["name"], extra, RESET),
                  flush=True)
        self.seen = len(evs)


def sysfs(m, name):
    """The value (the kernel may print a console message in between)."""
    out = m.cmd("cat /sys/kernel/tsubaki/%s" % name).strip().splitlines()
    vals = [x for x in out if not x.startswith("[")]
    return vals[-1].strip() if vals else ""


def meminfo_kb(m, key):
    return int(re.search(r"^%s:\s+(\d+)" % key, m.cmd("cat /proc/meminfo"), re.M).group(1))


CPU_NAME = {"arm64": "Cortex-A57", "arm": "Cortex-A15"}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--arch", choices=("arm64", "arm"), default="arm64",
                    help="arm64 (the build in build/) or arm (ARMv7-A, 'make ARCH=arm': "
                         "build/arm)")
    ap.add_argument("--mem", type=int, default=1024, help="RAM in MiB")
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--throttle", type=int, default=20000000,
                    help="dump disk write limit in bytes/s (0: none)")
    ap.add_argument("--fill", type=int, default=128, help="MiB the workload fills")
    ap.add_argument("--mode", choices=("spare", "primary", "memory"), default="spare",
                    help="spare: restart at once in a spare window, dump everything to the "
                         "dump disk while Linux runs (costs one 64 MiB window of RAM); "
                         "primary: dump the 64 MiB boot window first, then restart in it "
                         "(the paper); memory: no dump disk -- restart in the spare window "
                         "and let Linux save the dump to its own ext4 disk with tsubaki-save")
    a = ap.parse_args()
    if a.mode == "memory":
        return memory_demo(a)

    logdir = tempfile.mkdtemp(prefix="tsubaki-demo-")
    disk = os.path.join(logdir, "dump.img")
    say("Booting QEMU virt (secure=on, %d x %s, %d MiB); dump disk throttled to "
        "%s" % (a.cpus, CPU_NAME[a.arch], a.mem,
                "%.0f MB/s" % (a.throttle / 1e6) if a.throttle else "no limit"))
    extra = ["--throttle", str(a.throttle)] if a.throttle else []
    if a.mode == "spare":
        extra.append("--spare")
    m = Machine(logdir, cpus=a.cpus, mem=a.mem, extra=extra, arch=a.arch)
    tl = Timeline(m)
    t_start = time.monotonic()
    m.wait_ready(boot=1)
    line("Linux is up after %.2f s: %s" % (time.monotonic() - t_start,
                                            m.cmd("cat /sys/kernel/tsubaki/state") and
                                            "tsubaki.ko registered with the collector"))
    total_kb = meminfo_kb(m, "MemTotal")
    line("MemTotal %d MiB" % (total_kb >> 10))
    if a.mode == "spare":
        line("spare-window mode: Linux runs in the window at %s; the one at %s is kept "
             "spare, out of its memory, to restart in" % (
                 sysfs(m, "live_window").split()[0], sysfs(m, "spare_window").split()[0]))
    else:
        line("primary-dump mode: after a crash the boot window is dumped first, "
             "then Linux restarts in it")

    say("Workload: fill %d MiB with a pattern keyed by each page's frame number" % a.fill)
    m.p.sendline("bg /bin/memfill %d" % a.fill)
    m.p.expect(r"MEMFILL mib=\d+ pages=(\d+) nonce=(0x[0-9a-f]{16})[\r\n]", timeout=120)
    pages, nonce = int(m.p.match.group(1)), m.p.match.group(2)
    m.sync()
    line("%d pages filled, nonce %s" % (pages, nonce))

    say("Crash: echo c > /proc/sysrq-trigger (kernel panic)")
    t_crash = time.monotonic()
    m.p.sendline("sysrq c")
    m.p.expect(r"READY boot=2", timeout=600)
    m.p.expect_exact("tsubaki# ")
    wall = time.monotonic() - t_crash
    tl.poll()
    line("Linux is back %.2f s after the crash command; the dump goes on behind it" % wall)
    if a.mode == "spare":
        line("it restarted in the spare window (%s); the crashed kernel's window is dumped "
             "and becomes the next spare" % sysfs(m, "live_window").split()[0])

    say("Secondary dump while Linux runs: memory comes back as it reaches the disk")
    last = None
    while True:
        tl.poll()
        st = sysfs(m, "state")
        dumped, total = int(sysfs(m, "bytes_dumped")), int(sysfs(m, "bytes_total"))
        back = int(sysfs(m, "bytes_handed_back"))
        memtotal = meminfo_kb(m, "MemTotal") >> 10
        cur = (st, dumped >> 20, back >> 20)
        if cur != last:
            line("%-9s dumped %5d / %d MiB   handed back %5d MiB   MemTotal %5d MiB"
                 % (st, dumped >> 20, total >> 20, back >> 20, memtotal))
            last = cur
        if st in ("complete", "partial", "no-disk") and sysfs(m, "bytes_pending") == "0":
            break
        time.sleep(2)
    tl.poll()

    say("Power off, then check the dump on the host")
    m.p.sendline("poweroff")
    rc = m.wait_exit()
    d = dumpdisk.read_disk(disk).dumps[-1]
    t = d.t_ns
    line("dump %d: %s, %d MiB in %d chunks, panic on CPU%d"
         % (d.dump_id, d.state_name.lower(), d.bytes_written >> 20, d.nchunks, d.panic_cpu))
    line("downtime (panic -> Linux restart done): %.3f s   [primary dump %.3f s, "
         "restart %.3f s]" % ((t[3] - t[0]) / 1e9, (t[1] - t[0]) / 1e9, (t[3] - t[2]) / 1e9))
    secondary = d.bytes_written - d.window
    line("secondary dump: %.1f s for %d MiB (%.1f MB/s)"
         % ((t[4] - t[2]) / 1e9, secondary >> 20, secondary / max(1, t[4] - t[2]) * 1e3))
    memcheck = os.path.join(build_dir(a.arch), "tools", "memcheck")
    r = subprocess.run([memcheck, disk, str(d.slot), nonce, str(pages)],
                       capture_output=True, text=True)
    line(r.stdout.strip())
    say("Dump: %s (slot %d). QEMU exited with status %d; logs in %s"
        % (disk, d.slot, rc, logdir))
    return 0 if r.returncode == 0 and rc == 0 else 1


def memory_demo(a):
    """Memory mode: no dump disk; Linux saves the dump to /var/crash on its own disk."""
    logdir = tempfile.mkdtemp(prefix="tsubaki-demo-")
    ldisk = os.path.join(logdir, "linux.img")
    with open(ldisk, "wb") as f:
        f.truncate((a.mem + 512) << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "crash", ldisk], check=True)
    say("Booting QEMU virt (secure=on, %d x %s, %d MiB) in memory mode: no dump "
        "disk; Linux's own ext4 disk throttled to %s" % (
            a.cpus, CPU_NAME[a.arch], a.mem,
            "%.0f MB/s" % (a.throttle / 1e6) if a.throttle else "no limit"))
    extra = ["--memory", "--linux-disk", ldisk]
    if a.throttle:
        extra += ["--throttle", str(a.throttle)]
    m = Machine(logdir, cpus=a.cpus, mem=a.mem, extra=extra, arch=a.arch)
    tl = Timeline(m)
    m.wait_ready(boot=1)
    total_kb = meminfo_kb(m, "MemTotal")
    line("Linux is up; MemTotal %d MiB (one window kept spare)" % (total_kb >> 10))
    say("Workload: fill %d MiB with a pattern keyed by each page's frame number" % a.fill)
    m.p.sendline("bg /bin/memfill %d" % a.fill)
    m.p.expect(r"MEMFILL mib=\d+ pages=(\d+) nonce=(0x[0-9a-f]{16})[\r\n]", timeout=120)
    pages, nonce = int(m.p.match.group(1)), m.p.match.group(2)
    m.sync()
    say("Crash: echo c > /proc/sysrq-trigger (kernel panic)")
    t_crash = time.monotonic()
    m.p.sendline("sysrq c")
    m.p.expect(r"READY boot=2", timeout=600)
    m.p.expect_exact("tsubaki# ")
    tl.poll()
    line("Linux is back %.2f s after the crash command; the crashed kernel's memory waits "
         "in RAM (%s)" % (time.monotonic() - t_crash, sysfs(m, "dumps")))
    say("tsubaki-save: /dev/tsubaki/vmcore -> /var/crash on Linux's disk; each part saved "
        "is handed back")
    m.cmd("mount /dev/vda /var/crash ext4")
    m.cmd("bg /bin/tsubaki-save -q")
    last = None
    while True:
        tl.poll()
        st = sysfs(m, "state")
        saved, total = int(sysfs(m, "bytes_dumped")), int(sysfs(m, "bytes_total"))
        back = int(sysfs(m, "bytes_handed_back"))
        cur = (st, saved >> 20, back >> 20)
        if cur != last:
            line("%-9s saved %5d / %d MiB   handed back %5d MiB   MemTotal %5d MiB"
                 % (st, saved >> 20, total >> 20, back >> 20,
                    meminfo_kb(m, "MemTotal") >> 10))
            last = cur
        if st in ("complete", "partial", "idle") and sysfs(m, "bytes_pending") == "0":
            break
        time.sleep(2)
    time.sleep(1)
    line(m.cmd("ls /var/crash/1").replace("\n", "  "))
    m.cmd("umount /var/crash")
    say("Power off, then check the saved vmcore on the host")
    m.p.sendline("poweroff")
    rc = m.wait_exit()
    files = {}
    for name in ("vmcore", "dump.meta"):
        files[name] = os.path.join(logdir, name)
        subprocess.run(["debugfs", "-R", "dump /1/%s %s" % (name, files[name]), ldisk],
                       capture_output=True)
    memcheck = os.path.join(build_dir(a.arch), "tools", "memcheck")
    r = subprocess.run([memcheck, "--elf", files["vmcore"], nonce, str(pages), files["dump.meta"]],
                       capture_output=True, text=True)
    line(r.stdout.strip().replace("\n", "  "))
    say("vmcore: %s (%d MiB, open it with drgn -c ... -s %s). QEMU exited "
        "with status %d; logs in %s" % (files["vmcore"], os.path.getsize(files["vmcore"]) >> 20,
                                        os.path.relpath(os.path.join(build_dir(a.arch), "linux",
                                                                     "vmlinux")),
                                        rc, logdir))
    return 0 if r.returncode == 0 and rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
