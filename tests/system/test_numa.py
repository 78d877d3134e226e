# SPDX-License-Identifier: BSD-3-Clause
"""Several memory banks: a NUMA machine (QEMU -numa, two nodes of RAM and two
CPUs each) has a memory node per NUMA node in its DT. The firmware reads them
all, dumps all of the RAM, and gives each node back its own memory."""
import re

import dumpdisk
from test_dump import assert_memory_back, crash, disk_of, fill, memcheck, meminfo, sysfs, \
    wait_dump_done

MEM = 1024


def memory_nodes(m):
    """Unit addresses of the memory nodes Linux was given."""
    out = m.cmd("ls /sys/firmware/devicetree/base")
    return sorted(re.findall(r"memory@([0-9a-f]+)", out))


def test_two_node_machine_dumps_everything(machine_factory, test_overlay):
    m = machine_factory(cpus=4, mem=MEM, overlay=[test_overlay], extra=["--numa", "2"])
    m.wait_ready(boot=1)
    log = m.secure_log()
    assert "boot: RAM in 2 banks over 2 memory nodes" in log
    assert "boot: RAM 0x40000000+%d MiB" % MEM in log      # one run of RAM
    assert memory_nodes(m) == ["40000000", "60000000"]
    memtotal = meminfo(m, "MemTotal")
    assert memtotal > (MEM - 128) * 1024, memtotal        # both nodes' RAM
    # A pattern big enough to reach into the second node (512 MiB up).
    pages, nonce = fill(m, 640)
    crash(m, "sysrq-cpu1")
    m.wait_ready(boot=2)
    # Both nodes are still described (each keeps the part of its RAM the
    # restarted kernel may use now); the blocks in between are hot-added.
    assert memory_nodes(m) == ["40000000", "60000000"]
    assert wait_dump_done(m) == "complete"
    assert int(sysfs(m, "bytes_hot_added")) >= 384 << 20
    assert_memory_back(m, memtotal)
    assert sysfs(m, "bytes_dumped") == sysfs(m, "bytes_total")
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    disk = dumpdisk.read_disk(disk_of(m))
    assert len(disk.dumps) == 1
    d = disk.dumps[0]
    assert d.state_name == "COMPLETE" and d.panic_cpu == 1
    assert d.ram_base == 0x40000000 and d.ram_size == (MEM - 2) << 20
    assert d.bytes_written == d.ram_size == d.ok_bytes
    out = memcheck(disk_of(m), d.slot, nonce, pages)
    assert "matched=%d corrupt=0 bad_chunks=0" % pages in out
