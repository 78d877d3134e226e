# SPDX-License-Identifier: BSD-3-Clause
"""Memory hot-add (docs/design.md, "Memory hot-add"): after a crash the
restarted kernel boots without the pending RAM that fills whole memory
blocks; tsubaki.ko hot-adds each block when the first grant inside it
arrives and holds what is not dumped yet out of the page allocator."""
import re
import time

import dumpdisk
from test_dump import assert_memory_back, crash, disk_of, fill, meminfo, sysfs, wait_dump_done
from test_spare import memcheck_in

MEM = 512
MiB = 1 << 20
BLOCK = 128 * MiB
# Spare mode at 512 MiB: windows [0x40000000, 0x48000000), scratch at the top
# 2 MiB, so the pending blocks are 0x48000000 and 0x50000000; the rest of the
# pending RAM ([0x58000000, 0x5fe00000)) shares its block with the scratch area.
BLOCKS = [0x48000000, 0x50000000]


def hot_ranges(m):
    """[(start, end)] of the System RAM (tsubaki) lines of /proc/iomem."""
    out = m.cmd("cat /proc/iomem")
    return [(int(a, 16), int(b, 16) + 1) for a, b in
            re.findall(r"^([0-9a-f]+)-([0-9a-f]+) : System RAM \(tsubaki\)", out, re.M)]


def block_state(m, base):
    out = m.cmd("cat /sys/devices/system/memory/memory%d/state" % (base // BLOCK))
    return out.strip().splitlines()[-1].strip()


def test_pending_ram_is_hot_added_as_it_is_handed_back(machine_factory, test_overlay):
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay],
                        extra=["--spare", "--throttle", "10000000"])
    m.wait_ready(boot=1)
    memtotal = meminfo(m, "MemTotal")
    assert hot_ranges(m) == []
    pages, nonce = fill(m, 300)
    crash(m, "sysrq-cpu0")
    m.wait_ready(boot=2)

    # The firmware asked Linux to online hot-added memory and sized its hash
    # tables for all of RAM (131072 pages: one dentry per 2, one inode per 4).
    cmdline = m.cmd("cat /proc/cmdline")
    assert "memhp_default_state=online dhash_entries=65536 ihash_entries=32768" in cmdline
    # It booted without the two pending blocks: less than half the RAM.
    assert meminfo(m, "MemTotal") < memtotal - 2 * BLOCK // 1024 + 4096
    assert "hot-added as it is handed back" in m.cmd("dmesg")

    # Blocks are added one at a time, as grants reach them; a block that
    # still holds pages not dumped cannot be offlined, and stays online.
    seen_one = refused = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sysfs(m, "state") == "secondary":
        hot = hot_ranges(m)
        assert set(hot) <= {(b, b + BLOCK) for b in BLOCKS}, hot
        if hot == [(BLOCKS[0], BLOCKS[0] + BLOCK)] and not refused:
            seen_one = True
            out = m.cmd("write /sys/devices/system/memory/memory%d/state offline"
                        % (BLOCKS[0] // BLOCK))
            refused = "ERR" in out
            assert block_state(m, BLOCKS[0]) == "online"
        time.sleep(0.5)
    assert seen_one, "never saw the first block added alone"
    assert refused, "a block holding pages not yet dumped went offline"
    assert wait_dump_done(m) == "complete"

    assert sorted(hot_ranges(m)) == [(b, b + BLOCK) for b in BLOCKS]
    assert int(sysfs(m, "bytes_hot_added")) == 2 * BLOCK
    assert [block_state(m, b) for b in BLOCKS] == ["online", "online"]
    assert_memory_back(m, memtotal)
    big = (meminfo(m, "MemAvailable") >> 10) - 48
    assert big > MEM // 2, "less than half the RAM available after the dump"
    assert fill(m, big)[0] == big * 256
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0

    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    assert d.state_name == "COMPLETE"
    # Every pattern page byte-exact, some of them in the hot-added blocks.
    assert memcheck_in(disk_of(m), d.slot, nonce, pages, BLOCKS[0], 2 * BLOCK) > 0


def test_hotplug_0_reserves_all_pending_ram(machine_factory, test_overlay):
    """hotplug=0: the first design, every pending page reserved in /memory."""
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay],
                        extra=["--config", "hotplug=0"])
    m.wait_ready(boot=1)
    memtotal = meminfo(m, "MemTotal")
    pages, nonce = fill(m)
    crash(m, "sysrq-cpu1")
    m.wait_ready(boot=2)
    assert "memhp_default_state" not in m.cmd("cat /proc/cmdline")
    assert wait_dump_done(m) == "complete"
    assert hot_ranges(m) == [] and sysfs(m, "bytes_hot_added") == "0"
    assert abs(meminfo(m, "MemTotal") - memtotal) <= 1024
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    assert d.state_name == "COMPLETE"
    assert memcheck_in(disk_of(m), d.slot, nonce, pages, 0x40000000, MEM * MiB) == pages


def test_bad_hotplug_option_is_refused_at_boot(machine_factory):
    m = machine_factory(cpus=2, mem=MEM, extra=["--config", "hotplug=100000000"])
    m.wait_ready(boot=1)
    assert "hotplug=100000000 refused" in m.secure_log()
    assert [e["key"] for e in m.events("option-refused")] == ["hotplug"]
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
