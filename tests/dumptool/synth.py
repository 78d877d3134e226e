# SPDX-License-Identifier: BSD-3-Clause
"""Synthetic dump disks with a tiny fake arm64 kernel inside, for testing
tsubaki-dump without QEMU (tests/dumptool/test_dumptool.py, fuzz seeds).

Built on tests/tools/mkfakedump.py, then patched: a KERNEL region (kind 3),
a VMCOREINFO ELF note like Linux 6.1's, CPU records at EL1, and in the fake
RAM just enough of a kernel for the exporter's PID lookup and frame-record
unwinding: kallsyms tables (one single-character token per byte value),
init_task -> init_struct_pid -> init_pid_ns, a task with PID 42 and a stack
whose frame record leads from "module" code back into the kernel image.

    info = make_kernel_disk(path)            # dict: addresses, pids, ...
    python3 synth.py OUT [--small]           # write one (and print info)

Python 3 stdlib only.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "tools"))

import mkfakedump  # noqa: E402

PAGE = 4096
MIB = 1 << 20
VA_BITS = 39
PAGE_OFFSET = (1 << 64) - (1 << VA_BITS)        # 0xffffff8000000000
PHYS_OFFSET = 0x40000000
KIMAGE_VOFFSET = 0xFFFFFFBFC7E00000             # as in the real 6.1 sample
OSRELEASE = "6.1.0-synth"

# where things are in the fake kernel image (offsets from _text)
OFF_KALLSYMS = 0x1000
OFF_INIT_TASK = 0x4000
OFF_INIT_STRUCT_PID = 0x6000
OFF_INIT_PID_NS = 0x6100
OFF_CALLER = 0x8000          # "kernel code" the module returns into
THREAD_PID_OFF = 0x3F0       # task_struct.thread_pid
PID_NR_OFF = 96              # struct pid .numbers[0].nr


def vmcoreinfo_note(text):
    """A complete ELF note as the kernel keeps it: Nhdr, "VMCOREINFO\\0"
    padded to 4, the text padded to 4; plus zeros after (as the dump has)."""
    name = b"VMCOREINFO\0"
    desc = text.encode()
    pad = lambda b: b + bytes(-len(b) % 4)       # noqa: E731
    note = struct.pack("<III", len(name), len(desc), 0) + pad(name) + pad(desc)
    return note + bytes(64)


def linear(pa):
    return pa - PHYS_OFFSET + PAGE_OFFSET


class Ram:
    """Sparse page contents {pfn: bytearray} for mkfakedump's "pages"."""

    def __init__(self):
        self.pages = {}

    def write(self, pa, data):
        while data:
            pfn, off = divmod(pa, PAGE)
            page = self.pages.setdefault(pfn, bytearray(PAGE))
            n = min(len(data), PAGE - off)
            page[off:off + n] = data[:n]
            data, pa = data[n:], pa + n

    def q(self, pa, *vals):
        self.write(pa, struct.pack("<%dQ" % len(vals), *vals))


def kallsyms(symbols, text_va):
    """(tables dict of bytes, {name: va}) for kallsyms at OFF_KALLSYMS."""
    names = b"".join(bytes([1 + len(n)]) + b"D" + n.encode() for n, _ in symbols)
    token_table = b"".join(bytes([i, 0]) for i in range(256))
    token_index = struct.pack("<256H", *range(0, 512, 2))
    offsets = struct.pack("<%di" % len(symbols),
                          *(va - text_va for _, va in symbols))
    return dict(num=struct.pack("<I", len(symbols)),
                relative_base=struct.pack("<Q", text_va),
                offsets=offsets, names=names, token_table=token_table,
                token_index=token_index)


def build_kernel(ram, text_pa, stack_pa, task_pa, panic_pid):
    """Lay the fake kernel out in @ram; return {name: va} of what it made."""
    text_va = text_pa + KIMAGE_VOFFSET
    va = lambda off: text_va + off               # noqa: E731
    syms = [("init_pid_ns", va(OFF_INIT_PID_NS)),
            ("init_struct_pid", va(OFF_INIT_STRUCT_PID)),
            ("init_task", va(OFF_INIT_TASK)),
            ("a_very_long_symbol_name_" + "x" * 150, va(0x10))]
    tabs = kallsyms(syms, text_va)
    where = {}
    off = OFF_KALLSYMS
    for key in ("num", "relative_base", "offsets", "names", "token_table",
                "token_index"):
        off = (off + 7) & ~7
        ram.write(text_pa + off, tabs[key])
        where[key] = va(off)
        off += len(tabs[key])
    # init_task.thread_pid -> init_struct_pid {.numbers[0] = {0, &init_pid_ns}}
    ram.q(text_pa + OFF_INIT_TASK + THREAD_PID_OFF, va(OFF_INIT_STRUCT_PID))
    ram.q(text_pa + OFF_INIT_STRUCT_PID + PID_NR_OFF, 0, va(OFF_INIT_PID_NS))
    # a task (PID panic_pid) in the linear map, its struct pid after it
    pid_pa = task_pa + 0x800
    ram.q(task_pa + THREAD_PID_OFF, linear(pid_pa))
    ram.write(pid_pa + PID_NR_OFF, struct.pack("<iIQ", panic_pid, 0,
                                               va(OFF_INIT_PID_NS)))
    # stack: module frame record at fp0 -> kernel caller's record at fp1
    fp0, fp1 = stack_pa + 0x100, stack_pa + 0x180
    ram.q(fp0, linear(fp1), va(OFF_CALLER) + 4)
    ram.q(fp1, 0, 0)
    where.update(text_va=text_va, init_task=va(OFF_INIT_TASK),
                 task=linear(task_pa), fp0=linear(fp0), fp1=linear(fp1),
                 caller=va(OFF_CALLER) + 4)
    return where


def vmcoreinfo_text(where):
    return "".join("%s\n" % line for line in [
        "OSRELEASE=" + OSRELEASE,
        "PAGESIZE=4096",
        "SYMBOL(swapper_pg_dir)=%x" % (where["text_va"] + 0x9000),
        "SYMBOL(kallsyms_names)=%x" % where["names"],
        "SYMBOL(kallsyms_num_syms)=%x" % where["num"],
        "SYMBOL(kallsyms_token_table)=%x" % where["token_table"],
        "SYMBOL(kallsyms_token_index)=%x" % where["token_index"],
        "SYMBOL(kallsyms_offsets)=%x" % where["offsets"],
        "SYMBOL(kallsyms_relative_base)=%x" % where["relative_base"],
        "NUMBER(VA_BITS)=%d" % VA_BITS,
        "NUMBER(kimage_voffset)=0x%x" % KIMAGE_VOFFSET,
        "NUMBER(PHYS_OFFSET)=0x%x" % PHYS_OFFSET,
        "KERNELOFFSET=0",
        "NUMBER(KERNELPACMASK)=0x0",
    ])


def cpu_record(cpu, pc, pstate, sp_el0, sp_el1, x29=0, x30=0):
    x = [(cpu << 56) | r for r in range(31)]
    x[29], x[30] = x29, x30
    tail = [sp_el0, sp_el1, pc, pstate] + [0] * 12
    return struct.pack("<IIQ31Q16Q6Q", 1, cpu, cpu, *x, *tail, *[0] * 6)


def _patch(path, dump, where, cpus, text_pa, text_size):
    """Add the KERNEL region and the CPU records to dump @dump of @path."""
    with open(path, "r+b") as f:
        base = dump["offset"]
        f.seek(base)
        hdr = bytearray(f.read(184))
        if struct.unpack_from("<I", hdr, 8)[0] == 1:
            hdr = hdr[:152]
        nregions = struct.unpack_from("<I", hdr, 132)[0]
        f.seek(base + 0x5000 + nregions * 32)
        f.write(struct.pack("<QQQII", text_pa, text_size,
                            (text_pa - PHYS_OFFSET) // dump["chunk_size"], 3, 0))
        struct.pack_into("<I", hdr, 132, nregions + 1)
        hdr[144:152] = bytes(8)
        hdr[144:152] = struct.pack("<Q", mkfakedump.tsb_sum64(bytes(hdr)))
        f.seek(base)
        f.write(hdr)
        for i, rec in enumerate(cpus):
            f.seek(base + 0x1000 + i * 440)
            f.write(rec)


def make_kernel_disk(path, panic_cpu=1, chunk_size=64 * 1024, nchunks=48,
                     data_offset=mkfakedump.META_SIZE, chunk_states=None,
                     flip=(), state=2, panic_pid=42, seed=1, dumps=1,
                     text_size=0x10000, tight=False):
    """Write a disk whose dumps hold the fake kernel; the panic CPU runs the
    task with PID @panic_pid in "module" code, the other CPU runs init_task
    (PID 0) in the kernel image. @tight: no slack after the data (one dump).
    Returns a dict of what is where."""
    ram_size = chunk_size * nchunks
    text_pa = PHYS_OFFSET + 0x200000 if ram_size > 0x300000 else PHYS_OFFSET + 0x10000
    stack_pa, task_pa = PHYS_OFFSET + 0x2000, PHYS_OFFSET + 0x4000
    ram = Ram()
    where = build_kernel(ram, text_pa, stack_pa, task_pa, panic_pid)
    vmci = vmcoreinfo_note(vmcoreinfo_text(where))
    spec = dict(ram_base=PHYS_OFFSET, ram_size=ram_size, chunk_size=chunk_size,
                ncpus=2, panic_cpu=panic_cpu, vmcoreinfo=vmci,
                pages={pfn: bytes(p) for pfn, p in ram.pages.items()},
                zero_fill=True, data_offset=data_offset, state=state,
                chunk_states=chunk_states, flip=list(flip), seed=seed)
    kw = {}
    if tight:       # slot and disk end right after the data (fuzz seeds)
        spec["slot_size"] = data_offset + ram_size
        kw["disk_size"] = MIB + spec["slot_size"] if dumps == 1 else None
    infos = mkfakedump.make_disk(path, [dict(spec) for _ in range(dumps)], **kw)
    module_pc = 0xFFFFFFC000001234
    el1h = 0x3C5
    cpus = [None, None]
    cpus[panic_cpu] = cpu_record(panic_cpu, module_pc, el1h, where["task"],
                                 where["fp0"], x29=where["fp0"],
                                 x30=where["caller"])
    cpus[1 - panic_cpu] = cpu_record(1 - panic_cpu, where["text_va"] + 0x8800,
                                     el1h, where["init_task"],
                                     linear(stack_pa + 0x800))
    for d in infos:
        d["chunk_size"] = chunk_size
        _patch(path, d, where, cpus, text_pa, text_size)
    where.update(text_pa=text_pa, text_size=text_size, module_pc=module_pc,
                 panic_cpu=panic_cpu, panic_pid=panic_pid, dumps=infos,
                 ram_size=ram_size, chunk_size=chunk_size)
    return where


# the smallest layout (for fuzz seeds): 112 KiB of RAM, metadata up to 0x7000
SMALL = dict(chunk_size=4096, nchunks=28, data_offset=0x7000, text_size=0x9000)


def main(argv):
    small = "--small" in argv
    out = [a for a in argv[1:] if not a.startswith("--")][0]
    kw = SMALL if small else {}
    info = make_kernel_disk(out, **kw)
    print({k: (hex(v) if isinstance(v, int) else v) for k, v in info.items()
           if k != "dumps"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
