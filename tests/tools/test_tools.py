# SPDX-License-Identifier: BSD-3-Clause
"""Host self-tests of the dump test tooling: tests/tools/memcheck.c,
tests/tools/pattern.h, tests/system/dumpdisk.py, userland/memfill.c, using
synthetic disks from tests/tools/mkfakedump.py; and the two Python LZ4 codecs
(dumpdisk's decoder, mkfakedump's compressor) against each other, against
include/tsubaki/lz4.h's decoder and firmware/lib/lz4.c's compressor built for
the host, and against liblz4 (liblz4-dev).

    /usr/bin/python3 -m pytest -q tests/tools        (or: python3 tests/tools/test_tools.py)

Needs gcc. The memfill end-to-end test needs root (to see PFNs) and is
skipped otherwise.
"""
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
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
	if (argc == 2 && argv[1][0] == 'a') {	/* version 5: the architecture, the AArch32 view */
		printf("%zu %zu %zu %d %d %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu\n",
		       offsetof(struct tsb_dump_header, arch),
		       offsetof(struct tsb_dump_header, reserved5), sizeof(struct tsb_dump_header),
		       TSB_ARCH_AARCH64, TSB_ARCH_AARCH32, tsb_dump_header_len(4),
		       tsb_dump_header_len(5), sizeof(struct tsb_a32_regs),
		       offsetof(struct tsb_cpu_record, a32.r), offsetof(struct tsb_cpu_record, a32.cpsr),
		       offsetof(struct tsb_cpu_record, a32.sp_svc),
		       offsetof(struct tsb_cpu_record, a32.r8_fiq),
		       offsetof(struct tsb_cpu_record, a32.ttbr0),
		       offsetof(struct tsb_cpu_record, a32.ttbr1),
		       offsetof(struct tsb_cpu_record, a32.tpidrprw));
		return 0;
	}
	if (argc == 2 && argv[1][0] == 'v') {	/* version 4: compression */
		printf("%zu %zu %zu %zu %zu %zu %zu %llu %d %d\n",
		       offsetof(struct tsb_dump_header, filter),
		       offsetof(struct tsb_dump_header, compress),
		       offsetof(struct tsb_dump_header, bytes_skipped),
		       offsetof(struct tsb_dump_header, bytes_stored),
		       offsetof(struct tsb_chunk, state), offsetof(struct tsb_chunk, zlen),
		       offsetof(struct tsb_chunk, skip), (unsigned long long)TSB_ZLEN_MAX,
		       TSB_COMPRESS_LZ4, TSB_FORMAT_VERSION);
		return 0;
	}
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

# The C LZ4 codecs on files, several at a time:
#   lz4ref c CAP IN OUT...      firmware/lib/lz4.c into at most CAP bytes: "LEN" (0: no fit)
#   lz4ref d LEN IN OUT...      tsb_lz4_decode() to exactly LEN bytes: "ok" or "bad"
#   lz4ref l LEN IN OUT...      liblz4's LZ4_decompress_safe() (-DHAVE_LIBLZ4): the same
LZ4_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tsubaki/lz4.h"
#include "lz4_compress.h"
#ifdef HAVE_LIBLZ4
#include <lz4.h>
#endif

static unsigned char in[1 << 18], out[1 << 18];
static uint16_t table[LZ4C_TABLE_ENTRIES];

int main(int argc, char **argv)
{
	for (int k = 2; k + 2 < argc; k += 3) {
		size_t arg = strtoul(argv[k], NULL, 0), n, len = 0;
		FILE *f = fopen(argv[k + 1], "rb");
		int ok = 1;

		if (!f || arg > sizeof(out))
			return 2;
		n = fread(in, 1, sizeof(in), f);
		fclose(f);
		if (argv[1][0] == 'c') {
			len = lz4_compress(in, n, out, arg, table);
			printf("%zu\n", len);
		} else if (argv[1][0] == 'd') {
			ok = !tsb_lz4_decode(in, n, out, arg);
			len = ok ? arg : 0;
			puts(ok ? "ok" : "bad");
		} else {
#ifdef HAVE_LIBLZ4
			int r = LZ4_decompress_safe((const char *)in, (char *)out, (int)n, (int)arg);

			ok = r == (int)arg;
			len = ok ? arg : 0;
			puts(ok ? "ok" : "bad");
#else
			return 2;
#endif
		}
		f = fopen(argv[k + 2], "wb");
		if (!f || fwrite(out, 1, len, f) != len || fclose(f))
			return 2;
	}
	return 0;
}
"""

TMP = None
MEMCHECK = None         # the build/tools/memcheck command line
MEMCHECK_SAN = None     # ASan/UBSan build, reading 8 KiB at a time
REF = None
LZ4REF = None           # LZ4_C built with firmware/lib/lz4.c
LIBLZ4 = False          # and liblz4 in it


def setUpModule():
    global TMP, MEMCHECK, MEMCHECK_SAN, REF, LZ4REF, LIBLZ4
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
    with open(os.path.join(TMP, "lz4ref.c"), "w") as f:
        f.write(LZ4_C)
    LZ4REF = os.path.join(TMP, "lz4ref")
    cmd = ["cc"] + CFLAGS + [inc, "-I" + os.path.join(TOP, "firmware", "include"), "-o", LZ4REF,
                             os.path.join(TMP, "lz4ref.c"),
                             os.path.join(TOP, "firmware", "lib", "lz4.c")]
    # liblz4 (liblz4-dev, installed by scripts/setup.sh) is the reference: required
    subprocess.run(cmd + ["-DHAVE_LIBLZ4", "-llz4"], check=True)
    LIBLZ4 = True


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
            if off < 4096 or off + 192 > size:
                continue
            f.seek(off)
            dh = bytearray(f.read(192))
            version = struct.unpack_from("<I", dh, 8)[0]
            dh = dh[:152 if version == 1 else 184 if version < 5 else 192]
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

    def test_layout_v4(self):
        """Version 4's fields where the C header has them, and its limits."""
        got = subprocess.run([REF, "v4"], capture_output=True, text=True,
                             check=True).stdout.split()
        self.assertEqual([int(x) for x in got], [
            160, 164, 168, 176, 8, 10, 12, dumpdisk.ZLEN_MAX,
            dumpdisk.COMPRESS_LZ4, dumpdisk.FORMAT_VERSION])
        self.assertEqual(dumpdisk.ZLEN_MAX, mkfakedump.ZLEN_MAX)
        self.assertEqual(dumpdisk.CHUNK.format, "<QHHI")

    def test_layout_v5(self):
        """Version 5's arch where the C header has it (its checksum covering it,
        version 4's not), and the AArch32 view of a CPU record."""
        got = [int(x) for x in subprocess.run([REF, "a32"], capture_output=True, text=True,
                                              check=True).stdout.split()]
        self.assertEqual(got[:8], [dumpdisk.DUMP_ARCH_OFF, dumpdisk.DUMP_ARCH_OFF + 4,
                                   dumpdisk.DUMP_HEADER.size, dumpdisk.ARCH_AARCH64,
                                   dumpdisk.ARCH_AARCH32, dumpdisk.DUMP_HEADER_V2.size,
                                   dumpdisk.DUMP_HEADER.size, 232])
        # each 4-byte word of a record says its own offset: a field reads as where it is
        rec = dumpdisk.cpu_record(b"".join(struct.pack("<I", o) for o in range(0, 440, 4)),
                                  dumpdisk.ARCH_AARCH32)
        a = rec["a32"]
        self.assertEqual(got[8:], [a["r0"], a["cpsr"], a["sp_svc"], a["r8_fiq"],
                                   a["ttbr0"] & 0xFFFFFFFF, a["ttbr1"] & 0xFFFFFFFF,
                                   a["tpidrprw"]])
        self.assertEqual(dumpdisk.A32_FIELDS, mkfakedump.A32_FIELDS)
        self.assertEqual([a["r%d" % k] for k in range(16)], list(range(16, 80, 4)))

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
        patch(self.img, 8, "<I", dumpdisk.FORMAT_VERSION + 1)
        refix_checksums(self.img)
        self.assert_malformed("version %d" % (dumpdisk.FORMAT_VERSION + 1))
        self.assertRaisesRegex(ValueError, "version %d" % (dumpdisk.FORMAT_VERSION + 1),
                               dumpdisk.read_disk, self.img)

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


class TestVersion5(Case):
    """Version 5: the architecture field and the AArch32 CPU records, read by
    dumpdisk as mkfakedump writes them; version 4 dumps stay AArch64."""

    def test_aarch32_records(self):
        recs = {0: mkfakedump.a32_record(0, r=list(range(100, 116)), cpsr=0x600001D3,
                                         sp_irq=0x80001000, spsr_irq=0x13, r8_fiq=0,
                                         ttbr1=0x40003010, ttbcr=0x80010000,
                                         tpidruro=0x80400000, ifar=0x7F000000)}
        self.make(dict(arch=1, ncpus=2, cpu_records=recs), version=5)
        d = dumpdisk.read_disk(self.img).dumps[0]
        self.assertEqual((d.version, d.arch, d.arch_name), (5, 1, "aarch32"))
        c = d.cpus[0]
        self.assertEqual((c["valid"], c["cpu"], c["regs"], c["r"]),
                         (1, 0, list(range(100, 116)), list(range(100, 116))))
        self.assertEqual((c["pc"], c["sp"], c["lr"], c["cpsr"], c["pstate"], c["mode"]),
                         (115, 113, 114, 0x600001D3, 0x600001D3, "svc"))
        a = c["a32"]
        self.assertEqual((a["sp_irq"], a["spsr_irq"], a["ttbr1"], a["ttbcr"], a["tpidruro"],
                          a["ifar"], a["r15"]),
                         (0x80001000, 0x13, 0x40003010, 0x80010000, 0x80400000, 0x7F000000, 115))
        self.assertEqual(d.cpus[1]["mode"], "svc")      # mkfakedump's default AArch32 record
        self.assertEqual(self.check(0, NONCE, 0)[0], 0)  # memcheck reads version 5 too

    def test_version4_reads_as_aarch64(self):
        """Whatever lies where version 5 has arch, a version 4 dump is AArch64."""
        self.make(dict(ncpus=2), version=4)
        d = dumpdisk.read_disk(self.img).dumps[0]
        patch(self.img, d.slot_offset + dumpdisk.DUMP_ARCH_OFF, "<I", 1)   # not in its checksum
        d = dumpdisk.read_disk(self.img).dumps[0]
        self.assertEqual((d.version, d.arch, d.arch_name), (4, 0, "aarch64"))
        self.assertEqual(len(d.cpus[1]["x"]), 31)
        self.assertEqual(d.cpus[1]["sp"], d.cpus[1]["sp_el1"])

    def test_unknown_arch_is_malformed(self):
        self.make(dict(arch=7), version=5)
        self.assertRaisesRegex(ValueError, "unknown architecture 7", dumpdisk.read_disk,
                               self.img)
        # the checksum covers it: a changed arch without a new checksum is caught
        self.make(dict(arch=0), version=5)
        d = dumpdisk.read_disk(self.img).dumps[0]
        patch(self.img, d.slot_offset + dumpdisk.DUMP_ARCH_OFF, "<I", 1)
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


def lz4_sequences(block):
    """[(output offset, literals, match offset, match length)] of a well-formed
    LZ4 block, parsed independently of both codecs; the last has length 0."""
    seqs, ip, op = [], 0, 0

    def length(n):
        nonlocal ip
        if n == 15:
            while True:
                b = block[ip]
                ip += 1
                n += b
                if b != 255:
                    break
        return n

    while True:
        token = block[ip]
        ip += 1
        lit = length(token >> 4)
        ip += lit
        op += lit
        if ip == len(block):
            seqs.append((op - lit, lit, 0, 0))
            return seqs
        off = block[ip] | block[ip + 1] << 8
        ip += 2
        mlen = length(token & 15) + 4
        seqs.append((op - lit, lit, off, mlen))
        op += mlen


def lz4_inputs():
    """{name: bytes} for the codecs: zeros, random, patterns of every period
    that matters (overlapping matches), text, the length fields' boundaries
    (15 and 15 + 255 literals or match - 4), the end rules' edges."""
    rnd = random.Random(99)
    words = [bytes(rnd.choice(b"abcdefgh") for _ in range(rnd.randint(2, 9))) for _ in range(40)]
    out = {}
    for n in list(range(0, 26)) + [64, 255, 256, 269, 270, 271, 4096, 65535, 65536]:
        out["zeros%d" % n] = bytes(n)
        out["random%d" % n] = rnd.randbytes(n)
        out["text%d" % n] = bytes(mkfakedump._text(rnd, words, n))
    for period in (1, 2, 3, 4, 5, 7, 8, 15, 16, 255, 4096, 65535):
        unit = rnd.randbytes(period)
        out["period%d" % period] = (unit * (70000 // period + 1))[:65536]
    # a literal run of L, then a match of M at offset L (overlapping when M > L)
    for lit in (1, 3, 14, 15, 16, 19, 20, 63):
        for mlen in (4, 5, 18, 19, 20, 273, 274, 275, 529):
            x = rnd.randbytes(lit)
            rep = (x * (mlen // lit + 1))[:mlen]
            tail = bytes(b ^ 0x80 for b in x[mlen % lit:] + x)[:1] + rnd.randbytes(30)
            out["lit%d_match%d" % (lit, mlen)] = x + rep + tail
    out["runs"] = b"".join(bytes([rnd.randrange(256)]) * rnd.randint(1, 600) for _ in range(300))
    # far matches (zeros between: random bytes there, the compressors skip ahead)
    far = rnd.randbytes(3000)
    out["far"] = far + bytes(40000) + far + b"\x01" + rnd.randbytes(100)    # offset 43000
    far = rnd.randbytes(200)            # just within a match's reach, and just beyond
    out["offset65535"] = far + bytes(65535 - 200) + far + b"\x01" + rnd.randbytes(20)
    out["offset65536"] = far + bytes(65536 - 200) + far + b"\x01" + rnd.randbytes(20)
    return out


class TestLz4(Case):
    """The LZ4 block codecs: dumpdisk.lz4_decode(), mkfakedump.lz4_compress(),
    tsb_lz4_decode() (include/tsubaki/lz4.h), lz4_compress() (firmware), and
    liblz4 when built with it."""

    def c_batch(self, mode, items):
        """Run lz4ref @mode on [(arg, input bytes)]: [(status line, output bytes)]."""
        args = []
        for k, (arg, data) in enumerate(items):
            src = os.path.join(self.dir, "in%d" % k)
            with open(src, "wb") as f:
                f.write(data)
            args += [str(arg), src, os.path.join(self.dir, "out%d" % k)]
        out = []
        for lo in range(0, len(args), 3 * 400):        # within the argument limits
            p = subprocess.run([LZ4REF, mode] + args[lo:lo + 3 * 400], capture_output=True,
                               text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            out += p.stdout.split()
        self.assertEqual(len(out), len(items))
        res = []
        for k, status in enumerate(out):
            with open(os.path.join(self.dir, "out%d" % k), "rb") as f:
                res.append((status, f.read()))
        return res

    def assert_end_rules(self, block, n, name):
        """The format's end rules: the last 5 bytes literals, no match
        starting in the last 12 (so a block of 12 bytes or less is literals)."""
        seqs = lz4_sequences(block)
        self.assertEqual(seqs[-1][3], 0, name)
        self.assertEqual(sum(lit + mlen for _, lit, _, mlen in seqs), n, name)
        for op, lit, off, mlen in seqs[:-1]:
            self.assertLess(op + lit, n - 12, name)             # the match's start
            self.assertLessEqual(op + lit + mlen, n - 5, name)
            self.assertTrue(1 <= off <= min(op + lit, 65535), name)
        return seqs

    def test_round_trips(self):
        """mkfakedump's compressor, dumpdisk's decoder: every input back
        exactly, the end rules kept, the length fields' boundaries met."""
        seen, blocks = set(), {}
        for name, data in lz4_inputs().items():
            block = blocks[name] = mkfakedump.lz4_compress(data)
            self.assertEqual(dumpdisk.lz4_decode(block, len(data)), data, name)
            for _, lit, _, mlen in self.assert_end_rules(block, len(data), name):
                seen |= {("lit", lit), ("match", mlen)}
            if name.startswith("lit") and "_match" in name:
                lit, mlen = map(int, re.findall(r"\d+", name))
                self.assertEqual(lz4_sequences(block)[0][1:], (lit, lit, mlen), name)
            if name.startswith("zeros") and len(data) >= 4096:
                self.assertLess(len(block), len(data) // 100 + 16, name)
            if name.startswith("period") and len(data) // int(name[6:]) >= 16:
                self.assertLess(len(block), len(data) // 10, name)
            if name.startswith("random") and len(data) > 12:
                self.assertEqual(len(lz4_sequences(block)), 1, name)    # all literals
            for wrong in (len(data) - 1, len(data) + 1):
                if wrong >= 0:
                    self.assertRaises(dumpdisk.Lz4Error, dumpdisk.lz4_decode, block, wrong)
        # a match as far back as there can be, and none further
        self.assertIn((65535, 200), [(off, mlen) for _, _, off, mlen in
                                     lz4_sequences(blocks["offset65535"])])
        self.assertEqual([o for _, _, o, _ in lz4_sequences(blocks["offset65536"]) if o > 9], [])
        self.assertIn((43000, 3000), [(off, mlen) for _, _, off, mlen in
                                      lz4_sequences(blocks["far"])])
        # the length fields' boundaries: 15 + 0 and 15 + 255 + 0, and one past
        for want in (("lit", 15), ("lit", 16), ("lit", 270), ("lit", 271),
                     ("match", 19), ("match", 20), ("match", 274), ("match", 275)):
            self.assertIn(want, seen)

    def test_handmade_blocks(self):
        """Blocks of every length-field boundary and overlap, written
        sequence by sequence: dumpdisk's decoder and tsb_lz4_decode() give
        the same bytes -- what a byte-by-byte copy gives."""
        rnd = random.Random(5)
        cases = []
        for lit in (0, 1, 14, 15, 16, 269, 270, 271, 524, 525, 526):
            for mlen in (4, 18, 19, 20, 273, 274, 275, 528, 529, 530, 65536 - 600):
                for off in (1, 2, 3, 4, 7, 16, 255, 256, 65535):
                    if off > lit + 600 or rnd.random() < 0.7:
                        continue
                    head = rnd.randbytes(600)
                    blk = bytearray()
                    mkfakedump.lz4_sequence(blk, head, 600, 4)          # head, then lits
                    lits = rnd.randbytes(lit)
                    mkfakedump.lz4_sequence(blk, lits, off, mlen)
                    want = bytearray(head + head[:4] + lits)
                    for _ in range(mlen):
                        want.append(want[-off])
                    tail = rnd.randbytes(rnd.choice((0, 1, 5, 15, 300)))
                    mkfakedump.lz4_sequence(blk, tail)
                    cases.append((bytes(blk), bytes(want + tail)))
        self.assertGreater(len(cases), 100)
        res = self.c_batch("d", [(len(want), blk) for blk, want in cases])
        for (blk, want), (status, got) in zip(cases, res):
            self.assertEqual((status, got), ("ok", want))
            self.assertEqual(dumpdisk.lz4_decode(blk, len(want)), want)

    def test_malformed_blocks(self):
        """Broken blocks (cut, bytes changed, wrong sizes, huge lengths):
        dumpdisk's decoder refuses exactly those tsb_lz4_decode() refuses,
        with an Lz4Error, never more output than asked for; and decodes the
        others to the same bytes."""
        rnd = random.Random(6)
        inputs = lz4_inputs()
        names = sorted(k for k in inputs if 0 < len(inputs[k]) <= 4096)
        cases = []
        for name in names:
            data = inputs[name]
            blk = mkfakedump.lz4_compress(data)
            for _ in range(6):
                b, n = bytearray(blk), len(data)
                how = rnd.randrange(6)
                if how == 0:
                    b = b[:rnd.randrange(len(b))]
                elif how == 1:
                    b[rnd.randrange(len(b))] ^= 1 << rnd.randrange(8)
                elif how == 2:
                    b[rnd.randrange(len(b))] = rnd.choice((0, 15, 0xF0, 0xFF))
                elif how == 3:
                    n += rnd.choice((-1, 1, -16, 1000))
                elif how == 4:
                    del b[rnd.randrange(len(b))]
                else:
                    b.insert(rnd.randrange(len(b) + 1), rnd.randrange(256))
                cases.append((bytes(b), max(n, 0)))
        # no bytes, lengths that never end, an offset of 0 or before the start
        cases += [(b"", 0), (b"", 5), (b"\x00", 0), (b"\x00", 1), (b"\xf0" + b"\xff" * 5000, 100),
                  (b"\x0f" + b"\xff" * 3000, 65536), (b"\x10a\x00\x00\x00", 10),
                  (b"\x10a\x02\x00\x00", 10), (b"\x10a\x01\x00", 5), (b"\x10a\x01\x00\x00", 5),
                  (b"\x10a\x01", 5), (b"\x1fa\x01\x00", 5000), (b"\x1fa\x01\x00\xff\x00", 275)]
        res = self.c_batch("d", [(n, b) for b, n in cases])
        refused = 0
        for (b, n), (status, got) in zip(cases, res):
            try:
                py = dumpdisk.lz4_decode(b, n)
            except dumpdisk.Lz4Error as e:
                self.assertEqual(status, "bad", (b[:40], n, str(e)))
                self.assertTrue(str(e))
                refused += 1
                continue
            self.assertEqual(status, "ok", (b[:40], n))
            self.assertEqual(py, got)
        self.assertGreater(refused, len(cases) // 2)
        self.assertLess(refused, len(cases))

    def test_decoder_is_bounded(self):
        """A block that would expand without end is refused at once: its
        lengths are checked against the chunk before anything is copied."""
        t = time.monotonic()
        for blk, n, msg in ((b"\xf0" + b"\xff" * 60000, 65536, r"literal length \d+\+ at "
                             "byte 257 is more than"),
                            (b"\x1fa\x01\x00" + b"\xff" * 60000, 65536, "match length"),
                            (b"\x1fa\x01\x00\x00" * 5000, 65536, "runs past the 65536")):
            self.assertRaisesRegex(dumpdisk.Lz4Error, msg, dumpdisk.lz4_decode, blk, n)
        self.assertLess(time.monotonic() - t, 2)

    def test_firmware_compressor(self):
        """firmware/lib/lz4.c's blocks: dumpdisk's decoder (and
        tsb_lz4_decode()) give the input back; the end rules hold; a block
        that does not fit the room asked is not made."""
        inputs = {k: v for k, v in lz4_inputs().items() if len(v) <= 65536}
        names = sorted(inputs)
        res = self.c_batch("c", [(len(inputs[k]) + 1024, inputs[k]) for k in names])
        blocks = {}
        for name, (status, blk) in zip(names, res):
            data = inputs[name]
            self.assertEqual(int(status), len(blk), name)
            self.assertGreater(len(blk), 0, name)
            self.assertEqual(dumpdisk.lz4_decode(blk, len(data)), data, name)
            self.assert_end_rules(blk, len(data), name)
            blocks[name] = blk
        dec = self.c_batch("d", [(len(inputs[k]), blocks[k]) for k in names])
        self.assertEqual([d for d in dec], [("ok", inputs[k]) for k in names])
        # the firmware's cap: kept - 512, what saves a sector; random data does not fit
        data = inputs["random65536"]
        (status, blk), = self.c_batch("c", [(65536 - 512, data)])
        self.assertEqual((status, blk), ("0", b""))
        # and the fake disk's compressor keeps up with the firmware's on text
        text = inputs["text65536"]
        (status, blk), = self.c_batch("c", [(65536, text)])
        self.assertLess(len(mkfakedump.lz4_compress(text)), 2 * int(status))

    def test_python_blocks_in_c_and_liblz4(self):
        """mkfakedump's blocks decode with tsb_lz4_decode(), and with liblz4's
        LZ4_decompress_safe() (which relies on the end rules)."""
        inputs = lz4_inputs()
        names = sorted(inputs)
        items = [(len(inputs[k]), mkfakedump.lz4_compress(inputs[k])) for k in names]
        for mode in ("d", "l"):
            self.assertEqual(self.c_batch(mode, items), [("ok", inputs[k]) for k in names], mode)


class TestCompressed(Case):
    """Version 4 dumps with LZ4 chunks (mkfakedump compress=True) through
    dumpdisk.py: fields, reads and checksums over the decoded data, and the
    malformed ones refused or reported bad, naming the chunk."""

    PFN0 = 0x40000000 // 4096

    def spec(self, **kw):
        spec = dict(ram_size=24 * 65536, chunk_size=65536, text_fill=True, compress=True,
                    pattern_pfns=range(self.PFN0 + 32, self.PFN0 + 48),    # chunk 2: no gain
                    pages={self.PFN0 + 64 + k: bytes(4096) for k in range(16)},  # 4: zeros
                    seed=3)
        spec.update(kw)
        return spec

    def make4(self, version=4, **kw):
        spec = self.spec(**kw)
        return spec, self.make(spec, version=version)[0]

    def test_fields_and_reads(self):
        spec, info = self.make4()
        d = dumpdisk.read_disk(self.img).dumps[0]
        self.assertEqual((d.version, d.compress, d.compress_name), (4, 1, "lz4"))
        self.assertEqual(d.zlens, info["zlens"])
        self.assertEqual(d.zlens[2], 0)                  # pattern pages: stored as they are
        self.assertTrue(0 < d.zlens[4] < 512)             # zeros: a sector
        self.assertEqual(sum(1 for z in d.zlens if z), 23)
        self.assertEqual(d.bytes_stored, info["bytes_stored"])
        self.assertEqual(d.bytes_stored, d.stored_bytes)
        self.assertEqual(d.bytes_stored, 65536 + sum(-(-z // 512) * 512 for z in d.zlens))
        self.assertEqual(d.bytes_written, 24 * 65536)
        self.assertLess(d.bytes_stored, d.bytes_written // 3)
        ram = mkfakedump.ram_image(spec, 4)
        self.assertEqual(dumpdisk.read_phys(self.img, d, d.ram_base, d.ram_size), ram)
        for i in (0, 2, 4, 23):
            self.assertEqual(dumpdisk.read_chunk(self.img, d, i), ram[i * 65536:(i + 1) * 65536])
        pa = d.ram_base + 5 * 65536 - 100                 # across two compressed chunks
        self.assertEqual(dumpdisk.read_phys(self.img, d, pa, 300),
                         ram[5 * 65536 - 100:5 * 65536 + 200])
        self.assertEqual(dumpdisk.verify_chunks(self.img, d, memcheck=None), [])
        # on disk: the block, zeros to its sector's end, then what was there (junk)
        with open(self.img, "rb") as f:
            f.seek(d.chunk_file_offset(7))
            raw = f.read(65536)
        z, s = d.zlens[7], -(-d.zlens[7] // 512) * 512
        self.assertEqual(dumpdisk.lz4_decode(raw[:z], 65536), ram[7 * 65536:8 * 65536])
        self.assertEqual(raw[z:s], bytes(s - z))
        self.assertEqual(raw[s:], b"\xa5" * (65536 - s))

    def test_filtered_and_compressed(self):
        """Pages left out of a compressed chunk: zeros in its block, and in
        what readers see; the chunk takes its block's sectors, not its pages."""
        skip = {self.PFN0 + 16 * 6 + 3: 1, self.PFN0 + 16 * 6 + 9: 2,       # compressed
                self.PFN0 + 32 + 5: 3}                                    # pattern, as is
        spec, info = self.make4(filter=17, skip_pfns=skip)
        d = dumpdisk.read_disk(self.img).dumps[0]
        self.assertEqual((d.filter, d.bytes_skipped), (17, 3 * 4096))
        self.assertTrue(d.zlens[6] and not d.zlens[2])
        self.assertEqual(d.stored_len(2), 15 * 4096)
        self.assertEqual(d.bytes_stored, d.stored_bytes)
        self.assertEqual(d.bytes_written, 24 * 65536 - 3 * 4096)
        self.assertEqual(dumpdisk.verify_chunks(self.img, d, memcheck=None), [])
        ram = mkfakedump.ram_image(spec, 4)
        self.assertEqual(dumpdisk.read_phys(self.img, d, d.ram_base, d.ram_size), ram)
        for pfn in skip:
            self.assertEqual(dumpdisk.read_phys(self.img, d, pfn * 4096, 4096), bytes(4096))

    def test_bad_data_in_a_good_block(self):
        """"flip" after the checksums: the block decodes, its data does not
        match -- a bad chunk, compressed or not."""
        self.make4(flip=[(5, 1000), (2, 7)])
        d = dumpdisk.read_disk(self.img).dumps[0]
        self.assertTrue(d.zlens[5] and not d.zlens[2])
        self.assertEqual(dumpdisk.verify_chunks(self.img, d, memcheck=None), [2, 5])

    def test_broken_blocks(self):
        """A block broken on disk, or cut short by its zlen: reads raise an
        error naming the chunk, verification calls it bad, the others read."""
        _, info = self.make4()
        zl = info["zlens"]
        undecodable = 0
        for spec_kw, chunk in ((dict(zflip=[(3, 0)]), 3),               # the first token
                               (dict(zflip=[(9, zl[9] // 2)]), 9),
                               (dict(zflip=[(10, zl[10] // 3)]), 10),
                               (dict(zflip=[(11, zl[11] - 1)]), 11),    # the last literal
                               (dict(zlens={6: zl[6] - 7}), 6),          # cut short
                               (dict(zlens={8: zl[8] + 3}), 8)):         # zeros after it
            with self.subTest(**spec_kw):
                spec, _ = self.make4(**spec_kw)
                d = dumpdisk.read_disk(self.img).dumps[0]
                self.assertEqual(dumpdisk.verify_chunks(self.img, d, memcheck=None), [chunk])
                ram = mkfakedump.ram_image(spec, 4)
                pa = d.chunk_paddr(chunk)
                self.assertEqual(dumpdisk.read_phys(self.img, d, pa - 65536, 65536),
                                 ram[(chunk - 1) * 65536:chunk * 65536])
                with open(self.img, "rb") as f:
                    f.seek(d.chunk_file_offset(chunk))
                    block = f.read(d.zlens[chunk])
                try:
                    got = dumpdisk.lz4_decode(block, 65536)
                except dumpdisk.Lz4Error:
                    got = None
                if got is not None:     # a block still well formed: other bytes
                    self.assertNotEqual(got, ram[chunk * 65536:(chunk + 1) * 65536])
                    self.assertEqual(dumpdisk.read_chunk(self.img, d, chunk), got)
                    continue
                undecodable += 1
                with self.assertRaisesRegex(ValueError, r"chunk %d \(paddr 0x%x\): bad LZ4 "
                                            r"block \(zlen %d\): " % (chunk, pa, d.zlens[chunk])):
                    dumpdisk.read_phys(self.img, d, pa + 4096, 8)
                self.assertRaisesRegex(ValueError, "chunk %d" % chunk, dumpdisk.read_chunk,
                                       self.img, d, chunk)
        self.assertGreaterEqual(undecodable, 3)

    def test_malformed_tables(self):
        """zlens and compress fields the format does not allow: read_disk()
        refuses the dump, naming the chunk or the field."""
        _, info = self.make4()
        cases = [(dict(zlens={4: dumpdisk.ZLEN_MAX + 1}), 4, r"has zlen 65025.*too large"),
                 (dict(zlens={4: 65535}), 4, "too large"),
                 (dict(zlens={4: 0xFFFF}, ram_size=23 * 65536 + 8192), 4, "too large"),
                 (dict(zlens={23: 8192}, ram_size=23 * 65536 + 8192), 23,
                  r"not shorter than the chunk's 8192"),
                 (dict(zlens={2: 100}, compress=False), 2, "compress is 0"),
                 (dict(zlens={1: 100}, chunk_states={1: 2}, state=3), 1, "FAILED"),
                 (dict(zlens={1: 100}, chunk_states={1: 0}, state=3), 1, "MISSING")]
        for kw, chunk, msg in cases:
            with self.subTest(msg=msg, **{k: str(v) for k, v in kw.items()}):
                self.make4(**kw)
                self.assertRaisesRegex(ValueError, "slot 0: chunk %d.*%s" % (chunk, msg),
                                       dumpdisk.read_disk, self.img)
        for version in (2, 3):          # nothing is compressed before version 4
            with self.subTest(version=version):
                self.make4(version=version, compress=False, zlens={5: 300})
                self.assertRaisesRegex(ValueError, "chunk 5 has zlen 300 in a version %d dump"
                                       % version, dumpdisk.read_disk, self.img)
        dump = info["offset"]
        for version, compress, msg in ((4, 2, "unknown compress 2"),
                                       (3, 1, "compress 1 in a version 3 dump")):
            with self.subTest(msg=msg):
                self.make4(version=3 if version == 3 else 4, compress=False)
                patch(self.img, dump + 164, "<I", compress)
                refix_checksums(self.img)
                self.assertRaisesRegex(ValueError, msg, dumpdisk.read_disk, self.img)
        self.make4(compress=False, chunk_size=1 << 20, text_fill=False, pages=None,
                   pattern_pfns=(), ram_size=4 << 20)
        patch(self.img, dump + 164, "<I", 1)
        refix_checksums(self.img)
        self.assertRaisesRegex(ValueError, "compressed, but chunk_size 1048576",
                               dumpdisk.read_disk, self.img)

    def test_version3_dumps_still_read(self):
        """The same RAM as version 3 (nothing compressed) and as version 4
        reads the same; a version 4 dump without compression too."""
        spec, _ = self.make4()
        ram = mkfakedump.ram_image(spec, 4)
        for version, compress in ((3, False), (4, False), (2, False), (1, False)):
            with self.subTest(version=version, compress=compress):
                self.make4(version=version, compress=compress)
                d = dumpdisk.read_disk(self.img).dumps[0]
                self.assertEqual((d.version, d.compress, set(d.zlens)), (version, 0, {0}))
                self.assertEqual(d.bytes_stored, d.stored_bytes)       # as written, before 4
                self.assertEqual(d.bytes_stored, d.bytes_written)
                self.assertEqual(dumpdisk.read_phys(self.img, d, d.ram_base, d.ram_size), ram)
                self.assertEqual(dumpdisk.verify_chunks(self.img, d, memcheck=None), [])

    def test_hundreds_of_chunks(self):
        """300 compressed 64 KiB chunks read and verify in a few seconds."""
        spec = dict(ram_size=300 * 65536, chunk_size=65536, text_fill=True, compress=True,
                    seed=11)
        info = self.make(spec, version=4)[0]
        self.assertEqual(info["compressed"], 300)
        d = dumpdisk.read_disk(self.img).dumps[0]
        t = time.monotonic()
        self.assertEqual(dumpdisk.verify_chunks(self.img, d, memcheck=None), [])
        self.assertEqual(dumpdisk.read_phys(self.img, d, d.ram_base, d.ram_size),
                         mkfakedump.ram_image(spec, 4))
        self.assertLess(time.monotonic() - t, 20)

    def test_memcheck_agrees(self):
        """memcheck (C) on a compressed dump: the pattern pages found inside
        LZ4 blocks, and --verify's bad chunks those dumpdisk finds."""
        pfns = [self.PFN0 + 16 * 5 + k for k in (0, 3, 15)] + \
            list(range(self.PFN0 + 32, self.PFN0 + 48))
        self.make4(pattern_pfns=pfns, flip=[(12, 99)], zflip=[(14, 5)])
        d = dumpdisk.read_disk(self.img).dumps[0]
        self.assertTrue(d.zlens[5] and d.zlens[12] and d.zlens[14] and not d.zlens[2])
        py = dumpdisk.verify_chunks(self.img, d, memcheck=None)
        self.assertIn(12, py)
        rc, out, err = memcheck("--verify", self.img, 0)
        self.assertEqual(rc, 1, (out, err))
        self.assertEqual([int(x) for x in re.findall(r"^bad (\d+)$", out, re.M)], py)
        self.assertEqual(dumpdisk.verify_chunks(self.img, d, memcheck=MEMCHECK), py)
        for exe in (MEMCHECK, MEMCHECK_SAN):
            rc, c = self.check(0, NONCE, len(pfns), exe=exe)
            self.assertEqual((c["matched"], c["corrupt"], c["bad"]), (len(pfns), 0, len(py)))

    def test_tsubaki_dump(self):
        """build/tools/tsubaki-dump on the same disks: verify, info and export
        agree with dumpdisk and with the fake's RAM; a block that does not
        decode is a bad chunk (exported as zeros), a zlen out of bounds a
        malformed dump."""
        def tool(*args):
            p = subprocess.run([TSUBAKI_DUMP] + [str(a) for a in args], capture_output=True,
                               text=True, timeout=300)
            self.assertGreaterEqual(p.returncode, 0, (args, p.stderr))     # no signal
            return p

        skip = {self.PFN0 + 16 * 6 + 3: 1, self.PFN0 + 32 + 5: 3}
        spec, info = self.make4(filter=17, skip_pfns=skip)
        d = dumpdisk.read_disk(self.img).dumps[0]
        p = tool("verify", self.img, 1)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        j = json.loads(tool("info", self.img, 1, "--json").stdout)
        self.assertEqual((j["compress"], j["bytes_stored"], j["compressed_chunks"],
                          j["bytes_written"]),
                         ("lz4", d.bytes_stored, sum(1 for z in d.zlens if z), d.bytes_written))
        core = os.path.join(self.dir, "v4.core")
        self.assertEqual(tool("export", self.img, 1, "--elf", core).returncode, 0)
        self.assertEqual(self.ram_segment(core, d.ram_size), mkfakedump.ram_image(spec, 4))

        spec, _ = self.make4(zlens={6: info["zlens"][6] - 5})          # cut short
        p = tool("verify", self.img, 1)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertRegex(p.stderr, r"chunk 6 \(paddr 0x40060000\): .*compressed block")
        p = tool("export", self.img, 1, "--elf", core, "--force")
        self.assertEqual(p.returncode, 1, p.stderr)
        ram = bytearray(mkfakedump.ram_image(spec, 4))
        ram[6 * 65536:7 * 65536] = bytes(65536)
        self.assertEqual(self.ram_segment(core, d.ram_size), bytes(ram))

        self.make4(zlens={6: dumpdisk.ZLEN_MAX + 1})
        for args in (("info", self.img, 1), ("verify", self.img, 1)):
            p = tool(*args)
            self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
            self.assertRegex(p.stderr, r"^tsubaki-dump: .*chunk 6.*zlen 65025")

    @staticmethod
    def ram_segment(core, size):
        """The bytes of a vmcore's one PT_LOAD segment of @size bytes."""
        with open(core, "rb") as f:
            eh = f.read(64)
            phoff, = struct.unpack_from("<Q", eh, 32)
            phnum, = struct.unpack_from("<H", eh, 56)
            f.seek(phoff)
            segs = [struct.unpack("<IIQQQQQQ", f.read(56)) for _ in range(phnum)]
            (off, filesz), = [(s[2], s[5]) for s in segs if s[0] == 1 and s[5] == size]
            f.seek(off)
            return f.read(filesz)

    def test_cli(self):
        out = subprocess.run([sys.executable, os.path.join(HERE, "mkfakedump.py"), self.img,
                              "--compress", "--text-fill", "--ram-size", str(6 * 65536),
                              "--zflip", "2:10", "--flip", "4:1"],
                             capture_output=True, text=True, check=True).stdout
        info = json.loads(out)
        self.assertEqual(info["compressed"], 6)
        d = dumpdisk.read_disk(self.img).dumps[0]
        self.assertEqual((d.version, d.compress, d.zlens), (4, 1, info["zlens"]))
        self.assertEqual(dumpdisk.verify_chunks(self.img, d, memcheck=None), [2, 4])
        out = subprocess.run([sys.executable, os.path.join(TOP, "tests/system/dumpdisk.py"),
                              self.img], capture_output=True, text=True, check=True).stdout
        self.assertIn("compress lz4: 6 chunks compressed, bytes_stored %d" % d.bytes_stored, out)
        p = subprocess.run([sys.executable, os.path.join(HERE, "mkfakedump.py"), self.img,
                            "--zlen", "1:70000", "--compress"], capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("16 bits", p.stderr)


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
