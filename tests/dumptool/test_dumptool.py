# SPDX-License-Identifier: BSD-3-Clause
"""Tests of tools/dump (tsubaki-dump): list, info, verify and export on
synthetic disks (tests/tools/mkfakedump.py, tests/dumptool/synth.py), on
damaged copies of them, and on the real sample disk of two QEMU crashes when
it is there (/tmp/sample/dump.img, or $TSUBAKI_SAMPLE; with
build/linux/vmlinux or $TSUBAKI_VMLINUX for drgn and gdb-multiarch).
Without the sample, the real-data checks run on a synthetic disk instead.

    /usr/bin/python3 -m pytest -q tests/dumptool

The tool is built from the sources with the Makefile's command (gcc) into a
temporary directory; $TSUBAKI_DUMP uses a given binary instead.
"""
import glob
import json
import os
import pty
import re
import resource
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

CFLAGS = ["-O2", "-g", "-std=gnu11", "-Wall", "-Wextra", "-Werror",
          "-Iinclude", "-Itools/dump"]
SAMPLE = os.environ.get("TSUBAKI_SAMPLE", "/tmp/sample/dump.img")
VMLINUX = os.environ.get("TSUBAKI_VMLINUX",
                         os.path.join(TOP, "build", "linux", "vmlinux"))
MIB = 1 << 20
DISK_HDR = dict(magic=(0, "Q"), version=(8, "I"), nslots=(12, "I"),
                disk_size=(16, "Q"), next_dump_id=(24, "Q"), checksum=(32, "Q"))
DUMP_HDR = dict(magic=(0, "Q"), version=(8, "I"), state=(12, "I"),
                dump_id=(16, "Q"), ram_base=(64, "Q"), ram_size=(72, "Q"),
                window=(80, "Q"), chunk_size=(88, "Q"), nchunks=(96, "Q"),
                data_offset=(104, "Q"), bytes_written=(112, "Q"),
                ncpus=(120, "I"), panic_cpu=(124, "I"),
                vmcoreinfo_size=(128, "I"), nregions=(132, "I"),
                boot_count=(136, "Q"), checksum=(144, "Q"),
                compress=(164, "I"), bytes_stored=(176, "Q"), arch=(184, "I"))
CHUNK_RE = re.compile(r"verify: chunk (\d+) \(paddr (0x[0-9a-f]+)\): checksum mismatch")


# ---- fixtures and helpers ---------------------------------------------------
def build(cc, out):
    srcs = sorted(glob.glob(os.path.join(TOP, "tools", "dump", "*.c")))
    srcs = [os.path.relpath(s, TOP) for s in srcs]
    return subprocess.run([cc] + CFLAGS + ["-o", out] + srcs, cwd=TOP,
                          capture_output=True, text=True)


@pytest.fixture(scope="session")
def tool(tmp_path_factory):
    if os.environ.get("TSUBAKI_DUMP"):
        return os.environ["TSUBAKI_DUMP"]
    out = str(tmp_path_factory.mktemp("bin") / "tsubaki-dump")
    p = build("gcc", out)
    assert p.returncode == 0, p.stderr
    return out


class Run:
    def __init__(self, tool):
        self.tool = tool

    def __call__(self, *args, check=None):
        p = subprocess.run([self.tool] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=600)
        assert p.returncode >= 0, "killed by signal %d: %s" % (-p.returncode, args)
        if check is not None:
            assert p.returncode == check, (args, p.returncode, p.stdout, p.stderr)
        return p


@pytest.fixture(scope="session")
def run(tool):
    return Run(tool)


@pytest.fixture(scope="session")
def kdisk(tmp_path_factory):
    """A synthetic disk with the fake kernel (panic on CPU 1, PID 42)."""
    path = str(tmp_path_factory.mktemp("kdisk") / "disk.img")
    info = synth.make_kernel_disk(path, nchunks=64)
    return path, info


@pytest.fixture
def small(tmp_path):
    """Factory: a small synthetic disk (mkfakedump) at a fresh path."""
    def make(dumps=None, name="disk.img", **kw):
        path = str(tmp_path / name)
        spec = dict(ram_size=16 * 64 * 1024, chunk_size=64 * 1024,
                    vmcoreinfo=synth.vmcoreinfo_note("OSRELEASE=6.1.0-fake\n"))
        spec.update(kw)
        infos = mkfakedump.make_disk(path, dumps or [spec])
        return path, infos
    return make


def rd(path, off, fmt):
    with open(path, "rb") as f:
        f.seek(off)
        return struct.unpack("<" + fmt, f.read(struct.calcsize(fmt)))[0]


def wr(path, off, fmt, value):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(struct.pack("<" + fmt, value))


def flip_byte(path, off, mask=0x01):
    with open(path, "r+b") as f:
        f.seek(off)
        b = f.read(1)[0]
        f.seek(off)
        f.write(bytes([b ^ mask]))


def fix_sum(path, base, size, csum_off):
    with open(path, "r+b") as f:
        f.seek(base)
        raw = bytearray(f.read(size))
        raw[csum_off:csum_off + 8] = bytes(8)
        f.seek(base + csum_off)
        f.write(struct.pack("<Q", mkfakedump.tsb_sum64(bytes(raw))))


def set_disk(path, fix=True, **fields):
    for k, v in fields.items():
        off, fmt = DISK_HDR[k]
        wr(path, off, fmt, v)
    if fix:
        fix_sum(path, 0, 568, 32)


def set_slot(path, slot, fix=True, **fields):
    layout = dict(offset=(0, "Q"), size=(8, "Q"), dump_id=(16, "Q"),
                  state=(24, "I"))
    for k, v in fields.items():
        off, fmt = layout[k]
        wr(path, 40 + 32 * slot + off, fmt, v)
    if fix:
        fix_sum(path, 0, 568, 32)


def set_dump(path, base, fix=True, **fields):
    for k, v in fields.items():
        off, fmt = DUMP_HDR[k]
        wr(path, base + off, fmt, v)
    if fix:     # the checksum covers the header of its version (after the edit)
        fix_sum(path, base, synth.header_len(rd(path, base + 8, "I")), 144)


def elf_segments(path):
    """[(p_type, offset, vaddr, paddr, filesz)] of an ELF64 file."""
    with open(path, "rb") as f:
        eh = f.read(64)
        assert eh[:4] == b"\x7fELF" and eh[4] == 2 and eh[5] == 1
        assert struct.unpack_from("<HH", eh, 16) == (4, 183)   # ET_CORE, EM_AARCH64
        phoff, = struct.unpack_from("<Q", eh, 32)
        phnum, = struct.unpack_from("<H", eh, 56)
        f.seek(phoff)
        out = []
        for _ in range(phnum):
            t, _, off, va, pa, fsz, msz, _ = struct.unpack("<IIQQQQQQ", f.read(56))
            assert fsz == msz
            out.append((t, off, va, pa, fsz))
    return out


def read_at(path, off, n):
    with open(path, "rb") as f:
        f.seek(off)
        return f.read(n)


def linear(pa):
    return pa - synth.PHYS_OFFSET + synth.PAGE_OFFSET


# ---- build and usage --------------------------------------------------------
@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_builds_warning_free(cc, tmp_path):
    if not shutil.which(cc):
        pytest.fail("%s is needed (apt-get install -y %s)" % (cc, cc))
    p = build(cc, str(tmp_path / "t"))
    assert p.returncode == 0 and not p.stderr.strip(), p.stderr


def test_help_and_usage(run):
    p = run("--help", check=0)
    for cmd in ("list", "info", "verify", "export"):
        assert cmd in p.stdout
        q = run(cmd, "--help", check=0)
        assert q.stdout.startswith("usage: tsubaki-dump %s" % cmd)
    assert "--force" in run("export", "--help").stdout
    for args in [(), ("frobnicate",), ("list",), ("info", "x"),
                 ("list", "a", "b"), ("info", "d", "1", "--bogus"),
                 ("export", "d", "1"), ("export", "d", "1", "--elf")]:
        p = run(*args, check=2)
        assert "usage" in p.stderr or "tsubaki-dump:" in p.stderr, args


def test_missing_file(run, tmp_path):
    p = run("list", tmp_path / "nope", check=2)
    assert p.stderr.startswith("tsubaki-dump: ") and "No such file" in p.stderr


# ---- list / info ------------------------------------------------------------
def test_list_and_info(run, small):
    specs = [dict(ram_size=8 * 65536, chunk_size=65536, dump_id=3, ncpus=2,
                  panic_cpu=1, t_ns=(1000, 5000, 6000, 9000, 0),
                  vmcoreinfo=synth.vmcoreinfo_note("OSRELEASE=6.1.0-a\n")),
             dict(ram_size=8 * 65536, chunk_size=65536, dump_id=4, state=3,
                  panic_cpu=0, chunk_states={2: 0, 3: 2},
                  t_ns=(2_000_000_000, 0, 0, 0, 0), vmcoreinfo=b"")]
    path, _ = small(dumps=specs)
    p = run("list", path, check=0)
    lines = p.stdout.splitlines()
    assert len(lines) == 3 and lines[0].startswith("SLOT")
    assert lines[1].split()[:3] == ["0", "3", "complete"]
    assert lines[2].split()[:3] == ["1", "4", "partial"]
    assert "0.008" in lines[1]          # downtime 8000 ns in ms
    assert "2.000000" in lines[2] and " - " in lines[2]

    j = json.loads(run("info", path, 3, "--json", check=0).stdout)
    assert j["dump_id"] == 3 and j["slot"] == 0 and j["state"] == "complete"
    assert j["t_ns"] == dict(fault=1000, primary_done=5000, restart_start=6000,
                             restart_done=9000, secondary_done=None)
    assert j["downtime_ns"] == 8000 and j["primary_ns"] == 4000
    assert j["secondary_ns"] is None
    assert j["fault_ns"] == 1000 and j["secondary_done_ns"] is None
    assert j["ncpus"] == 2 and j["panic_cpu"] == 1
    assert [c["cpu"] for c in j["cpus"]] == [0, 1] and j["cpus"][1]["valid"]
    assert j["cpus"][1]["pc"] == 0xFFFF000010000000 + 0x100 + 2
    assert j["osrelease"] == "6.1.0-a"
    assert j["nchunks"] == 8 and j["chunks"]["ok"] == 8
    assert j["bytes_written"] == 8 * 65536 and j["chunk_size"] == 65536
    assert [r["kind"] for r in j["regions"]] == ["primary", "secondary"]

    j = json.loads(run("info", path, "last", "--json", check=0).stdout)
    assert j["dump_id"] == 4 and j["state"] == "partial"
    assert j["chunks"] == {"missing": 1, "ok": 6, "failed": 1, "no_room": 0, "excluded": 0}
    assert j["osrelease"] is None and j["downtime_ns"] is None
    text = run("info", path, 4, check=0).stdout
    assert "partial" in text and "panic on CPU 0" in text
    p = run("info", path, 5, check=2)
    assert "no dump with id 5" in p.stderr


def test_json_matches_dumpdisk(run, kdisk):
    """info --json against the independent Python reader."""
    path, _ = kdisk
    d = dumpdisk.read_disk(path).dumps[0]
    j = json.loads(run("info", path, d.dump_id, "--json", check=0).stdout)
    assert j["ram_base"] == d.ram_base and j["ram_size"] == d.ram_size
    assert j["window"] == d.window and j["nchunks"] == d.nchunks
    assert j["ncpus"] == d.ncpus and j["panic_cpu"] == d.panic_cpu
    assert [(r["paddr"], r["size"], r["first_chunk"]) for r in j["regions"]] == \
        [(r["paddr"], r["size"], r["first_chunk"]) for r in d.regions]
    assert [c["pc"] for c in j["cpus"]] == [c["pc"] for c in d.cpus]
    assert [c["sp"] for c in j["cpus"]] == [c["sp_el1"] for c in d.cpus]
    assert j["osrelease"] == synth.OSRELEASE


# ---- verify -----------------------------------------------------------------
def test_verify_ok(run, kdisk):
    p = run("verify", kdisk[0], 1, check=0)
    assert "structure ok" in p.stdout and "all checksums ok" in p.stdout


@pytest.mark.parametrize("chunk,where", [(0, "first"), (0, "last"), (5, "middle"),
                                         (7, "first"), (15, "last"), (9, 8)])
def test_verify_finds_flipped_byte(run, small, chunk, where):
    csz = 64 * 1024
    path, infos = small()
    off = {"first": 0, "last": csz - 1, "middle": csz // 2 + 3}.get(where, where)
    flip_byte(path, infos[0]["data_file_offset"] + chunk * csz + off)
    p = run("verify", path, 1, check=1)
    m = CHUNK_RE.search(p.stderr)
    assert m, p.stderr
    assert int(m.group(1)) == chunk
    assert int(m.group(2), 16) == 0x40000000 + chunk * csz
    assert "1 of 16 chunks on disk have a bad checksum" in p.stdout


def test_verify_names_first_bad_chunk(run, small):
    path, _ = small(flip=[(11, 100), (4, 7), (13, 0)])
    p = run("verify", path, 1, check=1)
    found = [int(m.group(1)) for m in CHUNK_RE.finditer(p.stderr)]
    assert found == [4, 11, 13]
    assert p.stderr.index("chunk 4 (paddr 0x40040000)") < p.stderr.index("chunk 11")


def test_bad_chunk_checksum_in_table(run, small):
    path, infos = small()
    wr(path, infos[0]["offset"] + 0x6000 + 16 * 3, "Q", 0x1234)
    p = run("verify", path, 1, check=1)
    assert "verify: chunk 3 (paddr 0x40030000): checksum mismatch" in p.stderr


def test_verify_partial_reports_missing(run, small):
    path, _ = small(state=3, chunk_states={3: 0, 4: 0, 9: 2, 15: 3})
    p = run("verify", path, 1, check=0)
    assert "4 of 16 chunks" in p.stdout
    assert "missing [0x40030000, 0x40050000)" in p.stdout
    assert "failed" in p.stdout and "no-room" in p.stdout
    # a dump that says it is complete must not lack chunks
    path, _ = small(name="c.img", state=2, chunk_states={3: 0})
    p = run("verify", path, 1, check=1)
    assert "marked complete" in p.stderr


def test_verify_in_progress_dump(run, small):
    path, _ = small(state=1, chunk_states={i: 0 for i in range(8, 16)})
    p = run("verify", path, 1, check=0)
    assert "in-progress" in p.stdout and "8 of 16 chunks" in p.stdout


# ---- malformed input: exit 2, a clear message, never a crash ---------------
def _damage_cases():
    """(name, function(path, infos), words expected in the message)."""
    base = MIB

    def trunc(n):
        return lambda p, i: os.truncate(p, n)

    return [
        ("empty file", trunc(0), "truncated"),
        ("short header", trunc(100), "truncated"),
        ("no dump", trunc(MIB + 100), "truncated"),
        ("data cut", lambda p, i: os.truncate(p, i[0]["data_file_offset"] + 5000),
         "truncated"),
        ("bad disk magic", lambda p, i: set_disk(p, magic=0x1234), "magic"),
        ("bad dump magic", lambda p, i: set_dump(p, base, magic=7), "magic"),
        ("disk version", lambda p, i: set_disk(p, version=dumpdisk.FORMAT_VERSION + 1),
         "version"),
        ("dump version", lambda p, i: set_dump(p, base, version=9), "version"),
        ("disk checksum", lambda p, i: set_disk(p, fix=False, next_dump_id=99),
         "checksum"),
        ("dump checksum", lambda p, i: set_dump(p, base, fix=False, boot_count=5),
         "checksum"),
        ("nslots", lambda p, i: set_disk(p, nslots=17), "nslots"),
        ("disk_size", lambda p, i: set_disk(p, disk_size=1 << 40), "disk_size"),
        ("slot offset", lambda p, i: set_slot(p, 0, offset=MIB + 4096), "offset"),
        ("slot beyond disk", lambda p, i: set_slot(p, 0, size=1 << 50), "fit"),
        ("slot offset huge", lambda p, i: set_slot(p, 0, offset=(1 << 64) - MIB),
         "fit"),
        ("slot state", lambda p, i: set_slot(p, 0, state=9), "state"),
        ("dump id", lambda p, i: set_dump(p, base, dump_id=77), "dump_id"),
        ("dump state", lambda p, i: set_dump(p, base, state=0), "state"),
        ("ncpus", lambda p, i: set_dump(p, base, ncpus=9), "ncpus"),
        ("panic_cpu", lambda p, i: set_dump(p, base, panic_cpu=2), "panic_cpu"),
        ("vmcoreinfo_size", lambda p, i: set_dump(p, base, vmcoreinfo_size=0x2001),
         "vmcoreinfo"),
        ("nregions", lambda p, i: set_dump(p, base, nregions=65), "nregions"),
        ("chunk_size 0", lambda p, i: set_dump(p, base, chunk_size=0), "chunk_size"),
        ("chunk_size odd", lambda p, i: set_dump(p, base, chunk_size=1000),
         "chunk_size"),
        ("nchunks", lambda p, i: set_dump(p, base, nchunks=17), "nchunks"),
        ("nchunks huge", lambda p, i: set_dump(p, base, nchunks=1 << 62), "nchunks"),
        ("ram wraps", lambda p, i: set_dump(p, base, ram_base=(1 << 64) - 4096),
         "RAM"),
        ("window", lambda p, i: set_dump(p, base, window=1 << 30), "window"),
        ("data_offset small", lambda p, i: set_dump(p, base, data_offset=0x6000),
         "data_offset"),
        ("data_offset big", lambda p, i: set_dump(p, base, data_offset=1 << 40),
         "data_offset"),
        ("chunk state", lambda p, i: wr(p, base + 0x6000 + 16 * 2 + 8, "I", 5),
         "unknown state"),
        ("chunk beyond slot",
         lambda p, i: (set_slot(p, 0, size=MIB + 8 * 65536),
                       set_disk(p, disk_size=2 * MIB + 8 * 65536)), "beyond the slot"),
        ("region outside RAM", lambda p, i: wr(p, base + 0x5000 + 8, "Q", 1 << 40),
         "outside RAM"),
        ("region kind", lambda p, i: wr(p, base + 0x5000 + 24, "I", 7), "kind"),
        ("region first_chunk", lambda p, i: wr(p, base + 0x5000 + 32 + 16, "Q", 3),
         "first_chunk"),
        ("overlapping regions",
         lambda p, i: wr(p, base + 0x5000 + 32, "Q", 0x40000000 + 0x70000) or
         wr(p, base + 0x5000 + 32 + 16, "Q", 7), "overlaps"),
        ("cpu record", lambda p, i: wr(p, base + 0x1000 + 440 + 4, "I", 5), "CPU"),
    ]


@pytest.mark.parametrize("name,damage,words", _damage_cases(),
                         ids=[c[0] for c in _damage_cases()])
def test_malformed_input(run, small, tmp_path, name, damage, words):
    path, infos = small()
    damage(path, infos)
    for args in (("list", path), ("info", path, 1), ("info", path, 1, "--json"),
                 ("verify", path, 1),
                 ("export", path, 1, "--elf", tmp_path / "out.core")):
        p = run(*args)
        assert p.returncode == 2, (name, args, p.stdout, p.stderr)
        assert p.stderr.startswith("tsubaki-dump: "), p.stderr
        assert words.lower() in p.stderr.lower(), (name, p.stderr)
    assert not os.path.exists(tmp_path / "out.core")
    assert not os.path.exists(tmp_path / "out.core.tmp")


def test_overlapping_slots_and_duplicate_ids(run, small):
    spec = dict(ram_size=4 * 65536, chunk_size=65536)
    path, infos = small(dumps=[dict(spec), dict(spec)])
    set_slot(path, 1, offset=infos[0]["offset"])
    assert "overlaps" in run("list", path, check=2).stderr
    path, infos = small(dumps=[dict(spec), dict(spec)], name="dup.img")
    set_slot(path, 1, dump_id=1)
    assert "both hold dump id 1" in run("info", path, 1, check=2).stderr


def test_list_shows_bad_dump_and_fails(run, small):
    spec = dict(ram_size=4 * 65536, chunk_size=65536)
    path, infos = small(dumps=[dict(spec), dict(spec)])
    set_dump(path, infos[1]["offset"], fix=False, boot_count=3)
    p = run("list", path, check=2)
    assert "complete" in p.stdout.splitlines()[1] and "bad" in p.stdout
    assert "checksum" in p.stderr
    run("verify", path, 1, check=0)       # the good one is still usable
    run("verify", path, 2, check=2)


def test_stricter_than_dumpdisk(run, tmp_path):
    """Whatever dumpdisk.py (the Python reader) rejects, list rejects too."""
    import random
    rnd = random.Random(7)
    src = str(tmp_path / "src.img")
    mkfakedump.make_disk(src, [dict(ram_size=4 * 4096, chunk_size=4096,
                                    data_offset=0x7000, slot_size=0x7000 + 4 * 4096)],
                         disk_size=MIB + 0x7000 + 4 * 4096)
    data = open(src, "rb").read()
    hot = list(range(0, 600)) + list(range(MIB, MIB + 184)) + \
        list(range(MIB + 0x5000, MIB + 0x5000 + 64)) + \
        list(range(MIB + 0x6000, MIB + 0x6000 + 64))
    rejected = 0
    for k in range(150):
        buf = bytearray(data)
        for _ in range(rnd.randint(1, 3)):
            buf[rnd.choice(hot)] ^= 1 << rnd.randrange(8)
        if rnd.random() < 0.5:      # make the header checksums right again
            buf[32:40] = bytes(8)
            buf[32:40] = struct.pack("<Q", mkfakedump.tsb_sum64(bytes(buf[:568])))
            buf[MIB + 144:MIB + 152] = bytes(8)
            buf[MIB + 144:MIB + 152] = struct.pack(
                "<Q", mkfakedump.tsb_sum64(bytes(buf[MIB:MIB + 184])))
        p = str(tmp_path / "m.img")
        with open(p, "wb") as f:
            f.write(buf)
        try:
            dumpdisk.read_disk(p)
            py_ok = True
        except ValueError:
            py_ok = False
        r = run("list", p)
        if not py_ok:
            rejected += 1
            assert r.returncode == 2, (k, r.stdout, r.stderr)
    assert rejected > 20


# ---- export -----------------------------------------------------------------
def test_export_layout_and_contents(run, kdisk, tmp_path):
    path, info = kdisk
    out = tmp_path / "k.core"
    p = run("export", path, 1, "--elf", out, check=0)
    assert "outside the kernel image" in p.stderr
    segs = elf_segments(out)
    assert [s[0] for s in segs] == [4, 1, 1]          # PT_NOTE, PT_LOAD x2
    _, koff, kva, kpa, ksz = segs[1]
    assert (kpa, ksz) == (info["text_pa"], info["text_size"])
    assert kva == info["text_pa"] + synth.KIMAGE_VOFFSET
    _, roff, rva, rpa, rsz = segs[2]
    assert (rpa, rsz, rva) == (0x40000000, info["ram_size"], synth.PAGE_OFFSET)
    d = dumpdisk.read_disk(path).dumps[0]
    assert read_at(out, roff, rsz) == dumpdisk.read_phys(path, d, rpa, rsz)
    assert read_at(out, koff, ksz) == dumpdisk.read_phys(path, d, kpa, ksz)
    assert koff % 4096 == 0 and roff % 4096 == 0
    # notes: PRPSINFO (CPU 0's note says pid 0), PRSTATUS per CPU in CPU order, then
    # the dump's own VMCOREINFO note
    notes = analyze.read_notes(str(out))
    assert [(n, t) for n, t, _ in notes] == [("CORE", 3), ("CORE", 1), ("CORE", 1),
                                             ("VMCOREINFO", 0)]
    assert struct.unpack_from("<I", notes[0][2], 24)[0] == 4194304 + 0
    namesz, descsz = struct.unpack_from("<II", d.vmcoreinfo)
    assert notes[3][2] == d.vmcoreinfo[24:24 + descsz]
    pr = analyze.prstatus(str(out))
    assert [x["pid"] for x in pr] == [0, 42]
    # CPU 0 as recorded (in the image); CPU 1 unwound out of "module" code
    assert pr[0]["regs"][32] == d.cpus[0]["pc"]
    assert pr[0]["regs"][31] == d.cpus[0]["sp_el1"]
    assert pr[0]["regs"][33] == d.cpus[0]["pstate"]
    assert pr[0]["regs"][:31] == d.cpus[0]["x"]
    assert pr[1]["regs"][32] == info["caller"] and pr[1]["regs"][30] == info["caller"]
    assert pr[1]["regs"][29] == info["fp1"] and pr[1]["regs"][31] == info["fp1"]


def test_export_raw_regs(run, kdisk, tmp_path):
    path, info = kdisk
    out = tmp_path / "raw.core"
    run("export", path, 1, "--elf", out, "--raw-regs", check=0)
    pr = analyze.prstatus(str(out))
    assert pr[1]["regs"][32] == info["module_pc"]
    assert pr[1]["regs"][31] == info["fp0"] and pr[1]["pid"] == 42


def test_export_idle_cpu_not_first(run, tmp_path):
    """Panic on CPU 0 (PID 42), CPU 1 idle (PID 0): a PRPSINFO note comes
    first so that gdb does not give CPU 1's thread CPU 0's registers."""
    path = str(tmp_path / "p0.img")
    synth.make_kernel_disk(path, panic_cpu=0, **synth.SMALL)
    out = tmp_path / "p0.core"
    run("export", path, 1, "--elf", out, check=0)
    notes = analyze.read_notes(str(out))
    assert [(n, t) for n, t, _ in notes] == [("CORE", 3), ("CORE", 1), ("CORE", 1),
                                             ("VMCOREINFO", 0)]
    assert struct.unpack_from("<I", notes[0][2], 24)[0] == 4194304 + 1
    assert [x["pid"] for x in analyze.prstatus(str(out))] == [42, 0]


def test_export_unknown_pids(run, small, tmp_path):
    """No kallsyms/VMCOREINFO to find PIDs: placeholders, distinct per CPU."""
    path, _ = small(ncpus=3, panic_cpu=2)
    out = tmp_path / "u.core"
    p = run("export", path, 1, "--elf", out, check=0)
    assert "no kernel image segment" in p.stderr
    assert [x["pid"] for x in analyze.prstatus(str(out))] == \
        [4194304, 4194305, 4194306]
    # no note says pid 0: the PRPSINFO note (always there) names no thread
    notes = analyze.read_notes(str(out))
    assert notes[0][:2] == ("CORE", 3)
    assert struct.unpack_from("<I", notes[0][2], 24)[0] == 4194304 + 3


def test_export_partial(run, kdisk, tmp_path):
    src, info = kdisk
    path = str(tmp_path / "partial.img")
    shutil.copy(src, path)
    base, csz = MIB, info["chunk_size"]
    for i, st in ((10, 0), (11, 2), (12, 0), (40, 3), (63, 0)):
        wr(path, base + 0x6000 + 16 * i + 8, "I", st)
    set_dump(path, base, state=3)
    out = tmp_path / "partial.core"
    p = run("export", path, 1, "--elf", out, check=0)
    for a, b in ((10, 11), (11, 12), (12, 13), (40, 41), (63, 64)):
        assert "missing [0x%x, 0x%x)" % (0x40000000 + a * csz,
                                         0x40000000 + b * csz) in p.stderr, p.stderr
    assert "5 of 64 chunks" in p.stderr
    loads = [s for s in elf_segments(out) if s[0] == 1]
    ram = [(pa, sz) for _, _, _, pa, sz in loads[1:]]
    runs = [(0, 10), (13, 40), (41, 63)]
    assert ram == [(0x40000000 + a * csz, (b - a) * csz) for a, b in runs]
    d = dumpdisk.read_disk(path).dumps[0]
    for _, off, va, pa, sz in loads[1:]:
        assert va == linear(pa)
        assert read_at(out, off, sz) == dumpdisk.read_phys(path, d, pa, sz)
    assert loads[0][3] == info["text_pa"]     # the kernel image is all there
    # now lose a chunk of the kernel image: no kernel segment, a warning
    wr(path, base + 0x6000 + 16 * (info["text_pa"] - 0x40000000) // csz + 8, "I", 0)
    p = run("export", path, 1, "--elf", out, "--force", check=0)
    assert "kernel image" in p.stderr and "not all in the dump" in p.stderr
    assert all(s[3] != info["text_pa"] or s[2] == linear(s[3])
               for s in elf_segments(out) if s[0] == 1)


def test_export_bad_chunk(run, small, tmp_path):
    path, _ = small(flip=[(6, 9)])
    out = tmp_path / "bad.core"
    p = run("export", path, 1, "--elf", out, check=1)
    assert "chunk 6 (paddr 0x40060000): checksum mismatch" in p.stderr
    assert os.path.exists(out) and not os.path.exists(str(out) + ".tmp")


def test_export_refuses_overwrite(run, small, tmp_path):
    path, _ = small()
    out = tmp_path / "o.core"
    out.write_bytes(b"precious")
    p = run("export", path, 1, "--elf", out, check=2)
    assert "exists" in p.stderr and "--force" in p.stderr
    assert out.read_bytes() == b"precious"
    run("export", path, 1, "--elf=%s" % out, "--force", check=0)
    assert out.read_bytes()[:4] == b"\x7fELF"
    assert not os.path.exists(str(out) + ".tmp")


def test_export_streams_in_constant_memory(run, tmp_path):
    """A 96 MiB dump exports with a few MiB of RSS (1 MiB buffer)."""
    path = str(tmp_path / "big.img")
    mkfakedump.make_disk(path, [dict(ram_size=96 * MIB, chunk_size=MIB,
                                     zero_fill=True, pages={0x40000: b"x" * 4096})])
    out = tmp_path / "big.core"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    run("export", path, 1, "--elf", out, check=0)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert os.path.getsize(out) >= 96 * MIB
    # ru_maxrss of children is the largest so far: only meaningful if it grew
    assert after == before or after < 24 * 1024, (before, after)
    p = subprocess.run(["/usr/bin/time", "-f", "%M", run.tool, "export", path,
                        "1", "--elf", str(out), "--force"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert int(p.stderr.strip().splitlines()[-1]) < 16 * 1024     # KiB


def test_progress_only_on_a_terminal(run, small, tmp_path):
    path, _ = small()
    p = run("export", path, 1, "--elf", tmp_path / "a.core", check=0)
    assert "MB/s" not in p.stderr and "%" not in p.stderr
    master, slave = pty.openpty()
    q = subprocess.run([run.tool, "export", path, "1", "--elf",
                        str(tmp_path / "b.core")], stderr=slave,
                       stdout=subprocess.PIPE, timeout=60)
    os.close(slave)
    text = b""
    try:
        while True:
            chunk = os.read(master, 4096)
            if not chunk:
                break
            text += chunk
    except OSError:
        pass
    os.close(master)
    assert q.returncode == 0
    assert b"100.0%" in text and b"MB/s" in text


# ---- real data: the sample disk, or a synthetic one -------------------------
def have_sample():
    return os.path.exists(SAMPLE)


@pytest.fixture(scope="module")
def exported(tool, tmp_path_factory):
    """{dump id: (vmcore path, info json)} for every dump of the sample disk
    (or of a synthetic disk when there is no sample)."""
    r = Run(tool)
    tmp = tmp_path_factory.mktemp("real")
    disk, sinfo = SAMPLE, None
    if not have_sample():
        disk = str(tmp / "synthetic.img")
        sinfo = synth.make_kernel_disk(disk, dumps=2, nchunks=64)
    out = {}
    for line in r("list", disk, check=0).stdout.splitlines()[1:]:
        dump_id = int(line.split()[1])
        core = str(tmp / ("dump%d.core" % dump_id))
        r("verify", disk, dump_id, check=0)
        r("export", disk, dump_id, "--elf", core, check=0)
        info = json.loads(r("info", disk, dump_id, "--json", check=0).stdout)
        out[dump_id] = (core, info)
    assert len(out) == 2
    return disk, out, sinfo


def test_real_readelf_layout(exported):
    disk, cores, _ = exported
    for core, info in cores.values():
        lay = analyze.readelf_layout(core)
        segs = lay["segments"]
        assert segs[0]["type"] == "NOTE"
        assert all(s["type"] == "LOAD" for s in segs[1:])
        prs = [t for o, t in lay["notes"] if o == "CORE" and t == "NT_PRSTATUS"]
        assert len(prs) == info["ncpus"]
        assert lay["notes"][-1][0] == "VMCOREINFO"
        vmci = analyze.vmcoreinfo(core)
        kvo = int(vmci["NUMBER(kimage_voffset)"], 16)
        phys = int(vmci["NUMBER(PHYS_OFFSET)"], 16)
        page_offset = (1 << 64) - (1 << int(vmci["NUMBER(VA_BITS)"]))
        kreg = [r for r in info["regions"] if r["kind"] == "kernel"][0]
        assert (segs[1]["paddr"], segs[1]["filesz"]) == (kreg["paddr"], kreg["size"])
        assert segs[1]["vaddr"] == kreg["paddr"] + kvo
        ram = segs[2:]
        assert sum(s["filesz"] for s in ram) == info["ok_bytes"]
        for s in ram:
            assert s["vaddr"] == s["paddr"] - phys + page_offset
        if info["ram_base"] == 0x40000000 and vmci["NUMBER(VA_BITS)"] == "39":
            assert ram[0]["vaddr"] == 0xFFFFFF8000000000
        assert vmci["OSRELEASE"] == info["osrelease"]


def test_real_drgn(exported):
    disk, cores, sinfo = exported
    if not (have_sample() and os.path.exists(VMLINUX)):
        # synthetic: no vmlinux for it, but drgn must read both kinds of
        # segment at the right addresses
        for core, info in cores.values():
            _drgn_synthetic(core, sinfo)
        return
    for core, info in cores.values():
        r = analyze.drgn_check(core, VMLINUX)
        assert r["ok"], r["errors"]
        assert r["osrelease"] == info["osrelease"]
        assert r["panic_cpu"] == info["panic_cpu"]
        # every CPU's running task gets its own registers (pr_pid matches)
        for cpu, c in r["cpus"].items():
            assert c["stack"] and c["stack"][0] != "__switch_to", (cpu, c)


def _drgn_synthetic(core, sinfo):
    script = r'''
import sys, drgn
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
print(prog.read_u64(int(sys.argv[2])), prog.read_u32(int(sys.argv[3])))
'''
    thread_pid = sinfo["init_task"] + synth.THREAD_PID_OFF
    pid_nr = sinfo["task"] + 0x800 + synth.PID_NR_OFF
    p = subprocess.run(["/usr/bin/python3", "-c", script, core, str(thread_pid),
                        str(pid_nr)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [str(sinfo["text_va"] + synth.OFF_INIT_STRUCT_PID),
                                "42"]


def test_real_gdb(exported):
    disk, cores, _ = exported
    real = have_sample() and os.path.exists(VMLINUX)
    for core, info in cores.values():
        pr = analyze.prstatus(core)
        for cpu in range(info["ncpus"]):
            thread = analyze.gdb_thread_for_cpu(cpu)
            if real:
                text = analyze.gdb_check(core, VMLINUX, thread)
                assert analyze.gdb_banner(text).startswith("Linux version " +
                                                           info["osrelease"])
                bt = analyze.gdb_backtrace(text)
                if cpu == info["panic_cpu"]:
                    assert analyze.gdb_backtrace_has(text, "panic"), text[-3000:]
                else:
                    assert not analyze.gdb_backtrace_has(text, "panic"), bt
            # thread N shows CPU N-1's registers (with or without vmlinux)
            out = subprocess.run(
                ["gdb-multiarch", "-nx", "-batch", "-ex", "set architecture aarch64",
                 "-ex", "core-file " + core, "-ex", "thread %d" % thread,
                 "-ex", "p/x $pc", "-ex", "p/x $sp"],
                capture_output=True, text=True, timeout=600).stdout
            vals = [int(v, 16) for v in re.findall(r"^\$\d+ = (0x[0-9a-f]+)", out, re.M)]
            assert vals == [pr[cpu]["regs"][32], pr[cpu]["regs"][31]], (cpu, out)


# ---- version 3: pages a filtered dump left out ------------------------------
def test_filtered_dump_reads_left_out_pages_as_zeros(run, tmp_path):
    """A version 3 dump: pages left out (zero, free, cache or user) are not on
    disk -- junk lies there -- and every reader makes them zeros: verify
    passes, info counts them by reason, export leaves them as holes, and
    memcheck and dumpdisk agree; the pattern pages around them are intact."""
    base, chunk = 0x40000000, 64 * 1024
    first = base // 4096
    pattern = list(range(first + 16, first + 48))          # chunks 1 and 2
    skip = {first + 3: 1, first + 4: 2, first + 5: 2}      # chunk 0: a page of each kind
    skip.update({first + 64 + k: 2 for k in range(16)})    # chunk 4: left out whole
    skip[first + 20] = 3                                   # one pattern page left out (user)
    path = str(tmp_path / "v3.img")
    info = mkfakedump.make_disk(path, [dict(
        ram_size=8 * chunk, chunk_size=chunk, filter=17, skip_pfns=skip,
        pattern_pfns=pattern, vmcoreinfo=synth.vmcoreinfo_note("OSRELEASE=6.1.0-fake\n"))],
        version=3)[0]
    assert run("verify", path, 1).returncode == 0
    out = run("info", path, 1).stdout
    assert "filter     level 17: %d bytes left out (zero 4096, free %d, cache or user 4096)" % (
        len(skip) * 4096, 18 * 4096) in out, out
    j = json.loads(run("info", path, 1, "--json").stdout)
    dj = j["dumps"][0] if "dumps" in j else j
    ram = dj.get("ram", dj)
    assert ram["filter"] == 17 and ram["skipped"] == dict(zero=4096, free=18 * 4096,
                                                          cache_or_user=4096)
    d = dumpdisk.read_disk(path).dumps[0]
    assert d.filter == 17 and d.bytes_skipped == len(skip) * 4096
    assert d.bytes_written == info["ok_bytes"] - len(skip) * 4096
    assert dumpdisk.verify_chunks(path, d, memcheck=None) == []
    for pfn in skip:
        assert dumpdisk.read_phys(path, d, pfn * 4096, 4096) == bytes(4096)
    raw = read_at(path, d.chunk_file_offset(4), chunk)
    assert raw == b"\xa5" * chunk, "the fake disk holds junk where nothing was written"

    core = tmp_path / "v3.core"
    assert run("export", path, 1, "--elf", core).returncode == 0
    seg = [s for s in elf_segments(core) if s[0] == 1 and s[3] == base][0]
    _, roff, _, _, rsz = seg
    assert read_at(core, roff, rsz) == dumpdisk.read_phys(path, d, base, rsz)
    assert b"\xa5" * 64 not in read_at(core, roff, rsz)
    # the pages left out are holes: the file takes less room than its size
    assert os.stat(core).st_blocks * 512 < os.stat(core).st_size

    memcheck = os.path.join(TOP, "build", "tools", "memcheck")
    if not os.path.exists(memcheck):
        memcheck = str(tmp_path / "memcheck")
        subprocess.run(["gcc", "-O2", "-Iinclude", "-o", memcheck, "tests/tools/memcheck.c"],
                       cwd=TOP, check=True)
    p = subprocess.run([memcheck, path, "0", hex(0x0123456789ABCDEF), str(len(pattern) - 1)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "matched=%d corrupt=0 bad_chunks=0" % (len(pattern) - 1) in p.stdout
    assert "skipped_pages=%d" % len(skip) in p.stdout, p.stdout


def test_filtered_dump_with_bad_skip_bits_is_refused(run, tmp_path):
    """Left-out pages in a chunk of more than 16 pages cannot be: malformed."""
    path = str(tmp_path / "bad.img")
    mkfakedump.make_disk(path, [dict(ram_size=4 * 1024 * 1024, chunk_size=1024 * 1024,
                                     vmcoreinfo=synth.vmcoreinfo_note("OSRELEASE=x\n"))],
                         version=3)
    d = dumpdisk.read_disk(path).dumps[0]
    off = d.slot_offset + dumpdisk.OFF_CHUNKS + 16 + 12       # chunk 1's skip word
    wr(path, off, "I", 0x4)
    p = run("verify", path, 1, check=None)
    assert p.returncode != 0 and "leaves out pages" in p.stderr, p.stderr
    with pytest.raises(ValueError, match="leaves out pages"):
        dumpdisk.read_disk(path)


# ---- version 4: compressed chunks -------------------------------------------
V4_BASE, V4_CHUNK = 0x40000000, 64 * 1024


def _v4(tmp_path, name="v4.img", version=4, **kw):
    """A dump of 8 chunks of compressible RAM, LZ4 blocks where they save a
    sector: (path, its spec with mkfakedump's defaults, make_disk's info)."""
    path = str(tmp_path / name)
    spec = dict(mkfakedump.DUMP_DEFAULTS, dump_id=1, ram_size=8 * V4_CHUNK,
                chunk_size=V4_CHUNK, compress=version >= 4, text_fill=True,
                vmcoreinfo=synth.vmcoreinfo_note("OSRELEASE=6.1.0-fake\n"))
    spec.update(kw)
    return path, spec, mkfakedump.make_disk(path, [dict(spec)], version=version)[0]


def _memcheck(tmp_path, *args):
    memcheck = str(tmp_path / "memcheck")
    subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-Iinclude", "-o", memcheck,
                    "tests/tools/memcheck.c"], cwd=TOP, check=True)
    return subprocess.run([memcheck] + [str(a) for a in args], capture_output=True, text=True)


def test_compressed_dump_reads_as_its_ram(run, tmp_path):
    """Version 4: verify decodes and checks each compressed chunk, info counts
    them and the disk bytes they take, export writes the decoded RAM -- the
    fake RAM byte for byte, pages left out as zeros -- and memcheck finds the
    pattern pages (in a chunk stored as is: they do not compress)."""
    first = V4_BASE // 4096
    pattern = list(range(first + 16, first + 32))      # all of chunk 1
    skip = {first + 3: 1, first + 40: 2}               # in chunks 0 and 2, compressed
    path, spec, info = _v4(tmp_path, pattern_pfns=pattern, filter=17, skip_pfns=skip)
    assert info["zlens"][1] == 0 and all(info["zlens"][i] for i in (0, 2, 3, 4, 5, 6, 7))
    p = run("verify", path, 1, check=0)
    assert "8 chunks on disk, all checksums ok" in p.stdout and "note" not in p.stderr, p.stderr

    written = info["ok_bytes"] - info["skipped"]
    out = run("info", path, 1, check=0).stdout
    assert "compress   lz4: %d bytes stored (bytes_stored), ratio %.2f; 7 of 8 OK chunks compressed" % (
        info["bytes_stored"], written / info["bytes_stored"]) in out, out
    assert info["bytes_stored"] < written // 2
    j = json.loads(run("info", path, 1, "--json", check=0).stdout)
    assert (j["compress"], j["bytes_stored"], j["compressed_chunks"], j["bytes_written"]) == (
        "lz4", info["bytes_stored"], 7, written)

    core = tmp_path / "v4.core"
    run("export", path, 1, "--elf", core, check=0)
    _, roff, _, _, rsz = [s for s in elf_segments(core) if s[0] == 1 and s[3] == V4_BASE][0]
    assert rsz == 8 * V4_CHUNK
    assert read_at(core, roff, rsz) == mkfakedump.ram_image(spec, 4)

    p = _memcheck(tmp_path, path, 0, hex(spec["nonce"]), len(pattern))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "matched=16 corrupt=0 bad_chunks=0 missing_chunks=0" in p.stdout, p.stdout
    assert "skipped_pages=2" in p.stdout, p.stdout


def test_uncompressed_dumps_say_none(run, tmp_path):
    """A version 3 dump and a version 4 one without compression: info says
    none, bytes_stored is what was written, and verify has no note."""
    for version in (3, 4):
        path, _, info = _v4(tmp_path, name="v%d.img" % version, version=version,
                            compress=False)
        assert "compress   none\n" in run("info", path, 1, check=0).stdout
        j = json.loads(run("info", path, 1, "--json", check=0).stdout)
        assert (j["compress"], j["bytes_stored"], j["compressed_chunks"]) == (
            "none", info["ok_bytes"], 0)
        p = run("verify", path, 1, check=0)
        assert "note" not in p.stderr, (version, p.stderr)


def test_compressed_chunk_that_does_not_decode_is_bad(run, tmp_path):
    """A block one byte short of its zlen, or whose bytes decode to more or
    less than its chunk, is a bad chunk: verify and export name it and exit 1,
    export leaves it as zeros and the others intact; memcheck counts it bad.
    A flipped byte that still decodes (the block's last, a literal) is a
    checksum mismatch."""
    _, spec, info = _v4(tmp_path)
    cut, _, _ = _v4(tmp_path, name="cut.img", zlens={2: info["zlens"][2] - 1})
    p = run("verify", cut, 1, check=1)
    assert "verify: chunk 2 (paddr 0x40020000): its compressed block (%d bytes) does not decode" % (
        info["zlens"][2] - 1) in p.stderr, p.stderr
    assert "1 of 8 chunks on disk have a bad checksum" in p.stdout

    core = tmp_path / "cut.core"
    p = run("export", cut, 1, "--elf", core, check=1)
    assert "chunk 2 (paddr 0x40020000): its compressed block" in p.stderr, p.stderr
    _, roff, _, _, rsz = [s for s in elf_segments(core) if s[0] == 1 and s[3] == V4_BASE][0]
    ram = mkfakedump.ram_image(spec, 4)
    got = read_at(core, roff, rsz)
    assert got[2 * V4_CHUNK:3 * V4_CHUNK] == bytes(V4_CHUNK)
    assert got[:2 * V4_CHUNK] == ram[:2 * V4_CHUNK] and got[3 * V4_CHUNK:] == ram[3 * V4_CHUNK:]

    p = _memcheck(tmp_path, "--verify", cut, 0)
    assert p.returncode == 1 and "bad 2\n" in p.stdout, p.stdout + p.stderr

    flipped, _, _ = _v4(tmp_path, name="flip.img", zflip=[(5, info["zlens"][5] - 1)])
    p = run("verify", flipped, 1, check=1)
    assert [m.groups() for m in CHUNK_RE.finditer(p.stderr)] == [("5", "0x40050000")], p.stderr
    p = _memcheck(tmp_path, "--verify", flipped, 0)
    assert p.returncode == 1 and "bad 5\n" in p.stdout, p.stdout + p.stderr


def _v4_damage_cases():
    chunk = lambda i: 0x100000 + dumpdisk.OFF_CHUNKS + 16 * i   # noqa: E731
    base = 0x100000

    def zlen(i, v):
        return lambda p: wr(p, chunk(i) + 10, "H", v)

    def hdr(**kw):
        return lambda p: set_dump(p, base, **kw)

    return [
        ("zlen in version 3", dict(version=3), zlen(1, 100), "unknown state 0x640001"),
        ("zlen of a missing chunk", dict(chunk_states={3: 0}), zlen(3, 100), "has a zlen"),
        ("zlen of an excluded chunk", dict(chunk_states={3: 4}), zlen(3, 100), "has a zlen"),
        ("zlen not compressed", dict(compress=False), zlen(1, 100), "compression is none"),
        ("zlen too long", dict(), zlen(2, 65025), "zlen 65025"),
        ("zlen of a short chunk", dict(ram_size=8 * V4_CHUNK - 61440), zlen(7, 4096),
         "zlen 4096"),
        ("compress unknown", dict(), hdr(compress=2), "unknown compression 2"),
        ("compress in version 3", dict(version=3), hdr(compress=1),
         "compress 1 in a version 3 dump"),
        ("compress with big chunks", dict(compress=False, chunk_size=1 << 20,
                                          ram_size=4 << 20), hdr(compress=1),
         "at most 65536 bytes"),
    ]


@pytest.mark.parametrize("name,kw,damage,words", _v4_damage_cases(),
                         ids=[c[0] for c in _v4_damage_cases()])
def test_malformed_compression(run, tmp_path, name, kw, damage, words):
    """The version 4 fields out of the format's rules: malformed (exit 2)."""
    path, _, _ = _v4(tmp_path, **kw)
    damage(path)
    for args in (("info", path, 1), ("verify", path, 1),
                 ("export", path, 1, "--elf", tmp_path / "out.core")):
        p = run(*args)
        assert p.returncode == 2 and words in p.stderr, (name, args, p.stderr)
    p = _memcheck(tmp_path, "--verify", path, 0)
    assert p.returncode == 2, (name, p.stdout, p.stderr)
