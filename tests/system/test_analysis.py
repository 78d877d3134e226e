# SPDX-License-Identifier: BSD-3-Clause
"""Dumps of real crashes open in the standard tools: tsubaki-dump exports an
ELF vmcore that drgn and gdb-multiarch read with vmlinux."""
import os
import subprocess
import sys

import pytest

from conftest import ARCHES, BUILD, TOP, test_module_overlay, vmlinux
import test_dump as td

sys.path.insert(0, os.path.join(TOP, "tests", "dumptool"))
import analyze  # noqa: E402

TOOL = os.path.join(BUILD, "tools", "tsubaki-dump")


def tool(*args):
    return subprocess.run([TOOL] + [str(a) for a in args], capture_output=True, text=True)


@pytest.fixture(scope="module", params=ARCHES)
def two_crashes(tmp_path_factory, request):
    """One machine of each architecture, two crashes: sysrq on CPU1, then an
    oops on CPU0. Gives (disk, kernel release, architecture)."""
    from conftest import Machine
    arch = request.param
    d = tmp_path_factory.mktemp("analysis-" + arch)
    m = Machine(d, cpus=2, mem=td.MEM, overlay=[test_module_overlay(tmp_path_factory, arch)],
                arch=arch)
    try:
        m.wait_ready(boot=1)
        release = m.cmd("cat /proc/sys/kernel/osrelease").strip().splitlines()[-1]
        for boot, how in ((1, "sysrq-cpu1"), (2, "oops")):
            td.crash(m, how)
            m.wait_ready(boot=boot + 1)
            assert td.wait_dump_done(m) == "complete"
        m.p.sendline("poweroff")
        assert m.wait_exit() == 0
    finally:
        m.close()
    return os.path.join(str(d), "dump.img"), release, arch


@pytest.mark.parametrize("dump_id,panic_cpu", [(1, 1), (2, 0)])
def test_vmcore_opens_in_drgn_and_gdb(two_crashes, tmp_path, dump_id, panic_cpu):
    disk, release, arch = two_crashes
    listing = tool("list", disk)
    assert listing.returncode == 0 and listing.stdout.count("complete") == 2, listing.stdout
    v = tool("verify", disk, dump_id)
    assert v.returncode == 0, v.stdout + v.stderr

    core = tmp_path / "vmcore"
    e = tool("export", disk, dump_id, "--elf", core)
    assert e.returncode == 0, e.stderr

    info = analyze.elf_info(str(core))
    assert info["arch"] == ("arm" if arch == "arm" else "aarch64"), info
    r = analyze.drgn_check(str(core), vmlinux(arch))
    assert r["ok"], r["errors"]
    assert r["osrelease"] == release
    assert r["panic_cpu"] == panic_cpu
    assert r["dmesg_has_panic"]
    if arch == "arm":
        # drgn 0.0.22 cannot unwind a 32-bit ARM stack (analyze.py): the frame is gdb's.
        assert r.get("stack_unsupported"), r
    else:
        assert r["has_panic_frame"]

    text = analyze.gdb_check(str(core), vmlinux(arch), analyze.gdb_thread_for_cpu(panic_cpu))
    assert (analyze.gdb_banner(text) or "").startswith("Linux version " + release), text
    assert analyze.gdb_backtrace_has(text, "panic"), text


def test_verify_finds_a_flipped_byte(two_crashes, tmp_path):
    disk, _, _ = two_crashes
    import dumpdisk
    d = dumpdisk.read_disk(disk).dump_by_id(1)
    chunk = d.nchunks // 2
    off = d.chunk_file_offset(chunk) + 12345
    with open(disk, "r+b") as f:
        f.seek(off)
        b = f.read(1)
        f.seek(off)
        f.write(bytes([b[0] ^ 0x10]))
    try:
        v = tool("verify", disk, 1)
        assert v.returncode == 1
        assert "chunk %d " % chunk in v.stdout + v.stderr
        assert "0x%x" % d.chunk_paddr(chunk) in v.stdout + v.stderr
    finally:
        with open(disk, "r+b") as f:
            f.seek(off)
            f.write(b)
    assert tool("verify", disk, 1).returncode == 0
