# SPDX-License-Identifier: BSD-3-Clause
"""Big machines (make bigmem; not in make test: a few minutes each and RAM-sized
disk images). A spare-window crash on 4 CPUs with the window the firmware
sizes itself, the full concurrent dump unthrottled, every pattern page
byte-exact, the pending RAM hot-added, and MemTotal back. BIGMEM_MIB lists
the sizes (default 8192)."""
import os
import re
import time

import pytest

import dumpdisk
from test_dump import assert_memory_back, disk_of, fill, meminfo, sysfs, wait_dump_done
from test_spare import memcheck_in

SIZES = [int(x) for x in os.environ.get("BIGMEM_MIB", "8192").split()]
MiB = 1 << 20


@pytest.mark.parametrize("mem", SIZES)
def test_big_machine_spare_dump(machine_factory, test_overlay, mem):
    t0 = time.monotonic()
    m = machine_factory(cpus=4, mem=mem, overlay=[test_overlay], extra=["--spare"])
    m.wait_ready(boot=1, timeout=300)
    log = m.secure_log()
    win = int(re.search(r"spare-window mode, windows of (\d+) MiB \(at least (\d+)", log)
              .group(1))
    memtotal = meminfo(m, "MemTotal")
    pages, nonce = fill(m, 1024)
    m.p.sendline("cpu 1 sysrq c")
    m.wait_ready(boot=2, timeout=300)
    assert wait_dump_done(m, timeout=1200) == "complete"
    hot = int(sysfs(m, "bytes_hot_added"))
    assert hot > (mem - 4 * win) * MiB // 2
    assert_memory_back(m, memtotal)
    up = m.events("linux-up")[-1]
    done = m.events("dump-done")[-1]
    start = m.events("secondary-start")[-1]
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0

    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    assert d.state_name == "COMPLETE" and d.panic_cpu == 1
    assert [c["valid"] for c in d.cpus[:4]] == [1, 1, 1, 1]
    assert memcheck_in(disk_of(m), d.slot, nonce, pages, 0x40000000, mem * MiB) == pages
    secs = (int(done["t_ns"]) - int(start["t_ns"])) / 1e9
    print("\nBIGMEM mem=%d MiB window=%d MiB downtime=%.3f s dumped=%d MiB in %.1f s "
          "(%.0f MB/s) hot_added=%d MiB memtotal=%d kB wall=%.0f s" % (
              mem, win, int(up["downtime_ns"]) / 1e9, int(done["bytes"]) >> 20, secs,
              int(done["bytes"]) / secs / 1e6, hot >> 20,
              memtotal, time.monotonic() - t0))

