# SPDX-License-Identifier: BSD-3-Clause
"""A failing dump disk loses nothing it does not have to: QEMU's blkdebug
driver fails chosen writes (once: retried; always: that chunk is recorded as
failed and the dump goes on), throttling stalls the disk. Linux always gets
all its memory back, and every chunk on record verifies."""
import os
import re
import subprocess
import time

import dumpdisk
from conftest import qmp
from test_dump import DONE_TIMEOUT, MEMCHECK, assert_memory_back, crash, disk_of, fill, \
    meminfo, sysfs, wait_dump_done

MEM = 512
MiB = 1 << 20
DATA = 2 * MiB          # the first dump's data (its slot at 1 MiB, metadata first)
META = 1 * MiB


def rules(path, faults):
    """A blkdebug rule file: EIO on writes touching each (offset, once) in @faults."""
    with open(path, "w") as f:
        for off, once in faults:
            f.write('[inject-error]\nevent = "write_aio"\nerrno = "5"\nsector = "%d"\n'
                    'once = "%s"\n\n' % (off // 512, "on" if once else "off"))
    return path


def chunk_off(i):
    return DATA + i * MiB


def faulty_machine(machine_factory, tmp_path, faults, extra=()):
    m = machine_factory(cpus=2, mem=MEM, extra=["--spare", "--disk-blkdebug",
                                                rules(str(tmp_path / "bd.conf"), faults)]
                        + list(extra))
    m.wait_ready(boot=1)
    return m


def crash_and_wait(m, expect_state):
    memtotal = meminfo(m, "MemTotal")
    pages, nonce = fill(m)
    crash(m, "sysrq-cpu0")
    m.wait_ready(boot=2)
    assert wait_dump_done(m, DONE_TIMEOUT) == expect_state
    assert_memory_back(m, memtotal)
    assert sysfs(m, "bytes_pending") == "0"
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    return pages, nonce


def memcheck_counts(disk, slot, nonce, pages):
    r = subprocess.run([MEMCHECK, disk, str(slot), nonce, str(pages)],
                       capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", r.stdout)}


def test_transient_write_error_is_retried(machine_factory, tmp_path):
    m = faulty_machine(machine_factory, tmp_path, [(chunk_off(200), True)])
    pages, nonce = crash_and_wait(m, "complete")
    retries = m.events("write-retry")
    assert [(e.get("chunk"), e["try"]) for e in retries] == [("200", "2")]
    assert not m.events("chunk-failed")
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    assert d.state_name == "COMPLETE" and d.chunks[200][0] == dumpdisk.CHUNK_OK
    c = memcheck_counts(disk_of(m), d.slot, nonce, pages)
    assert (c["matched"], c["corrupt"], c["bad_chunks"]) == (pages, 0, 0)


def test_bad_sectors_fail_their_chunks_only(machine_factory, tmp_path):
    """Every 32nd chunk from 128 on sits on a bad sector: each is tried three
    times, recorded as failed, and the dump goes on with the rest."""
    bad = list(range(128, 510, 32))
    m = faulty_machine(machine_factory, tmp_path, [(chunk_off(i) + 4096, False) for i in bad])
    pages, nonce = crash_and_wait(m, "partial")
    failed = sorted(int(e["chunk"]) for e in m.events("chunk-failed"))
    assert failed == bad
    assert len(m.events("write-retry")) == 2 * len(bad)
    assert not m.events("dump-disk-failed")
    done = m.events("dump-done")[-1]
    assert done["state"] == "partial" and int(done["failed"]) == len(bad)
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    states = [s for s, _ in d.chunks]
    assert [i for i, s in enumerate(states) if s == dumpdisk.CHUNK_FAILED] == bad
    assert states.count(dumpdisk.CHUNK_OK) == d.nchunks - len(bad) - 64      # 64: the spare
    assert dumpdisk.verify_chunks(disk_of(m), d) == []
    c = memcheck_counts(disk_of(m), d.slot, nonce, pages)
    assert c["corrupt"] == 0 and c["bad_chunks"] == 0
    assert c["matched"] >= pages - len(bad) * 256          # only pages in failed chunks missing
    r = subprocess.run([os.path.join(os.path.dirname(MEMCHECK), "tsubaki-dump"), "verify",
                        disk_of(m), "last"], capture_output=True, text=True)
    assert "failed" in (r.stdout + r.stderr).lower(), r.stdout + r.stderr


def test_transient_metadata_error_is_retried(machine_factory, tmp_path):
    m = faulty_machine(machine_factory, tmp_path, [(META, True)])
    pages, nonce = crash_and_wait(m, "complete")
    assert [e["what"] for e in m.events("write-retry")] == ["metadata"]
    d = dumpdisk.read_disk(disk_of(m)).dumps[0]
    c = memcheck_counts(disk_of(m), d.slot, nonce, pages)
    assert (c["matched"], c["corrupt"], c["bad_chunks"]) == (pages, 0, 0)


def test_metadata_that_cannot_be_written_stops_the_dump(machine_factory, tmp_path):
    """Only a metadata write that keeps failing gives up the disk: Linux gets
    everything back at once, nothing is reported as on disk."""
    m = faulty_machine(machine_factory, tmp_path, [(META, False)])
    crash_and_wait(m, "partial")
    assert m.events("dump-disk-failed")
    assert len([e for e in m.events("write-retry") if e.get("what") == "metadata"]) == 2
    # Nothing is claimed: the slot's metadata never reached the disk, and the
    # readers say so instead of showing a dump.
    try:
        dumpdisk.read_disk(disk_of(m))
        raise AssertionError("a dump was read back")
    except ValueError as e:
        assert "bad dump magic" in str(e)


def test_disk_stall(machine_factory, tmp_path):
    """A disk that stops for 4 s and comes back: the dump completes. One that
    stops for good: after 10 s the dump is closed as partial, all memory back,
    and what went back on disk verifies."""
    for stall, state in ((4, "complete"), (None, "partial")):
        run = tmp_path / ("s%s" % stall)
        run.mkdir()
        m = machine_factory(cpus=2, mem=MEM, extra=["--spare", "--qmp", str(run / "q.sock"),
                                                     "--throttle", "40000000"])
        m.wait_ready(boot=1)
        memtotal = meminfo(m, "MemTotal")
        crash(m, "sysrq-cpu0")
        m.wait_ready(boot=2)
        deadline = time.monotonic() + 60
        while not m.events("grant"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        slow = dict(device="dump", bps=0, bps_rd=0, bps_wr=4096, iops=0, iops_rd=0, iops_wr=0)
        qmp(str(run / "q.sock"), ("block_set_io_throttle", slow))
        if stall:
            time.sleep(stall)
            qmp(str(run / "q.sock"), ("block_set_io_throttle", dict(slow, bps_wr=40000000)))
        assert wait_dump_done(m, DONE_TIMEOUT) == state
        assert_memory_back(m, memtotal)
        if not stall:
            assert "stopped answering" in m.secure_log()
            # Free the disk so that power off can close the dump on record.
            qmp(str(run / "q.sock"), ("block_set_io_throttle", dict(slow, bps_wr=0)))
        m.p.sendline("poweroff")
        assert m.wait_exit(timeout=120) == 0
        d = dumpdisk.read_disk(disk_of(m)).dumps[0]
        assert dumpdisk.verify_chunks(disk_of(m), d) == []
        back = [(int(e["base"], 16), int(e["size"])) for e in m.events("grant")]
        for base, size in back:
            for i in range((base - d.ram_base) // d.chunk_size,
                           (base + size - d.ram_base) // d.chunk_size):
                assert d.chunks[i][0] in (dumpdisk.CHUNK_OK, dumpdisk.CHUNK_MISSING,
                                          dumpdisk.CHUNK_FAILED)
