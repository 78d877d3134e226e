#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write seed inputs for tests/fuzz/fuzz_lz4.c into DIR: LZ4 blocks -- made
by hand (literal and match lengths at their fields' boundaries, overlapping
matches) and by a small greedy compressor below, of data like a dump chunk's
(zeros, runs, periods, text, code-like words) -- in the target's layout:

    [u24 LE: the length the block decodes to][the block]

Each seed's block is also data for the target's round trip.

    python3 tests/fuzz/make_lz4_seeds.py DIR
"""
import os
import random
import struct
import sys

MINMATCH, LAST_LITERALS, MF_LIMIT = 4, 5, 12


def _len(out, n):
    """A length field's extension bytes for @n (>= 15 already in the token)."""
    n -= 15
    while n >= 255:
        out.append(255)
        n -= 255
    out.append(n)


def sequence(out, literals, offset=0, mlen=0):
    """Append one sequence: @literals, then a match of @mlen bytes @offset
    back (mlen 0: the last sequence, literals only)."""
    lit = len(literals)
    ml = mlen - MINMATCH if mlen else 0
    out.append(min(lit, 15) << 4 | min(ml, 15))
    if lit >= 15:
        _len(out, lit)
    out += literals
    if mlen:
        out += struct.pack("<H", offset)
        if ml >= 15:
            _len(out, ml)


def compress(src):
    """A greedy LZ4 block of @src that keeps the format's end rules (the
    last 5 bytes literals, no match starting in the last 12)."""
    out, n = bytearray(), len(src)
    last, ip, anchor = {}, 0, 0
    while ip + MF_LIMIT < n:
        key = src[ip:ip + 4]
        ref = last.get(key)
        last[key] = ip
        if ref is None or ip - ref > 65535:
            ip += 1
            continue
        end, m = n - LAST_LITERALS, ip + 4
        while m < end and src[m] == src[m - ip + ref]:
            m += 1
        sequence(out, src[anchor:ip], ip - ref, m - ip)
        ip = anchor = m
    sequence(out, src[anchor:])
    return bytes(out)


def seeds():
    """(name, decoded length, block) for each seed."""
    rnd = random.Random(1)
    # by hand: the lengths around 15, 270, 525, and overlapping matches
    for lit, mlen, off in ((1, 4, 1), (14, 18, 3), (15, 19, 15), (16, 20, 8),
                           (269, 273, 269), (270, 274, 1), (271, 275, 200),
                           (524, 528, 2), (525, 529, 525), (526, 530, 7)):
        literals = rnd.randbytes(lit)
        out = bytearray()
        sequence(out, literals, off, mlen)
        sequence(out, literals[:12] if lit >= 12 else literals)
        n = lit + mlen + min(lit, 12)
        yield "hand-%d-%d-%d" % (lit, mlen, off), n, bytes(out)
    yield "empty", 0, b"\x00"
    yield "literals-13", 13, b"\xd0" + rnd.randbytes(13)
    # data like a chunk's
    text = b"".join(rnd.choice([b"kworker/0:1 ", b"rcu_sched ", b"Call trace:\n", b"0x",
                                b"ffff800008", b"virtio_blk ", b"] "]) for _ in range(2000))
    words = b"".join(struct.pack("<I", rnd.choice([0xa9bf7bfd, 0x910003fd, 0xd65f03c0,
                                                    0xf9400000, 0x97ffffff]))
                     for _ in range(4096))
    period = rnd.randbytes(7)
    data = {
        "zeros": bytes(65536),
        "run-a": b"a" * 5000,
        "period-7": period * 2000,
        "text": text[:16384],
        "code": words,
        "pointers": b"".join(struct.pack("<Q", 0xffffff8008000000 + rnd.randrange(64) * 64)
                             for _ in range(2048)),
        "random": rnd.randbytes(3000),
        "mixed": bytes(4096) + text[:4096] + rnd.randbytes(4096) + words[:4096],
    }
    for name, d in data.items():
        yield name, len(d), compress(d)


def main(argv):
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    for name, n, block in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(struct.pack("<I", n)[:3] + block)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
