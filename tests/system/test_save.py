# SPDX-License-Identifier: BSD-3-Clause
"""The dump reaches the device's own Linux: /dev/tsubaki/vmcore presents a
dump as an ELF vmcore, and tsubaki-save keeps it in /var/crash on Linux's
own ext4 disk (issue 10, device mode: the dump is on the hidden disk)."""
import os
import subprocess

import pytest

from conftest import BUILD, TOP
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


def test_device_mode_save_is_byte_identical_to_export(machine_factory, test_overlay,
                                                      makedumpfile_overlay, tmp_path):
    ldisk = tmp_path / "linux.img"
    mkfs(ldisk)
    m = machine_factory(cpus=2, mem=MEM, overlay=[test_overlay, makedumpfile_overlay],
                        extra=["--linux-disk", str(ldisk)])
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


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h
