#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write seed inputs for tests/fuzz/fuzz_lz4.c into DIR: LZ4 blocks -- made
by hand (literal and match lengths at their fields' boundaries, overlapping
matches) and by mkfakedump's greedy compressor, of data like a dump chunk's
(zeros, runs, periods, text, code-like words) -- in the target's layout:

    [u24 LE: the length the block decodes to][the block]

Each seed's block is also data for the target's round trip.

    python3 tests/fuzz/make_lz4_seeds.py DIR
"""
import os
import random
import struct
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "tools"))
import mkfakedump  # noqa: E402

sequence = mkfakedump.lz4_sequence
compress = mkfakedump.lz4_compress


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
