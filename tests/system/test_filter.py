# SPDX-License-Identifier: BSD-3-Clause
"""Dump levels (filter=, makedumpfile's -d): zero, free, page-cache and user
pages are left out of the dump and handed back without a write; everything
else is still in it, byte-exact; the vmcore still opens in drgn and gdb."""
import json
import os
import re
import subprocess
import sys

import dumpdisk
from conftest import BUILD, TOP
import test_dump as td

sys.path.insert(0, os.path.join(TOP, "tests", "dumptool"))
import analyze  # noqa: E402

MEM = 512
DIRTY = 160             # MiB written and freed before the crash: free pages that are not zeros
TOOL = os.path.join(BUILD, "tools", "tsubaki-dump")
VMLINUX = os.path.join(BUILD, "linux", "vmlinux")
PAGE = 4096

# The crashed kernel's free pages, as its own struct pages say, read by drgn
# (its memory reader, its page-table walk, the offsets from vmlinux's DWARF):
# the oracle the firmware's page-data reader is checked against.
_FREE_SCRIPT = r'''
import json, sys
import drgn
from drgn import offsetof, sizeof

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
lo, hi, vmemmap = int(sys.argv[3], 0), int(sys.argv[4], 0), int(sys.argv[5], 0)
page = prog.type("struct page")
size = sizeof(page)
off_mc = offsetof(page, "_mapcount")
off_ref = offsetof(page, "_refcount")
off_priv = offsetof(page, "private")
try:
    from drgn.helpers.linux.mm import pfn_to_page
    mine = pfn_to_page(prog, lo).value_()
    assert mine == vmemmap + lo * size, "drgn's vmemmap 0x%x, VMCOREINFO's 0x%x" % (
        mine - lo * size, vmemmap)
except (ImportError, LookupError, ValueError):
    pass                                # an older drgn: VMCOREINFO's vmemmap alone
free, unread, step = [], 0, 512
for first in range(lo, hi, step):
    n = min(step, hi - first)
    try:
        raw = prog.read(vmemmap + first * size, n * size)
    except drgn.FaultError:
        unread += n
        continue
    for k in range(n):
        b = raw[k * size:(k + 1) * size]
        mc = int.from_bytes(b[off_mc:off_mc + 4], "little")
        ref = int.from_bytes(b[off_ref:off_ref + 4], "little")
        if (mc & 0xf0000080) == 0xf0000000 and ref == 0:       # PageBuddy: a free block's head
            free.append((first + k, int.from_bytes(b[off_priv:off_priv + 8], "little")))
print(json.dumps({"heads": free, "unread": unread}))
'''


def tool(*args):
    return subprocess.run([TOOL] + [str(a) for a in args], capture_output=True, text=True)


def dirty(m, mib=DIRTY):
    """Write @mib MiB and free them again: RAM is no longer the zeros QEMU hands out."""
    m.p.sendline("bg /bin/memfill %d" % mib)
    m.p.expect(r"PID (\d+)\s", timeout=30)
    pid = int(m.p.match.group(1))
    m.p.expect(r"MEMFILL mib=\d+ pages=\d+ nonce=0x[0-9a-f]{16}[\r\n]", timeout=300)
    m.sync()
    m.cmd("kill %d" % pid)
    m.cmd("sleep 1")


def crash_and_dump(machine_factory, test_overlay, level, audit=False, how="sysrq-cpu1",
                   compress=False):
    """A crash of a used machine, dumped at dump level @level: (disk, dump, pages, nonce)."""
    extra = ["--spare", "--filter", str(level)]
    if audit:
        extra += ["--config", "filter_audit=1"]
    if compress:
        extra += ["--compress"]
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay], extra=extra)
    m.wait_ready(boot=1)
    memtotal = td.meminfo(m, "MemTotal")
    dirty(m)
    pages, nonce = td.fill(m)
    td.crash(m, how)
    m.wait_ready(boot=2)
    assert td.wait_dump_done(m) == "complete"
    td.assert_memory_back(m, memtotal)
    assert td.sysfs(m, "bytes_dumped") == td.sysfs(m, "bytes_total")
    done = m.events("dump-done")[-1]
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    disk = td.disk_of(m)
    d = dumpdisk.read_disk(disk).dumps[0]
    assert d.state_name == "COMPLETE"
    assert d.filter == level | (dumpdisk.FILTER_AUDIT if audit else 0), d.filter
    assert int(done["bytes"]) == d.bytes_written and int(done["skipped"]) == d.bytes_skipped
    assert int(done["stored"]) == d.bytes_stored and int(done["compress"]) == d.compress
    assert d.compress == (dumpdisk.COMPRESS_LZ4 if compress else 0)
    return disk, d, pages, nonce


def codes(d):
    """{pfn: SKIP_*} of every page of an OK chunk left out (or, audited, to be)."""
    out = {}
    for i, (st, _) in enumerate(d.chunks):
        if st != dumpdisk.CHUNK_OK or not d.skips[i]:
            continue
        for p in range(d.chunk_len(i) // PAGE):
            c = d.skip_code(i, p)
            if c:
                out[d.chunk_paddr(i) // PAGE + p] = c
    return out


def free_by_drgn(vmcore, d):
    """The pfns drgn finds free (in buddy blocks) in @d's RAM."""
    vmemmap = int(d.vmcoreinfo_fields()["SYMBOL(vmemmap)"], 16)
    lo, hi = d.ram_base // PAGE, (d.ram_base + d.ram_size) // PAGE
    p = subprocess.run([analyze.PYTHON, "-c", _FREE_SCRIPT, vmcore, VMLINUX, hex(lo), hex(hi),
                        hex(vmemmap)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    r = json.loads(p.stdout)
    assert r["unread"] < (hi - lo) // 4, r["unread"]     # the spare window has no struct pages
    free = set()
    for head, order in r["heads"]:
        assert 0 <= order < 11, (head, order)
        free.update(range(head, min(head + (1 << order), hi)))
    return free


def memcheck(disk, slot, nonce, pages):
    r = subprocess.run([td.MEMCHECK, disk, str(slot), nonce, str(pages)],
                       capture_output=True, text=True)
    m = re.search(r"matched=(\d+) corrupt=(\d+) bad_chunks=(\d+) missing_chunks=\d+ "
                  r"expected=\d+ skipped_pages=(\d+)", r.stdout)
    assert m, r.stdout + r.stderr
    return [int(x) for x in m.groups()]


def opens_with_the_panic(disk, d, tmp_path, cpu):
    """Export @d as an ELF vmcore: drgn and gdb-multiarch open it, with the
    panic on CPU @cpu in dmesg and the panic frame."""
    core = tmp_path / "vmcore"
    e = tool("export", disk, d.dump_id, "--elf", core)
    assert e.returncode == 0, e.stderr
    r = analyze.drgn_check(str(core), VMLINUX)
    assert r["ok"], r["errors"]
    assert r["panic_cpu"] == cpu and r["dmesg_has_panic"] and r["has_panic_frame"]
    text = analyze.gdb_check(str(core), VMLINUX, analyze.gdb_thread_for_cpu(cpu))
    assert (analyze.gdb_banner(text) or "").startswith("Linux version "), text
    assert analyze.gdb_backtrace_has(text, "panic"), text


def test_audited_filter_agrees_with_the_struct_pages(machine_factory, test_overlay, tmp_path):
    """filter_audit=1: every page written, the verdicts recorded. Against the
    crashed kernel's own struct pages, read by drgn from that full dump: the
    pages called free are exactly the free ones, pages called zero are zeros,
    and no pattern page is called anything."""
    disk, d, pages, nonce = crash_and_dump(machine_factory, test_overlay, 17, audit=True)
    assert d.bytes_skipped == 0 and d.bytes_written == d.ok_bytes   # all on disk
    matched, corrupt, bad, skipped = memcheck(disk, d.slot, nonce, pages)
    assert (matched, corrupt, bad, skipped) == (pages, 0, 0, 0)
    core = tmp_path / "vmcore"
    e = tool("export", disk, d.dump_id, "--elf", core)
    assert e.returncode == 0, e.stderr
    verdict = codes(d)
    called_free = {p for p, c in verdict.items() if c == dumpdisk.SKIP_FREE}
    free = free_by_drgn(str(core), d)
    assert len(free) >= DIRTY * 256 // 2, "the freed memory is not free: %d pages" % len(free)
    assert called_free == free, "free by the filter, not by drgn: %d pages (e.g. %s); " \
        "free by drgn, not by the filter: %d (e.g. %s)" % (
            len(called_free - free), sorted(called_free - free)[:4],
            len(free - called_free), sorted(free - called_free)[:4])
    assert all(c in (dumpdisk.SKIP_FREE, dumpdisk.SKIP_ZERO) for c in verdict.values())
    zeros = sorted(p for p, c in verdict.items() if c == dumpdisk.SKIP_ZERO)
    assert zeros, "no zero page found"
    for p in zeros[::max(1, len(zeros) // 200)]:
        assert dumpdisk.read_phys(disk, d, p * PAGE, PAGE) == bytes(PAGE), hex(p * PAGE)
    info = tool("info", disk, d.dump_id)
    assert "audit: every page written" in info.stdout, info.stdout


def test_filtered_dump_leaves_out_free_and_zero_pages(machine_factory, test_overlay, tmp_path):
    """Level 17 (zero + free): every pattern page in the dump, byte-exact; the
    free pages not on the disk at all; the vmcore opens in drgn."""
    disk, d, pages, nonce = crash_and_dump(machine_factory, test_overlay, 17)
    matched, corrupt, bad, skipped = memcheck(disk, d.slot, nonce, pages)
    assert (matched, corrupt, bad) == (pages, 0, 0)
    verdict = codes(d)
    assert skipped == len(verdict) and d.bytes_skipped == len(verdict) * PAGE
    assert d.bytes_written + d.bytes_skipped == d.ok_bytes
    n_free = sum(1 for c in verdict.values() if c == dumpdisk.SKIP_FREE)
    assert n_free >= DIRTY * 256 // 2, n_free
    assert d.bytes_written < d.ok_bytes // 2, "most of an idle machine's RAM is free or zeros"
    # Absent: the data area holds nothing at the free pages (a new, sparse disk image),
    # though the crashed kernel had written them all before freeing them.
    with open(disk, "rb") as f:
        for pfn in sorted(p for p, c in verdict.items() if c == dumpdisk.SKIP_FREE)[::97]:
            i = (pfn * PAGE - d.ram_base) // d.chunk_size
            f.seek(d.chunk_file_offset(i) + pfn * PAGE - d.chunk_paddr(i))
            assert f.read(PAGE) == bytes(PAGE), "free page 0x%x was written" % (pfn * PAGE)
    v = tool("verify", disk, d.dump_id)
    assert v.returncode == 0, v.stdout + v.stderr
    core = tmp_path / "vmcore"
    e = tool("export", disk, d.dump_id, "--elf", core)
    assert e.returncode == 0, e.stderr
    assert os.stat(core).st_blocks * 512 < os.stat(core).st_size // 2, "left-out pages are holes"
    r = analyze.drgn_check(str(core), VMLINUX)
    assert r["ok"], r["errors"]
    assert r["panic_cpu"] == 1


def test_level_31_leaves_out_user_pages(machine_factory, test_overlay, tmp_path):
    """kdump's level (-d 31): the pattern, a process's memory, is left out;
    the vmcore still opens in drgn and gdb-multiarch with the panic."""
    disk, d, pages, nonce = crash_and_dump(machine_factory, test_overlay, 31, how="sysrq-cpu0")
    matched, corrupt, bad, skipped = memcheck(disk, d.slot, nonce, pages)
    assert (matched, corrupt, bad) == (0, 0, 0), "user pages are in the dump"
    other = sum(1 for c in codes(d).values() if c == dumpdisk.SKIP_OTHER)
    assert other >= pages, (other, pages)
    opens_with_the_panic(disk, d, tmp_path, 0)


def test_compressed_filtered_dump(machine_factory, test_overlay, tmp_path):
    """Level 17 with compress=1: the kernel's data goes as LZ4 blocks, the
    pattern (random, incompressible) as it is; every pattern page still in the
    dump, byte-exact; every chunk checks; the vmcore opens in drgn and gdb."""
    disk, d, pages, nonce = crash_and_dump(machine_factory, test_overlay, 17, how="sysrq-cpu0",
                                           compress=True)
    matched, corrupt, bad, skipped = memcheck(disk, d.slot, nonce, pages)
    assert (matched, corrupt, bad) == (pages, 0, 0)
    zchunks = [i for i, z in enumerate(d.zlens) if z]
    assert len(zchunks) > 64, len(zchunks)
    # What is stored: the blocks' sectors, and the incompressible chunks whole.
    raw = sum(d.chunk_len(i) - PAGE * sum(1 for p in range(d.chunk_len(i) // PAGE)
                                          if d.skip_code(i, p))
              for i, (st, _) in enumerate(d.chunks) if st == dumpdisk.CHUNK_OK and not d.zlens[i])
    assert d.bytes_stored == raw + sum(-(-d.zlens[i] // 512) * 512 for i in zchunks)
    # The pattern takes its own size either way; the rest (kernel data) shrinks 2x at least.
    assert pages * PAGE <= d.bytes_stored and \
        d.bytes_stored - pages * PAGE < (d.bytes_written - pages * PAGE) // 2, \
        (d.bytes_stored, d.bytes_written, pages)
    v = tool("verify", disk, d.dump_id)
    assert v.returncode == 0, v.stdout + v.stderr
    opens_with_the_panic(disk, d, tmp_path, 0)


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def test_reader_serves_any_range_of_a_compressed_dump(machine_factory, test_overlay):
    """The collector's reader, read at any range the ABI takes (not only the
    whole chunks tsubaki.ko asks for): parts of compressed chunks, across
    two of them, many at once -- each block read again when the range does
    not hold it, decoded, checked against its chunk's checksum, and the part
    asked for served. Byte for byte what the host's decoder finds."""
    m = machine_factory(cpus=2, mem=256, overlay=[test_overlay], extra=["--compress"])
    m.wait_ready(boot=1)
    td.crash(m, "sysrq-cpu1")
    m.wait_ready(boot=2)
    assert td.wait_dump_done(m) == "complete"
    cs, data = 64 << 10, 1 << 20         # a compressed dump's chunk; data_offset
    ranges = []
    for c in (3, 517, 1500, 2900, 4000):
        base = data + c * cs
        ranges += [(base + 4096, 8192),                 # inside one chunk, past its start
                   (base + cs - 4096, 8192),            # the end of one, the start of the next
                   (base, 4096),                        # its first page
                   (base, cs),                          # all of it
                   (base + cs // 2, 512 << 10)]         # 8 chunks, the first and last in part
    got = []
    for off, ln in ranges:
        m.cmd("write /sys/kernel/tsubaki_test/disk_read 1 %d %d" % (off, ln))
        got.append(m.cmd("cat /sys/kernel/tsubaki_test/disk_read").split())
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    disk = td.disk_of(m)
    d = dumpdisk.read_disk(disk).dumps[0]
    assert d.compress == dumpdisk.COMPRESS_LZ4 and d.chunk_size == cs and d.data_offset == data
    partial = 0
    for (off, ln), g in zip(ranges, got):
        assert len(g) == 5, g
        ret, n, verdict, _, h = int(g[0]), int(g[1]), int(g[2]), g[3], int(g[4], 16)
        assert (ret, n) == (0, ln), (off, ln, g)
        first, last = (off - data) // cs, (off + ln - 1 - data) // cs
        touched = range(first, last + 1)
        assert all(d.zlens[i] for i in touched), (off, ln, [d.zlens[i] for i in touched])
        partial += (off - data) % cs != 0 or (off + ln - data) % cs != 0
        assert verdict == 1, (off, ln, g)                     # TSB_READ_OK: every chunk checked
        want = dumpdisk.read_phys(disk, d, d.ram_base + off - data, ln)
        assert h == fnv1a(want), (off, ln)
    assert partial >= 15, partial


def boot_log(machine_factory, extra, mem=256, timeout=None):
    """Boot once with @extra, power off: (the secure log, the option-refused keys)."""
    m = machine_factory(cpus=1, mem=mem, extra=extra)
    if timeout:
        m.wait_ready(boot=1, timeout=timeout)
    else:
        m.wait_ready(boot=1)
    log, keys = m.secure_log(), {e["key"] for e in m.events("option-refused")}
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    return log, keys


def test_bad_compress_options_are_refused_at_boot(machine_factory):
    log, keys = boot_log(machine_factory, ["--config", "compress=7"])
    assert "compress=7 refused" in log and "compress 0" in log
    assert "compress" in keys
    log, _ = boot_log(machine_factory, ["--compress", "--config", "chunk=1048576"])
    assert "chunk=1024 KiB refused with compress=1" in log
    assert "chunk 64 KiB" in log and "compress 1" in log


def test_filter_and_compress_are_refused_above_their_chunk_table(machine_factory):
    """Over 3.9 GiB the chunk table needs chunks over 64 KiB: filter= and
    compress= are refused at boot, with an error, and the dump has every page."""
    log, keys = boot_log(machine_factory, ["--filter", "17", "--compress"], mem=4200,
                         timeout=120)
    assert "filter=17 refused: 4198 MiB of RAM need chunks over 64 KiB" in log, log[-3000:]
    assert "compress=1 refused: 4198 MiB of RAM need chunks over 64 KiB" in log
    assert "chunk 128 KiB" in log and "filter 0, compress 0" in log
    assert keys >= {"filter", "compress"}


def test_bad_filter_options_are_refused_at_boot(machine_factory):
    log, keys = boot_log(machine_factory, ["--config", "filter=99"])
    assert "filter=99 refused" in log
    assert "filter" in keys
    log, _ = boot_log(machine_factory, ["--filter", "17", "--config", "chunk=1048576"])
    assert "chunk=1024 KiB refused with filter=17" in log
    assert "chunk 64 KiB" in log and "filter 17" in log


def test_level_1_without_struct_pages(machine_factory, test_overlay):
    """Zero pages alone (no struct-page scan): on a fresh machine long runs of
    chunks are all zeros, left out with no write and nothing in flight -- the
    dump still goes on to the end, every pattern page in it."""
    m = machine_factory(cpus=2, mem=256, overlay=[test_overlay], extra=["--spare", "--filter", "1"])
    m.wait_ready(boot=1)
    pages, nonce = td.fill(m, 32)
    td.crash(m, "oops")
    m.wait_ready(boot=2)
    assert td.wait_dump_done(m) == "complete"
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    disk = td.disk_of(m)
    d = dumpdisk.read_disk(disk).dumps[0]
    assert d.filter == 1
    verdict = codes(d)
    assert verdict and set(verdict.values()) == {dumpdisk.SKIP_ZERO}
    matched, corrupt, bad, skipped = memcheck(disk, d.slot, nonce, pages)
    assert (matched, corrupt, bad, skipped) == (pages, 0, 0, len(verdict))
