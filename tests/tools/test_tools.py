# SPDX-License-Identifier: BSD-3-Clause
"""Host self-tests of the dump test tooling: tests/tools/memcheck.c,
tests/tools/pattern.h, tests/system/dumpdisk.py, userland/memfill.c, using
synthetic disks from tests/tools/mkfakedump.py.

    /usr/bin/python3 -m pytest -q tests/tools        (or: python3 tests/tools/test_tools.py)

Needs gcc. The memfill end-to-end test needs root (to see PFNs) and is
skipped otherwise.
"""
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "system"))

import dumpdisk        # noqa: E402
import mkfakedump      # noqa: E402

TSUBAKI_DUMP = os.path.join(os.environ.get("TSUBAKI_BUILD", os.path.join(TOP, "build")),
                            "tools", "tsubaki-dump")
CFLAGS = ["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror"]
NONCE = 0x0123456789ABCDEF
BASE_PFN = 0x40000000 >> 12

# Prints the C view of the format and of the two hash functions:
#   ref layout | ref sum SEED FILE | ref pattern NONCE PFN I...
REF_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include "tsubaki/dump_format.h"
#include "pattern.h"

int main(int argc, char **argv)
{
	if (argc == 2) {
		printf("%zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu\n",
		       sizeof(struct tsb_disk_header), offsetof(struct tsb_disk_header, checksum),
		       offsetof(struct tsb_disk_header, slot), sizeof(struct tsb_disk_slot),
		       sizeof(struct tsb_dump_header), offsetof(struct tsb_dump_header, checksum),
		       offsetof(struct tsb_dump_header, ncpus), offsetof(struct tsb_dump_header, boot_count),
		       sizeof(struct tsb_cpu_record), offsetof(struct tsb_cpu_record, pc),
		       sizeof(struct tsb_region), (size_t)TSB_MAX_CHUNKS);
		return 0;
	}
	if (argv[1][0] == 's') {
		FILE *f = fopen(argv[3], "rb");
		static unsigned char buf[1 << 20];
		size_t n = fread(buf, 1, sizeof(buf), f);

		printf("%016llx\n", (unsigned long long)tsb_sum64(strtoull(argv[2], NULL, 0), buf, n));
		return 0;
	}
	for (int i = 4; i < argc; i++)
		printf("%016llx\n", (unsigned long long)tsb_pattern(strtoull(argv[2], NULL, 0),
				strtoull(argv[3], NULL, 0), strtoull(argv[i], NULL, 0)));
	return 0;
}
"""

TMP = None
MEMCHECK = None         # the build/tools/memcheck command line
MEMCHECK_SAN = None     # ASan/UBSan build, reading 8 KiB at a time
REF = None


def setUpModule():
    global TMP, MEMCHECK, MEMCHECK_SAN, REF
    TMP = tempfile.mkdtemp(prefix="tsb-tools-")
    src = os.path.join(HERE, "memcheck.c")
    inc = "-I" + os.path.join(TOP, "include")
    MEMCHECK = os.path.join(TMP, "memcheck")
    subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", inc, "-o", MEMCHECK, src],
                   check=True)
    MEMCHECK_SAN = os.path.join(TMP, "memcheck-san")
    subprocess.run(["gcc", "-g", "-O1", "-Wall", "-Wextra", "-Werror", inc,
                    "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                    "-DMEMCHECK_BUF=8192", "-o", MEMCHECK_SAN, src], check=True)
    with open(os.path.join(TMP, "ref.c"), "w") as f:
        f.write(REF_C)
    REF = os.path.join(TMP, "ref")
    subprocess.run(["gcc"] + CFLAGS + [inc, "-I" + HERE, "-o", REF,
                                       os.path.join(TMP, "ref.c")], check=True)


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


def memcheck(*args, exe=None):
    p = subprocess.run([exe or MEMCHECK] + [str(a) for a in args],
                       capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def counts(out):
    m = re.fullmatch(r"memcheck: matched=(\d+) corrupt=(\d+) bad_chunks=(\d+) "
                     r"missing_chunks=(\d+) expected=(\d+) skipped_pages=(\d+)\n", out)
    assert m, "unexpected output %r" % out
    return dict(zip(("matched", "corrupt", "bad", "missing", "expected", "skipped"),
                    map(int, m.groups())))


def patch(path, off, fmt, *vals):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(struct.pack(fmt, *vals))


def refix_checksums(path):
    """Recompute the disk header's and every slot's dump header checksum
    (after a deliberate edit), trusting whatever the slot table says."""
    with open(path, "r+b") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(0)
        hdr = bytearray(f.read(568))
        if struct.unpack_from("<I", hdr, 8)[0] == 1:
            hdr = hdr[:552]
        hdr[32:40] = bytes(8)
        hdr[32:40] = struct.pack("<Q", mkfakedump.tsb_sum64(bytes(hdr)))
        f.seek(0)
        f.write(hdr)
        nslots = min(struct.unpack_from("<I", hdr, 12)[0], 16)
        for i in range(nslots):
            off, = struct.unpack_from("<Q", hdr, 40 + 32 * i)
            if off < 4096 or off + 184 > size:
                continue
            f.seek(off)
            dh = bytearray(f.read(184))
            if struct.unpack_from("<I", dh, 8)[0] == 1:
                dh = dh[:152]
            dh[144:152] = bytes(8)
            dh[144:152] = struct.pack("<Q", mkfakedump.tsb_sum64(bytes(dh)))
            f.seek(off)
            f.write(dh)


class Case(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=TMP)
        self.img = os.path.join(self.dir, "disk.img")

    def make(self, *dumps, **kw):
        return mkfakedump.make_disk(self.img, list(dumps) or [{}], **kw)

    def check(self, idx, nonce, expected, exe=None):
        rc, out, err = memcheck(self.img, idx, "0x%x" % nonce, expected, exe=exe)
        self.assertIn(rc, (0, 1), err)
        c = counts(out)
        self.assertEqual(rc, 0 if (c["matched"] == expected and not c["corrupt"]
                                   and not c["bad"]) else 1)
        return rc, c

    def assert_malformed(self, msg_re, idx=0):
        for exe in (MEMCHECK, MEMCHECK_SAN):
            rc, out, err = memcheck(self.img, idx, NONCE, 1, exe=exe)
            self.assertEqual(rc, 2, (out, err))
            self.assertRegex(err, msg_re)
            self.assertEqual(out, "")
        rc, out, err = memcheck("--verify", self.img, idx)
        self.assertEqual(rc, 2, (out, err))


class TestHashes(Case):
    """The Python implementations agree with the C header ones."""

    def test_layout(self):
        got = subprocess.run([REF, "layout"], capture_output=True, text=True,
                             check=True).stdout.split()
        self.assertEqual([int(x) for x in got], [
            dumpdisk.DISK_HEADER.size, dumpdisk.DISK_CHECKSUM_OFF, 40,
            dumpdisk.SLOT.size, dumpdisk.DUMP_HEADER.size,
            dumpdisk.DUMP_CHECKSUM_OFF, 120, 136, dumpdisk.CPU_RECORD.size,
            8 + 8 + 31 * 8 + 16, dumpdisk.REGION.size, dumpdisk.MAX_CHUNKS])

    def test_sum64(self):
        rnd = random.Random(7)
        path = os.path.join(self.dir, "buf")
        for n in (0, 8, 16, 4096, 8 * 1001, 65536):
            data = rnd.randbytes(n)
            for seed in (0, 1, 0xFFFFFFFFFFFFFFFF, rnd.getrandbits(64)):
                with open(path, "wb") as f:
                    f.write(data)
                c = subprocess.run([REF, "sum", str(seed), path], capture_output=True,
                                   text=True, check=True).stdout.strip()
                self.assertEqual(int(c, 16), dumpdisk.tsb_sum64(data, seed), (n, seed))
                self.assertEqual(int(c, 16), mkfakedump.tsb_sum64(data, seed), (n, seed))
        with self.assertRaises(ValueError):
            dumpdisk.tsb_sum64(b"1234")

    def test_pattern(self):
        rnd = random.Random(8)
        for nonce, pfn in [(0, 0), (NONCE, BASE_PFN), (2**64 - 1, 2**55 - 1)] + \
                [(rnd.getrandbits(64), rnd.getrandbits(40)) for _ in range(8)]:
            idx = [0, 1, 2, 255, 511] + [rnd.randrange(512) for _ in range(3)]
            out = subprocess.run([REF, "pattern", str(nonce), str(pfn)] + [str(i) for i in idx],
                                 capture_output=True, text=True, check=True).stdout.split()
            self.assertEqual([int(x, 16) for x in out],
                             [mkfakedump.tsb_pattern(nonce, pfn, i) for i in idx])


class TestMemcheck(Case):
    def test_clean(self):
        pfns = list(range(BASE_PFN + 3, BASE_PFN + 40)) + [BASE_PFN + 127]
        self.make(dict(pattern_pfns=pfns))
        for exe in (MEMCHECK, MEMCHECK_SAN):
            rc, c = self.check(0, NONCE, len(pfns), exe=exe)
            self.assertEqual((rc, c["matched"], c["corrupt"], c["bad"], c["missing"]),
                             (0, len(pfns), 0, 0, 0))
        self.assertEqual(self.check(0, NONCE, len(pfns) + 1)[0], 1)   # fewer than expected
        rc, c = self.check(0, NONCE ^ 1, len(pfns))                     # another nonce
        self.assertEqual((rc, c["matched"]), (1, 0))
        rc, out, _ = memcheck("--verify", self.img, 0)
        self.assertEqual((rc, out), (0, "memcheck: ok_chunks=8 bad_chunks=0 missing_chunks=0\n"))

    def test_flipped_byte(self):
        pfns = range(BASE_PFN, BASE_PFN + 128)
        self.make(dict(pattern_pfns=pfns, flip=[(5, 4095)]))
        for exe in (MEMCHECK, MEMCHECK_SAN):
            rc, c = self.check(0, NONCE, 128, exe=exe)
            # the flip hit the last word of a pattern page: corrupt as well
            self.assertEqual((rc, c["bad"], c["corrupt"], c["matched"]), (1, 1, 1, 127))
        rc, out, _ = memcheck("--verify", self.img, 0)
        self.assertEqual((rc, out.splitlines()[0]), (1, "bad 5"))

    def test_flipped_byte_outside_pattern(self):
        self.make(dict(pattern_pfns=[BASE_PFN], flip=[(2, 12345)]))
        rc, c = self.check(0, NONCE, 1)
        self.assertEqual((rc, c["bad"], c["corrupt"], c["matched"]), (1, 1, 0, 1))

    def test_corrupt_page(self):
        pfns = range(BASE_PFN + 16, BASE_PFN + 32)
        self.make(dict(pattern_pfns=pfns, corrupt_pfns=[BASE_PFN + 20]))
        rc, c = self.check(0, NONCE, 16)
        self.assertEqual((rc, c["bad"], c["corrupt"], c["matched"]), (1, 0, 1, 15))
        self.assertEqual(self.check(0, NONCE, 15)[0], 1)    # corrupt alone fails

    def test_misplaced_page(self):
        """A pattern page stored at the wrong frame does not match."""
        page = mkfakedump.pattern_page(NONCE, BASE_PFN + 1)
        self.make(dict(pages={BASE_PFN + 2: page}))
        rc, c = self.check(0, NONCE, 1)
        self.assertEqual((rc, c["matched"], c["corrupt"]), (1, 0, 0))

    def test_missing_chunks_skipped(self):
        """Pattern data in non-OK chunks is not counted, whatever is there."""
        pfns = range(BASE_PFN, BASE_PFN + 128)      # 16 pages per chunk
        self.make(dict(pattern_pfns=pfns, chunk_states={1: 0, 2: 2, 7: 3}, state=3))
        rc, c = self.check(0, NONCE, 128 - 48)
        self.assertEqual((rc, c["matched"], c["missing"], c["bad"]), (0, 80, 3, 0))
        rc, out, _ = memcheck("--verify", self.img, 0)
        self.assertEqual(out, "memcheck: ok_chunks=5 bad_chunks=0 missing_chunks=3\n")

    def test_big_chunks_short_last(self):
        """Chunks bigger than the read buffer, and a short last chunk."""
        csz = 3 << 20
        size = 2 * csz + (5 << 12)
        pfns = [BASE_PFN, BASE_PFN + 767, BASE_PFN + 768, BASE_PFN + 1535,
                BASE_PFN + 1536, BASE_PFN + 1540]
        self.make(dict(ram_size=size, chunk_size=csz, pattern_pfns=pfns, zero_fill=True,
                       flip=[(2, 5 * 4096 - 1)]))
        for exe in (MEMCHECK, MEMCHECK_SAN):
            rc, c = self.check(0, NONCE, 6, exe=exe)
            self.assertEqual((c["matched"], c["corrupt"], c["bad"]), (5, 1, 1))
        d = dumpdisk.read_disk(self.img).dumps[0]
        self.assertEqual(d.nchunks, 3)
        self.assertEqual(d.chunk_len(2), 5 << 12)
        self.assertEqual(dumpdisk.verify_chunks(self.img, d, memcheck=None), [2])
        self.assertEqual(dumpdisk.verify_chunks(self.img, d, memcheck=MEMCHECK), [2])

    def test_multiple_slots(self):
        a = range(BASE_PFN, BASE_PFN + 10)
        b = range(BASE_PFN + 50, BASE_PFN + 70)
        info = self.make(dict(pattern_pfns=a), dict(pattern_pfns=b, nonce=42, flip=[(0, 0)]),
                         empty_slots=(1,), nslots=5)
        self.assertEqual([i["slot"] for i in info], [0, 2])
        self.assertEqual(self.check(0, NONCE, 10)[0], 0)
        rc, c = self.check(2, 42, 20)
        self.assertEqual((rc, c["matched"], c["bad"]), (1, 20, 1))
        disk = dumpdisk.read_disk(self.img)
        self.assertEqual([d.slot for d in disk.dumps], [0, 2])
        self.assertEqual(dumpdisk.verify_chunks(self.img, disk.dumps[1], memcheck=None), [0])
        self.assertEqual(dumpdisk.verify_chunks(self.img, disk.dumps[0], memcheck=MEMCHECK), [])
        self.img_slot_errors()

    def img_slot_errors(self):
        for idx, msg in ((1, "slot 1 is empty"), (5, "out of range"), (99, "out of range")):
            rc, out, err = memcheck(self.img, idx, NONCE, 1)
            self.assertEqual(rc, 2)
            self.assertIn(msg, err)

    def test_usage(self):
        self.make()
        for args in ((), (self.img,), (self.img, 0, NONCE), ("--verify", self.img),
                     (self.img, "x", NONCE, 1), (self.img, 0, "zz", 1), (self.img, 0, NONCE, -1)):
            self.assertEqual(memcheck(*args)[0], 2, args)
        self.assertEqual(memcheck("/nonexistent", 0, 1, 1)[0], 2)


class TestMalformed(Case):
    def setUp(self):
        super().setUp()
        self.info = self.make(dict(pattern_pfns=[BASE_PFN]))[0]
        self.dump = self.info["offset"]

    def test_truncated(self):
        size = os.path.getsize(self.img)
        for cut in (size - 1, self.info["data_file_offset"] + 1000, self.dump + 100, 2000, 0):
            os.truncate(self.img, cut)
            self.assert_malformed("truncated")
            self.assertRaisesRegex(ValueError, "truncated", dumpdisk.read_disk, self.img)

    def test_truncated_chunk(self):
        """disk_size within the file but an OK chunk beyond the slot."""
        patch(self.img, 40 + 8, "<Q", 1 << 20)          # slot 0 size: metadata only
        refix_checksums(self.img)
        self.assert_malformed("beyond the slot")
        self.assertRaisesRegex(ValueError, "beyond the slot", dumpdisk.read_disk, self.img)

    def test_bad_magic(self):
        patch(self.img, 0, "<B", 0x55)
        self.assert_malformed("bad disk magic")
        self.assertRaisesRegex(ValueError, "bad disk magic", dumpdisk.read_disk, self.img)

    def test_bad_dump_magic(self):
        patch(self.img, self.dump, "<B", 0x55)
        refix_checksums(self.img)
        self.assert_malformed("bad dump magic")
        self.assertRaisesRegex(ValueError, "bad dump magic", dumpdisk.read_disk, self.img)

    def test_bad_version(self):
        patch(self.img, 8, "<I", 4)
        refix_checksums(self.img)
        self.assert_malformed("version 4")
        self.assertRaisesRegex(ValueError, "version 4", dumpdisk.read_disk, self.img)

    def test_bad_checksums(self):
        patch(self.img, 16, "<Q", 1 << 40)              # disk_size, checksum not fixed
        self.assert_malformed("disk header checksum")
        self.assertRaisesRegex(ValueError, "disk header checksum", dumpdisk.read_disk, self.img)
        patch(self.img, 16, "<Q", os.path.getsize(self.img))
        refix_checksums(self.img)
        patch(self.img, self.dump + 96, "<Q", 3)        # nchunks
        self.assert_malformed("dump header checksum")
        self.assertRaisesRegex(ValueError, "dump header checksum", dumpdisk.read_disk, self.img)

    def test_out_of_range(self):
        d = self.dump
        cases = [
            (12, "<I", 17, "nslots"),
            (16, "<Q", 1 << 50, "truncated"),                     # disk_size
            (40, "<Q", 0x1000, "multiple of 1 MiB"),              # slot offset
            (48, "<Q", 1 << 40, "does not fit"),                  # slot size
            (56, "<Q", 77, "dump_id"),
            (d + 12, "<I", 9, "state"),
            (d + 88, "<Q", 1000, "chunk_size"),
            (d + 88, "<Q", 0, "chunk_size"),
            (d + 96, "<Q", 1 << 40, "nchunks"),
            (d + 96, "<Q", 7, "nchunks"),
            (d + 104, "<Q", 0x5000, "data_offset"),
            (d + 104, "<Q", 1 << 60, "data_offset"),
            (d + 64, "<Q", 0x123, "RAM range"),
            (d + 72, "<Q", 2**64 - 4096, "RAM range"),
            (d + 80, "<Q", 1 << 30, "window"),
            (d + 120, "<I", 9, "ncpus"),
            (d + 128, "<I", 0x2001, "vmcoreinfo_size"),
            (d + 132, "<I", 65, "nregions"),
            (d + 0x6000 + 8, "<I", 5, "unknown state"),
        ]
        orig = open(self.img, "rb").read()
        for off, fmt, val, msg in cases:
            with self.subTest(off=off, msg=msg):
                with open(self.img, "wb") as f:
                    f.write(orig)
                patch(self.img, off, fmt, val)
                refix_checksums(self.img)
                self.assert_malformed(msg)
                self.assertRaisesRegex(ValueError, msg, dumpdisk.read_disk, self.img)

    def test_python_only_checks(self):
        """Region and slot-table consistency (memcheck does not read those)."""
        d = self.dump
        for off, fmt, val, msg in ((d + 0x5000 + 24, "<I", 7, "unknown kind"),
                                   (d + 0x5020, "<Q", 0x1000, "outside RAM"),
                                   (d + 0x5020 + 16, "<Q", 1, "first_chunk")):
            with self.subTest(msg=msg):
                self.info = self.make(dict(pattern_pfns=[BASE_PFN]))[0]
                patch(self.img, off, fmt, val)
                self.assertRaisesRegex(ValueError, msg, dumpdisk.read_disk, self.img)
        self.make({}, {}, {})
        patch(self.img, 40 + 32, "<Q", 1 << 20)           # slot 1 onto slot 0
        refix_checksums(self.img)
        self.assertRaisesRegex(ValueError, "overlaps", dumpdisk.read_disk, self.img)

    def test_fuzz(self):
        """Random field values (with fixed-up header checksums): memcheck
        exits 0/1/2 without sanitizer reports and agrees with dumpdisk."""
        rnd = random.Random(1234)
        self.make(dict(pattern_pfns=range(BASE_PFN, BASE_PFN + 20)),
                  dict(pattern_pfns=range(BASE_PFN + 5, BASE_PFN + 9), ram_size=3 << 16))
        orig = open(self.img, "rb").read()
        disk = dumpdisk.read_disk(self.img)
        fields = [(12, 4), (16, 8)]
        for s in range(2):
            fields += [(40 + 32 * s + k, w) for k, w in ((0, 8), (8, 8), (16, 8), (24, 4))]
        for dmp in disk.dumps:
            o = dmp.slot_offset
            fields += [(o + k, 8) for k in range(16, 112, 8)] + \
                      [(o + k, 4) for k in (12, 120, 124, 128, 132)] + \
                      [(o + 0x6000 + 16 * i + k, w) for i in range(dmp.nchunks)
                       for k, w in ((0, 8), (8, 4))] + \
                      [(o + 0x5000 + k, 8) for k in (0, 8, 16, 32, 40, 48)]
        outcomes = {}
        for it in range(150):
            with open(self.img, "wb") as f:
                f.write(orig)
            for _ in range(rnd.choice((1, 1, 2))):
                off, w = rnd.choice(fields)
                old = int.from_bytes(orig[off:off + w], "little")
                val = rnd.choice((0, 1, 2, 3, 4, old + 1, old - 1, old * 2, old // 2,
                                  old + 4096, rnd.getrandbits(w * 8), 2**(w * 8) - 1,
                                  2**(w * 8 - 1))) % 2**(w * 8)
                patch(self.img, off, "<Q" if w == 8 else "<I", val)
            refix_checksums(self.img)
            idx = rnd.choice((0, 1))
            rc, out, err = memcheck(self.img, idx, NONCE, 20, exe=MEMCHECK_SAN)
            self.assertIn(rc, (0, 1, 2), err)
            self.assertNotRegex(err, "Sanitizer|runtime error")
            outcomes[rc] = outcomes.get(rc, 0) + 1
            try:
                disk2 = dumpdisk.read_disk(self.img)
            except ValueError:
                continue
            if rc == 2:
                self.assertRegex(err, "is empty|out of range")
                continue
            d = [x for x in disk2.dumps if x.slot == idx][0]
            py = dumpdisk.verify_chunks(self.img, d, memcheck=None)
            self.assertEqual(py, dumpdisk.verify_chunks(self.img, d, memcheck=MEMCHECK))
            self.assertEqual(counts(out)["bad"], len(py))
        self.assertTrue(all(outcomes.get(k) for k in (1, 2)), outcomes)


class TestFormatVersions(Case):
    """Version 2 keeps two disk header copies; version 1 disks stay readable."""

    def header_copy(self):
        return dumpdisk.read_disk(self.img).header_copy

    def test_version1_disk_reads_everywhere(self):
        self.make(dict(nonce=0x77, pattern_pfns=range(0x40010, 0x40020)), version=1)
        disk = dumpdisk.read_disk(self.img)
        self.assertEqual((disk.version, disk.generation, disk.dumps[0].cause_name),
                         (1, 0, "unknown"))
        self.assertEqual(self.check(0, 0x77, 16)[0], 0)
        exe = TSUBAKI_DUMP
        r = subprocess.run([exe, "verify", self.img, "last"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_newer_copy_wins_and_a_torn_one_is_ignored(self):
        self.make(dict(dump_id=1), generation=4)                # copy 0, dump 1
        with open(self.img, "r+b") as f:
            hdr = bytearray(f.read(568))
        # copy 1: generation 5, the same slot now says dump 1 is partial
        newer = bytearray(hdr)
        struct.pack_into("<Q", newer, 552, 5)
        struct.pack_into("<I", newer, 40 + 24, 3)
        newer[32:40] = bytes(8)
        newer[32:40] = struct.pack("<Q", mkfakedump.tsb_sum64(bytes(newer)))
        patch(self.img, 4096, "%ds" % len(newer), bytes(newer))
        disk = dumpdisk.read_disk(self.img)
        self.assertEqual((disk.header_copy, disk.generation, disk.slots[0]["state"]),
                         (1, 5, 3))
        # A torn write of copy 1 (half of it old): copy 0 counts again.
        patch(self.img, 4096 + 300, "<Q", 0xdeadbeef)
        disk = dumpdisk.read_disk(self.img)
        self.assertEqual((disk.header_copy, disk.generation), (0, 4))
        exe = TSUBAKI_DUMP
        r = subprocess.run([exe, "list", self.img], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("complete", r.stdout.lower())
        # Both copies damaged: no disk header at all.
        patch(self.img, 300, "<Q", 0xdeadbeef)
        self.assertRaisesRegex(ValueError, "checksum", dumpdisk.read_disk, self.img)


class TestDumpdisk(Case):
    def test_fields(self):
        vmci = b"OSRELEASE=6.1.0-tsubaki\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=ffff800009aa0000\n"
        self.make(dict(state=2, slot_state=1, dump_id=7, ncpus=3, panic_cpu=2, boot_count=4,
                       t_ns=(11, 22, 33, 44, 55), vmcoreinfo=vmci, window=3 << 16,
                       chunk_states={4: 3, 5: 2}),
                  next_dump_id=8)
        disk = dumpdisk.read_disk(self.img)
        self.assertEqual((disk.nslots, disk.next_dump_id, disk.version), (1, 8, 2))
        d = disk.dump_by_id(7)
        self.assertEqual((d.cause_name, d.cause_cpus), ("panic", 1 << 2))
        self.assertEqual((d.slot, d.state, d.state_name, d.slot_state, d.slot_state_name),
                         (0, 2, "COMPLETE", 1, "IN_PROGRESS"))
        self.assertEqual(d.t_ns, [11, 22, 33, 44, 55])
        self.assertEqual(d.times["restart_done"], 44)
        self.assertEqual((d.ram_base, d.ram_size, d.window, d.chunk_size, d.nchunks),
                         (0x40000000, 8 << 16, 3 << 16, 1 << 16, 8))
        self.assertEqual((d.ncpus, d.panic_cpu, d.boot_count), (3, 2, 4))
        self.assertEqual(d.vmcoreinfo, vmci)
        self.assertEqual(d.vmcoreinfo_fields()["SYMBOL(swapper_pg_dir)"], "ffff800009aa0000")
        self.assertEqual([(r["kind_name"], r["paddr"], r["size"], r["first_chunk"])
                          for r in d.regions],
                         [("PRIMARY", 0x40000000, 3 << 16, 0),
                          ("SECONDARY", 0x40030000, 5 << 16, 3)])
        self.assertEqual([s for s, _ in d.chunks], [1, 1, 1, 1, 3, 2, 1, 1])
        self.assertEqual(d.chunk_counts(), dict(MISSING=0, OK=6, FAILED=1, NO_ROOM=1, EXCLUDED=0))
        self.assertEqual(d.bytes_written, 6 << 16)
        self.assertEqual(d.ok_bytes, d.bytes_written)
        self.assertEqual(len(d.cpus), 3)
        c = d.cpus[2]
        self.assertEqual((c["valid"], c["cpu"], c["mpidr"]), (1, 2, 0x80000002))
        self.assertEqual(c["x"][:2], [2 << 56, (2 << 56) | 1])
        self.assertEqual(len(c["x"]), 31)
        self.assertEqual((c["sp_el0"], c["pc"], c["tpidr_el0"]),
                         (0xFFFF000010000200, 0xFFFF000010000202, 0xFFFF00001000020F))
        self.assertEqual(dumpdisk.verify_chunks(self.img, d), [])
        page = dumpdisk.read_phys(self.img, d, 0x40001000, 4096 * 17)
        self.assertEqual(len(page), 4096 * 17)
        self.assertRaisesRegex(ValueError, "NO_ROOM", dumpdisk.read_phys, self.img, d,
                               0x40040000, 8)

    def test_empty_disk(self):
        self.make({}, empty_slots=(0, 1), nslots=3)
        patch(self.img, 40 + 2 * 32 + 24, "<I", 0)      # the one dump: EMPTY
        refix_checksums(self.img)
        disk = dumpdisk.read_disk(self.img)
        self.assertEqual((disk.nslots, disk.dumps), (3, []))

    def test_cli(self):
        out = subprocess.run([sys.executable, os.path.join(HERE, "mkfakedump.py"), self.img,
                              "--pattern", "0x40000:4", "--flip", "1:8", "--dumps", "2"],
                             capture_output=True, text=True, check=True).stdout
        self.assertEqual(len(out.splitlines()), 2)
        self.assertEqual(self.check(1, NONCE, 4)[1]["bad"], 1)
        out = subprocess.run([sys.executable, os.path.join(TOP, "tests/system/dumpdisk.py"),
                              self.img, "--verify"],
                             capture_output=True, text=True, check=True).stdout
        self.assertIn("bad chunks: [1]", out)


class TestMemfill(Case):
    """userland/memfill.c built for the host: usage errors, and (as root)
    the pattern in its memory against its own pagemap, then found by
    memcheck in a sparse fake dump of the host's RAM."""

    @classmethod
    def setUpClass(cls):
        cls.exe = os.path.join(TMP, "memfill")
        subprocess.run(["gcc"] + CFLAGS + ["-DMEMFILL_SYSCTL=\"/nonexistent/sysctl\"",
                                           "-o", cls.exe,
                                           os.path.join(TOP, "userland", "memfill.c")],
                       check=True)

    def test_usage(self):
        for args in ([], ["0"], ["x"], ["-1"], ["1", "2"], ["99999999999"]):
            p = subprocess.run([self.exe] + args, capture_output=True, text=True)
            self.assertEqual(p.returncode, 1, args)
            self.assertRegex(p.stderr, "^(usage|memfill): ")
            self.assertEqual(p.stdout, "")

    def test_end_to_end(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to read PFNs")
        mib = 2
        p = subprocess.Popen([self.exe, str(mib)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            line = p.stdout.readline()
            m = re.fullmatch(r"MEMFILL mib=(\d+) pages=(\d+) nonce=0x([0-9a-f]{16})\n", line)
            if not m and "PFN 0" in p.stderr.read():
                self.skipTest("PFNs hidden here")
            self.assertTrue(m, line)
            self.assertEqual((int(m.group(1)), int(m.group(2))), (mib, mib * 256))
            nonce = int(m.group(3), 16)
            pages = self.read_pages(p.pid, mib << 20, nonce)
        finally:
            p.kill()
            p.wait()
        self.assertEqual(len(pages), mib * 256)
        # a fake dump of the RAM around those frames, the rest MISSING
        csz = 1 << 16
        lo = min(pages) * 4096 // csz * csz
        hi = (max(pages) + 1) * 4096
        while -(-(hi - lo) // csz) > dumpdisk.MAX_CHUNKS:
            csz *= 2
            lo = lo // csz * csz
        n = -(-(hi - lo) // csz)
        used = {(pfn * 4096 - lo) // csz for pfn in pages}
        self.make(dict(ram_base=lo, ram_size=hi - lo, chunk_size=csz, nonce=nonce,
                       zero_fill=True, pages=pages,
                       chunk_states={i: 0 for i in range(n) if i not in used}))
        rc, c = self.check(0, nonce, mib * 256)
        self.assertEqual((rc, c["matched"], c["missing"]), (0, mib * 256, n - len(used)))

    @staticmethod
    def read_pages(pid, size, nonce):
        """{pfn: page} of memfill's buffer, each page checked in Python."""
        with open("/proc/%d/maps" % pid) as f:
            maps = [tuple(int(x, 16) for x in l.split()[0].split("-")) for l in f]
        cand = [a for a, b in maps if b - a == size]
        assert len(cand) == 1, "cannot find memfill's mapping"
        va = cand[0]
        out = {}
        with open("/proc/%d/pagemap" % pid, "rb") as pm, open("/proc/%d/mem" % pid, "rb") as mem:
            pm.seek(va // 4096 * 8)
            ents = struct.unpack("<%dQ" % (size // 4096), pm.read(size // 4096 * 8))
            mem.seek(va)
            data = mem.read(size)
        for k, e in enumerate(ents):
            assert e >> 63, "page %d not present" % k
            pfn = e & ((1 << 55) - 1)
            page = data[k * 4096:(k + 1) * 4096]
            assert page == mkfakedump.pattern_page(nonce, pfn), "page %d (pfn 0x%x)" % (k, pfn)
            out[pfn] = page
        return out


if __name__ == "__main__":
    unittest.main()
