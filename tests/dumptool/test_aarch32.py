# SPDX-License-Identifier: BSD-3-Clause
"""tsubaki-dump on version 5 dumps of a 32-bit ARM (ARMv7-A, LPAE) machine:
info and verify read the AArch32 CPU records, export writes an ELF32 EM_ARM
vmcore (readelf, gdb-multiarch and drgn read it), and the linear map is
found as docs/analysis.md says (PAGE_OFFSET from SYMBOL(_stext),
PHYS_OFFSET from TTBR1 or the RAM base, checked against init_uts_ns;
highmem and RAM below PHYS_OFFSET at p_vaddr 0xffffffff). Version 4 dumps
stay AArch64; an unknown architecture is malformed input, also for a
sanitizer build. With a real ARM vmlinux (the kernel cache's, or
$TSUBAKI_VMLINUX_ARM) its image is put in a synthetic dump and gdb unwinds
the panicking CPU from its moved registers through panic().

    /usr/bin/python3 -m pytest -q tests/dumptool/test_aarch32.py

The tool is built from the sources as tests/dumptool/test_dumptool.py builds
it ($TSUBAKI_DUMP: a given binary; the sanitizer build is then skipped).
"""
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "tools"))
sys.path.insert(0, os.path.join(TOP, "tests", "system"))

import analyze  # noqa: E402
import dumpdisk  # noqa: E402
import mkfakedump  # noqa: E402
import synth  # noqa: E402
import test_dumptool as td  # noqa: E402

MIB = 1 << 20
PLACEHOLDER = 4194304       # TSB_PID_MAX_LIMIT: the PID of a note whose task is unknown
NO_VADDR = 0xFFFFFFFF


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    if os.environ.get("TSUBAKI_DUMP"):
        return td.Run(os.environ["TSUBAKI_DUMP"])
    out = str(tmp_path_factory.mktemp("a32bin") / "tsubaki-dump")
    p = td.build("gcc", out)
    assert p.returncode == 0, p.stderr
    return td.Run(out)


@pytest.fixture(scope="module")
def san(tmp_path_factory):
    """The tool built with ASan and UBSan (aborting on the first report)."""
    if os.environ.get("TSUBAKI_DUMP"):
        pytest.skip("$TSUBAKI_DUMP given: no sanitizer build of the sources")
    out = str(tmp_path_factory.mktemp("a32san") / "tsubaki-dump-san")
    srcs = sorted(os.path.relpath(p, TOP) for p in glob.glob(os.path.join(TOP, "tools", "dump",
                                                                          "*.c")))
    p = subprocess.run(["gcc"] + td.CFLAGS + ["-O1", "-fsanitize=address,undefined",
                                              "-fno-sanitize-recover=all", "-o", out] + srcs,
                       cwd=TOP, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return td.Run(out)


@pytest.fixture(scope="module")
def adisk(tmp_path_factory):
    """An AArch32 disk: panic on CPU 1 (PID 42, in module code), CPU 0 idle."""
    path = str(tmp_path_factory.mktemp("adisk") / "arm.img")
    info = synth.make_arm_disk(path)
    info["path"] = path
    return path, info


@pytest.fixture(scope="module")
def acore(run, adisk, tmp_path_factory):
    path, info = adisk
    core = str(tmp_path_factory.mktemp("acore") / "arm.core")
    p = run("export", path, 1, "--elf", core, check=0)
    return core, info, p.stderr


def elf32(path):
    """(ELF header fields, [(type, offset, vaddr, paddr, filesz, memsz, flags, align)])."""
    with open(path, "rb") as f:
        eh = f.read(52)
    assert eh[:4] == b"\x7fELF" and eh[4] == 1 and eh[5] == 1, eh[:8]
    etype, machine, version, entry, phoff, shoff, flags, ehsize, phentsize, phnum = \
        struct.unpack_from("<HHIIIIIHHH", eh, 16)
    return (dict(type=etype, machine=machine, phoff=phoff, ehsize=ehsize,
                 phentsize=phentsize, phnum=phnum, flags=flags), analyze.phdrs(path))


def loads(path):
    return [p for p in analyze.phdrs(path) if p[0] == 1]


# ---- info and verify --------------------------------------------------------
def test_info_text_and_json(run, adisk):
    path, info = adisk
    text = run("info", path, 1, check=0).stdout
    assert "arch       aarch32 (format version 5)" in text
    assert ("cpu 1  mpidr 0x80000001  pc 0x7f001234  sp 0x%08x  lr 0x7f0012b4  cpsr 0x600001d3 "
            "(svc)  (panic)" % info["sp"]) in text, text
    assert "cpu 0  mpidr 0x80000000  pc 0x%08x" % info["idle_pc"] in text
    j = json.loads(run("info", path, 1, "--json", check=0).stdout)
    assert (j["version"], j["arch"]) == (5, "aarch32")
    d = dumpdisk.read_disk(path).dumps[0]
    assert (d.version, d.arch_name) == (5, "aarch32")
    for c, rec in zip(j["cpus"], d.cpus):
        assert (c["pc"], c["sp"], c["pstate"], c["lr"], c["cpsr"], c["mode"], c["r"]) == \
            (rec["pc"], rec["sp"], rec["pstate"], rec["lr"], rec["cpsr"], rec["mode"], rec["r"])
        assert (c["ttbr1"], c["ttbcr"], c["tpidruro"]) == \
            (rec["a32"]["ttbr1"], rec["a32"]["ttbcr"], rec["a32"]["tpidruro"])
    assert j["cpus"][1]["pc"] == synth.A32_MODULE_PC and j["cpus"][1]["mode"] == "svc"
    assert j["cpus"][0]["tpidruro"] == info["init_task"]


def test_verify(run, adisk, tmp_path):
    p = run("verify", adisk[0], 1, check=0)
    assert "all checksums ok" in p.stdout and not p.stderr, p.stderr
    bad = str(tmp_path / "bad.img")
    synth.make_arm_disk(bad, flip=[(7, 100)])
    p = run("verify", bad, 1, check=1)
    assert "verify: chunk 7 (paddr 0x40070000): checksum mismatch" in p.stderr


def test_version4_still_reads_as_aarch64(run, tmp_path):
    """A version 4 dump is AArch64 whatever the bytes where version 5 has
    arch say; a version 5 dump of arch 0 exports byte for byte as the
    version 2 one of the same machine."""
    v4 = str(tmp_path / "v4.img")
    mkfakedump.make_disk(v4, [dict(ram_size=8 * 65536, chunk_size=65536)], version=4)
    td.wr(v4, MIB + 184, "I", 1)            # not in a version 4 header's checksum
    j = json.loads(run("info", v4, 1, "--json", check=0).stdout)
    assert (j["version"], j["arch"]) == (4, "aarch64")
    assert j["cpus"][1]["pc"] == 0xFFFF000010000000 + 0x100 + 2
    run("verify", v4, 1, check=0)
    assert dumpdisk.read_disk(v4).dumps[0].arch_name == "aarch64"
    cores = []
    for version in (2, 5):
        disk = str(tmp_path / ("k%d.img" % version))
        synth.make_kernel_disk(disk, version=version, **synth.SMALL)
        core = str(tmp_path / ("k%d.core" % version))
        run("export", disk, 1, "--elf", core, check=0)
        assert analyze.elf_info(core)["machine"] == analyze.EM_AARCH64
        cores.append(open(core, "rb").read())
    assert cores[0] == cores[1]


# ---- malformed: exit 2, a clear message, never a crash ----------------------
@pytest.mark.parametrize("arch", [2, 7, 0xFFFFFFFF])
def test_unknown_arch_is_refused(run, san, tmp_path, arch):
    path = str(tmp_path / "bad.img")
    synth.make_arm_disk(path, arch=arch)
    for tool in (run, san):
        for args in (("info", path, 1), ("info", path, 1, "--json"), ("verify", path, 1),
                     ("export", path, 1, "--elf", tmp_path / "x.core")):
            p = tool(*args)
            assert p.returncode == 2, (args, p.stdout, p.stderr)
            assert "unknown architecture %u (want 0 aarch64 or 1 aarch32)" % arch in p.stderr
            assert "runtime error" not in p.stderr and "Sanitizer" not in p.stderr
        p = tool("list", path)
        assert p.returncode == 2 and "bad" in p.stdout
    assert not os.path.exists(tmp_path / "x.core")
    with pytest.raises(ValueError, match="unknown architecture %d" % arch):
        dumpdisk.read_disk(path)


def test_damaged_aarch32_dumps_never_crash(san, tmp_path):
    """Garbage in the AArch32 records and VMCOREINFO (the linear map, the
    stack scan, the PID lookup all read untrusted memory): the sanitizer
    build exports or refuses, never crashes."""
    import random
    rnd = random.Random(5)
    src = str(tmp_path / "src.img")
    synth.make_arm_disk(src, **synth.ARM_SMALL)
    data = open(src, "rb").read()
    hot = list(range(MIB + 0x1000, MIB + 0x1000 + 2 * 440)) + \
        list(range(MIB + 0x3000, MIB + 0x3000 + 0x300))
    for k in range(40):
        buf = bytearray(data)
        for _ in range(rnd.randint(1, 12)):
            buf[rnd.choice(hot)] = rnd.randrange(256)
        p = str(tmp_path / "m.img")
        with open(p, "wb") as f:
            f.write(buf)
        out = tmp_path / ("m%d.core" % k)
        r = san("export", p, 1, "--elf", out)
        assert r.returncode in (0, 1, 2), (k, r.stderr)
        assert "runtime error" not in r.stderr and "Sanitizer" not in r.stderr, r.stderr
        if r.returncode != 2:
            assert analyze.elf_info(str(out))["machine"] == analyze.EM_ARM


# ---- export: ELF32 EM_ARM ---------------------------------------------------
def test_export_elf32_layout(acore):
    core, info, err = acore
    eh, ph = elf32(core)
    assert (eh["type"], eh["machine"], eh["ehsize"], eh["phentsize"], eh["phoff"]) == \
        (4, 40, 52, 32, 52)
    assert eh["phnum"] == len(ph) == 2
    note, load = ph
    assert note[0] == 4 and note[1] == 52 + 2 * 32
    assert load[:5] == (1, 4096, synth.A32_PAGE_OFFSET, synth.A32_RAM_BASE, info["ram_size"])
    assert load[5] == load[4] and load[7] == 4096
    d = dumpdisk.read_disk(info["path"]).dumps[0]
    assert td.read_at(core, load[1], load[4]) == dumpdisk.read_phys(
        info["path"], d, synth.A32_RAM_BASE, info["ram_size"])
    assert "PHYS_OFFSET" not in err and "linear map" not in err, err


def test_export_readelf(acore):
    core = acore[0]
    out = subprocess.run(["readelf", "-n", "-l", "-h", "-W", core], capture_output=True,
                         text=True, check=True).stdout
    assert re.search(r"Class:\s+ELF32", out) and re.search(r"Machine:\s+ARM", out), out
    assert re.search(r"Type:\s+CORE", out)
    assert re.search(r"^\s+NOTE\s+0x000074\s", out, re.M), out
    assert re.search(r"^\s+LOAD\s+0x001000 0x80000000 0x40000000 0x300000 0x300000 RWE 0x1000",
                     out, re.M), out
    notes = re.findall(r"^\s+(CORE|VMCOREINFO)\s+(0x[0-9a-f]+)\s+(\S+)", out, re.M)
    assert notes == [("CORE", "0x0000007c", "NT_PRPSINFO"),
                     ("CORE", "0x00000094", "NT_PRSTATUS"),
                     ("CORE", "0x00000094", "NT_PRSTATUS"),
                     ("VMCOREINFO", notes[3][1], "Unknown")], notes
    lay = analyze.readelf_layout(core)
    assert lay["elfclass"] == "ELF32" and [s["type"] for s in lay["segments"]] == ["NOTE", "LOAD"]


def test_export_notes(acore):
    """PRPSINFO, one 148-byte PRSTATUS per CPU in CPU order (pr_pid the
    running task's: CPU 0 init_task, PID 0; CPU 1 PID 42), VMCOREINFO as
    the dump has it. CPU 0 as recorded; CPU 1, in module code, with its
    caller's registers: pc = lr = the return address its module frame saved,
    sp just above that word."""
    core, info, err = acore
    d = dumpdisk.read_disk(info["path"]).dumps[0]
    notes = analyze.read_notes(core)
    assert [(n, t, len(desc)) for n, t, desc in notes][:3] == [
        ("CORE", 3, 124), ("CORE", 1, 148), ("CORE", 1, 148)]
    assert notes[3][:2] == ("VMCOREINFO", 0)
    namesz, descsz = struct.unpack_from("<II", d.vmcoreinfo)
    assert notes[3][2] == d.vmcoreinfo[24:24 + descsz]
    ps = analyze.prpsinfo(core)
    assert ps == dict(pid=PLACEHOLDER + 0, fname="vmlinux", args="Tsubaki dump 1 (boot 1)")
    pr = analyze.prstatus(core)
    assert [x["pid"] for x in pr] == [0, 42]
    c0, c1 = d.cpus
    assert pr[0]["regs"] == c0["r"] + [c0["cpsr"], 0]
    assert pr[1]["regs"][:13] == c1["r"][:13]
    assert (pr[1]["regs"][13], pr[1]["regs"][14], pr[1]["regs"][15], pr[1]["regs"][16]) == \
        (info["caller_sp"], info["caller"], info["caller"], c1["cpsr"])
    assert "CPU 1 was at 0x7f001234, outside the kernel image: its note has the registers of " \
           "its caller at 0x%x" % info["caller"] in err


def test_export_raw_regs_and_hangs(run, adisk, tmp_path):
    """--raw-regs, and a hang's dump, keep every CPU as recorded."""
    path, info = adisk
    d = dumpdisk.read_disk(path).dumps[0]
    raw = str(tmp_path / "raw.core")
    run("export", path, 1, "--elf", raw, "--raw-regs", check=0)
    hang = str(tmp_path / "hang.img")
    synth.make_arm_disk(hang, cause=2)              # hard lockup
    hcore = str(tmp_path / "hang.core")
    p = run("export", hang, 1, "--elf", hcore, check=0)
    assert "outside the kernel image" not in p.stderr
    for core in (raw, hcore):
        pr = analyze.prstatus(core)
        assert [x["regs"][:17] for x in pr] == [c["r"] + [c["cpsr"]] for c in d.cpus]
        assert [x["pid"] for x in pr] == [0, 42]


def test_export_no_return_address(run, tmp_path):
    """A module frame with no return address into the text on the stack:
    the recorded registers, and a warning."""
    path = str(tmp_path / "nr.img")
    info = synth.make_arm_disk(path)
    d = dumpdisk.read_disk(path).dumps[0]
    lr_slot = info["caller_sp"] - 4
    td.wr(path, d.chunk_file_offset((lr_slot - synth.A32_PAGE_OFFSET) // info["chunk_size"]) +
          (lr_slot - synth.A32_PAGE_OFFSET) % info["chunk_size"], "I", 0x7F0000A0)
    # the checksum of that chunk no longer matches: the data goes as found, exit 1
    core = str(tmp_path / "nr.core")
    p = run("export", path, 1, "--elf", core)
    assert p.returncode == 1 and "no return address into it is on its stack" in p.stderr
    assert analyze.prstatus(core)[1]["pc"] == synth.A32_MODULE_PC


def test_export_gdb_registers(acore):
    """gdb-multiarch reads each thread's registers as the notes have them:
    thread N is CPU N-1."""
    core, info, _ = acore
    pr = analyze.prstatus(core)
    names = ["r%d" % i for i in range(13)] + ["sp", "lr", "pc", "cpsr"]
    for cpu in range(2):
        out = subprocess.run(["gdb-multiarch", "-nx", "-batch", "-ex", "set architecture arm",
                              "-ex", "core-file " + core,
                              "-ex", "thread %d" % analyze.gdb_thread_for_cpu(cpu),
                              "-ex", "info registers"],
                             capture_output=True, text=True, timeout=600).stdout
        got = dict(re.findall(r"^(r\d+|sp|lr|pc|cpsr)\s+(0x[0-9a-f]+)", out, re.M))
        assert [int(got[n], 16) for n in names] == pr[cpu]["regs"][:17], (cpu, out)
    out = subprocess.run(["gdb-multiarch", "-nx", "-batch", "-ex", "set architecture arm",
                          "-ex", "core-file " + core, "-ex", "info threads"],
                         capture_output=True, text=True, timeout=600).stdout
    assert re.search(r"^\*?\s+1\s+LWP %d\s" % PLACEHOLDER, out, re.M), out
    assert re.search(r"^\s+2\s+LWP 42\s", out, re.M), out


def test_export_drgn_opens_it(acore):
    """drgn opens the ELF32 vmcore as a 32-bit ARM Linux kernel core and
    reads the fake kernel's memory at its linear-map and physical addresses."""
    core, info, _ = acore
    script = r'''
import sys, drgn
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
print(prog.platform.arch.name, bool(prog.flags & drgn.ProgramFlags.IS_LINUX_KERNEL))
print(prog.read_u32(int(sys.argv[2])), prog.read_u32(int(sys.argv[3])))
print(prog.read(int(sys.argv[4]), 11).decode(), prog.read_u32(int(sys.argv[5]), True))
'''
    thread_pid = info["init_task"] + synth.A32_THREAD_PID_OFF
    pid_nr = info["task"] + 0x800 + synth.A32_PID_NR_OFF
    release = info["init_uts_ns"] + synth.A32_UTS_NAME_OFF + 130
    p = subprocess.run(["/usr/bin/python3", "-c", script, core, str(thread_pid), str(pid_nr),
                        str(release), str(thread_pid - synth.A32_PAGE_OFFSET +
                                          synth.A32_RAM_BASE)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["ARM", "True",
                                str(info["text_va"] + synth.A32_OFF_INIT_STRUCT_PID), "42",
                                synth.OSRELEASE,
                                str(info["text_va"] + synth.A32_OFF_INIT_STRUCT_PID)], p.stdout


# ---- the linear map: PAGE_OFFSET, PHYS_OFFSET, lowmem -----------------------
def test_phys_offset_from_ttbr1(run, tmp_path):
    """The kernel at RAM base + 1 MiB (TTBR1 says so): RAM below it is
    outside the linear map (p_vaddr 0xffffffff, data kept); the rest at
    PAGE_OFFSET; PIDs found through it."""
    path = str(tmp_path / "t.img")
    info = synth.make_arm_disk(path, phys_offset=synth.A32_RAM_BASE + MIB, nchunks=64)
    core = str(tmp_path / "t.core")
    p = run("export", path, 1, "--elf", core, check=0)
    assert "RAM at 0x40000000 is below PHYS_OFFSET 0x40100000" in p.stderr, p.stderr
    assert [(va, pa, sz) for _, _, va, pa, sz, *_ in loads(core)] == [
        (NO_VADDR, 0x40000000, MIB), (synth.A32_PAGE_OFFSET, 0x40100000, 3 * MIB)]
    d = dumpdisk.read_disk(path).dumps[0]
    for _, off, _, pa, sz, *_ in loads(core):
        assert td.read_at(core, off, sz) == dumpdisk.read_phys(path, d, pa, sz)
    assert [x["pid"] for x in analyze.prstatus(core)] == [0, 42]
    assert analyze.prstatus(core)[1]["pc"] == info["caller"]


def test_phys_offset_checked_against_init_uts_ns(run, tmp_path):
    """A TTBR1 that points elsewhere is outvoted by the RAM base, where
    init_uts_ns reads right; with no init_uts_ns in VMCOREINFO the first
    candidate (TTBR1's) is taken, with a warning; no TTBR1 at all: the RAM
    base."""
    path = str(tmp_path / "w.img")
    synth.make_arm_disk(path)
    d = dumpdisk.read_disk(path).dumps[0]
    for cpu in range(2):            # TTBR1 of both CPUs 1 MiB off
        td.wr(path, d.slot_offset + dumpdisk.OFF_CPUS + 440 * cpu + 200, "Q", 0x40103010)
    core = str(tmp_path / "w.core")
    p = run("export", path, 1, "--elf", core, check=0)
    assert "PHYS_OFFSET" not in p.stderr, p.stderr
    assert loads(core)[0][2:4] == (synth.A32_PAGE_OFFSET, synth.A32_RAM_BASE)

    path = str(tmp_path / "u.img")
    synth.make_arm_disk(path, phys_offset=synth.A32_RAM_BASE + MIB, nchunks=64, uts=False)
    p = run("export", path, 1, "--elf", core, "--force", check=0)
    assert "PHYS_OFFSET 0x40100000 (from CPU 1's TTBR1) could not be checked" in p.stderr
    assert loads(core)[1][2:4] == (synth.A32_PAGE_OFFSET, 0x40100000)

    path = str(tmp_path / "n.img")
    synth.make_arm_disk(path, ttbr1=False)
    p = run("export", path, 1, "--elf", core, "--force", check=0)
    assert "PHYS_OFFSET" not in p.stderr
    assert loads(core)[0][2:4] == (synth.A32_PAGE_OFFSET, synth.A32_RAM_BASE)


def test_phys_offset_from_a_window_region(run, tmp_path):
    """Spare mode: the crashed kernel booted in the second window, which a
    WINDOW region names (no TTBR1 to say so); the first window, where Linux
    restarted, is excluded."""
    path = str(tmp_path / "s.img")
    base, win = synth.A32_RAM_BASE, synth.A32_RAM_BASE + 2 * MIB
    synth.make_arm_disk(path, phys_offset=win, nchunks=96, ttbr1=False,
                        chunk_states={i: 4 for i in range(32)},
                        regions=[(base, 2 * MIB, dumpdisk.REGION_EXCLUDED),
                                 (win, 2 * MIB, dumpdisk.REGION_WINDOW),
                                 (win + 2 * MIB, 2 * MIB, dumpdisk.REGION_SECONDARY)])
    core = str(tmp_path / "s.core")
    p = run("export", path, 1, "--elf", core, check=0)
    assert "PHYS_OFFSET" not in p.stderr, p.stderr
    assert [(va, pa, sz) for _, _, va, pa, sz, *_ in loads(core)] == [
        (synth.A32_PAGE_OFFSET, win, 4 * MIB)]
    assert [x["pid"] for x in analyze.prstatus(core)] == [0, 42]


def test_no_stext_no_linear_map(run, tmp_path):
    """Without SYMBOL(_stext) nothing is known of the linear map: RAM at
    p_vaddr 0xffffffff, registers as recorded, placeholder PIDs."""
    path = str(tmp_path / "x.img")
    info = synth.make_arm_disk(path)
    d = dumpdisk.read_disk(path).dumps[0]
    off = d.vmcoreinfo.index(b"SYMBOL(_stext)=")
    td.wr(path, d.slot_offset + dumpdisk.OFF_VMCOREINFO + off, "6s", b"SYMBOX")
    core = str(tmp_path / "x.core")
    p = run("export", path, 1, "--elf", core, check=0)
    assert "lacks a valid SYMBOL(_stext)" in p.stderr, p.stderr
    assert [(va, pa) for _, _, va, pa, *_ in loads(core)] == [(NO_VADDR, synth.A32_RAM_BASE)]
    pr = analyze.prstatus(core)
    assert [x["pid"] for x in pr] == [PLACEHOLDER, PLACEHOLDER + 1]
    assert pr[1]["pc"] == info["module_pc"]


def test_highmem_and_split_chunks(run, tmp_path):
    """Lowmem ends at 0xf0000000: with PAGE_OFFSET 0xe0000000 (SYMBOL(_stext)
    says so) and PHYS_OFFSET 512 KiB into 1 MiB chunks, RAM splits inside
    chunks: below PHYS_OFFSET, lowmem (256 MiB at PAGE_OFFSET), highmem.
    Every byte is in the file at its p_paddr; a bad chunk split across two
    segments is named once."""
    path = str(tmp_path / "h.img")
    phys = synth.A32_RAM_BASE + 512 * 1024
    synth.make_arm_disk(path, phys_offset=phys, page_offset=0xE0000000, chunk_size=MIB,
                        nchunks=258, flip=[(256, 0x90000)])
    core = str(tmp_path / "h.core")
    p = run("export", path, 1, "--elf", core, check=1)
    low_end = phys + 0x10000000
    assert [(va, pa, sz) for _, _, va, pa, sz, *_ in loads(core)] == [
        (NO_VADDR, synth.A32_RAM_BASE, 512 * 1024), (0xE0000000, phys, 0x10000000),
        (NO_VADDR, low_end, synth.A32_RAM_BASE + 258 * MIB - low_end)]
    assert "RAM from 0x%x is highmem" % low_end in p.stderr, p.stderr
    assert p.stderr.count("checksum mismatch") == 1
    assert "chunk 256 (paddr 0x50000000): checksum mismatch" in p.stderr
    assert "(1 bad chunk)" in p.stderr
    d = dumpdisk.read_disk(path).dumps[0]
    for _, off, _, pa, sz, *_ in loads(core):
        if sz < 4 * MIB:
            assert td.read_at(core, off, sz) == dumpdisk.read_phys(path, d, pa, sz)
    # memcheck --elf reads the chunks split across segments with the metadata
    memcheck = str(tmp_path / "memcheck")
    subprocess.run(["gcc", "-O2", "-Iinclude", "-o", memcheck, "tests/tools/memcheck.c"],
                   cwd=TOP, check=True)
    meta = str(tmp_path / "dump.meta")
    with open(path, "rb") as f, open(meta, "wb") as m:
        f.seek(d.slot_offset)
        m.write(f.read(dumpdisk.OFF_CHUNKS + 16 * d.nchunks))
    r = subprocess.run([memcheck, "--elf", core, "0", "0", meta], capture_output=True,
                       text=True)
    assert "bad_chunks=1 missing_chunks=0" in r.stdout and "checked_chunks=258" in r.stdout, \
        r.stdout + r.stderr
    os.unlink(core)


def test_ram_above_4gib_is_left_out(run, tmp_path):
    """ELF32 cannot address RAM above 4 GiB (LPAE has it): left out, said."""
    path = str(tmp_path / "b.img")
    base = 0xFFF00000
    synth.make_arm_disk(path, ram_base=base, phys_offset=base, nchunks=32)
    core = str(tmp_path / "b.core")
    p = run("export", path, 1, "--elf", core, check=0)
    assert "RAM from 0x100000000 is above 4 GiB" in p.stderr, p.stderr
    assert [(va, pa, sz) for _, _, va, pa, sz, *_ in loads(core)] == [
        (synth.A32_PAGE_OFFSET, base, MIB)]
    assert [x["pid"] for x in analyze.prstatus(core)] == [0, 42]


# ---- a real ARM kernel ------------------------------------------------------
def arm_vmlinux():
    """An ARM vmlinux with DWARF: $TSUBAKI_VMLINUX_ARM, else the ARM build's
    (make kernel ARCH=arm), else the kernel cache's, else None."""
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cands = [os.environ.get("TSUBAKI_VMLINUX_ARM"),
             os.path.join(top, "build", "arm", "linux", "vmlinux")]
    cache = os.environ.get("TSUBAKI_CACHE", os.path.expanduser("~/.cache/tsubaki"))
    cands += sorted(glob.glob(os.path.join(cache, "linux-build-*", "vmlinux")))
    for c in cands:
        if c and os.path.exists(c):
            with open(c, "rb") as f:
                eh = f.read(20)
            if eh[:5] == b"\x7fELF\x01" and struct.unpack_from("<H", eh, 18)[0] == 40:
                return c
    return None


def test_real_arm_vmlinux(run, tmp_path):
    """The real kernel image in a synthetic dump, the panicking CPU in module
    code above atomic_notifier_call_chain's frame: the exporter finds PIDs
    in the real init_task, moves CPU 1 to its caller; gdb with vmlinux
    unwinds notifier_call_chain, atomic_notifier_call_chain, panic; drgn
    reads init_uts_ns and init_task through vmlinux's types."""
    vmlinux = arm_vmlinux()
    if not vmlinux:
        pytest.fail("no ARM vmlinux: run 'make kernel ARCH=arm' (or set $TSUBAKI_VMLINUX_ARM)")
    path = str(tmp_path / "v.img")
    try:
        info = synth.make_vmlinux_disk(path, vmlinux)
    except (struct.error, ValueError, IndexError, KeyError) as e:   # a vmlinux being rebuilt
        pytest.fail("%s cannot be read: %s" % (vmlinux, e))
    if not info:
        pytest.fail("%s lacks the symbols needed" % vmlinux)
    core = str(tmp_path / "v.core")
    p = run("export", path, 1, "--elf", core, check=0)
    assert "PHYS_OFFSET" not in p.stderr, p.stderr
    pr = analyze.prstatus(core)
    assert [x["pid"] for x in pr] == [PLACEHOLDER, 0]   # CPU 1 runs init_task
    assert (pr[1]["pc"], pr[1]["regs"][14], pr[1]["sp"]) == \
        (info["caller"], info["caller"], info["caller_sp"])
    text = analyze.gdb_check(core, vmlinux, analyze.gdb_thread_for_cpu(1))
    assert analyze.gdb_banner(text) is None or info["release"] in analyze.gdb_banner(text)
    bt = analyze.gdb_backtrace(text)
    assert "atomic_notifier_call_chain" in bt and "panic" in bt, text[-3000:]
    assert bt.index("atomic_notifier_call_chain") < bt.index("panic"), bt
    script = r'''
import sys, drgn
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
print(prog["init_uts_ns"].name.release.string_().decode(), prog["init_task"].pid.value_(),
      prog["init_task"].comm.string_().decode())
'''
    p = subprocess.run(["/usr/bin/python3", "-c", script, core, vmlinux], capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [info["release"], "0", "swapper"], p.stdout


def test_tools_exist():
    for exe in ("readelf", "gdb-multiarch"):
        assert shutil.which(exe), "%s is needed" % exe
