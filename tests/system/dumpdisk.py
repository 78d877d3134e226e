# SPDX-License-Identifier: BSD-3-Clause
"""Reader for the Tsubaki dump disk (include/tsubaki/dump_format.h), for tests.

    disk = read_disk("dump.img")
    for d in disk.dumps:                      # non-empty slots only
        print(d.slot, d.dump_id, d.state_name, d.ram_base, d.nchunks)
    bad = verify_chunks("dump.img", disk.dumps[0])   # [] when all OK chunks check
    data = read_chunk("dump.img", disk.dumps[0], 3)  # chunk 3 as RAM held it

Everything on disk is untrusted: every offset and size is checked against the
format's limits, the slot and the file, and any inconsistency raises
ValueError with a message saying what and where. Compressed chunks (version
4, compress == 1) are LZ4 blocks, decoded by lz4_decode() -- bounded by the
chunk's length, a malformed block is a ValueError naming the chunk. Version
5 says the crashed machine's architecture (Dump.arch: ARCH_AARCH64, every
older dump too, or ARCH_AARCH32, ARMv7-A), which says how the CPU records read:
each record is a dict with "regs" (x0..x30 or r0..r15), "pc", "sp" (of the
mode the CPU was in) and "pstate" (the CPSR on AArch32) either way, plus
"x" and the AArch64 fields, or "r", "cpsr", "lr" and "a32" (every field of
struct tsb_a32_regs by name). Python 3 stdlib only.
"""
import array
import os
import re
import struct
import subprocess
import sys
from dataclasses import dataclass, field

# ---- the format (keep in sync with include/tsubaki/dump_format.h) ----------
DISK_MAGIC = 0x4B5349444B425354     # "TSBKDISK"
DUMP_MAGIC = 0x504D55444B425354     # "TSBKDUMP"
FORMAT_VERSION = 5
ARCH_AARCH64, ARCH_AARCH32 = 0, 1   # tsb_dump_header.arch (version 5; before: AArch64)
ARCH_NAMES = {0: "aarch64", 1: "aarch32"}
PAGE = 4096
SKIP_PAGES = 16                     # a filtered dump's chunk: 2 bits a page
SKIP_NONE, SKIP_ZERO, SKIP_FREE, SKIP_OTHER = 0, 1, 2, 3
SKIP_NAMES = {1: "zero", 2: "free", 3: "cache_or_user"}
FILTER_AUDIT = 0x100                # every page written, the verdicts recorded
COMPRESS_NONE, COMPRESS_LZ4 = 0, 1  # tsb_dump_header.compress (version 4)
COMPRESS_NAMES = {0: "none", 1: "lz4"}
SECTOR = 512                        # a compressed chunk takes whole sectors
ZLEN_MAX = SKIP_PAGES * PAGE - SECTOR   # TSB_ZLEN_MAX: a block must save a sector
LZ4_MINMATCH = 4

BLOCK = 4096
DUMP_ALIGN = 1 << 20
META_SIZE = 1 << 20
MAX_DUMPS = 16
MAX_CPUS = 8
MAX_REGIONS = 64

OFF_HEADER = 0x0000
OFF_CPUS = 0x1000
OFF_VMCOREINFO = 0x3000
VMCOREINFO_MAX = 0x2000
OFF_REGIONS = 0x5000
OFF_CHUNKS = 0x6000

DUMP_EMPTY, DUMP_IN_PROGRESS, DUMP_COMPLETE, DUMP_PARTIAL = 0, 1, 2, 3
DUMP_STATES = {0: "EMPTY", 1: "IN_PROGRESS", 2: "COMPLETE", 3: "PARTIAL"}

TIME_NAMES = ("fault", "primary_done", "restart_start", "restart_done",
              "secondary_done")     # enum tsb_time

REGION_PRIMARY, REGION_SECONDARY, REGION_KERNEL, REGION_WINDOW, REGION_EXCLUDED = 1, 2, 3, 4, 5
REGION_KINDS = {1: "PRIMARY", 2: "SECONDARY", 3: "KERNEL", 4: "WINDOW", 5: "EXCLUDED"}

CHUNK_MISSING, CHUNK_OK, CHUNK_FAILED, CHUNK_NO_ROOM, CHUNK_EXCLUDED = 0, 1, 2, 3, 4
CHUNK_STATES = {0: "MISSING", 1: "OK", 2: "FAILED", 3: "NO_ROOM", 4: "EXCLUDED"}

# struct layouts, little-endian, no padding (every field naturally aligned)
SLOT = struct.Struct("<QQQII")                  # offset size dump_id state flags
SLOT_PROTECTED = 1
DISK_HEADER_V1 = struct.Struct("<QIIQQQ" + "32s" * MAX_DUMPS)
DISK_HEADER = struct.Struct(DISK_HEADER_V1.format + "QQ")     # + generation reserved2
DISK_CHECKSUM_OFF = 32
DUMP_HEADER_V1 = struct.Struct("<QIIQ" + "Q" * len(TIME_NAMES) + "QQQQQQQ" + "IIII" + "QQ")
# + cause cause_cpus (version 2) filter (3) compress (4) bytes_skipped (3) bytes_stored (4)
DUMP_HEADER_V2 = struct.Struct(DUMP_HEADER_V1.format + "IIIIQQ")     # versions 2-4
DUMP_HEADER = struct.Struct(DUMP_HEADER_V2.format + "II")            # + arch reserved5 (5)
DUMP_CHECKSUM_OFF = 144
DUMP_ARCH_OFF = 184
CAUSES = {0: "unknown", 1: "panic", 2: "hard-lockup", 3: "watchdog"}
CPU_FIELDS = ("sp_el0", "sp_el1", "pc", "pstate", "elr_el1", "spsr_el1",
              "sctlr_el1", "ttbr0_el1", "ttbr1_el1", "tcr_el1", "mair_el1",
              "vbar_el1", "esr_el1", "far_el1", "tpidr_el1", "tpidr_el0")
CPU_RECORD = struct.Struct("<IIQ" + "Q" * 31 + "Q" * len(CPU_FIELDS) + "Q" * 6)
# The AArch32 view of a CPU record (struct tsb_a32_regs after valid, cpu, mpidr).
A32_FIELDS = (["r%d" % i for i in range(16)] + ["cpsr", "sp_usr", "lr_usr"] +
              ["%s_%s" % (reg, mode) for mode in ("svc", "abt", "und", "irq")
               for reg in ("sp", "lr", "spsr")] +
              ["r%d_fiq" % i for i in range(8, 13)] +
              ["sp_fiq", "lr_fiq", "spsr_fiq", "sctlr", "ttbcr", "dacr", "contextidr",
               "ttbr0", "ttbr1", "mair0", "mair1", "vbar", "dfsr", "dfar", "ifsr", "ifar",
               "tpidrurw", "tpidruro", "tpidrprw"])
CPU_RECORD_A32 = struct.Struct("<IIQ" + "I" * 43 + "4x" + "QQ" + "I" * 10 + "192x")
A32_MODES = {0x10: "usr", 0x11: "fiq", 0x12: "irq", 0x13: "svc", 0x16: "mon", 0x17: "abt",
             0x1a: "hyp", 0x1b: "und", 0x1f: "sys"}
REGION = struct.Struct("<QQQII")
CHUNK = struct.Struct("<QHHI")                  # checksum state zlen (version 4) skip (3)
MAX_CHUNKS = (META_SIZE - OFF_CHUNKS) // CHUNK.size

assert DISK_HEADER_V1.size == 552 and DUMP_HEADER_V1.size == 152
assert DISK_HEADER.size == 568 and DUMP_HEADER_V2.size == 184 and DUMP_HEADER.size == 192
assert CPU_RECORD.size == 440 and CPU_RECORD_A32.size == 440
assert REGION.size == 32 and CHUNK.size == 16

_M64 = (1 << 64) - 1


def tsb_sum64(data, h=0):
    """tsb_sum64(h, data, len(data)) of dump_format.h; len(data) % 8 == 0."""
    n = len(data)
    if n % 8:
        raise ValueError("tsb_sum64: length %d is not a multiple of 8" % n)
    h = _sum64_update(h ^ 0x9E3779B97F4A7C15 ^ n, data)
    return h


def _sum64_update(h, data):
    """The word loop of tsb_sum64 over bytes-like @data (whole words)."""
    words = array.array("Q")
    words.frombytes(data)
    if sys.byteorder != "little":
        words.byteswap()
    m = _M64
    for w in words:
        h = ((h ^ w) * 0x100000001B3) & m
        h ^= h >> 29
    return h


# ---- LZ4 blocks (include/tsubaki/lz4.h) -------------------------------------
class Lz4Error(ValueError):
    """A block that is not a well-formed LZ4 block of the expected size."""


def _lz4_len(src, ip, n, length, limit, what):
    """A length field's extension bytes from @src at @ip (before @n) added to
    @length: (length, new ip). Refuses a length above @limit as soon as it
    passes it, so a run of 255s costs no more than the bytes it takes."""
    while True:
        if ip >= n:
            raise Lz4Error("the block ends inside a %s at byte %d" % (what, ip))
        b = src[ip]
        ip += 1
        length += b
        if length > limit:
            raise Lz4Error("%s %d+ at byte %d is more than the %d bytes to decode"
                           % (what, length, ip - 1, limit))
        if b != 255:
            return length, ip


def lz4_decode(src, dstlen):
    """The bytes the LZ4 block @src (bytes-like) decodes to, which must be
    exactly @dstlen; raise Lz4Error (a ValueError) saying what is wrong and
    where, never writing past @dstlen. Accepts what tsb_lz4_decode() accepts:
    the block ends after the literals of the sequence that reaches its end."""
    src = bytes(src)
    n = len(src)
    out = bytearray()
    ip = 0
    while True:
        if ip >= n:
            raise Lz4Error("the block ends before a token at byte %d" % ip)
        token = src[ip]
        ip += 1
        lit = token >> 4
        if lit == 15:
            lit, ip = _lz4_len(src, ip, n, lit, dstlen, "literal length")
        op = len(out)
        if lit > n - ip:
            raise Lz4Error("%d literals at byte %d run past the block's end (%d bytes)"
                           % (lit, ip, n))
        if lit > dstlen - op:
            raise Lz4Error("%d literals at output byte %d run past the %d bytes to decode"
                           % (lit, op, dstlen))
        out += src[ip:ip + lit]
        ip += lit
        if ip == n:                     # the last sequence: literals only
            if len(out) != dstlen:
                raise Lz4Error("the block decodes to %d bytes, not %d" % (len(out), dstlen))
            return bytes(out)
        if n - ip < 2:
            raise Lz4Error("the block ends inside a match offset at byte %d" % ip)
        off = src[ip] | src[ip + 1] << 8
        ip += 2
        op = len(out)
        if not off:
            raise Lz4Error("match offset 0 at byte %d" % (ip - 2))
        if off > op:
            raise Lz4Error("match offset %d at output byte %d points before the start"
                           % (off, op))
        mlen = token & 15
        if mlen == 15:
            mlen, ip = _lz4_len(src, ip, n, mlen, dstlen, "match length")
        mlen += LZ4_MINMATCH
        if mlen > dstlen - op:
            raise Lz4Error("a match of %d bytes at output byte %d runs past the %d bytes "
                           "to decode" % (mlen, op, dstlen))
        start = op - off
        if off >= mlen:                 # no overlap: one slice
            out += out[start:start + mlen]
        else:                           # overlaps what it writes: the last @off bytes repeated
            pat = out[start:]
            out += pat * (mlen // off) + pat[:mlen % off]


# ---- parsed objects --------------------------------------------------------
@dataclass
class Dump:
    slot: int                   # index in the disk header's slot table
    slot_offset: int            # of the dump, from the start of the disk
    slot_size: int
    slot_state: int             # the slot table's view of the state
    dump_id: int
    state: int                  # the dump header's state
    state_name: str
    t_ns: list                  # TIME_NAMES order
    ram_base: int
    ram_size: int
    window: int
    chunk_size: int
    nchunks: int
    data_offset: int            # of chunk 0, from the dump's start
    bytes_written: int
    ncpus: int
    panic_cpu: int
    vmcoreinfo_size: int
    nregions: int
    boot_count: int
    checksum: int
    vmcoreinfo: bytes = b""
    regions: list = field(default_factory=list)     # dicts
    chunks: list = field(default_factory=list)      # (state, checksum)
    cpus: list = field(default_factory=list)        # dicts
    cause: int = 0              # CAUSES (version 1: 0, unknown)
    cause_cpus: int = 0         # bit per CPU
    filter: int = 0             # TSB_FILTER_* applied (version 3)
    bytes_skipped: int = 0      # left out by the filter
    skips: list = field(default_factory=list)       # per chunk: 2 bits a page, SKIP_*
    version: int = 0            # of the dump header
    compress: int = 0           # COMPRESS_* (version 4)
    bytes_stored: int = 0       # disk bytes of the OK chunks (before version 4: bytes_written)
    zlens: list = field(default_factory=list)       # per chunk: its LZ4 block's bytes, 0: as is
    arch: int = ARCH_AARCH64    # ARCH_* (version 5; before: AArch64)

    @property
    def arch_name(self):
        return ARCH_NAMES[self.arch]

    def skip_code(self, i, page):
        """SKIP_* of page @page (0-based, in chunk @i)."""
        return (self.skips[i] >> (2 * page)) & 3 if page < SKIP_PAGES else SKIP_NONE

    def skipped_pages(self):
        """{SKIP_NAMES value: pages left out}, over the OK chunks."""
        out = {n: 0 for n in SKIP_NAMES.values()}
        for i, skip in enumerate(self.skips):
            for p in range(SKIP_PAGES):
                c = (skip >> (2 * p)) & 3
                if c:
                    out[SKIP_NAMES[c]] += 1
        return out

    def zero_skipped(self, i, within, data):
        """@data read from chunk @i at offset @within, its left-out pages zeroed."""
        if not self.skips[i] or self.filter & FILTER_AUDIT:
            return data
        b = bytearray(data)
        for p in range(within // PAGE, -(-(within + len(data)) // PAGE)):
            if self.skip_code(i, p):
                lo, hi = max(p * PAGE, within), min((p + 1) * PAGE, within + len(data))
                b[lo - within:hi - within] = bytes(hi - lo)
        return bytes(b)

    def stored_len(self, i):
        """The disk bytes OK chunk @i takes: its block's sectors if compressed,
        else its pages less those left out."""
        if self.zlens[i]:
            return -(-self.zlens[i] // SECTOR) * SECTOR
        skip = 0 if self.filter & FILTER_AUDIT else self.skips[i]
        return self.chunk_len(i) - PAGE * sum(1 for p in range(SKIP_PAGES)
                                              if skip >> (2 * p) & 3)

    @property
    def stored_bytes(self):
        """Disk bytes the OK chunks take (what bytes_stored should say)."""
        return sum(self.stored_len(i) for i, (st, _) in enumerate(self.chunks)
                   if st == CHUNK_OK)

    @property
    def compress_name(self):
        return COMPRESS_NAMES[self.compress]

    @property
    def cause_name(self):
        return CAUSES.get(self.cause, "unknown")

    @property
    def times(self):
        return dict(zip(TIME_NAMES, self.t_ns))

    @property
    def slot_state_name(self):
        return DUMP_STATES[self.slot_state]

    def chunk_len(self, i):
        """Bytes of RAM in chunk @i (the last one may be short)."""
        return min(self.chunk_size, self.ram_size - i * self.chunk_size)

    def chunk_paddr(self, i):
        return self.ram_base + i * self.chunk_size

    def chunk_file_offset(self, i):
        """Where chunk @i's data is (or would be) in the disk image."""
        return self.slot_offset + self.data_offset + i * self.chunk_size

    def chunk_counts(self):
        """{state name: number of chunks}"""
        out = {name: 0 for name in CHUNK_STATES.values()}
        for st, _ in self.chunks:
            out[CHUNK_STATES[st]] += 1
        return out

    @property
    def ok_bytes(self):
        """RAM bytes in OK chunks (what bytes_written should say)."""
        return sum(self.chunk_len(i) for i, (st, _) in enumerate(self.chunks)
                   if st == CHUNK_OK)

    def vmcoreinfo_fields(self):
        """VMCOREINFO's KEY=VALUE lines as a dict of str."""
        out = {}
        for line in self.vmcoreinfo.decode("ascii", "replace").splitlines():
            key, eq, val = line.partition("=")
            if eq:
                out[key] = val
        return out


@dataclass
class Disk:
    path: str
    file_size: int
    magic: int
    version: int
    nslots: int
    disk_size: int
    next_dump_id: int
    checksum: int
    slots: list                 # all nslots slots: dicts offset size dump_id state
    dumps: list                 # Dump for every slot whose state != EMPTY
    generation: int = 0
    header_copy: int = 0        # which copy of the disk header counts (0 at 0, 1 at 4 KiB)

    def dump_by_id(self, dump_id):
        for d in self.dumps:
            if d.dump_id == dump_id:
                return d
        raise KeyError("no dump with id %d on %s" % (dump_id, self.path))


# ---- reading ---------------------------------------------------------------
def _read(f, file_size, off, size, what):
    if off < 0 or size < 0 or off + size > file_size:
        raise ValueError("truncated file: %s needs bytes [%d, %d) of %d"
                         % (what, off, off + size, file_size))
    f.seek(off)
    data = f.read(size)
    if len(data) != size:
        raise ValueError("truncated file: end of file inside %s" % what)
    return data


def _file_size(f):
    f.seek(0, os.SEEK_END)
    return f.tell()


def _header_sum(raw, checksum_off):
    return tsb_sum64(raw[:checksum_off] + bytes(8) + raw[checksum_off + 8:])


def read_disk(path):
    """Parse and check the disk header and every non-empty dump's metadata."""
    with open(path, "rb") as f:
        file_size = _file_size(f)
        if file_size < BLOCK:
            raise ValueError("%s: truncated file: %d bytes, smaller than the "
                             "disk header block" % (path, file_size))
        errors, good = [], []
        for copy in (0, 1):
            if copy and file_size < 2 * BLOCK:
                break
            try:
                good.append((copy, _disk_header_copy(f, file_size, path, copy)))
            except ValueError as e:
                errors.append(e)
        if copy == 1 and good and good[-1][0] == 1 and good[-1][1][1] == 1:
            good.pop()                  # version 1 kept one copy, at 0
        if not good:
            raise errors[0]
        copy, v = max(good, key=lambda cv: cv[1][-2] if cv[1][1] > 1 else 0)
        magic, version, nslots, disk_size, next_dump_id, checksum = v[:6]
        disk = Disk(path, file_size, magic, version, nslots, disk_size,
                    next_dump_id, checksum, [], [],
                    v[-2] if version > 1 else 0, copy)
        used = []
        for i in range(nslots):
            off, size, dump_id, state, flags = SLOT.unpack(v[6 + i])
            disk.slots.append(dict(offset=off, size=size, dump_id=dump_id,
                                   state=state, flags=flags if version > 1 else 0))
            if state == DUMP_EMPTY:
                continue
            where = "%s: slot %d" % (path, i)
            if state not in DUMP_STATES:
                raise ValueError("%s: unknown state %d" % (where, state))
            if off < BLOCK or off % DUMP_ALIGN:
                raise ValueError("%s: offset 0x%x not a non-zero multiple of "
                                 "1 MiB" % (where, off))
            if size < OFF_CHUNKS or off + size > disk_size:
                raise ValueError("%s: [0x%x, +0x%x) does not fit the disk "
                                 "(size 0x%x)" % (where, off, size, disk_size))
            for j, (o2, s2) in used:
                if off < o2 + s2 and o2 < off + size:
                    raise ValueError("%s overlaps slot %d" % (where, j))
            used.append((i, (off, size)))
            disk.dumps.append(_read_dump(f, file_size, i, disk.slots[i], where))
    return disk


def _disk_header_copy(f, file_size, path, copy):
    """The fields of disk header copy @copy, checked; raise ValueError."""
    raw = _read(f, file_size, copy * BLOCK, DISK_HEADER.size, "the disk header")
    magic, version = struct.unpack_from("<QI", raw)
    where = path if not copy else "%s: disk header copy 1" % path
    if magic != DISK_MAGIC:
        raise ValueError("%s: bad disk magic 0x%016x (want 0x%016x)"
                         % (where, magic, DISK_MAGIC))
    if version not in range(1, FORMAT_VERSION + 1):
        raise ValueError("%s: unsupported disk format version %d (want 1..%d)"
                         % (where, version, FORMAT_VERSION))
    if version == 1:
        raw = raw[:DISK_HEADER_V1.size]
        v = DISK_HEADER_V1.unpack(raw)
    else:
        v = DISK_HEADER.unpack(raw)
    nslots, disk_size, checksum = v[2], v[3], v[5]
    want = _header_sum(raw, DISK_CHECKSUM_OFF)
    if want != checksum:
        raise ValueError("%s: disk header checksum 0x%016x does not match "
                         "its contents (0x%016x)" % (where, checksum, want))
    if nslots > MAX_DUMPS:
        raise ValueError("%s: nslots %d > %d" % (where, nslots, MAX_DUMPS))
    if disk_size < BLOCK:
        raise ValueError("%s: disk_size %d is smaller than the header"
                         % (where, disk_size))
    if disk_size > file_size:
        raise ValueError("%s: truncated file: disk_size %d > file size %d"
                         % (where, disk_size, file_size))
    return v


def _read_dump(f, file_size, index, slot, where):
    base, ssize = slot["offset"], slot["size"]
    raw = _read(f, file_size, base + OFF_HEADER, DUMP_HEADER.size,
                "%s: the dump header" % where)
    magic, version = struct.unpack_from("<QI", raw)
    if magic != DUMP_MAGIC:
        raise ValueError("%s: bad dump magic 0x%016x (want 0x%016x)"
                         % (where, magic, DUMP_MAGIC))
    if version not in range(1, FORMAT_VERSION + 1):
        raise ValueError("%s: unsupported dump version %d (want 1..%d)"
                         % (where, version, FORMAT_VERSION))
    cause = cause_cpus = filt = compress = skipped = stored = arch = 0
    if version == 1:
        raw = raw[:DUMP_HEADER_V1.size]
        v = DUMP_HEADER_V1.unpack(raw)
    elif version < 5:
        raw = raw[:DUMP_HEADER_V2.size]
        v = DUMP_HEADER_V2.unpack(raw)
        cause, cause_cpus, filt, compress, skipped, stored = v[4 + len(TIME_NAMES) + 13:]
        if version < 3:
            filt = skipped = 0
    else:
        v = DUMP_HEADER.unpack(raw)
        cause, cause_cpus, filt, compress, skipped, stored, arch, _ = \
            v[4 + len(TIME_NAMES) + 13:]
    magic, version, state, dump_id = v[:4]
    nt = len(TIME_NAMES)
    t_ns = list(v[4:4 + nt])
    (ram_base, ram_size, window, chunk_size, nchunks, data_offset,
     bytes_written, ncpus, panic_cpu, vmcoreinfo_size, nregions, boot_count,
     checksum) = v[4 + nt:4 + nt + 13]
    want = _header_sum(raw, DUMP_CHECKSUM_OFF)
    if want != checksum:
        raise ValueError("%s: dump header checksum 0x%016x does not match its "
                         "contents (0x%016x)" % (where, checksum, want))
    if dump_id != slot["dump_id"]:
        raise ValueError("%s: dump_id %d != the slot's %d"
                         % (where, dump_id, slot["dump_id"]))
    if state == DUMP_EMPTY or state not in DUMP_STATES:
        raise ValueError("%s: bad dump state %d" % (where, state))
    if arch not in ARCH_NAMES:
        raise ValueError("%s: unknown architecture %d (want 0 aarch64 or 1 aarch32)"
                         % (where, arch))
    if ncpus > MAX_CPUS:
        raise ValueError("%s: ncpus %d > %d" % (where, ncpus, MAX_CPUS))
    if vmcoreinfo_size > VMCOREINFO_MAX:
        raise ValueError("%s: vmcoreinfo_size %d > %d"
                         % (where, vmcoreinfo_size, VMCOREINFO_MAX))
    if nregions > MAX_REGIONS:
        raise ValueError("%s: nregions %d > %d" % (where, nregions, MAX_REGIONS))
    if chunk_size == 0 or chunk_size % BLOCK:
        raise ValueError("%s: chunk_size %d not a non-zero multiple of 4096"
                         % (where, chunk_size))
    if ram_base % BLOCK or ram_size % BLOCK or ram_base + ram_size > _M64:
        raise ValueError("%s: bad RAM range base 0x%x size 0x%x"
                         % (where, ram_base, ram_size))
    if window > ram_size:
        raise ValueError("%s: window 0x%x > ram_size 0x%x"
                         % (where, window, ram_size))
    if nchunks > MAX_CHUNKS:
        raise ValueError("%s: nchunks %d > %d" % (where, nchunks, MAX_CHUNKS))
    if nchunks != -(-ram_size // chunk_size):
        raise ValueError("%s: nchunks %d but ram_size/chunk_size needs %d"
                         % (where, nchunks, -(-ram_size // chunk_size)))
    if version < 4 and compress:
        raise ValueError("%s: compress %d in a version %d dump (compression is "
                         "version 4 on)" % (where, compress, version))
    if compress not in COMPRESS_NAMES:
        raise ValueError("%s: unknown compress %d" % (where, compress))
    if compress and chunk_size > SKIP_PAGES * PAGE:
        raise ValueError("%s: compressed, but chunk_size %d > %d"
                         % (where, chunk_size, SKIP_PAGES * PAGE))
    meta_end = OFF_CHUNKS + nchunks * CHUNK.size
    if data_offset < meta_end or data_offset % 8 or data_offset > ssize:
        raise ValueError("%s: data_offset 0x%x outside [0x%x, slot size 0x%x] "
                         "or unaligned" % (where, data_offset, meta_end, ssize))

    d = Dump(index, base, ssize, slot["state"], dump_id, state,
             DUMP_STATES[state], t_ns, ram_base, ram_size, window, chunk_size,
             nchunks, data_offset, bytes_written, ncpus, panic_cpu,
             vmcoreinfo_size, nregions, boot_count, checksum)
    d.cause, d.cause_cpus = cause, cause_cpus
    d.filter, d.bytes_skipped = filt, skipped
    # before version 4 nothing is compressed: the disk holds what was written
    d.version, d.compress = version, compress
    d.bytes_stored = stored if version >= 4 else bytes_written
    d.arch = arch

    d.vmcoreinfo = _read(f, file_size, base + OFF_VMCOREINFO, vmcoreinfo_size,
                         "%s: VMCOREINFO" % where)

    raw = _read(f, file_size, base + OFF_CPUS, ncpus * CPU_RECORD.size,
                "%s: the CPU records" % where)
    for k in range(ncpus):
        d.cpus.append(cpu_record(raw[k * CPU_RECORD.size:(k + 1) * CPU_RECORD.size], arch))

    raw = _read(f, file_size, base + OFF_CHUNKS, nchunks * CHUNK.size,
                "%s: the chunk table" % where)
    for i, (csum, cstate, zlen, skip) in enumerate(CHUNK.iter_unpack(raw)):
        if version < 3 or cstate != CHUNK_OK:
            skip = 0
        if skip and (d.chunk_len(i) % PAGE or d.chunk_len(i) // PAGE > SKIP_PAGES
                     or skip >> (2 * (d.chunk_len(i) // PAGE))):
            raise ValueError("%s: chunk %d leaves out pages (0x%08x) but is %d bytes"
                             % (where, i, skip, d.chunk_len(i)))
        d.skips.append(skip)
        if cstate not in CHUNK_STATES:
            raise ValueError("%s: chunk %d: unknown state %d" % (where, i, cstate))
        if zlen:
            _check_zlen(d, i, cstate, zlen, where)
        d.zlens.append(zlen)
        if cstate == CHUNK_OK:
            # a compressed chunk takes its block's sectors of its place
            start, clen = data_offset + i * chunk_size, d.chunk_len(i)
            if zlen:
                clen = -(-zlen // SECTOR) * SECTOR
            if start + clen > ssize:
                raise ValueError("%s: OK chunk %d at dump offset 0x%x (+0x%x) "
                                 "is beyond the slot (size 0x%x)"
                                 % (where, i, start, clen, ssize))
        d.chunks.append((cstate, csum))

    raw = _read(f, file_size, base + OFF_REGIONS, nregions * REGION.size,
                "%s: the region table" % where)
    for i, (paddr, size, first, kind, _) in enumerate(REGION.iter_unpack(raw)):
        w = "%s: region %d [0x%x, +0x%x)" % (where, i, paddr, size)
        if kind not in REGION_KINDS:
            raise ValueError("%s: unknown kind %d" % (w, kind))
        if paddr < ram_base or paddr + size > ram_base + ram_size:
            raise ValueError("%s: outside RAM [0x%x, +0x%x)"
                             % (w, ram_base, ram_size))
        if size and first != (paddr - ram_base) // chunk_size:
            raise ValueError("%s: first_chunk %d, but its address is in chunk %d"
                             % (w, first, (paddr - ram_base) // chunk_size))
        d.regions.append(dict(paddr=paddr, size=size, first_chunk=first,
                              kind=kind, kind_name=REGION_KINDS[kind]))
    return d


def cpu_record(raw, arch=ARCH_AARCH64):
    """A CPU record (440 bytes) as a dict, by the dump's architecture: valid,
    cpu, mpidr, regs (the general registers: x0..x30, or r0..r15), pc, sp (of
    the mode the CPU was in: AArch64 SP_EL0 at EL0t/EL1t, else SP_EL1;
    AArch32 its banked r13), pstate (SPSR_EL3; the CPSR); AArch64 also x and
    the CPU_FIELDS, AArch32 r, lr, cpsr, mode and a32 (A32_FIELDS)."""
    if arch == ARCH_AARCH32:
        valid, cpu, mpidr, *rest = CPU_RECORD_A32.unpack(raw)
        a32 = dict(zip(A32_FIELDS, rest))
        a32["r"] = list(rest[:16])
        return dict(valid=valid, cpu=cpu, mpidr=mpidr, regs=list(rest[:16]), r=list(rest[:16]),
                    pc=rest[15], sp=rest[13], lr=rest[14], cpsr=rest[16], pstate=rest[16],
                    mode=A32_MODES.get(rest[16] & 0x1F, "?"), a32=a32)
    valid, cpu, mpidr, *rest = CPU_RECORD.unpack(raw)
    rec = dict(valid=valid, cpu=cpu, mpidr=mpidr, x=list(rest[:31]), regs=list(rest[:31]))
    rec.update(zip(CPU_FIELDS, rest[31:31 + len(CPU_FIELDS)]))
    rec["sp"] = rec["sp_el0"] if rec["pstate"] & 0x1F in (0x0, 0x4) else rec["sp_el1"]
    return rec


def _check_zlen(d, i, state, zlen, where):
    """A chunk table entry with a zlen (a compressed chunk): only in a version
    4 LZ4 dump, only OK, a block that fits TSB_ZLEN_MAX and saves room."""
    w = "%s: chunk %d has zlen %d" % (where, i, zlen)
    if d.version < 4:
        raise ValueError("%s in a version %d dump (compression is version 4 on)"
                         % (w, d.version))
    if d.compress != COMPRESS_LZ4:
        raise ValueError("%s, but the dump's compress is %d, not LZ4" % (w, d.compress))
    if state != CHUNK_OK:
        raise ValueError("%s, but is %s (only OK chunks are stored compressed)"
                         % (w, CHUNK_STATES[state]))
    if zlen > ZLEN_MAX:
        raise ValueError("%s: zlen too large (at most %d)" % (w, ZLEN_MAX))
    if zlen >= d.chunk_len(i):
        raise ValueError("%s: zlen too large: not shorter than the chunk's %d bytes"
                         % (w, d.chunk_len(i)))


def _decode_chunk(f, file_size, dump, i):
    """Compressed chunk @i's data: its block decoded, to exactly its length
    (ValueError naming the chunk when the block is malformed)."""
    zlen, clen = dump.zlens[i], dump.chunk_len(i)
    block = _read(f, file_size, dump.chunk_file_offset(i), zlen,
                  "chunk %d's LZ4 block" % i)
    try:
        return lz4_decode(block, clen)
    except Lz4Error as e:
        raise Lz4Error("%s: slot %d: chunk %d (paddr 0x%x): bad LZ4 block (zlen %d): %s"
                       % (f.name, dump.slot, i, dump.chunk_paddr(i), zlen, e)) from None


def _chunk_data(f, file_size, dump, i, within, n):
    """@n bytes of OK chunk @i from @within, as the RAM held them (decoded,
    the pages left out as zeros)."""
    if dump.zlens[i]:
        data = _decode_chunk(f, file_size, dump, i)[within:within + n]
    else:
        data = _read(f, file_size, dump.chunk_file_offset(i) + within, n, "chunk %d" % i)
    return dump.zero_skipped(i, within, data)


def read_chunk(path, dump, i):
    """OK chunk @i of @dump, whole, as the RAM held it (ValueError if it is
    not on disk, or its LZ4 block is malformed)."""
    if not 0 <= i < dump.nchunks:
        raise ValueError("chunk %d: the dump has %d" % (i, dump.nchunks))
    if dump.chunks[i][0] != CHUNK_OK:
        raise ValueError("chunk %d is %s" % (i, CHUNK_STATES[dump.chunks[i][0]]))
    with open(path, "rb") as f:
        return _chunk_data(f, _file_size(f), dump, i, 0, dump.chunk_len(i))


def read_phys(path, dump, paddr, size):
    """@size bytes of the crashed kernel's RAM at @paddr, from OK chunks only
    (ValueError if part of the range is not in the dump, or its chunk is a
    malformed LZ4 block)."""
    if paddr < dump.ram_base or paddr + size > dump.ram_base + dump.ram_size:
        raise ValueError("0x%x+0x%x is outside the dumped RAM" % (paddr, size))
    out = bytearray()
    with open(path, "rb") as f:
        file_size = _file_size(f)
        while size > 0:
            i = (paddr - dump.ram_base) // dump.chunk_size
            if dump.chunks[i][0] != CHUNK_OK:
                raise ValueError("0x%x: chunk %d is %s" % (
                    paddr, i, CHUNK_STATES[dump.chunks[i][0]]))
            within = paddr - dump.chunk_paddr(i)
            n = min(size, dump.chunk_len(i) - within)
            out += _chunk_data(f, file_size, dump, i, within, n)
            paddr += n
            size -= n
    return bytes(out)


# ---- chunk verification ----------------------------------------------------
_TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_READ = 1 << 20


def find_memcheck():
    """build/tools/memcheck if it is built and not older than its sources
    ($TSUBAKI_MEMCHECK overrides), else None."""
    exe = os.environ.get("TSUBAKI_MEMCHECK")
    if exe:
        return exe
    build = os.environ.get("TSUBAKI_BUILD", os.path.join(_TOP, "build"))
    exe = os.path.join(build, "tools", "memcheck")
    try:
        t = os.stat(exe).st_mtime
        srcs = [os.path.join(_TOP, p) for p in (
            "tests/tools/memcheck.c", "tests/tools/pattern.h",
            "include/tsubaki/dump_format.h", "include/tsubaki/lz4.h")]
        if all(os.stat(s).st_mtime <= t for s in srcs if os.path.exists(s)):
            return exe
    except OSError:
        pass
    return None


def verify_chunks(path, dump, memcheck="auto"):
    """Recompute the checksum of every OK chunk of @dump (from read_disk(path))
    and return the sorted indexes of those that do not match -- over the
    decoded data for a compressed chunk, and a chunk whose LZ4 block does not
    decode cannot match (lz4_decode() or read_chunk() say why).

    @memcheck: "auto" uses the C helper (memcheck --verify) when find_memcheck()
    finds it, else pure Python (~20 s per GiB); None forces Python; a path
    forces that executable."""
    if memcheck == "auto":
        memcheck = find_memcheck()
    if memcheck:
        return _verify_c(memcheck, path, dump)
    bad = []
    with open(path, "rb") as f:
        file_size = _file_size(f)
        for i, (state, csum) in enumerate(dump.chunks):
            if state != CHUNK_OK:
                continue
            clen, off = dump.chunk_len(i), dump.chunk_file_offset(i)
            h = 0x9E3779B97F4A7C15 ^ clen
            if dump.zlens[i]:
                try:
                    data = dump.zero_skipped(i, 0, _decode_chunk(f, file_size, dump, i))
                except Lz4Error:
                    bad.append(i)
                    continue
                if _sum64_update(h, data) != csum:
                    bad.append(i)
                continue
            done = 0
            while done < clen:
                n = min(_READ, clen - done)
                h = _sum64_update(h, dump.zero_skipped(i, done, _read(
                    f, file_size, off + done, n, "chunk %d" % i)))
                done += n
            if h != csum:
                bad.append(i)
    return bad


def _verify_c(exe, path, dump):
    p = subprocess.run([exe, "--verify", path, str(dump.slot)],
                       capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise ValueError("%s --verify %s %d failed (%d): %s" % (
            exe, path, dump.slot, p.returncode, p.stderr.strip()))
    bad = [int(m.group(1)) for m in re.finditer(r"^bad (\d+)$", p.stdout, re.M)]
    if (p.returncode == 1) != bool(bad):
        raise ValueError("%s: unexpected output: %r" % (exe, p.stdout))
    return bad


def main(argv):
    """python3 dumpdisk.py IMAGE [--verify]: a summary of the disk."""
    disk = read_disk(argv[1])
    print("disk %s: size %d, %d slots, next_dump_id %d"
          % (disk.path, disk.disk_size, disk.nslots, disk.next_dump_id))
    for d in disk.dumps:
        print("slot %d: dump %d %s (slot %s) version %d %s boot %d ram 0x%x+0x%x window 0x%x "
              "chunks %s bytes_written %d ncpus %d panic_cpu %d regions %d "
              "vmcoreinfo %d" % (
                  d.slot, d.dump_id, d.state_name, d.slot_state_name, d.version,
                  d.arch_name, d.boot_count, d.ram_base, d.ram_size, d.window,
                  d.chunk_counts(), d.bytes_written, d.ncpus, d.panic_cpu,
                  len(d.regions), len(d.vmcoreinfo)))
        if d.compress:
            print("  compress %s: %d chunks compressed, bytes_stored %d"
                  % (d.compress_name, sum(1 for z in d.zlens if z), d.bytes_stored))
        if "--verify" in argv[2:]:
            print("  bad chunks: %s" % (verify_chunks(disk.path, d) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
