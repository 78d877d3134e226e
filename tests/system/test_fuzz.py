# SPDX-License-Identifier: BSD-3-Clause
"""A hostile normal world: 1e5 random and boundary SMCs (tests/kmod's fuzzer,
over the SMCCC arch, PSCI and SiP ranges and any owner) in every collector
state -- idle, during a secondary dump, after it -- never fault the firmware,
and the next crash still dumps byte-exact."""
import re

import dumpdisk
from test_dump import DONE_TIMEOUT, crash, disk_of, fill, memcheck, sysfs, wait_dump_done

MEM = 512
N = 110000          # >= 1e5 calls after the skipped ones (~4 %)
FAULT_MARKS = ("PANIC", "exception in EL3", "unexpected exception", "unexpected IRQ")


def fuzz(m, seed, n=N):
    out = m.cmd("write /sys/kernel/tsubaki_test/fuzz %d %d" % (n, seed), timeout=600)
    assert "ERR" not in out, out
    got = dict(re.findall(r"(\w+)=(\d+)", m.cmd("cat /sys/kernel/tsubaki_test/fuzz")))
    got = {k: int(v) for k, v in got.items()}
    assert got["calls"] + got["skipped"] == n and got["calls"] >= min(n, 100000), got
    assert got["refused"] > 0 and got["ok"] > 0, got
    log = m.secure_log()
    for mark in FAULT_MARKS:
        assert mark not in log, "firmware fault after fuzzing (seed %d): %s" % (seed, mark)
    assert m.cmd("echo alive").endswith("alive")
    return got


def test_smc_fuzz_in_every_state(machine_factory, test_overlay):
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay],
                        extra=["--spare", "--throttle", "8000000"])
    m.wait_ready(boot=1)
    fuzz(m, 1)                                      # idle
    pages, nonce = fill(m)
    crash(m, "sysrq-cpu1")
    m.wait_ready(boot=2)
    assert sysfs(m, "state") == "secondary"
    fuzz(m, 2)                                      # during the secondary dump
    assert sysfs(m, "state") in ("secondary", "complete")
    assert wait_dump_done(m, DONE_TIMEOUT) == "complete"
    fuzz(m, 3)                                      # after it
    # The next crash still dumps correctly, and the first dump is intact.
    pages2, nonce2 = fill(m)
    crash(m, "sysrq-cpu0")
    m.wait_ready(boot=3)
    assert wait_dump_done(m, DONE_TIMEOUT) == "complete"
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    disk = dumpdisk.read_disk(disk_of(m))
    assert [d.state_name for d in disk.dumps] == ["COMPLETE", "COMPLETE"]
    for d, (p, n) in zip(disk.dumps, ((pages, nonce), (pages2, nonce2))):
        assert "matched=%d corrupt=0 bad_chunks=0" % p in memcheck(disk_of(m), d.slot, n, p)
    for mark in FAULT_MARKS:
        assert mark not in m.secure_log()
