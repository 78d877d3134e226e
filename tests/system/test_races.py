# SPDX-License-Identifier: BSD-3-Clause
"""The restart sequence has one owner: calls racing each other from two CPUs
give exactly one restart, and a dump taken in the race is complete."""
import subprocess

import dumpdisk
from test_dump import DONE_TIMEOUT, MEMCHECK, disk_of, fill, sysfs, wait_dump_done

PANIC = 0xc2000002
RESET = 0x84000009
SKEWS_NS = [0, 300, 3000, 30000, 300000]
MEM = 256
MAX_DUMPS = 16          # TSB_MAX_DUMPS: dump slots on a disk


def race(m, fid0, fid1, skew):
    m.p.sendline("cpu 0 write /sys/kernel/tsubaki_test/race %#x %#x %d" % (fid0, fid1, skew))


def restarts(m):
    return m.events("restart")


def check_one_restart(m, boot, nrestarts):
    """Linux is back as boot @boot after exactly one more restart."""
    _, online = m.wait_ready(boot=boot)
    assert online == m.cpus
    ev = restarts(m)
    assert len(ev) == nrestarts, ev
    assert ev[-1]["lost"] == "0x0", ev[-1]
    entries = m.events("linux-entry")
    assert [e["boot"] for e in entries] == [str(b) for b in range(1, boot + 1)]
    assert entries[-1]["cpu"] == "0", "Linux must restart on CPU0"
    return ev[-1]


def test_reset_against_reset(machine_factory, test_overlay):
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay])
    m.wait_ready(boot=1)
    boot = 1
    for skew in SKEWS_NS + SKEWS_NS:
        race(m, RESET, RESET, skew)
        boot += 1
        ev = check_one_restart(m, boot, boot - 1)
        assert ev["why"] == "reset" and ev["seized"] == "0x3", ev
    # The loser either joined the winner's restart from its own call, or was
    # pulled in before it made it; never a second restart, never lost.
    assert len(m.events("restart-join")) <= len(SKEWS_NS) * 2
    assert "did not answer" not in m.secure_log()


def test_panic_against_reset(machine_factory, test_overlay):
    """Whoever wins, a panic that was called is dumped, completely, with both
    CPUs recorded. (When the reset's pull-in reaches the other CPU before its
    panic call, no panic happened: a plain restart.)"""
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay],
                        extra=["--disk-size", "6000"])
    m.wait_ready(boot=1)
    boot, expect, crashes = 1, [], 0
    # Every race may end in a crash, and each leaves a dump: no more races than
    # the disk has slots (a 17th dump would take one of theirs; seen on a busy host).
    for skew in (SKEWS_NS + SKEWS_NS)[:MAX_DUMPS // 2]:
        for panic_cpu in (0, 1):
            pages, nonce = fill(m, 16)
            npanics = len(m.events("panic"))
            race(m, *((PANIC, RESET) if panic_cpu == 0 else (RESET, PANIC)), skew)
            boot += 1
            ev = check_one_restart(m, boot, boot - 1)
            called = len(m.events("panic")) > npanics
            if not called:
                assert ev["why"] == "reset", ev
                continue
            crashes += 1
            assert ev["why"] == "crash" and ev["panic_cpu"] == str(panic_cpu), ev
            assert wait_dump_done(m, DONE_TIMEOUT) == "complete"
            expect.append((panic_cpu, pages, nonce))
    # The panic won (or joined) most races; a reset-first race may pull it in early.
    assert crashes >= len(SKEWS_NS)
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    disk = dumpdisk.read_disk(disk_of(m))
    assert len(disk.dumps) == len(expect)
    for d, (panic_cpu, pages, nonce) in zip(disk.dumps, expect):
        assert d.state_name == "COMPLETE"
        assert d.panic_cpu == panic_cpu
        assert [c["valid"] for c in d.cpus[:2]] == [1, 1]
        # The panicking CPU was recorded at its own panic call.
        assert d.cpus[panic_cpu]["x"][0] == PANIC
        r = subprocess.run([MEMCHECK, disk_of(m), str(d.slot), nonce, str(pages)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr


def test_two_panics_while_a_dump_is_closed(machine_factory, test_overlay):
    """A crash during a secondary dump finishes it (writing to the disk) only
    after every CPU is seized and recorded: a panic on the other CPU at the
    same time keeps its registers, whichever CPU wins."""
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay],
                        extra=["--spare", "--throttle", "20000000"])
    m.wait_ready(boot=1)
    m.p.sendline("cpu 0 sysrq c")
    m.wait_ready(boot=2)
    assert sysfs(m, "state") == "secondary"
    race(m, PANIC, PANIC, 0)
    ev = check_one_restart(m, 3, 2)
    assert ev["why"] == "crash" and ev["seized"] == "0x3"
    owner = int(ev["cpu"])
    joined = [int(e["cpu"]) for e in m.events("restart-join")]
    assert wait_dump_done(m, DONE_TIMEOUT) == "complete"
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    first, second = dumpdisk.read_disk(disk_of(m)).dumps
    # The first dump was finished before the restart (the crash came during it).
    assert first.state_name == "COMPLETE" and second.state_name == "COMPLETE"
    assert [c["valid"] for c in second.cpus[:2]] == [1, 1]
    assert second.panic_cpu == owner and second.cpus[owner]["x"][0] == PANIC
    for cpu in joined:          # a CPU that made its panic call: recorded at it
        assert second.cpus[cpu]["x"][0] == PANIC


def test_cpu_on_racing_a_reset(machine_factory, test_overlay):
    """A CPU just leaving EL3 after CPU_ON is seized too: every restart finds
    every CPU, and the next kernel brings all of them up."""
    m = machine_factory(cpus=4, mem=MEM, overlay=[test_overlay])
    m.wait_ready(boot=1)
    boot = 1
    for skew in [0, 100, 1000, 10000, 100000, 1000000]:
        assert "ERR" not in m.cmd("write /sys/devices/system/cpu/cpu2/online 0")
        m.p.sendline("cpu 0 write /sys/kernel/tsubaki_test/on_spin 2 %#x %d" % (RESET, skew))
        boot += 1
        check_one_restart(m, boot, boot - 1)
    assert "did not answer" not in m.secure_log()
    assert "missed restart" not in m.secure_log()
