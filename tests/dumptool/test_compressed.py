# SPDX-License-Identifier: BSD-3-Clause
"""tsubaki-dump on version 4 dumps with LZ4-compressed chunks, against the
independent Python reader (tests/system/dumpdisk.py) and the fake's own
RAM (tests/tools/mkfakedump.py ram_image()): a disk of several dumps, some
hundreds of compressed chunks among chunks stored as they are, exported byte
for byte; and broken blocks and chunk tables, read by a sanitizer build of
the tool, which must agree with dumpdisk on every chunk and never crash.

    /usr/bin/python3 -m pytest -q tests/dumptool/test_compressed.py

The tool is built from the sources as tests/dumptool/test_dumptool.py builds
it ($TSUBAKI_DUMP: a given binary; the sanitizer build is then skipped).
"""
import json
import os
import random
import re
import struct
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "tools"))
sys.path.insert(0, os.path.join(TOP, "tests", "system"))

import dumpdisk  # noqa: E402
import mkfakedump  # noqa: E402
import synth  # noqa: E402
import test_dumptool as td  # noqa: E402

BASE, CHUNK = 0x40000000, 64 * 1024
PFN0 = BASE // 4096
SAN_FLAGS = ["-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
BAD_RE = re.compile(r"verify: chunk (\d+) \(paddr (0x[0-9a-f]+)\): (checksum mismatch|"
                    r"its compressed block \((\d+) bytes\) does not decode)")


@pytest.fixture(scope="module")
def zrun(tmp_path_factory):
    """The tool (as test_dumptool builds it)."""
    if os.environ.get("TSUBAKI_DUMP"):
        return td.Run(os.environ["TSUBAKI_DUMP"])
    out = str(tmp_path_factory.mktemp("zbin") / "tsubaki-dump")
    p = td.build("gcc", out)
    assert p.returncode == 0, p.stderr
    return td.Run(out)


@pytest.fixture(scope="module")
def zsan(tmp_path_factory):
    """The tool built with ASan and UBSan (aborting on the first report)."""
    if os.environ.get("TSUBAKI_DUMP"):
        pytest.skip("$TSUBAKI_DUMP given: no sanitizer build of the sources")
    out = str(tmp_path_factory.mktemp("zsan") / "tsubaki-dump-san")
    srcs = sorted(os.path.relpath(os.path.join(TOP, "tools", "dump", f), TOP)
                  for f in os.listdir(os.path.join(TOP, "tools", "dump")) if f.endswith(".c"))
    p = subprocess.run(["gcc"] + td.CFLAGS + SAN_FLAGS + ["-o", out] + srcs, cwd=TOP,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return td.Run(out)


def ram_segments(core):
    """{paddr: (file offset, size)} of a vmcore's PT_LOAD segments."""
    return {pa: (off, sz) for t, off, _, pa, sz in td.elf_segments(core) if t == 1}


def bad_chunks(stderr):
    """{chunk: why} that verify or export named on stderr."""
    return {int(m.group(1)): "checksum" if m.group(3) == "checksum mismatch" else "decode"
            for m in BAD_RE.finditer(stderr)}


# ---- good dumps: byte for byte ----------------------------------------------
def test_disk_of_compressed_and_plain_dumps(zrun, tmp_path):
    """Three dumps on one disk: 320 compressed chunks of text with pattern,
    zero and left-out pages among them (some chunks stored as they are); a
    partial compressed one; a version 4 one without compression. verify
    passes, info's numbers are dumpdisk's, export is the fake's RAM."""
    nchunks = 320
    big = dict(ram_size=nchunks * CHUNK, chunk_size=CHUNK, text_fill=True, compress=True,
               seed=21, dump_id=1, filter=17,
               pattern_pfns=list(range(PFN0 + 16 * 10, PFN0 + 16 * 11)) +      # as is
               [PFN0 + 16 * 40 + k for k in (0, 7, 15)],                       # compressed
               pages={PFN0 + 16 * 77 + k: bytes(4096) for k in range(16)},
               skip_pfns={PFN0 + 16 * 5 + 2: 1, PFN0 + 16 * 10 + 4: 2,
                          **{PFN0 + 16 * 99 + k: 2 for k in range(16)}},      # all of 99
               vmcoreinfo=synth.vmcoreinfo_note("OSRELEASE=6.1.0-z\n"))
    partial = dict(ram_size=40 * CHUNK, chunk_size=CHUNK, text_fill=True, compress=True,
                   seed=22, dump_id=2, state=3,
                   chunk_states={3: 0, 4: 0, 17: 2, 39: 0}, fill_missing=False)
    plain = dict(ram_size=16 * CHUNK, chunk_size=CHUNK, text_fill=True, seed=23, dump_id=3)
    path = str(tmp_path / "disk.img")
    infos = mkfakedump.make_disk(path, [big, partial, plain], version=4)
    disk = dumpdisk.read_disk(path)
    assert infos[0]["compressed"] >= nchunks - 3 and infos[0]["zlens"][10] == 0
    assert infos[0]["zlens"][99] == 0       # nothing of it on disk: nothing to compress
    assert infos[1]["compressed"] == 36 and infos[2]["compressed"] == 0

    lines = zrun("list", path, check=0).stdout.splitlines()
    assert [ln.split()[:3] for ln in lines[1:]] == [["0", "1", "complete"], ["1", "2", "partial"],
                                                    ["2", "3", "complete"]]
    for spec, info, d in zip((big, partial, plain), infos, disk.dumps):
        dump_id = spec["dump_id"]
        p = zrun("verify", path, dump_id, check=0)
        assert "all checksums ok" in p.stdout and "note" not in p.stderr, p.stdout + p.stderr
        assert dumpdisk.verify_chunks(path, d, memcheck=None) == []

        j = json.loads(zrun("info", path, dump_id, "--json", check=0).stdout)
        assert (j["compress"], j["compressed_chunks"]) == (
            "lz4" if spec.get("compress") else "none", info["compressed"])
        assert j["bytes_stored"] == d.bytes_stored == d.stored_bytes == info["bytes_stored"]
        assert j["bytes_written"] == d.bytes_written and j["ok_bytes"] == d.ok_bytes

        core = tmp_path / ("d%d.core" % dump_id)
        zrun("export", path, dump_id, "--elf", core, check=0)
        ram = mkfakedump.ram_image(spec, 4)
        segs = ram_segments(core)
        ok = [i for i, st in enumerate(info["chunk_states"]) if st == 1]
        assert sum(sz for _, sz in segs.values()) == len(ok) * CHUNK
        for pa, (off, sz) in segs.items():
            got = td.read_at(core, off, sz)
            assert got == ram[pa - BASE:pa - BASE + sz], (dump_id, hex(pa))
            assert got == dumpdisk.read_phys(path, d, pa, sz)
    # the compressed dumps take a fraction of the disk their RAM would
    assert infos[0]["bytes_stored"] < infos[0]["ok_bytes"] // 3


# ---- broken blocks: the tool and dumpdisk agree, and nothing crashes --------
def _block_damage(rnd, buf, d):
    """Break 1-3 compressed chunks of the disk image @buf (bytearray) in
    place; return what was done."""
    done = []
    chunks = [i for i, z in enumerate(d.zlens) if z]
    for i in rnd.sample(chunks, rnd.randint(1, 3)):
        z, at = d.zlens[i], d.chunk_file_offset(i)
        how = rnd.randrange(5)
        if how == 0:                    # a bit in the block
            k = rnd.randrange(z)
            buf[at + k] ^= 1 << rnd.randrange(8)
        elif how == 1:                  # a byte, with values lengths and offsets like
            k = rnd.randrange(z)
            buf[at + k] = rnd.choice((0, 1, 0x0F, 0xF0, 0xFF))
        elif how == 2:                  # the block's first bytes
            for k in range(min(z, rnd.randint(1, 8))):
                buf[at + k] = rnd.randrange(256)
        elif how == 3:                  # zlen, within what the format allows
            z2 = max(1, min(dumpdisk.ZLEN_MAX, z + rnd.choice((-1, 1, -100, 7, -z + 1, 500))))
            struct.pack_into("<H", buf, d.slot_offset + dumpdisk.OFF_CHUNKS + 16 * i + 10, z2)
        else:                           # the checksum: a good block, bad data
            struct.pack_into("<Q", buf, d.slot_offset + dumpdisk.OFF_CHUNKS + 16 * i,
                             rnd.getrandbits(64))
        done.append((i, how))
    return done


def test_broken_blocks_agree_with_dumpdisk(zsan, tmp_path):
    """Blocks broken on disk (bits, bytes, their starts, their zlen, their
    checksum), 60 rounds: the sanitizer build never crashes nor reports;
    verify names exactly the chunks dumpdisk finds bad (a block that does
    not decode, or data that does not match), and export writes what
    dumpdisk reads, the chunks that do not decode as zeros."""
    rnd = random.Random(404)
    spec = dict(ram_size=24 * CHUNK, chunk_size=CHUNK, text_fill=True, compress=True, seed=5,
                filter=1, skip_pfns={PFN0 + 16 * 3 + 5: 1},
                pattern_pfns=range(PFN0 + 16 * 20, PFN0 + 16 * 21),
                vmcoreinfo=synth.vmcoreinfo_note("OSRELEASE=6.1.0-z\n"))
    src = str(tmp_path / "src.img")
    mkfakedump.make_disk(src, [spec], version=4)
    d0 = dumpdisk.read_disk(src).dumps[0]
    assert sum(1 for z in d0.zlens if z) == 23
    orig = open(src, "rb").read()
    path, core = str(tmp_path / "m.img"), tmp_path / "m.core"
    kinds = {"checksum": 0, "decode": 0}
    for rounds in range(60):
        buf = bytearray(orig)
        done = _block_damage(rnd, buf, d0)
        with open(path, "wb") as f:
            f.write(buf)
        d = dumpdisk.read_disk(path).dumps[0]
        py = dumpdisk.verify_chunks(path, d, memcheck=None)
        p = zsan("verify", path, 1)
        assert p.returncode in (0, 1), (done, p.stderr)
        assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr
        named = bad_chunks(p.stderr)
        assert sorted(named) == py, (done, p.stderr)
        assert p.returncode == (1 if py else 0)
        if py:
            assert "%d of 24 chunks on disk have a bad checksum" % len(py) in p.stdout, p.stdout
        for i, why in named.items():
            kinds[why] += 1
            try:
                dumpdisk.read_chunk(path, d, i)
                assert why == "checksum", (i, done)
            except dumpdisk.Lz4Error as e:
                assert why == "decode" and "chunk %d (paddr 0x%x)" % (i, d.chunk_paddr(i)) in str(e)

        p = zsan("export", path, 1, "--elf", core, "--force")
        assert p.returncode == (1 if py else 0), (done, p.stderr)
        assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr
        (off, sz), = ram_segments(core).values()
        got = td.read_at(core, off, sz)
        for i in range(24):
            want = bytes(CHUNK) if named.get(i) == "decode" else \
                dumpdisk.read_chunk(path, d, i)
            assert got[i * CHUNK:(i + 1) * CHUNK] == want, (i, done)
    assert kinds["checksum"] > 5 and kinds["decode"] > 20, kinds


def test_chunk_table_damage_agrees_with_dumpdisk(zsan, tmp_path):
    """Bits flipped in a compressed dump's chunk table and header (the
    checksum fixed or not), 150 rounds: whatever dumpdisk refuses the tool
    refuses (exit 2, a message); a zlen or state the tool refuses dumpdisk
    refuses too; when both take it they find the same bad chunks."""
    rnd = random.Random(405)
    spec = dict(ram_size=6 * CHUNK + 8192, chunk_size=CHUNK, text_fill=True, compress=True,
                seed=6, chunk_states={2: 0}, state=3,
                vmcoreinfo=synth.vmcoreinfo_note("OSRELEASE=6.1.0-z\n"))
    src = str(tmp_path / "src.img")
    info = mkfakedump.make_disk(src, [spec], version=4)[0]
    assert info["compressed"] == 6
    orig = open(src, "rb").read()
    base = info["offset"]
    table = [base + dumpdisk.OFF_CHUNKS + 16 * i + k for i in range(7) for k in range(8, 12)]
    header = [base + k for k in range(152, 184)]        # cause .. bytes_stored
    path = str(tmp_path / "m.img")
    refused = agreed = 0
    for rounds in range(150):
        buf = bytearray(orig)
        hot = rnd.choice((table, table, header))
        for _ in range(rnd.randint(1, 2)):
            buf[rnd.choice(hot)] ^= 1 << rnd.randrange(8)
        if hot is header or rnd.random() < 0.8:
            buf[base + 144:base + 152] = bytes(8)
            buf[base + 144:base + 152] = struct.pack(
                "<Q", mkfakedump.tsb_sum64(bytes(buf[base:base + 184])))
        with open(path, "wb") as f:
            f.write(buf)
        try:
            d = dumpdisk.read_disk(path).dumps[0]
        except ValueError as e:
            d, py_err = None, str(e)
        p = zsan("verify", path, 1)
        assert p.returncode in (0, 1, 2), p.stderr
        assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr
        if d is None:
            refused += 1
            assert p.returncode == 2 and p.stderr.startswith("tsubaki-dump: "), (py_err, p.stderr)
            continue
        if p.returncode == 2:
            # the tool is stricter (bytes_written, bytes_stored...): never on zlen or state
            assert hot is header and not re.search(r"zlen|state|compress", p.stderr), p.stderr
            continue
        agreed += 1
        assert sorted(bad_chunks(p.stderr)) == dumpdisk.verify_chunks(path, d, memcheck=None)
    assert refused > 30 and agreed > 30, (refused, agreed)
