#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write seed inputs for tests/fuzz/fuzz_dump.c into DIR: small valid dump
disks (tests/tools/mkfakedump.py, tests/dumptool/synth.py; AArch64 and, in
version 5, AArch32 ones) in the fuzz target's compact layout -- the disk's
first 4 KiB, then the disk from 1 MiB on.

    python3 tests/fuzz/make_seeds.py DIR
"""
import os
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "tools"))
sys.path.insert(0, os.path.join(TOP, "tests", "dumptool"))

import mkfakedump  # noqa: E402
import synth  # noqa: E402

MIB = 1 << 20
TINY = dict(ram_size=8 * 4096, chunk_size=4096, data_offset=0x7000, seed=3)


def compact(img):
    """The fuzz target's layout; disk_size may exceed the file (the target
    extends it) but the data after 1 MiB is cut at its last non-zero byte."""
    with open(img, "rb") as f:
        data = f.read()
    return data[:4096] + data[MIB:].rstrip(b"\0")


def seeds(tmp):
    """(name, path of a disk image) for each seed."""
    def fake(name, version=mkfakedump.VERSION, **kw):
        p = os.path.join(tmp, name)
        spec = dict(TINY)
        spec.update(kw)
        spec["slot_size"] = spec["data_offset"] + spec["ram_size"]
        mkfakedump.make_disk(p, [spec], disk_size=MIB + spec["slot_size"], version=version)
        return name, p

    def kern(name, **kw):
        p = os.path.join(tmp, name)
        args = dict(synth.SMALL, tight=True)
        args.update(kw)
        synth.make_kernel_disk(p, **args)
        return name, p

    yield fake("fake-one")
    yield fake("fake-partial", dump_id=7, state=3, chunk_states={1: 0, 2: 2, 5: 3})
    yield fake("fake-flip", flip=[(2, 17)])
    yield fake("fake-progress", state=1, chunk_states={6: 0, 7: 0},
               vmcoreinfo=b"")
    yield fake("fake-mismatch", slot_state=1, t_ns=(0, 0, 0, 0, 0))
    yield fake("fake-holes", ram_size=48 * 4096, state=3,
               chunk_states={i: (0, 2, 3)[i // 2 % 3] for i in range(1, 48, 2)})
    name, p = fake("fake-twoslots")
    with open(p, "r+b") as f:    # slot 1: dump 2 at 2 MiB (zeros), 1 MiB long
        f.seek(40 + 32)
        f.write(struct.pack("<QQQII", 2 * MIB, MIB, 2, 2, 0))
        f.seek(16)
        f.write(struct.pack("<Q", 3 * MIB))
    yield name, p
    # version 4: chunks stored as LZ4 blocks (4 KiB chunks: small inputs)
    yield fake("fake-lz4", version=4, compress=True, text_fill=True)
    yield fake("fake-lz4-filtered", version=4, compress=True, text_fill=True, filter=17,
               skip_pfns={0x40000 + 2: 1, 0x40000 + 5: 2}, chunk_states={6: 2}, state=3)
    yield kern("kernel-panic1")
    yield kern("kernel-panic0", panic_cpu=0)
    yield kern("kernel-partial", state=3, chunk_states={20: 2, 21: 0})
    # version 5: AArch32 (ARMv7-A) dumps, the fake 32-bit ARM kernel (ELF32 exports)
    yield fake("fake-a32", version=5, arch=1)

    def arm(name, **kw):
        p = os.path.join(tmp, name)
        args = dict(synth.ARM_SMALL, tight=True)
        args.update(kw)
        synth.make_arm_disk(p, **args)
        return name, p

    yield arm("arm-panic1")
    yield arm("arm-panic0", panic_cpu=0)
    yield arm("arm-low", phys_offset=synth.A32_RAM_BASE + 0x10000, nchunks=24)  # RAM below it
    yield arm("arm-partial", state=3, chunk_states={3: 2, 4: 0})


def main(argv):
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in seeds(tmp):
            with open(os.path.join(out, name), "wb") as f:
                f.write(compact(path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
