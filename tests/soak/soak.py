#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Soak: N crash cycles in a row on one machine (make soak, default 50; a
5-cycle run is part of make test).

Each cycle fills memory with memfill's pattern (a fresh nonce), brings the
kernel down one of several ways on one of its CPUs -- a panic, an oops, a hard
lockup (IRQs masked, the secure detector), a watchdog expiry (its daemon's CPU
hangs) -- waits for Linux to come back and the dump to complete, and checks
that dump before the next cycle: its cause and CPUs, the hung CPUs' PCs, and
every filled page byte-exact (memcheck). Prints one line per cycle and a
summary table; exits 1 if any cycle failed (it stops there: the machine's
state is then unknown).
"""
import argparse
import os
import random
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "system"))

import dumpdisk                                                 # noqa: E402
from conftest import BUILD, Machine, build_overlay             # noqa: E402
from test_dump import fill, memcheck, wait_dump_done           # noqa: E402
from test_hangs import hang                                     # noqa: E402

LOCKUP_S = 3
WDT_S = 3
# Each kind with the CPUs it takes in turn: a CPU (panic, oops), or a mask of
# the CPUs that hang (lockup, watchdog).
KINDS = {"panic": [0, 1], "oops": [1, 0], "lockup": [0b10, 0b01, 0b11],
         "watchdog": [0b01, 0b11, 0b10]}
EXPECT_CAUSE = {"panic": "panic", "oops": "panic", "lockup": "hard-lockup",
                "watchdog": "watchdog"}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cycles", type=int, default=50, help="crash cycles (default 50)")
    p.add_argument("--mem", type=int, default=512, metavar="MiB", help="RAM (default 512)")
    p.add_argument("--fill", type=int, default=32, metavar="MiB",
                   help="MiB filled with the pattern each cycle (default 32)")
    p.add_argument("--seed", type=int, default=1, help="order of the kinds (default 1)")
    p.add_argument("--logdir", default=None, help="where the run's logs go (default: a "
                   "new directory under build/soak/)")
    a = p.parse_args(argv)
    if a.cycles < 1 or a.mem < 256 or a.fill < 1 or a.fill > a.mem // 4:
        p.error("need cycles >= 1, mem >= 256, 1 <= fill <= mem/4")
    return a


def overlay(logdir):
    ko = os.path.join(BUILD, "kmod", "tests", "kmod", "tsubaki_test.ko")
    if not os.path.exists(ko):
        sys.exit("soak: %s missing: run 'make'" % ko)
    return build_overlay(os.path.join(logdir, "test.cpio"),
                         {"/lib/modules/tsubaki/tsubaki_test.ko": ko})


def bring_down(m, kind, sel):
    """Start the failure; return (the expected cause CPUs, the hung function's range)."""
    if kind == "panic":
        m.p.sendline("cpu %d sysrq c" % sel)
        return 1 << sel, None
    if kind == "oops":
        m.p.sendline("cpu %d write /sys/kernel/tsubaki_test/oops 1" % sel)
        return 1 << sel, None
    if kind == "watchdog":
        pin = (sel & -sel).bit_length() - 1        # the daemon on a CPU that hangs
        m.p.sendline("cpu %d bg /bin/wdt-ping %d 300" % (pin, WDT_S))
        m.p.expect(r"WDT timeout=%d dev=" % WDT_S, timeout=60)
        m.sync()
        m.cmd("sleep 1")
    fn, _ = hang(m, "irqoff", sel)
    return (sel if kind == "lockup" else (1 << m.cpus) - 1), fn


def check_dump(m, kind, sel, cpus, fn, nonce, pages, boot):
    d = dumpdisk.read_disk(os.path.join(m.logdir, "dump.img"))
    d = [x for x in d.dumps if x.boot_count == boot]
    assert len(d) == 1, "no single dump of boot %d" % boot
    d = d[0]
    assert d.state_name == "COMPLETE", d.state_name
    assert d.cause_name == EXPECT_CAUSE[kind], (d.cause_name, kind)
    assert d.cause_cpus == cpus, "cause_cpus 0x%x, want 0x%x" % (d.cause_cpus, cpus)
    if fn:
        for c in range(m.cpus):
            if sel & (1 << c):
                pc = d.cpus[c]["pc"]
                assert fn[0] <= pc < fn[1], "cpu%d pc 0x%x outside the hung function" % (c, pc)
    out = memcheck(os.path.join(m.logdir, "dump.img"), d.slot, nonce, pages)
    assert "matched=%d corrupt=0 bad_chunks=0" % pages in out, out
    t = d.t_ns
    return d, (t[3] - t[0]) / 1e9 if t[3] and t[0] else float("nan")


def main(argv):
    a = parse_args(argv)
    if a.logdir:
        logdir = a.logdir
        os.makedirs(logdir, exist_ok=True)
    else:
        os.makedirs(os.path.join(BUILD, "soak"), exist_ok=True)
        logdir = tempfile.mkdtemp(prefix="run-", dir=os.path.join(BUILD, "soak"))
    rnd = random.Random(a.seed)
    order, rnd_no = [], 0
    while len(order) < a.cycles:        # every kind once per round, shuffled
        r = sorted(KINDS)
        rnd.shuffle(r)
        order += [(k, KINDS[k][rnd_no % len(KINDS[k])]) for k in r]
        rnd_no += 1
    order = order[:a.cycles]
    m = Machine(logdir, cpus=2, mem=a.mem, overlay=[overlay(logdir)],
                extra=["--spare", "--config", "lockup_s=%d" % LOCKUP_S])
    rows, failed = [], None
    t_start = time.monotonic()
    try:
        m.wait_ready(boot=1)
        for i, (kind, sel) in enumerate(order):
            boot = i + 1
            t0 = time.monotonic()
            try:
                pages, nonce = fill(m, a.fill)
                cpus, fn = bring_down(m, kind, sel)
                m.wait_ready(boot=boot + 1)
                assert wait_dump_done(m) == "complete"
                d, down = check_dump(m, kind, sel, cpus, fn, nonce, pages, boot)
            except Exception as e:          # noqa: BLE001 -- reported, then we stop
                failed = (i + 1, kind, sel, "%s: %s" % (type(e).__name__, e))
                print("soak: cycle %d (%s 0x%x) FAILED: %s" % failed, flush=True)
                break
            row = (i + 1, kind, sel, d.dump_id, d.cause_name, d.cause_cpus, pages, down,
                   time.monotonic() - t0)
            rows.append(row)
            print("soak: cycle %3d %-8s cpus 0x%x: dump %d %s 0x%x, %d pages byte-exact, "
                  "downtime %.2f s, cycle %.1f s" % row, flush=True)
        if not failed:
            m.p.sendline("poweroff")
            m.wait_exit(timeout=120)
    finally:
        m.close()
    if not failed:      # every dump was checked: the disk image (~RAM size) can go
        for f in ("dump.img", "flash.bin"):
            if os.path.exists(os.path.join(logdir, f)):
                os.unlink(os.path.join(logdir, f))
    wall = time.monotonic() - t_start
    print()
    print("| kind | cycles | verified | downtime mean (s) | downtime max (s) |")
    print("|---|---|---|---|---|")
    for kind in ("panic", "oops", "lockup", "watchdog"):
        r = [x for x in rows if x[1] == kind]
        downs = [x[7] for x in r]
        n = len([x for x in order[:len(rows) + (1 if failed else 0)] if x[0] == kind])
        print("| %s | %d | %d | %s | %s |" % (
            kind, n, len(r), "%.2f" % (sum(downs) / len(downs)) if downs else "-",
            "%.2f" % max(downs) if downs else "-"))
    print("| all | %d | %d | | |" % (len(rows) + (1 if failed else 0), len(rows)))
    print()
    print("soak: %d of %d cycles verified in %.0f s (%s); logs in %s" % (
        len(rows), a.cycles, wall, "FAILED at cycle %d" % failed[0] if failed else "ok",
        logdir))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
