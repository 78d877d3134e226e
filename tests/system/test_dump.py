# SPDX-License-Identifier: BSD-3-Clause
"""Concurrent crash dump and restart: every filled page is in the dump,
memory comes back, Linux always comes back."""
import os
import random
import re
import subprocess
import time

import pexpect
import pytest

from conftest import ARCHES, BUILD, qmp
import dumpdisk

MEM = 512               # MiB of normal-world RAM in these tests
FILL = 64               # MiB filled with the pattern before the crash
DONE_TIMEOUT = 240      # s for a whole secondary dump under TCG
MEMCHECK = os.path.join(BUILD, "tools", "memcheck")


def fill(m, mib=FILL):
    m.p.sendline("bg /bin/memfill %d" % mib)
    m.p.expect(r"MEMFILL mib=(\d+) pages=(\d+) nonce=(0x[0-9a-f]{16})[\r\n]", timeout=120)
    pages, nonce = int(m.p.match.group(2)), m.p.match.group(3)
    m.sync()
    assert pages == mib * 256
    return pages, nonce


def sysfs(m, name):
    """The value (the kernel may print a console message in between)."""
    out = m.cmd("cat /sys/kernel/tsubaki/%s" % name).strip().splitlines()
    vals = [x for x in out if not x.startswith("[")]
    return vals[-1].strip() if vals else ""


def wait_dump_done(m, timeout=DONE_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = sysfs(m, "state")
        if st in ("complete", "partial", "no-disk", "idle"):
            # The last hand-back may trail the final state by one poll.
            if sysfs(m, "bytes_pending") == "0":
                return st
        time.sleep(1)
    pytest.fail("dump not done after %d s: state %s" % (timeout, sysfs(m, "state")))


def meminfo(m, key):
    out = m.cmd("cat /proc/meminfo")
    return int(re.search(r"^%s:\s+(\d+) kB" % key, out, re.M).group(1))


def assert_memory_back(m, first):
    """MemTotal is back to the first boot's (@first, kB): nothing is lost. A
    restarted kernel that hot-added pending RAM (docs/design.md, "Memory
    hot-add") also counts the struct page array of those blocks (1/64 of
    them), which a cold boot takes out of memblock; a little slack for other
    boot-time tables."""
    now = meminfo(m, "MemTotal")
    hot = int(sysfs(m, "bytes_hot_added") or 0) >> 10
    assert first - 1024 <= now <= first + hot // 64 + 2048, \
        "MemTotal %d kB, first boot %d kB, %d kB hot-added" % (now, first, hot)


def crash(m, how):
    cmds = {
        "sysrq-cpu0": "cpu 0 sysrq c",
        "oops": "cpu 0 write /sys/kernel/tsubaki_test/oops 1",
        "sysrq-cpu1": "cpu 1 sysrq c",
    }
    m.p.sendline(cmds[how])


def memcheck(disk, slot, nonce, pages):
    r = subprocess.run([MEMCHECK, disk, str(slot), nonce, str(pages)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def disk_of(m):
    return os.path.join(m.logdir, "dump.img")


def in_kernel_mode(c, arch):
    """The dump's CPU record @c was stopped in the kernel: EL1h with a kernel
    address on arm64; SVC (or another privileged mode) in the upper half on
    ARM (VMSPLIT_2G: PAGE_OFFSET 0x80000000), or in the modules 16 MiB below
    it (MODULES_VADDR 0x7f000000: the panicking CPU is seized in tsubaki.ko's
    SMC)."""
    if arch == "arm":
        a = c["a32"]
        return a["r"][15] >= 0x7f000000 and a["cpsr"] & 0x1f not in (0x10, 0x16, 0x1a)
    return c["pc"] >= 0xffffff8000000000 and c["pstate"] & 0xf == 0x5


@pytest.mark.parametrize("arch", ARCHES, indirect=True)
@pytest.mark.parametrize("how,panic_cpu", [
    ("sysrq-cpu0", 0), ("oops", 0), ("sysrq-cpu1", 1)])
def test_every_filled_page_is_in_the_dump(machine_factory, test_overlay, how, panic_cpu, arch):
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay])
    m.wait_ready(boot=1)
    memtotal = meminfo(m, "MemTotal")
    pages, nonce = fill(m)
    crash(m, how)
    m.wait_ready(boot=2)
    assert wait_dump_done(m) == "complete"
    # All memory is back and usable.
    assert_memory_back(m, memtotal)
    assert sysfs(m, "bytes_dumped") == sysfs(m, "bytes_total")
    big = (meminfo(m, "MemAvailable") >> 10) - 48
    assert big > MEM // 2, "less than half the RAM available after the dump"
    pages2, _ = fill(m, big)
    assert pages2 == big * 256
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0

    disk = dumpdisk.read_disk(disk_of(m))
    assert len(disk.dumps) == 1
    d = disk.dumps[0]
    assert d.state_name == "COMPLETE" and d.slot_state_name == "COMPLETE"
    assert d.panic_cpu == panic_cpu and d.boot_count == 1
    assert d.bytes_written == d.ram_size == d.ok_bytes
    t = d.t_ns
    assert 0 < t[0] < t[1] < t[2] < t[3] and t[1] <= t[4], t
    assert b"OSRELEASE=6.1" in d.vmcoreinfo
    assert [c["valid"] for c in d.cpus[:2]] == [1, 1]
    assert d.arch_name == ("aarch32" if arch == "arm" else "aarch64")
    # The panicking CPU was stopped in the kernel, the other one too.
    for c in d.cpus[:2]:
        assert in_kernel_mode(c, arch), c
    out = memcheck(disk_of(m), d.slot, nonce, pages)
    assert "matched=%d corrupt=0 bad_chunks=0" % pages in out


def test_two_crashes_leave_two_complete_dumps(machine_factory, test_overlay):
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay])
    m.wait_ready(boot=1)
    fills = []
    for boot in (1, 2):
        fills.append(fill(m))
        crash(m, "sysrq-cpu0")
        m.wait_ready(boot=boot + 1)
        assert wait_dump_done(m) == "complete"
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    disk = dumpdisk.read_disk(disk_of(m))
    assert [d.dump_id for d in disk.dumps] == [1, 2]
    assert [d.state_name for d in disk.dumps] == ["COMPLETE", "COMPLETE"]
    assert disk.dumps[1].slot_offset >= disk.dumps[0].slot_offset + disk.dumps[0].slot_size
    for d, (pages, nonce) in zip(disk.dumps, fills):
        memcheck(disk_of(m), d.slot, nonce, pages)


def test_disk_too_small_gives_a_partial_dump(machine_factory):
    m = machine_factory(cpus=2, mem=MEM, extra=["--disk-size", "40"])
    m.wait_ready(boot=1)
    memtotal = meminfo(m, "MemTotal")
    m.p.sendline("sysrq c")
    m.wait_ready(boot=2)
    assert wait_dump_done(m) == "partial"
    assert_memory_back(m, memtotal)
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    assert d.state_name == "PARTIAL"
    counts = d.chunk_counts()
    # 40 MiB disk: 1 MiB disk header + 1 MiB metadata + 38 chunks of 1 MiB.
    assert counts["OK"] == 38 and counts["NO_ROOM"] == d.nchunks - 38, counts
    assert d.bytes_written == 38 << 20
    assert all(st == dumpdisk.CHUNK_OK for st, _ in d.chunks[:38])
    assert dumpdisk.verify_chunks(disk_of(m), d) == []


def test_no_dump_disk_still_restarts(machine_factory):
    m = machine_factory(cpus=2, mem=MEM, extra=["--no-disk"])
    m.wait_ready(boot=1)
    memtotal = meminfo(m, "MemTotal")
    m.p.sendline("sysrq c")
    m.wait_ready(boot=2)
    assert sysfs(m, "state") == "no-disk"
    assert_memory_back(m, memtotal)
    assert m.events("panic") and m.events("linux-entry")[-1]["boot"] == "2"


def test_reboot_during_secondary_dump_loses_nothing(machine_factory, test_overlay):
    # A slow disk keeps the secondary dump running across a normal reboot.
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay],
                        extra=["--throttle", "20000000"])
    m.wait_ready(boot=1)
    memtotal = meminfo(m, "MemTotal")
    pages, nonce = fill(m)
    crash(m, "sysrq-cpu0")
    m.wait_ready(boot=2)
    assert sysfs(m, "state") == "secondary"
    m.p.sendline("reboot")
    m.wait_ready(boot=3)
    # Still reserved in the third kernel until it is on disk.
    assert sysfs(m, "state") == "secondary"
    assert int(sysfs(m, "bytes_pending")) > 0
    assert wait_dump_done(m) == "complete"
    assert_memory_back(m, memtotal)
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    assert d.state_name == "COMPLETE"
    memcheck(disk_of(m), d.slot, nonce, pages)


@pytest.mark.parametrize("mode", ["primary", "spare"])
def test_crash_during_secondary_dump(machine_factory, test_overlay, mode):
    """The second crash comes while the first dump is still being written:
    the first dump -- the root cause -- is finished before the restart, and
    both are complete and byte-exact."""
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay],
                        extra=["--throttle", "20000000"] + (["--spare"] if mode == "spare"
                                                            else []))
    m.wait_ready(boot=1)
    pages1, nonce1 = fill(m)
    crash(m, "sysrq-cpu0")
    m.wait_ready(boot=2)
    assert sysfs(m, "state") == "secondary"
    pages2, nonce2 = fill(m, 16)    # only the boot window is Linux's so far
    crash(m, "sysrq-cpu1")
    m.wait_ready(boot=3)
    assert wait_dump_done(m) == "complete"
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    fin = m.events("previous-finished")
    assert len(fin) == 1 and fin[0]["dump"] == "1"
    first, second = dumpdisk.read_disk(disk_of(m)).dumps
    assert first.state_name == "COMPLETE" and first.bytes_written == first.ok_bytes
    assert second.state_name == "COMPLETE" and second.panic_cpu == 1
    assert dumpdisk.verify_chunks(disk_of(m), first) == []
    assert "matched=%d corrupt=0" % pages1 in memcheck(disk_of(m), first.slot, nonce1, pages1)
    assert "matched=%d corrupt=0" % pages2 in memcheck(disk_of(m), second.slot, nonce2, pages2)


def test_window_all_dumps_everything_before_the_restart(machine_factory, test_overlay):
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay], extra=["--window", "all"])
    m.wait_ready(boot=1)
    pages, nonce = fill(m)
    crash(m, "sysrq-cpu0")
    m.wait_ready(boot=2)
    assert sysfs(m, "state") == "complete"     # nothing left for a secondary dump
    assert not m.events("secondary-start")
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    assert d.state_name == "COMPLETE" and d.window == d.ram_size
    t = d.t_ns
    assert t[1] == t[4] or t[4] <= t[2], "secondary after the restart: %s" % t
    memcheck(disk_of(m), d.slot, nonce, pages)


def test_window_0_restarts_without_a_dump(machine_factory):
    m = machine_factory(cpus=2, mem=MEM, extra=["--window", "0"])
    m.wait_ready(boot=1)
    memtotal = meminfo(m, "MemTotal")
    m.p.sendline("sysrq c")
    m.wait_ready(boot=2)
    assert sysfs(m, "state") == "idle"
    assert meminfo(m, "MemTotal") == memtotal
    up = m.events("linux-up")[-1]
    assert up["boot"] == "2" and int(up["downtime_ns"]) > 0
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    with open(disk_of(m), "rb") as f:
        assert f.read(4096) == bytes(4096), "window=0 must not touch the dump disk"


def test_poweroff_during_secondary_dump_records_the_extent(machine_factory):
    m = machine_factory(cpus=2, mem=MEM, extra=["--throttle", "20000000"])
    m.wait_ready(boot=1)
    m.p.sendline("sysrq c")
    m.wait_ready(boot=2)
    time.sleep(2)
    assert sysfs(m, "state") == "secondary"
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    # Closed, not left "in progress": what is on disk is exactly what is recorded.
    assert d.state_name == "PARTIAL"
    assert d.window < d.bytes_written < d.ram_size
    assert d.bytes_written == d.ok_bytes
    assert dumpdisk.verify_chunks(disk_of(m), d) == []


# Power losses after N grants, and at seeded random moments of the secondary dump.
POWER_LOSS_AT = [("grants", 1), ("grants", 3), ("grants", 7)] + \
    [("seconds", round(random.Random(seed).uniform(0.1, 9.0), 2)) for seed in (11, 12, 13)]


@pytest.mark.parametrize("when,at", POWER_LOSS_AT)
def test_power_loss_leaves_everything_handed_back_on_record(machine_factory, tmp_path,
                                                            when, at):
    """A power loss (QEMU quits: no SYSTEM_OFF, nothing closed) in the middle of
    the secondary dump: every chunk whose memory went back to Linux is on
    record on the disk, with a good checksum -- its RAM is reused already."""
    sock = str(tmp_path / "qmp.sock")
    m = machine_factory(cpus=2, mem=MEM, extra=["--throttle", "20000000", "--qmp", sock])
    m.wait_ready(boot=1)
    m.p.sendline("sysrq c")
    m.wait_ready(boot=2)
    deadline = time.monotonic() + 120
    if when == "seconds":
        while not m.events("secondary-start"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(at)
        assert sysfs(m, "state") == "secondary", "the dump ended before the power loss"
    while when == "grants" and len(m.events("grant")) < at:
        assert time.monotonic() < deadline and sysfs(m, "state") == "secondary"
        time.sleep(0.2)
    try:
        qmp(sock, ("quit", None))
    except (OSError, ValueError):
        pass                    # QEMU may go before it answers
    m.p.expect(pexpect.EOF, timeout=30)
    back = [(int(e["base"], 16), int(e["size"])) for e in m.events("grant")]
    assert len(back) >= (at if when == "grants" else 0)
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    assert d.state_name == "IN_PROGRESS"
    for base, size in back:
        for i in range((base - d.ram_base) // d.chunk_size,
                       (base + size - d.ram_base) // d.chunk_size):
            assert d.chunks[i][0] == 1, "chunk %d went back to Linux, but is not on " \
                "record (state %d)" % (i, d.chunks[i][0])
    assert dumpdisk.verify_chunks(disk_of(m), d) == []


def test_primary_dump_has_a_deadline(machine_factory):
    """A disk that answers, but slowly: window=all at 2 MB/s would keep Linux
    down for two minutes; primary_max_s=3 restarts it with what is on disk."""
    m = machine_factory(cpus=2, mem=256, extra=["--window", "all", "--throttle", "2000000",
                                                "--config", "primary_max_s=3"])
    m.wait_ready(boot=1)
    t0 = time.monotonic()
    m.p.sendline("sysrq c")
    m.wait_ready(boot=2)
    assert time.monotonic() - t0 < 30
    assert m.events("primary-deadline")
    assert wait_dump_done(m) == "partial"
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    assert d.state_name == "PARTIAL"
    assert 0 < d.bytes_written == d.ok_bytes < d.ram_size // 4
    assert dumpdisk.verify_chunks(disk_of(m), d) == []


def test_secondary_dump_goes_on_with_cpu0_offline(machine_factory):
    m = machine_factory(cpus=2, mem=MEM, extra=["--throttle", "20000000"])
    m.wait_ready(boot=1)
    m.p.sendline("sysrq c")
    m.wait_ready(boot=2)
    assert sysfs(m, "state") == "secondary"
    # The disk's FIQ went to CPU0: the firmware moves it when CPU0 powers off.
    assert "ERR" not in m.cmd("cpu 1 write /sys/devices/system/cpu/cpu0/online 0")
    assert m.cmd("cat /sys/devices/system/cpu/online").strip().splitlines()[-1] == "1"
    assert wait_dump_done(m) == "complete"
    assert "ERR" not in m.cmd("cpu 1 write /sys/devices/system/cpu/cpu0/online 1")
    m.p.sendline("reboot")
    _, online = m.wait_ready(boot=3)
    assert online == 2


@pytest.mark.parametrize("mode", ["primary", "spare"])
def test_crash_under_heavy_linux_disk_io(machine_factory, test_overlay, tmp_path, mode):
    """Linux's own virtio disk has DMA in flight both ways when the kernel
    crashes: the collector resets it right after the seize, before reading
    any memory, so the dump is byte-exact and the restarted kernel finds its
    disk working."""
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay],
                        extra=["--linux-disk", str(tmp_path / "linux.img")] +
                        (["--spare"] if mode == "spare" else []))
    m.wait_ready(boot=1)
    pages, nonce = fill(m)
    m.p.sendline("cpu 1 bg /bin/diskload /dev/vda 128")
    m.p.expect(r"DISKLOAD ios=\d+\s", timeout=60)      # running
    m.sync()
    crash(m, "sysrq-cpu0")
    m.wait_ready(boot=2)
    restart = m.events("restart")[-1]
    assert restart["why"] == "crash" and restart["devices_reset"] == "1"
    ev = [e["name"] for e in m.events()]
    assert ev.index("restart", ev.index("panic")) < ev.index("primary-done")
    assert wait_dump_done(m) == "complete"
    # The restarted kernel's disk works (its driver found a reset device).
    m.p.sendline("bg /bin/diskload /dev/vda 16")
    m.p.expect(r"DISKLOAD ios=\d+\s", timeout=60)
    m.sync()
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    assert d.state_name == "COMPLETE"
    out = memcheck(disk_of(m), d.slot, nonce, pages)
    assert "matched=%d corrupt=0 bad_chunks=0" % pages in out


def test_panic_loop_keeps_the_first_dump(machine_factory, test_overlay):
    """Each restarted kernel crashes again, on a disk with room for two dumps:
    the newest replace each other, the first of the series (the root cause)
    stays. A plain reboot ends the series; the next crash starts a new one."""
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay],
                        extra=["--spare", "--disk-size", str(2 * MEM + 64)])
    m.wait_ready(boot=1)
    pages, nonce = fill(m)
    for boot in range(1, 5):
        crash(m, "sysrq-cpu%d" % (boot % 2))
        m.wait_ready(boot=boot + 1)
        assert wait_dump_done(m) == "complete"
    disk = dumpdisk.read_disk(disk_of(m))
    assert sorted(d.dump_id for d in disk.dumps) == [1, 4]
    prot = [s["dump_id"] for s in disk.slots if s["flags"] & dumpdisk.SLOT_PROTECTED]
    assert prot == [1]
    d1 = disk.dump_by_id(1)
    assert "matched=%d corrupt=0 bad_chunks=0" % pages in memcheck(disk_of(m), d1.slot,
                                                                    nonce, pages)
    # A plain reboot in between: the next crash starts a new series.
    m.p.sendline("reboot")
    m.wait_ready(boot=6)
    crash(m, "sysrq-cpu0")
    m.wait_ready(boot=7)
    assert wait_dump_done(m) == "complete"
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    disk = dumpdisk.read_disk(disk_of(m))
    prot = [s["dump_id"] for s in disk.slots if s["flags"] & dumpdisk.SLOT_PROTECTED]
    assert prot == [5] and 5 in [d.dump_id for d in disk.dumps]


def test_chunk_too_small_for_the_ram_is_refused_at_boot(machine_factory):
    """At 8 GiB, 64 KiB chunks would need 131040 entries in a table of 64000:
    refused at boot with the smallest chunk that fits, not at the first crash."""
    m = machine_factory(cpus=2, mem=8192, extra=["--config", "chunk=65536"])
    m.wait_ready(boot=1)
    assert "chunk=64 KiB refused: 8190 MiB of RAM would need 131040 chunks" in m.secure_log()
    ev = m.events("option-refused")
    assert [(e["key"], e["value"], e["min"]) for e in ev] == [("chunk", "65536", "262144")]
    assert "chunk 256 KiB" in m.secure_log()
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0


@pytest.mark.parametrize("arch", ["arm"], indirect=True)
def test_arm_filter_degrades_and_compress_stores_lz4(machine_factory, test_overlay, arch):
    """ARM's VMCOREINFO has no vmemmap, so dump level 31 cannot find struct
    pages: the firmware says so (the filter-degraded event) and keeps only the
    zero-page check. compress=1 still stores each chunk that shrinks as one
    LZ4 block. Every pattern page is in the dump, byte-exact, and every chunk
    checks."""
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay],
                        extra=["--filter", "31", "--compress"])
    m.wait_ready(boot=1)
    pages, nonce = fill(m)
    crash(m, "sysrq-cpu1")
    m.wait_ready(boot=2)
    assert wait_dump_done(m) == "complete"
    degraded = m.events("filter-degraded")
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    assert [(e["filter"], e["applied"]) for e in degraded] == [("31", "1")], degraded
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    assert d.state_name == "COMPLETE" and d.arch_name == "aarch32" and d.panic_cpu == 1
    assert d.compress == dumpdisk.COMPRESS_LZ4 and d.filter == 1
    zchunks = [i for i, z in enumerate(d.zlens) if z]
    assert len(zchunks) > 64, len(zchunks)
    assert d.bytes_stored < d.bytes_written, (d.bytes_stored, d.bytes_written)
    assert dumpdisk.verify_chunks(disk_of(m), d) == []
    out = memcheck(disk_of(m), d.slot, nonce, pages)
    assert "matched=%d corrupt=0 bad_chunks=0" % pages in out
