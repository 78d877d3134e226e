# SPDX-License-Identifier: BSD-3-Clause
"""QEMU run plumbing for the benchmarks: a Machine (tests/system/conftest.py)
with host timestamps, bounded waits and a clean-up that leaves no QEMU behind.

Everything that can go wrong in a run raises BenchError (or a pexpect
exception); the caller records it and goes on with the next run.
"""
import os
import re
import signal
import statistics
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "system"))

import pexpect                                  # noqa: E402
from conftest import (BUILD, PROMPT, Machine,   # noqa: E402,F401  (re-exported)
                      build_overlay, makedumpfile_files)

# The architecture every run boots (bench/run.py --arch): arm64 or arm.
ARCH = "arm64"

BOOT_TIMEOUT = 180      # s from QEMU start (or a restart) to READY
CMD_TIMEOUT = 60
PANIC_RE = r"Kernel panic - not syncing"
READY_RE = r"READY boot=(\d+) cpus=(\d+)[\r\n]"
# Numbers are matched up to the line end: pexpect may hold half a line.


class BenchError(Exception):
    pass


def now():
    return time.monotonic()


def _children(pid):
    """PIDs of the direct children of @pid (empty when it is gone)."""
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def _host_ticks():
    """(busy, total) jiffies of the whole host, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def _proc_ticks(pid, children=False):
    """utime + stime (+ cutime + cstime) of @pid in jiffies; 0 when gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            v = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(x) for x in v[11:15 if children else 13])


class LoadMeter:
    """CPU time the rest of the host used (in cores) while a run was going:
    all busy time minus this QEMU's, its runner's and this process's. The
    guest's clock is the host's, so this is what disturbs the timings."""

    HZ = os.sysconf("SC_CLK_TCK")

    def __init__(self, m):
        self.m = m
        self.last = {}          # pid -> last ticks seen (QEMU may exit first)
        self.s = self._snap()

    def _ours(self):
        pids = {self.m.p.pid: True} if self.m.p.pid else {}
        pids.update({p: False for p in self.m.qemu_pids})
        for pid, ch in pids.items():
            t = _proc_ticks(pid, children=ch)
            if t is not None:
                self.last[pid] = t
        own = os.times()
        return sum(self.last.values()) + (own.user + own.system) * self.HZ

    def _snap(self):
        busy, total = _host_ticks()
        return busy, total, self._ours()

    def cores(self):
        """Other processes' load since the meter started, in cores."""
        busy, total, ours = self._snap()
        db, dt, do = busy - self.s[0], total - self.s[1], ours - self.s[2]
        if dt <= 0:
            return None
        return max(0.0, (db - do) / dt * (os.cpu_count() or 1))


class BenchMachine(Machine):
    """One QEMU run in @logdir. @extra: more tools/tsubaki-run options."""

    def __init__(self, logdir, cpus=2, mem=1024, overlay=(), extra=()):
        os.makedirs(logdir, exist_ok=True)
        self.t_spawn = now()
        self.qemu_pids = set()
        super().__init__(logdir, cpus=cpus, mem=mem, overlay=overlay, extra=extra, arch=ARCH)
        self.meter = LoadMeter(self)
        self.other_load = None

    # -- console ------------------------------------------------------------
    def _note_children(self):
        if self.p.pid:
            self.qemu_pids.update(_children(self.p.pid))

    def expect_t(self, pattern, timeout):
        """Wait for @pattern on the console; return (match, host time)."""
        self.p.expect(pattern, timeout=timeout)
        t = now()
        self._note_children()
        return self.p.match, t

    def ready(self, boot, timeout=BOOT_TIMEOUT):
        """Wait for READY boot=@boot and the prompt; host time of READY."""
        m, t = self.expect_t(READY_RE, timeout)
        got = int(m.group(1))
        if got != boot:
            raise BenchError("expected READY boot=%d, got boot=%d" % (boot, got))
        self.p.expect_exact(PROMPT, timeout=CMD_TIMEOUT)
        return t

    def value(self, path, numeric=True):
        """Last line of 'cat @path' that is not console noise (kernel
        messages, PROBE/SPIN lines of background programs)."""
        out = self.cmd("cat %s" % path).splitlines()
        vals = [x.strip() for x in out
                if x.strip() and not x.startswith("[") and not x.startswith("PROBE ")
                and not x.startswith("SPIN ") and not x.startswith("cat ")]
        if numeric:
            vals = [x for x in vals if re.fullmatch(r"-?\d+", x)]
        if not vals:
            raise BenchError("cannot read %s: %r" % (path, out))
        return int(vals[-1]) if numeric else vals[-1]

    def crash(self):
        """Panic on CPU0; host time of the console's panic line."""
        self.p.sendline("cpu 0 sysrq c")
        return self.expect_t(PANIC_RE, CMD_TIMEOUT)[1]

    def collect(self, pattern, until, timeout, step=0.25):
        """Gather console lines matching @pattern (with host time) until
        @until(lines) is true; keeps reading the console all the time."""
        lines = []
        deadline = now() + timeout
        rx = [pattern, pexpect.TIMEOUT]
        while True:
            if until(lines):
                return lines
            if now() > deadline:
                raise BenchError("timeout after %d s waiting for %s (%d lines)"
                                 % (timeout, pattern, len(lines)))
            if self.p.expect(rx, timeout=step) == 0:
                lines.append((now(), self.p.match))

    # -- firmware events ----------------------------------------------------
    def event(self, name, last=False, **kv):
        """The first (or @last) event @name whose keys match @kv, or None."""
        evs = [e for e in self.events(name)
               if all(e.get(k) == str(v) for k, v in kv.items())]
        if not evs:
            return None
        return evs[-1] if last else evs[0]

    def need_event(self, name, timeout=10, **kv):
        """Like event(), waiting up to @timeout s (the log may lag)."""
        deadline = now() + timeout
        while True:
            e = self.event(name, **kv)
            if e is not None:
                return e
            if now() > deadline:
                raise BenchError("no '%s' event %s in the secure log" % (name, kv))
            try:
                self.p.expect(pexpect.TIMEOUT, timeout=0.2)
            except pexpect.EOF:
                time.sleep(0.2)

    # -- the end ------------------------------------------------------------
    def poweroff(self, timeout=CMD_TIMEOUT):
        self._note_children()
        self.other_load = self.meter.cores()
        self.p.sendline("poweroff")
        rc = self.wait_exit(timeout=timeout)
        if rc != 0:
            raise BenchError("QEMU exit status %s after poweroff" % rc)

    def close(self):
        self._note_children()
        try:
            super().close()
        except Exception:
            pass
        # The runner takes QEMU down with it; make sure, by PID.
        for pid in self.qemu_pids:
            for _ in range(20):
                try:
                    os.kill(pid, 0)
                except OSError:
                    break
                time.sleep(0.1)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass


def ev_t(e):
    """An event's firmware time in seconds."""
    return int(e["t_ns"]) / 1e9


def clean_run_dir(logdir, keep=("console.txt", "secure.log")):
    """Remove everything but the small logs (images are GBs, sparse)."""
    for name in os.listdir(logdir):
        if name not in keep:
            path = os.path.join(logdir, name)
            if os.path.isfile(path) or os.path.islink(path):
                os.unlink(path)


def stats(values):
    """(n, median, min, max) of the values that are not None."""
    v = [x for x in values if x is not None]
    if not v:
        return (0, None, None, None)
    return (len(v), statistics.median(v), min(v), max(v))
