# SPDX-License-Identifier: BSD-3-Clause
"""The dump reaches the device's own Linux: /dev/tsubaki/vmcore presents a
dump as an ELF vmcore, and tsubaki-save keeps it in /var/crash on Linux's
own ext4 disk: in the device mode (the dump is on the hidden dump disk) and
in the memory mode (no dump disk: the dump stays in RAM until it is saved)."""
import os
import subprocess
import sys
import time

import pytest

from conftest import BUILD, TOP
import dumpdisk
import test_dump as td

TOOL = os.path.join(BUILD, "tools", "tsubaki-dump")
MEM = 256               # MiB: the vmcore is about this big
LDISK_MIB = 600


def mkfs(path, mib=LDISK_MIB):
    with open(path, "wb") as f:
        f.truncate(mib << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "crash", str(path)], check=True)


def debugfs_get(img, path, out):
    """Copy file @path out of the ext4 image @img (no mount, no root)."""
    r = subprocess.run(["debugfs", "-R", "dump %s %s" % (path, out), str(img)],
                       capture_output=True, text=True)
    assert os.path.exists(out), r.stderr
    return out


def debugfs_ls(img, path):
    r = subprocess.run(["debugfs", "-R", "ls -l %s" % path, str(img)],
                       capture_output=True, text=True)
    return r.stdout


def run(m, line, timeout=600):
    """Run a program through init's `run`: (exit status, output)."""
    out = m.cmd("run " + line, timeout=timeout)
    lines = out.strip().splitlines()
    status = [x for x in lines if x.startswith("EXIT ")]
    assert status, out
    return int(status[-1].split()[1]), out


def same_file(a, b):
    r = subprocess.run(["cmp", str(a), str(b)], capture_output=True, text=True)
    return r.returncode == 0, r.stdout


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "lz4"])
def test_device_mode_save_is_byte_identical_to_export(machine_factory, test_overlay,
                                                      makedumpfile_overlay, tmp_path, compress):
    """/dev/tsubaki/vmcore (the collector's reader, decoding compressed chunks in
    the secure world) and tsubaki-dump export (the host's decoder) agree byte
    for byte, at any offset."""
    ldisk = tmp_path / "linux.img"
    mkfs(ldisk)
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay, makedumpfile_overlay],
                        extra=["--linux-disk", str(ldisk)] + (["--compress"] if compress else []))
    m.wait_ready(boot=1)
    pages, nonce = td.fill(m, 32)
    td.crash(m, "sysrq-cpu1")
    m.wait_ready(boot=2)
    assert td.wait_dump_done(m) == "complete"
    assert td.sysfs(m, "dumps").split() == ["1", "complete", m.cmd(
        "cat /sys/kernel/tsubaki/dumps").split()[2]]
    assert "ERR" not in m.cmd("mount /dev/vda /var/crash ext4")
    status, out = run(m, "/bin/tsubaki-save")
    assert status == 0, out
    assert "dump 1 saved: /var/crash/1/vmcore" in out
    # Run again: nothing to do.
    status, out = run(m, "/bin/tsubaki-save")
    assert status == 0 and "saved already" in out, out
    size = int(td.sysfs(m, "vmcore_size"))
    assert td.sysfs(m, "vmcore_bad_chunks") == "0"
    # pread at any offset: odd ones, across the headers, the segments, the end.
    ranges = [(0, 4096), (1, 333), (4095, 8193), (0x1ff7, 70000), (size // 2 + 5, 100000),
              (size - 1000, 1000), (size - 10, 5000), (size, 10), (size + 4096, 1)]
    sums = []
    for off, ln in ranges:
        out = m.cmd("sum /dev/tsubaki/vmcore %d %d" % (off, ln))
        got = [x.split() for x in out.splitlines() if x.startswith("SUM ")]
        assert got, out
        sums.append((got[0][1], int(got[0][2])))
    # Debian's makedumpfile reads the device, filtered and compressed as kdump users run it.
    status, out = run(m, "/usr/bin/makedumpfile -c -d 31 /dev/tsubaki/vmcore /var/crash/1/mdf")
    assert status == 0, out
    status, out = run(m, "/usr/bin/makedumpfile --dump-dmesg /dev/tsubaki/vmcore "
                         "/var/crash/1/dmesg.mdf")
    assert status == 0, out
    m.cmd("umount /var/crash")
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0

    saved = debugfs_get(ldisk, "/1/vmcore", str(tmp_path / "saved.vmcore"))
    assert os.path.getsize(saved) == size
    exported = tmp_path / "exported.vmcore"
    e = subprocess.run([TOOL, "export", td.disk_of(m), "1", "--elf", str(exported)],
                       capture_output=True, text=True)
    assert e.returncode == 0, e.stderr
    same, where = same_file(saved, exported)
    assert same, "the saved vmcore differs from tsubaki-dump export: " + where
    # A real CRASHTIME (the PL031 wall clock): makedumpfile refuses CRASHTIME=0.
    with open(saved, "rb") as f:
        head = f.read(1 << 16)
    crashtime = int(head.split(b"CRASHTIME=")[1].split(b"\n")[0])
    assert crashtime > 1700000000, crashtime
    with open(saved, "rb") as f:
        for (off, ln), (h, n) in zip(ranges, sums):
            f.seek(off)
            data = f.read(ln)
            assert n == len(data) == max(0, min(ln, size - off)), (off, ln, n)
            assert h == "%016x" % fnv1a(data), (off, ln)
    # The crashed kernel's log, as kdump-tools keeps it.
    dmesg = open(debugfs_get(ldisk, "/1/dmesg.txt", str(tmp_path / "dmesg.txt")),
                 errors="replace").read()
    assert "Kernel panic - not syncing: sysrq triggered crash" in dmesg, dmesg[-2000:]
    assert dmesg.count("\n") > 100 and dmesg.startswith("[    0.000000] Booting Linux")
    assert "READY" not in dmesg  # the console, not the log: userland lines are not in it
    mdf_dmesg = open(debugfs_get(ldisk, "/1/dmesg.mdf", str(tmp_path / "dmesg.mdf")),
                     errors="replace").read()
    assert dmesg == mdf_dmesg, "dmesg.txt differs from makedumpfile --dump-dmesg"
    mdf = debugfs_get(ldisk, "/1/mdf", str(tmp_path / "mdf"))
    with open(mdf, "rb") as f:
        assert f.read(8) == b"KDUMP   "
    assert 0 < os.path.getsize(mdf) < size // 4
    d = dumpdisk.read_disk(td.disk_of(m)).dumps[0]
    if compress:
        # Most of an idle machine's RAM is zeros or kernel data: most chunks shrink.
        assert d.compress == dumpdisk.COMPRESS_LZ4
        assert sum(1 for z in d.zlens if z) > d.nchunks // 2, d.zlens[:64]
        assert d.bytes_stored < d.bytes_written // 3, (d.bytes_stored, d.bytes_written)
    else:
        assert d.compress == 0 and not any(d.zlens) and d.bytes_stored == d.bytes_written


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def test_device_mode_lists_and_chooses_dumps_after_power_off(machine_factory, test_overlay,
                                                            tmp_path):
    """Two dumps on the hidden disk, read back after a power cycle: the list,
    the choice of an older one, the newest by default."""
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay])
    m.wait_ready(boot=1)
    for boot in (1, 2):
        td.crash(m, "sysrq-cpu0")
        m.wait_ready(boot=boot + 1)
        assert td.wait_dump_done(m) == "complete"
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    disk = td.disk_of(m)

    ldisk = tmp_path / "linux.img"
    mkfs(ldisk, 900)            # two 260 MiB vmcores and the free margin
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay],
                        extra=["--disk", disk, "--linux-disk", str(ldisk)])
    m.wait_ready(boot=1)
    assert td.sysfs(m, "state") == "idle"       # no crash since this power-on
    listing = [ln.split() for ln in m.cmd("cat /sys/kernel/tsubaki/dumps").splitlines()
               if ln and ln[0].isdigit()]
    assert [(x[0], x[1]) for x in listing] == [("1", "complete"), ("2", "complete")]
    assert "ERR" not in m.cmd("mount /dev/vda /var/crash ext4")
    status, out = run(m, "/bin/tsubaki-save --dump 1")
    assert status == 0 and "dump 1 saved" in out, out
    assert td.sysfs(m, "vmcore_dump") == "1"
    assert write_err(m, "/sys/kernel/tsubaki/vmcore_dump", "9") == "No such file or directory"
    assert write_err(m, "/sys/kernel/tsubaki/vmcore_dump", "0") == ""   # back to the newest
    status, out = run(m, "/bin/tsubaki-save")
    assert status == 0 and "dump 2 saved" in out, out
    status, out = run(m, "/bin/tsubaki-save --dump 7")
    assert status == 1 and "not on the dump disk" in out, out
    m.cmd("umount /var/crash")
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    for dump_id in (1, 2):
        saved = debugfs_get(ldisk, "/%d/vmcore" % dump_id, str(tmp_path / ("s%d" % dump_id)))
        exported = tmp_path / ("e%d" % dump_id)
        e = subprocess.run([TOOL, "export", disk, str(dump_id), "--elf", str(exported)],
                           capture_output=True, text=True)
        assert e.returncode == 0, e.stderr
        same, where = same_file(saved, exported)
        assert same, "dump %d: saved differs from export: %s" % (dump_id, where)


# ---- memory mode: no dump disk, the dump stays in RAM until Linux saves it ----

sys.path.insert(0, os.path.join(TOP, "tests", "dumptool"))
import analyze                  # noqa: E402

MEMCHECK = os.path.join(BUILD, "tools", "memcheck")
VMLINUX = os.path.join(BUILD, "linux", "vmlinux")


def memory_machine(machine_factory, overlay, ldisk, *extra):
    return machine_factory(cpus=2, mem=MEM, overlay=overlay,
                           extra=["--memory", "--linux-disk", str(ldisk)] + list(extra))


def memcheck_elf(vmcore, nonce, pages, meta):
    r = subprocess.run([MEMCHECK, "--elf", str(vmcore), nonce, str(pages), str(meta)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def saved_and_checked(m, memtotal, ldisk, tmp_path, nonce, pages):
    """After a complete save: MemTotal is back, power off, and the saved vmcore
    holds every pattern page, every chunk matching the collector's checksum.
    Returns the vmcore's path."""
    td.assert_memory_back(m, memtotal)
    m.cmd("umount /var/crash")
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    core = debugfs_get(ldisk, "/1/vmcore", str(tmp_path / "vmcore"))
    meta = debugfs_get(ldisk, "/1/dump.meta", str(tmp_path / "dump.meta"))
    out = memcheck_elf(core, nonce, pages, meta)
    assert "matched=%d corrupt=0 bad_chunks=0 missing_chunks=0" % pages in out
    return core


def chunk_size(m, timeout=60):
    """The dump's chunk size, once the collector has checksummed it (EBUSY before)."""
    deadline = time.monotonic() + timeout
    while True:
        v = td.sysfs(m, "vmcore_chunk_size")
        if v.isdigit():
            return int(v)
        assert "busy" in v and time.monotonic() < deadline, v
        time.sleep(0.2)


def write_err(m, path, value):
    """The error of writing @value to @path ("" when it worked)."""
    out = m.cmd("write %s %s" % (path, value))
    errs = [x for x in out.splitlines() if x.startswith("ERR ")]
    return errs[0][4:] if errs else ""


def test_memory_mode_save_to_linux_disk(machine_factory, test_overlay, tmp_path):
    ldisk = tmp_path / "linux.img"
    mkfs(ldisk)
    m = memory_machine(machine_factory, [test_overlay], ldisk)
    m.wait_ready(boot=1)
    memtotal = td.meminfo(m, "MemTotal")
    assert "memory mode" in m.secure_log()
    pages, nonce = td.fill(m, 32)
    td.crash(m, "sysrq-cpu1")
    m.wait_ready(boot=2)
    assert td.sysfs(m, "state") == "memory"
    dumps = td.sysfs(m, "dumps").split()
    assert dumps[:2] == ["1", "in-memory"], dumps
    pending = int(td.sysfs(m, "bytes_pending"))
    assert pending > 0 and td.sysfs(m, "bytes_handed_back") == "0"
    # /dev/vda is Linux's own disk, in the slot a dump disk would have.
    assert "ERR" not in m.cmd("mount /dev/vda /var/crash ext4")
    status, out = run(m, "/bin/tsubaki-save")
    assert status == 0, out
    assert "handed back" in out
    assert td.wait_dump_done(m) == "complete"
    assert int(td.sysfs(m, "bytes_handed_back")) == pending
    # All saved and handed back: the next run (every boot has one) has nothing to do.
    status, out = run(m, "/bin/tsubaki-save")
    assert status == 0 and "no dump to save" in out, out
    core = saved_and_checked(m, memtotal, ldisk, tmp_path, nonce, pages)
    r = analyze.drgn_check(core, VMLINUX)
    assert r["ok"], r["errors"]
    assert r["panic_cpu"] == 1 and r["dmesg_has_panic"] and r["has_panic_frame"]
    text = analyze.gdb_check(core, VMLINUX, analyze.gdb_thread_for_cpu(1))
    assert analyze.gdb_backtrace_has(text, "panic"), text


def test_memory_mode_bad_releases_free_nothing(machine_factory, test_overlay, tmp_path):
    ldisk = tmp_path / "linux.img"
    mkfs(ldisk, 64)             # far too small for the 256 MiB vmcore
    m = memory_machine(machine_factory, [test_overlay], ldisk)
    m.wait_ready(boot=1)
    td.crash(m, "sysrq-cpu0")
    m.wait_ready(boot=2)
    rel = "/sys/kernel/tsubaki/release"
    cs = chunk_size(m)
    live = [int(x, 16) for x in td.sysfs(m, "live_window").split()]
    spare = [int(x, 16) for x in td.sysfs(m, "spare_window").split()]
    top = max(live[0] + live[1], spare[0] + spare[1])   # after both windows: pending
    assert write_err(m, rel, "0x%x 0x%x" % (top + 1, cs)) == "Invalid argument"   # unaligned
    assert write_err(m, rel, "0x%x 0x%x" % (top, 4096)) == "Invalid argument"     # part chunk
    assert write_err(m, rel, "0x%x 0x%x" % (0x30000000, cs)) == "Invalid argument"  # not RAM
    assert write_err(m, rel, "0x%x 0x%x" % (live[0], cs)) == "Invalid argument"   # Linux's own
    assert write_err(m, rel, "0x%x" % top) == "Invalid argument"                  # no size
    assert write_err(m, rel, "0x%x 0x%x" % (top, cs)) == ""                      # saved: fine
    assert write_err(m, rel, "0x%x 0x%x" % (top, cs)) == "Operation already in progress"
    assert write_err(m, rel, "0x%x 0x%x" % (top, 2 * cs)) == "Operation already in progress"
    # One chunk of a grant unit released: nothing is handed back yet.
    assert td.sysfs(m, "bytes_handed_back") == "0"
    assert td.sysfs(m, "bytes_dumped") == str(cs)       # the collector counts it saved
    # A full filesystem: a clear error, nothing written, nothing released.
    assert "ERR" not in m.cmd("mount /dev/vda /var/crash ext4")
    status, out = run(m, "/bin/tsubaki-save")
    assert status == 3 and "not enough room" in out, out
    assert td.sysfs(m, "bytes_dumped") == str(cs)
    assert td.sysfs(m, "state") == "memory"
    m.cmd("umount /var/crash")
    # A bad option: usage and exit 2.
    status, out = run(m, "/bin/tsubaki-save --margin lots")
    assert status == 2 and "not a number" in out, out


def test_memory_mode_save_survives_reboot_and_crash(machine_factory, test_overlay, tmp_path):
    ldisk = tmp_path / "linux.img"
    mkfs(ldisk)
    # Linux's disk at 10 MB/s: the 256 MiB save takes about 26 s.
    m = memory_machine(machine_factory, [test_overlay], ldisk, "--throttle", "10000000")
    m.wait_ready(boot=1)
    memtotal = td.meminfo(m, "MemTotal")
    crashed_window = td.sysfs(m, "live_window").split()
    pages, nonce = td.fill(m, 32)
    td.crash(m, "sysrq-cpu0")
    m.wait_ready(boot=2)
    assert "ERR" not in m.cmd("mount /dev/vda /var/crash ext4")
    m.cmd("bg /bin/tsubaki-save -q")
    time.sleep(6)
    saved = int(td.sysfs(m, "bytes_dumped"))
    assert 0 < saved < int(td.sysfs(m, "bytes_total"))
    m.p.sendline("reboot")              # in the middle of the save
    m.wait_ready(boot=3)
    assert td.sysfs(m, "state") == "memory"
    assert int(td.sysfs(m, "bytes_dumped")) == saved    # what was released stays released
    assert "ERR" not in m.cmd("mount /dev/vda /var/crash ext4")
    m.cmd("bg /bin/tsubaki-save -q")
    # Wait until the crashed kernel's window is saved (it comes first), then crash.
    deadline = time.monotonic() + 120
    while int(td.sysfs(m, "bytes_dumped")) < saved + (96 << 20):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    td.crash(m, "sysrq-cpu0")           # a second crash, in the middle of the save
    m.wait_ready(boot=4)
    assert td.sysfs(m, "state") == "memory"
    assert "crash-during-save" in m.secure_log()
    # Linux restarted in the saved window of the first crash.
    assert td.sysfs(m, "live_window").split() == crashed_window
    assert "ERR" not in m.cmd("mount /dev/vda /var/crash ext4")
    status, out = run(m, "/bin/tsubaki-save")
    assert status == 0 and "resuming" in out, out
    assert td.wait_dump_done(m) == "complete"
    saved_and_checked(m, memtotal, ldisk, tmp_path, nonce, pages)
