# SPDX-License-Identifier: BSD-3-Clause
"""Spare-window mode: Linux restarts at once in a window the crashed kernel
never used; all of the crashed kernel's memory, its own boot window included,
is dumped while the new kernel runs, and the two windows swap roles."""
import re
import subprocess
import time

import dumpdisk
from test_dump import (DONE_TIMEOUT, MEMCHECK, assert_memory_back, crash, disk_of, fill,
                       meminfo, sysfs, wait_dump_done)

MEM = 512
MiB = 1 << 20
WINDOW = 64 * MiB
W0, W1 = 0x40000000, 0x40000000 + WINDOW


def spare_machine(machine_factory, test_overlay, extra=(), mem=MEM):
    return machine_factory(cpus=2, mem=mem, overlay=[test_overlay],
                           extra=["--spare"] + list(extra))


def windows(m):
    """(live base, spare base) as the running kernel's DT says."""
    live = sysfs(m, "live_window").split()
    spare = sysfs(m, "spare_window").split()
    assert int(live[1], 16) == WINDOW and int(spare[1], 16) == WINDOW, (live, spare)
    return int(live[0], 16), int(spare[0], 16)


def fill_most(m):
    """Fill nearly all free memory, so that some pattern pages lie in the
    window the kernel booted in (its image and initramfs freed pages there)."""
    return fill(m, (meminfo(m, "MemAvailable") >> 10) - 40)


def memcheck_in(disk, slot, nonce, pages, base, size):
    """Every page byte-exact (memcheck's exit status); how many lay in [base, +size)."""
    r = subprocess.run([MEMCHECK, disk, str(slot), nonce, str(pages), hex(base), hex(size)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "matched=%d corrupt=0 bad_chunks=0" % pages in r.stdout, r.stdout
    return int(re.search(r"in_range=(\d+)", r.stdout).group(1))


def check_spare_dump(d, crashed, restarted):
    """The dump of a kernel that booted in window @crashed, restarted in @restarted."""
    assert d.state_name == "COMPLETE" and d.slot_state_name == "COMPLETE"
    assert d.window == 0, "spare mode has no primary dump"
    kinds = {r["kind_name"]: r for r in d.regions if r["kind_name"] != "SECONDARY"}
    assert kinds["WINDOW"]["paddr"] == crashed and kinds["WINDOW"]["size"] == WINDOW
    assert kinds["EXCLUDED"]["paddr"] == restarted and kinds["EXCLUDED"]["size"] == WINDOW
    assert crashed <= kinds["KERNEL"]["paddr"] < crashed + WINDOW
    counts = d.chunk_counts()
    assert counts["EXCLUDED"] * d.chunk_size == WINDOW, counts
    assert counts["OK"] * d.chunk_size == d.ram_size - WINDOW == d.bytes_written, counts
    t = d.t_ns
    # No primary dump: primary done at once, before the restart starts.
    assert 0 < t[0] <= t[1] < t[2] < t[3] and t[1] <= t[4], t


def test_spare_mode_boot_layout(machine_factory, test_overlay):
    m = spare_machine(machine_factory, test_overlay)
    m.wait_ready(boot=1)
    assert windows(m) == (W0, W1)
    node = "/sys/firmware/devicetree/base/reserved-memory/tsubaki-spare@%x/no-map" % W1
    assert "No such file" not in m.cmd("cat %s" % node)
    # The spare is out of Linux's memory: MemTotal is RAM less the window,
    # the scratch area and what the kernel itself reserves.
    total = meminfo(m, "MemTotal")
    assert total < (MEM * MiB - WINDOW) >> 10
    assert total > (MEM * MiB - WINDOW - 40 * MiB) >> 10
    assert "spare-window mode" in m.secure_log()


def test_spare_every_filled_page_is_in_the_dump(machine_factory, test_overlay):
    """Three crashes in a row, a reboot between each: a panic on CPU0, an
    oops, a panic on CPU1. Every dump complete and byte-exact, the windows
    alternating, MemTotal back to the first boot's each time."""
    m = spare_machine(machine_factory, test_overlay, extra=["--disk-size", "1600"])
    m.wait_ready(boot=1)
    memtotal = meminfo(m, "MemTotal")
    fills, panic_cpus, boot = [], [], 1
    for n, (how, cpu) in enumerate([("sysrq-cpu0", 0), ("oops", 0), ("sysrq-cpu1", 1)]):
        if n:
            before = windows(m)
            m.p.sendline("reboot")
            boot += 1
            m.wait_ready(boot=boot)
            assert windows(m) == before, "a plain reboot keeps the windows"
        live, _ = windows(m)
        fills.append((fill_most(m), live))
        panic_cpus.append(cpu)
        crash(m, how)
        boot += 1
        m.wait_ready(boot=boot)
        ev = [e for e in m.events("linux-entry")][-1]
        assert ev["window"] == str(1 - (W1 == live)), "restarted in the wrong window"
        assert windows(m) == ((W0, W1) if live == W1 else (W1, W0))
        assert wait_dump_done(m, DONE_TIMEOUT) == "complete"
        assert_memory_back(m, memtotal)
        assert sysfs(m, "bytes_dumped") == sysfs(m, "bytes_total")
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0

    disk = dumpdisk.read_disk(disk_of(m))
    assert [d.dump_id for d in disk.dumps] == [1, 2, 3]
    for d, ((pages, nonce), live), cpu in zip(disk.dumps, fills, panic_cpus):
        restarted = W1 if live == W0 else W0
        check_spare_dump(d, live, restarted)
        assert d.panic_cpu == cpu
        assert [c["valid"] for c in d.cpus[:2]] == [1, 1]
        in_window = memcheck_in(disk_of(m), d.slot, nonce, pages, live, WINDOW)
        assert in_window > 0, "no pattern page lay in the crashed kernel's window"


def test_spare_reboots_and_crashes_alternate(machine_factory, test_overlay):
    """Plain reboots keep the live window; crashes swap; MemTotal stays."""
    m = spare_machine(machine_factory, test_overlay)
    m.wait_ready(boot=1)
    memtotal = meminfo(m, "MemTotal")
    boot, seen = 1, []
    for step in ["reboot", "crash", "reboot", "crash", "crash", "reboot"]:
        before = windows(m)
        if step == "reboot":
            m.p.sendline("reboot")
        else:
            crash(m, "sysrq-cpu0")
        boot += 1
        m.wait_ready(boot=boot)
        after = windows(m)
        seen.append(after[0])
        assert after == (before if step == "reboot" else before[::-1]), (step, before, after)
        if step == "crash":
            assert wait_dump_done(m, DONE_TIMEOUT) == "complete"
        assert_memory_back(m, memtotal)
    assert seen == [W0, W1, W1, W0, W1, W1]


def test_spare_window_too_small_is_refused_at_boot(machine_factory, test_overlay):
    m = spare_machine(machine_factory, test_overlay, extra=["--window", "16"])
    m.wait_ready(boot=1)
    log = m.secure_log()
    assert "window=16 MiB refused" in log
    ev = m.events("option-refused")
    assert ev and ev[0]["key"] == "window"
    size = int(ev[0]["min"])
    live, spare = sysfs(m, "live_window").split(), sysfs(m, "spare_window").split()
    assert int(live[1], 16) >= size and int(spare[1], 16) == int(live[1], 16)
    # The minimum is enough: a crash restarts in a window of exactly that size.
    crash(m, "sysrq-cpu0")
    m.wait_ready(boot=2)
    assert wait_dump_done(m, DONE_TIMEOUT) == "complete"


def test_spare_falls_back_when_ram_is_too_small(machine_factory, test_overlay):
    m = machine_factory(cpus=2, mem=128, overlay=[test_overlay],
                        extra=["--spare", "--window", "64"])
    m.wait_ready(boot=1)
    assert "no room for a spare window" in m.secure_log()
    assert m.events("spare-fallback")
    assert sysfs(m, "spare_window") == "none"
    crash(m, "sysrq-cpu0")
    m.wait_ready(boot=2)
    assert wait_dump_done(m, DONE_TIMEOUT) == "complete"
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    assert d.window == 64 * MiB and d.bytes_written == d.ram_size


def test_restarted_kernel_that_never_registers(machine_factory, test_overlay):
    """The secondary dump starts after 10 s by the secure timer when the new
    kernel never loads tsubaki.ko -- also when the panic came from CPU1, so
    that the restart's owner is not the CPU Linux restarts on. Loading the
    module later hands all the memory back."""
    m = spare_machine(machine_factory, test_overlay,
                      extra=["--append", "tsubaki_noload_after_crash=1"])
    m.wait_ready(boot=1)
    memtotal = meminfo(m, "MemTotal")
    pages, nonce = fill(m, 32)
    crash(m, "sysrq-cpu1")
    m.wait_ready(boot=2)
    assert m.events("restart")[-1]["cpu"] == "1"
    assert m.events("linux-entry")[-1]["cpu"] == "0"
    assert "No such file" in m.cmd("cat /sys/kernel/tsubaki/state")
    deadline = time.monotonic() + DONE_TIMEOUT
    while not m.events("dump-done") and time.monotonic() < deadline:
        time.sleep(1)
    start = m.events("secondary-start")
    assert start and start[-1]["by"] == "timer", start
    up = [e for e in m.events() if e["name"] == "linux-entry"][-1]
    assert int(start[-1]["t_ns"]) - int(up["t_ns"]) >= 9.5e9     # armed just before entry
    assert m.events("dump-done")[-1]["state"] == "complete"
    # Nothing was handed back yet; the module takes it all now.
    assert meminfo(m, "MemTotal") < memtotal - 64 * 1024
    assert "ERR" not in m.cmd("insmod /lib/modules/tsubaki/tsubaki.ko")
    assert wait_dump_done(m, DONE_TIMEOUT) == "complete"
    assert_memory_back(m, memtotal)
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    assert d.state_name == "COMPLETE" and d.panic_cpu == 1
    memcheck_in(disk_of(m), d.slot, nonce, pages, W0, WINDOW)     # every page byte-exact


def test_short_last_chunk_is_dumped_and_handed_back(machine_factory, test_overlay):
    """chunk=4 MiB: RAM below the scratch area (510 MiB) ends in a 2 MiB chunk.
    It is reserved, dumped byte-exact and handed back like the others."""
    m = spare_machine(machine_factory, test_overlay, extra=["--config", "chunk=4194304"])
    m.wait_ready(boot=1)
    memtotal = meminfo(m, "MemTotal")
    pages, nonce = fill_most(m)
    crash(m, "sysrq-cpu0")
    m.wait_ready(boot=2)
    assert wait_dump_done(m, DONE_TIMEOUT) == "complete"
    assert_memory_back(m, memtotal)
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    tail = W0 + (MEM - 2) * MiB - 2 * MiB
    assert d.chunk_size == 4 * MiB and d.ram_size == (MEM - 2) * MiB
    assert d.nchunks == 128 and d.chunk_len(127) == 2 * MiB
    assert d.chunks[127][0] == dumpdisk.CHUNK_OK
    assert d.bytes_written == d.ok_bytes == d.ram_size - WINDOW
    # Every page byte-exact and every OK chunk's checksum right, the tail's
    # too (the kernel's own top-down allocations, not memfill's, live there).
    memcheck_in(disk_of(m), d.slot, nonce, pages, tail, 2 * MiB)
    assert dumpdisk.verify_chunks(disk_of(m), d, memcheck=None) == []     # pure Python too
    assert any(dumpdisk.read_phys(disk_of(m), d, tail, 2 * MiB)), "the tail is all zeros"
