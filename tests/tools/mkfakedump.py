#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a synthetic Tsubaki dump disk (include/tsubaki/dump_format.h) for
testing the readers (tests/tools/memcheck, tests/system/dumpdisk.py).

Written independently of dumpdisk.py on purpose (its own struct layouts), so
that the two check each other. Python 3 stdlib only.

    import mkfakedump
    info = mkfakedump.make_disk("disk.img", [dict(nonce=0x1234, pattern_pfns=range(0x40010, 0x40020))])

    mkfakedump.py disk.img --nonce 0x1234 --pattern 0x40010:16 [--corrupt PFN]
                  [--flip CHUNK:BYTE] [--chunk-state CHUNK:STATE] [--dumps K]
                  [--compress [--text-fill] [--zlen CHUNK:ZLEN] [--zflip CHUNK:BYTE]] ...

Each dump spec (a dict; missing keys take DUMP_DEFAULTS) gives the RAM range,
chunking and state, the pages that hold memfill's pattern, and damage to do:
"corrupt_pfns" breaks word 7 of those pattern pages *before* the chunk
checksums are computed (a corrupt page in a good chunk), "flip" XORs a byte
of a chunk *after* (a bad chunk). RAM that is not pattern is pseudo-random
(seeded) unless "zero_fill" is set, or "text_fill" (compressible: seeded
words and runs). Non-OK chunks get their data written anyway ("fill_missing",
default true) so readers must skip them by state.

Version 4 with "compress" stores each OK chunk as one LZ4 block (lz4_compress()
below, independent of firmware/lib/lz4.c) where that takes fewer sectors than
its pages, zeros to the sector's end, junk (0xa5) over the rest of its place.
"flip" then breaks the data inside a well-formed block; "zflip" breaks the
block itself (a byte XORed after compressing), "zlens" writes a chunk's zlen
as given (too large, shorter than the block: truncated; in a version 3 dump;
on a chunk stored as is).
Version 5 adds the header's "arch": 0 AArch64 (the CPU records as before),
1 AArch32 (ARMv7-A: records of r0..r15, the CPSR, the banked registers and
CP15 state, struct tsb_a32_regs); "cpu_records" replaces records whole.
make_disk() returns, per dump, where things went (JSON-able dicts).
"""
import argparse
import json
import os
import random
import struct
import sys

DISK_MAGIC = 0x4B5349444B425354
DUMP_MAGIC = 0x504D55444B425354
VERSION = 2            # what make_disk() writes unless told otherwise (1, 3: dump levels,
                       # 4: compression, 5: the architecture)
MIB = 1 << 20
META_SIZE = MIB
MAX_DUMPS = 16
PAGE = 4096
M64 = (1 << 64) - 1
SECTOR = 512
ZLEN_MAX = 16 * PAGE - SECTOR   # TSB_ZLEN_MAX

DUMP_DEFAULTS = dict(
    dump_id=None,           # default: slot index + 1
    state=2,                # COMPLETE
    slot_state=None,        # default: = state
    nonce=0x0123456789ABCDEF,
    ram_base=0x40000000,
    ram_size=8 * 64 * 1024,
    chunk_size=64 * 1024,
    window=None,            # default: half the chunks
    pattern_pfns=(),
    corrupt_pfns=(),
    pages=None,             # {pfn: 4096 bytes}: explicit page contents
    flip=(),                # [(chunk, byte offset in chunk)]
    chunk_states=None,      # {chunk: state}; default all OK (1)
    cause=1,                # panic (version 2 on)
    cause_cpus=None,        # default: the panic CPU
    fill_missing=True,
    zero_fill=False,
    seed=1,
    ncpus=2,
    panic_cpu=1,
    boot_count=1,
    t_ns=(1000, 2000, 3000, 4000, 5000),
    vmcoreinfo=b"OSRELEASE=6.1.0-tsubaki\nPAGESIZE=4096\n",
    data_offset=META_SIZE,
    slot_size=None,         # default: everything fits
    bytes_written=None,     # default: sum of OK chunk lengths, less the skipped pages
    filter=0,               # version 3: the dump level in the header
    skip_pfns=None,         # version 3: {pfn: why (1 zero, 2 free, 3 other)}, pages left out:
                            # not in the checksum (zeros there), junk (0xa5) on the disk
    text_fill=False,        # non-pattern RAM compresses: seeded words, runs, zeros
    compress=False,         # version 4: OK chunks as LZ4 blocks where that saves a sector
    zlens=None,             # version 3, 4: {chunk: zlen} written to the table as is
    zflip=(),               # [(chunk, byte offset in its block)]: XOR 0xff after compressing
    bytes_stored=None,      # version 4; default: what the OK chunks take on disk
    arch=0,                 # version 5: 0 AArch64, 1 AArch32 (any value is written as is)
    cpu_records=None,       # {cpu: 440 bytes}: records written as given
)

# struct tsb_a32_regs (after valid, cpu, mpidr): r[16], cpsr, the banked sp/lr/spsr
# of usr svc abt und irq, r8_fiq[5], sp/lr/spsr_fiq, sctlr ttbcr dacr contextidr,
# (4 bytes of padding) ttbr0 ttbr1 (64-bit), mair0 mair1 vbar, dfsr dfar ifsr ifar,
# tpidrurw tpidruro tpidrprw.
A32_FIELDS = (["r%d" % i for i in range(16)] + ["cpsr", "sp_usr", "lr_usr"] +
              ["%s_%s" % (r, m) for m in ("svc", "abt", "und", "irq")
               for r in ("sp", "lr", "spsr")] +
              ["r%d_fiq" % i for i in range(8, 13)] +
              ["sp_fiq", "lr_fiq", "spsr_fiq", "sctlr", "ttbcr", "dacr", "contextidr",
               "ttbr0", "ttbr1", "mair0", "mair1", "vbar", "dfsr", "dfar", "ifsr", "ifar",
               "tpidrurw", "tpidruro", "tpidrprw"])
A32_FORMAT = "<IIQ" + "I" * 43 + "4x" + "QQ" + "I" * 10


def a32_record(cpu, mpidr=None, **regs):
    """A 440-byte AArch32 CPU record: valid, @cpu, @mpidr, then struct
    tsb_a32_regs with the fields named in @regs (A32_FIELDS; "r" a list of
    16), zero elsewhere."""
    vals = dict.fromkeys(A32_FIELDS, 0)
    for i, v in enumerate(regs.pop("r", [])):
        vals["r%d" % i] = v
    unknown = set(regs) - set(vals)
    if unknown:
        raise TypeError("unknown AArch32 registers %s" % sorted(unknown))
    vals.update(regs)
    rec = struct.pack(A32_FORMAT, 1, cpu, 0x80000000 | cpu if mpidr is None else mpidr,
                      *(vals[f] for f in A32_FIELDS))
    return rec + bytes(440 - len(rec))


def tsb_sum64(data, h=0):
    """include/tsubaki/dump_format.h tsb_sum64(h, data, len(data))."""
    n = len(data)
    assert n % 8 == 0
    h ^= 0x9E3779B97F4A7C15 ^ n
    for (w,) in struct.iter_unpack("<Q", data):
        h = ((h ^ w) * 0x100000001B3) & M64
        h ^= h >> 29
    return h


def tsb_pattern(nonce, pfn, i):
    """tests/tools/pattern.h tsb_pattern(): one splitmix64 step."""
    z = ((nonce ^ ((pfn * 512 + i) & M64)) + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


# ---- LZ4 blocks (include/tsubaki/lz4.h) ------------------------------------
LZ4_MINMATCH = 4
LZ4_LAST_LITERALS = 5   # the block's last 5 bytes are literals
LZ4_MF_LIMIT = 12       # and no match starts in its last 12
LZ4_MAX_OFFSET = 65535


def _lz4_len(out, n):
    """A length field's extension bytes for @n (>= 15 already in the token)."""
    n -= 15
    while n >= 255:
        out.append(255)
        n -= 255
    out.append(n)


def lz4_sequence(out, literals, offset=0, mlen=0):
    """Append one sequence to bytearray @out: @literals, then a match of
    @mlen (>= 4) bytes @offset back; @mlen 0: the last sequence (literals
    only). Any lengths and offsets -- for making malformed blocks too."""
    lit = len(literals)
    m = mlen - LZ4_MINMATCH if mlen else 0
    out.append(min(lit, 15) << 4 | min(m, 15))
    if lit >= 15:
        _lz4_len(out, lit)
    out += literals
    if mlen:
        out += struct.pack("<H", offset)
        if m >= 15:
            _lz4_len(out, m)


def _match_len(src, a, b, limit):
    """Bytes that match at @a and @b (@b < @a), @a's end at @limit: slices
    compared, doubling then halving (the bytes at @a may overlap @b's)."""
    n, k = 0, 8
    while a + n < limit:            # find a bound by doubling
        k = min(k, limit - a - n)
        if src[a + n:a + n + k] != src[b + n:b + n + k]:
            break
        n += k
        k *= 2
    else:
        return n
    while k > 1:                    # the first difference is in [n, n + k)
        h = k // 2
        if src[a + n:a + n + h] == src[b + n:b + n + h]:
            n += h
            k -= h
        else:
            k = h
    return n


def lz4_compress(src):
    """@src (bytes) as one LZ4 block: greedy, the last position with the same
    4 bytes as a match candidate, extended both ways; moving on faster the
    longer nothing matched. Keeps the format's end rules (the last 5 bytes are
    literals, no match starts in the last 12), so liblz4 reads it too."""
    src = bytes(src)
    n = len(src)
    out = bytearray()
    anchor = 0
    if n > LZ4_MF_LIMIT:
        mf_limit, match_limit = n - LZ4_MF_LIMIT, n - LZ4_LAST_LITERALS
        last = {}                   # 4 bytes -> the last position they were seen at
        ip = 0
        while ip < mf_limit:
            key = src[ip:ip + 4]
            ref = last.get(key)
            last[key] = ip
            if ref is None or ip - ref > LZ4_MAX_OFFSET:
                ip += 1 + ((ip - anchor) >> 6)
                continue
            while ip > anchor and ref > 0 and src[ip - 1] == src[ref - 1]:
                ip -= 1
                ref -= 1
            mlen = LZ4_MINMATCH + _match_len(src, ip + LZ4_MINMATCH, ref + LZ4_MINMATCH,
                                             match_limit)
            lz4_sequence(out, src[anchor:ip], ip - ref, mlen)
            ip += mlen
            anchor = ip
            if ip - 2 < mf_limit:   # the positions just matched over: finds runs
                last[src[ip - 2:ip + 2]] = ip - 2
    lz4_sequence(out, src[anchor:])
    return bytes(out)


def pattern_page(nonce, pfn):
    """The 4 KiB memfill writes into frame @pfn."""
    return struct.pack("<512Q", *(tsb_pattern(nonce, pfn, i) for i in range(512)))


def _text(rnd, words, n):
    """@n compressible bytes: mostly words (matches near and far), runs of
    one byte (overlapping matches), some zeros and random bytes."""
    out = bytearray()
    while len(out) < n:
        r = rnd.random()
        if r < 0.85:
            out += rnd.choice(words) + b" "
        elif r < 0.92:
            out += bytes([rnd.randrange(256)]) * rnd.randint(1, 300)
        elif r < 0.95:
            out += bytes(rnd.randint(1, 1000))
        else:
            out += rnd.randbytes(rnd.randint(1, 40))
    return out[:n]


def _ram(spec):
    """{chunk index: bytearray} of the fake RAM, pattern pages and corruption."""
    base, size, csz = spec["ram_base"], spec["ram_size"], spec["chunk_size"]
    nchunks = -(-size // csz)
    rnd = random.Random(spec["seed"])
    chunks = {}     # with zero_fill, only the chunks written to
    if spec["text_fill"]:
        words = [bytes(rnd.choice(b"etaoinshrdlucmfwyp_") for _ in range(rnd.randint(2, 12)))
                 for _ in range(300)]
        for i in range(nchunks):
            chunks[i] = _text(rnd, words, min(csz, size - i * csz))
    elif not spec["zero_fill"]:
        for i in range(nchunks):
            chunks[i] = bytearray(rnd.randbytes(min(csz, size - i * csz)))

    def page(pfn):
        off = pfn * PAGE - base
        if off < 0 or off + PAGE > size:
            raise ValueError("pfn 0x%x outside the fake RAM" % pfn)
        i = off // csz
        if i not in chunks:
            chunks[i] = bytearray(min(csz, size - i * csz))
        return chunks[i], off % csz

    for pfn, data in (spec["pages"] or {}).items():
        buf, o = page(pfn)
        buf[o:o + PAGE] = data
    for pfn in spec["pattern_pfns"]:
        buf, o = page(pfn)
        buf[o:o + PAGE] = pattern_page(spec["nonce"], pfn)
    for pfn in spec["corrupt_pfns"]:
        buf, o = page(pfn)
        buf[o + 7 * 8] ^= 0x40
    return chunks


def _source(spec, version):
    """({chunk index: bytearray}, skip words) of the fake RAM as the chunk
    checksums see it: the pages left out as zeros."""
    base, size, csz = spec["ram_base"], spec["ram_size"], spec["chunk_size"]
    chunks = _ram(spec)
    skips = [0] * -(-size // csz)
    for pfn, why in (spec["skip_pfns"] or {}).items():
        off = pfn * PAGE - base
        assert version >= 3 and csz <= 16 * PAGE and 0 <= off < size and 1 <= why <= 3
        i, p = off // csz, off % csz // PAGE
        skips[i] |= why << (2 * p)
        chunks.setdefault(i, bytearray(min(csz, size - i * csz)))[p * PAGE:(p + 1) * PAGE] = \
            bytes(PAGE)
    return chunks, skips


def ram_image(spec, version=VERSION):
    """The bytes of dump @spec's whole fake RAM, as the chunk checksums are
    over (the pages left out as zeros, "corrupt_pfns" done, "flip" not)."""
    s = dict(DUMP_DEFAULTS)
    s.update(spec)
    chunks, _ = _source(s, version)
    size, csz = s["ram_size"], s["chunk_size"]
    return b"".join(bytes(chunks[i]) if i in chunks else bytes(min(csz, size - i * csz))
                    for i in range(-(-size // csz)))


def _dump_image(spec, slot, version=VERSION):
    """(metadata bytes, {chunk: data}, info) of one dump."""
    base, size, csz = spec["ram_base"], spec["ram_size"], spec["chunk_size"]
    nchunks = -(-size // csz)
    window = spec["window"]
    if window is None:
        window = min(size, (nchunks // 2) * csz)
    states = [1] * nchunks
    for i, st in (spec["chunk_states"] or {}).items():
        states[i] = st
    chunks, skips = _source(spec, version)
    zero_sums = {}
    sums = []
    for i in range(nchunks):
        clen = min(csz, size - i * csz)
        if i in chunks:
            sums.append(tsb_sum64(bytes(chunks[i])))
        else:
            if clen not in zero_sums:
                zero_sums[clen] = tsb_sum64(bytes(clen))
            sums.append(zero_sums[clen])
    for i, off in spec["flip"]:
        chunks.setdefault(i, bytearray(min(csz, size - i * csz)))[off] ^= 0x01
    ok_bytes = sum(min(csz, size - i * csz) for i in range(nchunks) if states[i] == 1)
    skipped = PAGE * sum(1 for i in range(nchunks) if states[i] == 1 for p in range(16)
                         if skips[i] >> 2 * p & 3)
    zlens = [0] * nchunks
    stored = 0
    for i in range(nchunks):
        clen = min(csz, size - i * csz)
        kept = clen - PAGE * sum(1 for p in range(16) if skips[i] >> 2 * p & 3)
        if spec["compress"] and states[i] == 1:
            assert version >= 4 and csz <= 16 * PAGE, "compression: version 4, 64 KiB chunks"
            block = lz4_compress(chunks.get(i, bytes(clen)))
            sectors = -(-len(block) // SECTOR) * SECTOR
            if sectors < kept:      # saves a sector: the block, zeros, junk after
                zlens[i] = len(block)
                chunks[i] = bytearray(block + bytes(sectors - len(block)) +
                                      b"\xa5" * (clen - sectors))
                stored += sectors
                continue
        stored += kept if states[i] == 1 else 0
        for p in range(16):         # what the disk holds where nothing was written
            if skips[i] >> 2 * p & 3:
                chunks[i][p * PAGE:(p + 1) * PAGE] = b"\xa5" * PAGE
    for i, off in spec["zflip"]:
        assert zlens[i] and off < zlens[i], "zflip: chunk %d has no byte %d in a block" % (i, off)
        chunks[i][off] ^= 0xFF
    table_zlens = list(zlens)
    for i, z in (spec["zlens"] or {}).items():
        if not 0 <= z <= 0xFFFF:
            raise ValueError("zlens: chunk %d: %d does not fit tsb_chunk.zlen (16 bits)" % (i, z))
        table_zlens[i] = z

    meta = bytearray(META_SIZE if spec["data_offset"] >= META_SIZE else spec["data_offset"])
    hdr = bytearray(struct.pack(
        "<QIIQ5Q7Q4I2Q", DUMP_MAGIC, version, spec["state"], spec["dump_id"],
        *spec["t_ns"], base, size, window, csz, nchunks, spec["data_offset"],
        ok_bytes - skipped if spec["bytes_written"] is None else spec["bytes_written"],
        spec["ncpus"], spec["panic_cpu"], len(spec["vmcoreinfo"]), 2,
        spec["boot_count"], 0))
    if version >= 2:
        cpus = spec["cause_cpus"]
        cpus = 1 << spec["panic_cpu"] if cpus is None else cpus
        if version >= 4:
            hdr += struct.pack("<IIIIQQ", spec["cause"], cpus, spec["filter"],
                               1 if spec["compress"] else 0, skipped,
                               stored if spec["bytes_stored"] is None else spec["bytes_stored"])
        elif version >= 3:
            hdr += struct.pack("<IIIIQQ", spec["cause"], cpus, spec["filter"], 0, skipped, 0)
        else:
            hdr += struct.pack("<II3Q", spec["cause"], cpus, 0, 0, 0)
        if version >= 5:
            hdr += struct.pack("<II", spec["arch"], 0)
    assert len(hdr) == (152 if version == 1 else 184 if version < 5 else 192)
    hdr[144:152] = struct.pack("<Q", tsb_sum64(bytes(hdr)))
    meta[0:len(hdr)] = hdr
    for c in range(spec["ncpus"]):
        if version >= 5 and spec["arch"] == 1:
            # r0..r12 recognisable, sp lr pc in the ARM kernel's lowmem, SVC mode
            rec = a32_record(c, r=[(c << 24) | (slot << 16) | r for r in range(13)] +
                             [0x80100000 + c * 0x2000 + 0x1f00, 0x80008000 + c * 0x100 + 14,
                              0x80008000 + c * 0x100 + 16], cpsr=0x600001d3,
                             ttbcr=0x80010000, tpidruro=0x80400000 + c * 0x1000)
        else:
            x = [(c << 56) | (slot << 48) | r for r in range(31)]
            tail = [0xFFFF000010000000 + c * 0x100 + k for k in range(16)]
            rec = struct.pack("<IIQ31Q16Q6Q", 1, c, 0x80000000 | c, *x, *tail, *[0] * 6)
        rec = (spec["cpu_records"] or {}).get(c, rec)
        assert len(rec) == 440
        meta[0x1000 + c * 440:0x1000 + (c + 1) * 440] = rec
    meta[0x3000:0x3000 + len(spec["vmcoreinfo"])] = spec["vmcoreinfo"]
    regions = [(base, window, 0, 1), (base + window, size - window, window // csz, 2)]
    for k, (pa, sz, first, kind) in enumerate(regions):
        meta[0x5000 + k * 32:0x5000 + (k + 1) * 32] = struct.pack("<QQQII", pa, sz, first, kind, 0)
    for i in range(nchunks):
        meta[0x6000 + i * 16:0x6000 + (i + 1) * 16] = struct.pack(
            "<QHHI", sums[i], states[i], table_zlens[i], skips[i])
    info = dict(slot=slot, dump_id=spec["dump_id"], nchunks=nchunks, window=window,
                chunk_states=states, chunk_sums=sums, ok_bytes=ok_bytes, skipped=skipped,
                zlens=zlens, compressed=sum(1 for z in zlens if z), bytes_stored=stored,
                matched=sorted(set(spec["pattern_pfns"]) - set(spec["corrupt_pfns"])),
                data_len=spec["data_offset"] + size)
    return bytes(meta), chunks, info


def make_disk(path, dumps, disk_size=None, nslots=None, next_dump_id=None,
              empty_slots=(), version=VERSION, generation=2, copy=None):
    """Write a disk image at @path holding @dumps (list of spec dicts) in
    slots 0.. (skipping the indexes in @empty_slots); returns a list of info
    dicts (one per dump) with slot, offset, data_file_offset, nchunks..."""
    specs = []
    slot = 0
    for d in dumps:
        while slot in empty_slots:
            slot += 1
        s = dict(DUMP_DEFAULTS)
        unknown = set(d) - set(s)
        if unknown:
            raise TypeError("unknown dump spec keys %s" % sorted(unknown))
        s.update(d)
        if s["dump_id"] is None:
            s["dump_id"] = slot + 1
        specs.append((slot, s))
        slot += 1
    nslots = max(slot, 1) if nslots is None else nslots

    images, offset = [], MIB
    for slot, s in specs:
        meta, chunks, info = _dump_image(s, slot, version)
        size = s["slot_size"]
        if size is None:
            size = -(-info["data_len"] // MIB) * MIB
        info.update(offset=offset, slot_size=size,
                    data_file_offset=offset + s["data_offset"])
        images.append((slot, s, meta, chunks, info))
        offset += -(-size // MIB) * MIB
    if disk_size is None:
        disk_size = offset

    slots = [struct.pack("<QQQII", 0, 0, 0, 0, 0)] * MAX_DUMPS
    for slot, s, meta, chunks, info in images:
        st = s["state"] if s["slot_state"] is None else s["slot_state"]
        slots[slot] = struct.pack("<QQQII", info["offset"], info["slot_size"],
                                  s["dump_id"], st, 0)
    if next_dump_id is None:
        next_dump_id = max([s["dump_id"] for _, s in specs] + [0]) + 1
    hdr = bytearray(struct.pack("<QIIQQQ", DISK_MAGIC, version, nslots,
                                disk_size, next_dump_id, 0) + b"".join(slots))
    if version >= 2:
        hdr += struct.pack("<QQ", generation, 0)
    assert len(hdr) == (552 if version == 1 else 568)
    hdr[32:40] = struct.pack("<Q", tsb_sum64(bytes(hdr)))
    # The firmware writes copy generation % 2 (version 1: the one at 0).
    hdr_off = PAGE * ((generation % 2 if copy is None else copy) if version >= 2 else 0)

    with open(path, "wb") as f:
        f.truncate(disk_size)
        f.seek(hdr_off)
        f.write(hdr)
        for slot, s, meta, chunks, info in images:
            f.seek(info["offset"])
            f.write(meta)
            end = info["offset"] + info["slot_size"]
            for i, data in chunks.items():
                if info["chunk_states"][i] != 1 and not s["fill_missing"]:
                    continue
                pos = info["data_file_offset"] + i * s["chunk_size"]
                data = bytes(data[:max(0, min(len(data), end - pos))])
                if data.strip(b"\0"):       # leave zeros as holes
                    f.seek(pos)
                    f.write(data)
    return [info for _, _, _, _, info in images]


def _int(s):
    return int(s, 0)


def _pair(s):
    a, b = s.split(":")
    return int(a, 0), int(b, 0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--nonce", type=_int, default=DUMP_DEFAULTS["nonce"])
    ap.add_argument("--ram-base", type=_int, default=DUMP_DEFAULTS["ram_base"])
    ap.add_argument("--ram-size", type=_int, default=DUMP_DEFAULTS["ram_size"])
    ap.add_argument("--chunk-size", type=_int, default=DUMP_DEFAULTS["chunk_size"])
    ap.add_argument("--pattern", type=_pair, action="append", default=[],
                    metavar="PFN:COUNT", help="COUNT pattern pages from PFN")
    ap.add_argument("--corrupt", type=_int, action="append", default=[], metavar="PFN")
    ap.add_argument("--flip", type=_pair, action="append", default=[],
                    metavar="CHUNK:BYTE")
    ap.add_argument("--chunk-state", type=_pair, action="append", default=[],
                    metavar="CHUNK:STATE")
    ap.add_argument("--state", type=_int, default=2, help="dump state")
    ap.add_argument("--dumps", type=int, default=1, help="identical dumps in slots 0..")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--version", type=int, default=None,
                    help="format version (default %d; 4 with --compress, 5 with --arch)" % VERSION)
    ap.add_argument("--arch", type=int, default=None,
                    help="version 5: 0 AArch64, 1 AArch32 (ARMv7-A CPU records)")
    ap.add_argument("--compress", action="store_true",
                    help="LZ4 blocks for the chunks that shrink (version 4)")
    ap.add_argument("--text-fill", action="store_true", help="compressible RAM")
    ap.add_argument("--zero-fill", action="store_true", help="RAM of zeros")
    ap.add_argument("--zlen", type=_pair, action="append", default=[],
                    metavar="CHUNK:ZLEN", help="write this zlen to the chunk table")
    ap.add_argument("--zflip", type=_pair, action="append", default=[],
                    metavar="CHUNK:BYTE", help="break a byte of a chunk's LZ4 block")
    a = ap.parse_args(argv)
    pfns = [p + k for p, n in a.pattern for k in range(n)]
    spec = dict(nonce=a.nonce, ram_base=a.ram_base, ram_size=a.ram_size,
                chunk_size=a.chunk_size, pattern_pfns=pfns, corrupt_pfns=a.corrupt,
                flip=a.flip, chunk_states=dict(a.chunk_state), state=a.state,
                seed=a.seed, compress=a.compress, text_fill=a.text_fill,
                zero_fill=a.zero_fill, zlens=dict(a.zlen), zflip=a.zflip, arch=a.arch or 0)
    version = a.version if a.version is not None else 5 if a.arch is not None else \
        4 if a.compress else VERSION
    info = make_disk(a.out, [dict(spec) for _ in range(a.dumps)], version=version)
    for i in info:
        i.pop("chunk_sums")
        print(json.dumps(i))
    return 0


if __name__ == "__main__":
    sys.exit(main())
