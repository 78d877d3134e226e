# SPDX-License-Identifier: BSD-3-Clause
"""Hangs the kernel never reports: the secure lockup detector and the
watchdog each take a complete, byte-exact dump with the right cause, and the
hung CPUs' registers show where they were stuck."""
import os
import subprocess
import sys

import pytest

import dumpdisk
from conftest import BUILD, TOP
from test_dump import DONE_TIMEOUT, crash, disk_of, fill, memcheck, wait_dump_done

sys.path.insert(0, os.path.join(TOP, "tests", "dumptool"))
import analyze          # noqa: E402

MEM = 512
FREQ = 62500000         # QEMU virt's counter frequency (CNTFRQ_EL0)
LOCKUP_S = 3            # the detector's limit in these tests (default 10)
WATCH_S = 0.1           # its sample period (watch_ms, default 100)


def hang_machine(machine_factory, test_overlay, lockup_s=LOCKUP_S, cpus=2):
    m = machine_factory(cpus=cpus, mem=MEM, overlay=[test_overlay],
                        extra=["--spare", "--config", "lockup_s=%d" % lockup_s])
    m.wait_ready(boot=1)
    return m


def hang(m, mode, mask):
    """Make the CPUs in @mask spin (test module); return the spin function's
    [start, end) and the counter value each CPU reported as it started."""
    m.p.sendline("write /sys/kernel/tsubaki_test/hang %s %d" % (mode, mask))
    m.p.expect(r"HANGFN ([0-9a-f]+) (\w+)\+0x0/0x([0-9a-f]+)\s", timeout=60)
    start, name, size = int(m.p.match.group(1), 16), m.p.match.group(2), \
        int(m.p.match.group(3), 16)
    assert name == "tsb_test_spin_" + mode, name
    started = {}
    for _ in range(bin(mask).count("1")):
        m.p.expect(r"cpu(\d+) hangs \(%s\) at cntvct (\d+)\s" % mode, timeout=60)
        started[int(m.p.match.group(1))] = int(m.p.match.group(2))
    assert sorted(started) == [i for i in range(8) if mask & (1 << i)]
    return (start, start + size), started


def finish(m, nonce, pages):
    """The restarted kernel: the dump completes; return it, after memcheck."""
    m.wait_ready(boot=2)
    assert wait_dump_done(m, DONE_TIMEOUT) == "complete"
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    d = dumpdisk.read_disk(disk_of(m)).dumps[-1]
    assert d.state_name == "COMPLETE" and d.bytes_written == d.ok_bytes
    out = memcheck(disk_of(m), d.slot, nonce, pages)
    assert "matched=%d corrupt=0 bad_chunks=0" % pages in out
    return d


def assert_stuck_in(d, cpus, fn):
    for c in cpus:
        rec = d.cpus[c]
        assert rec["valid"] == 1
        assert fn[0] <= rec["pc"] < fn[1], "cpu%d pc 0x%x not in [0x%x, 0x%x)" % (
            c, rec["pc"], fn[0], fn[1])
        assert rec["pstate"] & 0x80, "cpu%d had IRQs unmasked" % c     # PSTATE.I
        assert rec["pstate"] & 0xf == 0x5                               # EL1h


@pytest.mark.parametrize("mask", [0b10, 0b11], ids=["cpu1", "all-cpus"])
def test_hard_lockup_is_dumped(machine_factory, test_overlay, mask):
    m = hang_machine(machine_factory, test_overlay)
    pages, nonce = fill(m)
    fn, started = hang(m, "irqoff", mask)
    d = finish(m, nonce, pages)
    assert (d.cause_name, d.cause_cpus) == ("hard-lockup", mask)
    assert mask & (1 << d.panic_cpu)
    assert_stuck_in(d, [c for c in range(2) if mask & (1 << c)], fn)
    ev = m.events("hard-lockup")
    assert len(ev) == 1 and int(ev[0]["cpus"], 16) == mask
    # The exported vmcore keeps the hung CPUs where they were (module code):
    # no move to a caller in the image, as for a panic's notifier frame.
    core = os.path.join(m.logdir, "vmcore")
    r = subprocess.run([os.path.join(BUILD, "tools", "tsubaki-dump"), "export", disk_of(m),
                        "last", "--elf", core], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "outside the kernel image" not in r.stderr, r.stderr
    notes = analyze.prstatus(core)
    for c in range(2):
        if mask & (1 << c):
            assert notes[c]["regs"][32] == d.cpus[c]["pc"]
    # Stuck in every sample for the limit: the stretch the samples see may
    # begin one sample before the spin does (the CPU had IRQs masked with its
    # tick pending on its way into the thread, then took the tick between two
    # samples), so never more than one sample period before the limit;
    # detected within a few samples after it.
    latency = int(ev[0]["t_ns"]) / 1e9 - started[int(ev[0]["cpu"])] / FREQ
    assert LOCKUP_S - WATCH_S <= latency < LOCKUP_S + 3, latency
    assert not m.events("watchdog-expired")


def test_idle_and_busy_cpus_are_not_lockups(machine_factory, test_overlay):
    """Idle CPUs wait in WFI with IRQs masked, busy ones run with IRQs on:
    neither is stuck. A short limit (2 s) over 8 s of both finds nothing."""
    m = hang_machine(machine_factory, test_overlay, lockup_s=2)
    m.cmd("sleep 4")
    pids = []
    for cpu in (0, 1):
        m.p.sendline("cpu %d bg /bin/spin 20000000" % cpu)
        m.p.expect(r"PID (\d+)\s", timeout=30)
        pids.append(int(m.p.match.group(1)))
    m.sync()
    fill(m, 32)                     # the kernel busy too: page faults, zeroing
    m.cmd("sleep 3")
    for pid in pids:
        m.cmd("kill %d" % pid)
    m.cmd("sleep 1")
    assert not m.events("hard-lockup") and not m.events("restart")
    assert m.cmd("echo alive").endswith("alive")
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    stats = m.events("watch-stats")
    assert stats and int(stats[-1]["samples"]) > 0


@pytest.mark.parametrize("mask,pin", [(0b10, 1), (0b11, 0)], ids=["cpu1", "all-cpus"])
def test_watchdog_expiry_is_dumped(machine_factory, test_overlay, mask, pin):
    """A watchdog daemon stops pinging because its CPU hangs: the dump's cause
    is watchdog (the lockup detector's 60 s are not reached)."""
    m = hang_machine(machine_factory, test_overlay, lockup_s=60)
    assert "watchdog0" in m.cmd("ls /sys/class/watchdog")
    pages, nonce = fill(m)
    m.p.sendline("cpu %d bg /bin/wdt-ping 3 300" % pin)
    m.p.expect(r"WDT timeout=3 dev=/dev/watchdog", timeout=60)
    m.sync()
    assert m.events("watchdog-start")
    m.cmd("sleep 2")        # pinged meanwhile: no expiry
    assert not m.events("watchdog-expired")
    fn, started = hang(m, "irqoff", mask)
    d = finish(m, nonce, pages)
    assert d.cause_name == "watchdog" and d.cause_cpus == 0b11
    assert_stuck_in(d, [c for c in range(2) if mask & (1 << c)], fn)
    # Once: the restarted kernel (up for the whole secondary dump, far
    # longer than 3 s) runs without a watchdog until it arms one itself.
    ev = m.events("watchdog-expired")
    assert len(ev) == 1 and not m.events("hard-lockup")
    # The pings stopped when the daemon's CPU hung: expiry within 3 s (+ a sample).
    latency = int(ev[0]["t_ns"]) / 1e9 - started[pin] / FREQ
    assert 0 < latency < 3 + 1.5, latency


def test_watchdog_stop_and_bad_timeouts(machine_factory, test_overlay):
    """A magic close stops the watchdog: no expiry; a timeout out of range is
    refused by the collector and by the driver."""
    m = hang_machine(machine_factory, test_overlay)
    m.p.sendline("bg /bin/wdt-ping 2 200")
    m.p.expect(r"PID (\d+)\s", timeout=30)
    pid = int(m.p.match.group(1))
    m.p.expect(r"WDT timeout=2", timeout=60)
    m.sync()
    m.cmd("sleep 1")
    # SIGTERM: the daemon writes 'V' and closes; its line may come before the prompt.
    if "WDT stopped" not in m.cmd("kill %d" % pid):
        m.p.expect(r"WDT stopped", timeout=30)
    m.sync()
    assert m.events("watchdog-stop")[-1]["by"] == "linux"
    m.cmd("sleep 4")
    assert not m.events("watchdog-expired")
    # The SiP call itself: too long is refused, 0 stops (idempotent).
    m.cmd("write /sys/kernel/tsubaki_test/smc 0xc2000009 3601")
    assert m.cmd("cat /sys/kernel/tsubaki_test/smc").split()[0] == "0xfffffffffffffffe"
    m.cmd("write /sys/kernel/tsubaki_test/smc 0xc2000009 0")
    assert m.cmd("cat /sys/kernel/tsubaki_test/smc").split()[0] == "0x0"
    assert "usage" in m.cmd("run /bin/wdt-ping 0 100")
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0


def test_panic_cause_is_recorded(machine_factory, test_overlay):
    m = hang_machine(machine_factory, test_overlay)
    pages, nonce = fill(m, 16)
    crash(m, "sysrq-cpu1")
    d = finish(m, nonce, pages)
    assert (d.cause_name, d.cause_cpus, d.panic_cpu) == ("panic", 0b10, 1)


def test_trapped_gic_access_is_an_undef_not_a_restart(machine_factory, test_overlay):
    """The kernel reads a secure group-0 GIC register (it traps to EL3): it
    gets an Undefined Instruction exception at EL1 -- an oops, which panics
    and is dumped -- instead of a restart without a dump."""
    m = hang_machine(machine_factory, test_overlay)
    pages, nonce = fill(m, 16)
    m.p.sendline("cpu 1 write /sys/kernel/tsubaki_test/gic_trap 1")
    m.p.expect(r"Oops - Undefined instruction|undefined instruction", timeout=60)
    d = finish(m, nonce, pages)
    assert (d.cause_name, d.panic_cpu) == ("panic", 1)
    ev = m.events("undef")
    assert len(ev) == 1 and int(ev[0]["esr"], 16) >> 26 == 0x18     # a trapped MRS
    assert "unexpected exception" not in m.secure_log()
    assert [e["why"] for e in m.events("restart")] == ["crash"]
