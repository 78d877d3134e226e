# SPDX-License-Identifier: BSD-3-Clause
"""Synthetic dump disks with a tiny fake arm64 kernel inside, for testing
tsubaki-dump without QEMU (tests/dumptool/test_dumptool.py, fuzz seeds); and
version 5 AArch32 (ARMv7-A) ones with a tiny fake 32-bit ARM kernel
(make_arm_disk(), tests/dumptool/test_aarch32.py).

Built on tests/tools/mkfakedump.py, then patched: a KERNEL region (kind 3),
a VMCOREINFO ELF note like Linux 6.1's, CPU records at EL1, and in the fake
RAM just enough of a kernel for the exporter's PID lookup and frame-record
unwinding: kallsyms tables (one single-character token per byte value),
init_task -> init_struct_pid -> init_pid_ns, a task with PID 42 and a stack
whose frame record leads from "module" code back into the kernel image.

    info = make_kernel_disk(path)            # dict: addresses, pids, ...
    info = make_arm_disk(path)               # the same for 32-bit ARM
    python3 synth.py OUT [--small] [--arm]   # write one (and print info)

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


def header_len(version):
    """Bytes of a dump header of @version (what its checksum covers)."""
    return 152 if version == 1 else 184 if version < 5 else 192


def fix_dump_header(f, base, edit=None):
    """Call @edit(header bytearray) on the dump header at @base of open file
    @f, then recompute its checksum."""
    f.seek(base)
    hdr = bytearray(f.read(192))
    hdr = hdr[:header_len(struct.unpack_from("<I", hdr, 8)[0])]
    if edit:
        edit(hdr)
    hdr[144:152] = bytes(8)
    hdr[144:152] = struct.pack("<Q", mkfakedump.tsb_sum64(bytes(hdr)))
    f.seek(base)
    f.write(hdr)


def _patch(path, dump, where, cpus, text_pa, text_size, ram_base=PHYS_OFFSET):
    """Add the KERNEL region and the CPU records to dump @dump of @path."""
    with open(path, "r+b") as f:
        base = dump["offset"]
        f.seek(base)
        hdr = bytearray(f.read(192))
        hdr = hdr[:header_len(struct.unpack_from("<I", hdr, 8)[0])]
        nregions = struct.unpack_from("<I", hdr, 132)[0]
        f.seek(base + 0x5000 + nregions * 32)
        f.write(struct.pack("<QQQII", text_pa, text_size,
                            (text_pa - ram_base) // dump["chunk_size"], 3, 0))
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
                     text_size=0x10000, tight=False, version=mkfakedump.VERSION):
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
    infos = mkfakedump.make_disk(path, [dict(spec) for _ in range(dumps)], version=version,
                                 **kw)
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


# ---- 32-bit ARM (version 5, arch AArch32) -----------------------------------
# The fake kernel as ARM Linux 6.1 lays it out (VMSPLIT_2G, LPAE): the linear
# map at PAGE_OFFSET holds the image too; _text at PAGE_OFFSET + TEXT_OFFSET,
# swapper_pg_dir 0x5000 below it; TTBR1 = __pa(swapper_pg_dir) + 16.
A32_PAGE_OFFSET = 0x80000000
A32_RAM_BASE = 0x40000000
A32_TEXT_OFFSET = 0x8000
A32_MODULE_PC = 0x7F001234        # MODULES_VADDR = PAGE_OFFSET - 16 MiB
A32_SVC = 0x600001D3              # SVC mode, IRQs and FIQs masked
A32_THREAD_PID_OFF = 0x2F0        # task_struct.thread_pid
A32_PID_NR_OFF = 48               # struct pid .numbers[0] = {int nr; ns *}
A32_OFF_STEXT = 0x240
A32_OFF_CODE = 0x800              # "kernel code": a BL the module returns after
A32_OFF_KALLSYMS = 0x2000
A32_OFF_INIT_TASK = 0x5000
A32_OFF_INIT_STRUCT_PID = 0x7000
A32_OFF_INIT_PID_NS = 0x7100
A32_OFF_UTS = 0x7400              # init_uts_ns; .name at A32_UTS_NAME_OFF
A32_UTS_NAME_OFF = 4
ARM_BL = 0xEB000000               # bl . + 8 (cond AL)


class ArmRam(Ram):
    def w(self, pa, *vals):
        self.write(pa, struct.pack("<%dI" % len(vals), *vals))


def _kallsyms32(symbols, base):
    tabs = kallsyms(symbols, base)
    tabs["relative_base"] = struct.pack("<I", base)     # unsigned long
    return tabs


def build_arm_kernel(ram, phys_offset, panic_pid, page_offset=A32_PAGE_OFFSET):
    """Lay the fake ARM kernel out in @ram (an ArmRam) for PHYS_OFFSET
    @phys_offset; return {name: va} of what it made."""
    va = lambda pa: pa - phys_offset + page_offset               # noqa: E731
    text_pa = phys_offset + A32_TEXT_OFFSET
    text_va = va(text_pa)
    at = lambda off: text_va + off                              # noqa: E731
    syms = [("init_pid_ns", at(A32_OFF_INIT_PID_NS)),
            ("init_struct_pid", at(A32_OFF_INIT_STRUCT_PID)),
            ("init_task", at(A32_OFF_INIT_TASK)),
            ("a_very_long_symbol_name_" + "y" * 150, at(0x10))]
    tabs = _kallsyms32(syms, text_va)
    where = {}
    off = A32_OFF_KALLSYMS
    for key in ("num", "relative_base", "offsets", "names", "token_table", "token_index"):
        off = (off + 7) & ~7
        ram.write(text_pa + off, tabs[key])
        where[key] = at(off)
        off += len(tabs[key])
    assert off < A32_OFF_INIT_TASK
    # code: a BL whose return address the module's frame saved; words around it that are
    # in the text but after no call, so the unwinder must pass over them
    ram.w(text_pa + A32_OFF_CODE - 4, ARM_BL, 0xE1A00000, 0xE1A00000)   # bl; nop; nop
    # init_task.thread_pid -> init_struct_pid {.numbers[0] = {0, &init_pid_ns}}
    ram.w(text_pa + A32_OFF_INIT_TASK + A32_THREAD_PID_OFF, at(A32_OFF_INIT_STRUCT_PID))
    ram.w(text_pa + A32_OFF_INIT_STRUCT_PID + A32_PID_NR_OFF, 0, at(A32_OFF_INIT_PID_NS))
    # init_uts_ns.name = {sysname, nodename, release, ...} (65 bytes each)
    uts = bytearray(6 * 65)
    uts[0:5] = b"Linux"
    uts[130:130 + len(OSRELEASE)] = OSRELEASE.encode()
    ram.write(text_pa + A32_OFF_UTS + A32_UTS_NAME_OFF, bytes(uts))
    # a task (PID panic_pid) in lowmem, its struct pid after it
    task_pa = phys_offset + 0x20000
    pid_pa = task_pa + 0x800
    ram.w(task_pa + A32_THREAD_PID_OFF, va(pid_pa))
    ram.write(pid_pa + A32_PID_NR_OFF, struct.pack("<iI", panic_pid, at(A32_OFF_INIT_PID_NS)))
    # the panic CPU's SVC stack (8 KiB aligned): module words, then the saved lr
    stack_pa = phys_offset + 0x24000
    sp_pa = stack_pa + 0x1E00
    junk = [A32_MODULE_PC + 0x40,           # a module return address
            at(A32_OFF_CODE + 4),           # text, but after a nop: not a return address
            at(A32_OFF_KALLSYMS + 8),       # data
            at(A32_OFF_CODE + 2),           # unaligned
            0x12345678, va(task_pa)]
    ram.w(sp_pa, *junk)
    lr_slot = sp_pa + 4 * len(junk)
    ram.w(lr_slot, at(A32_OFF_CODE))
    where.update(text_va=text_va, text_pa=text_pa, stext=at(A32_OFF_STEXT),
                 init_task=at(A32_OFF_INIT_TASK), task=va(task_pa), sp=va(sp_pa),
                 caller=at(A32_OFF_CODE), caller_sp=va(lr_slot) + 4,
                 init_uts_ns=at(A32_OFF_UTS), swapper=page_offset + A32_TEXT_OFFSET - 0x5000,
                 idle_sp=va(stack_pa + 0x2000 + 0x1F00), idle_pc=at(A32_OFF_STEXT + 0x100),
                 phys_offset=phys_offset, page_offset=page_offset)
    return where


def arm_vmcoreinfo_text(where, uts=True):
    lines = ["OSRELEASE=" + OSRELEASE, "BUILD-ID=0123456789abcdef", "PAGESIZE=4096"]
    if uts:
        lines += ["SYMBOL(init_uts_ns)=%x" % where["init_uts_ns"],
                  "OFFSET(uts_namespace.name)=%d" % A32_UTS_NAME_OFF]
    lines += ["SYMBOL(node_online_map)=%x" % (where["text_va"] + 0x7800),
              "SYMBOL(swapper_pg_dir)=%x" % where["swapper"],
              "SYMBOL(_stext)=%x" % where["stext"],
              "SYMBOL(kallsyms_names)=%x" % where["names"],
              "SYMBOL(kallsyms_num_syms)=%x" % where["num"],
              "SYMBOL(kallsyms_token_table)=%x" % where["token_table"],
              "SYMBOL(kallsyms_token_index)=%x" % where["token_index"],
              "SYMBOL(kallsyms_offsets)=%x" % where["offsets"],
              "SYMBOL(kallsyms_relative_base)=%x" % where["relative_base"],
              "CONFIG_ARM_LPAE=y"]
    return "".join(line + "\n" for line in lines)


def arm_cpu(cpu, pc, sp, lr=0, cpsr=A32_SVC, tpidruro=0, ttbr1=0, ttbcr=0x80010000, **kw):
    """An AArch32 CPU record: r0..r12 recognisable (cpu << 24 | n)."""
    return mkfakedump.a32_record(cpu, r=[(cpu << 24) | n for n in range(13)] + [sp, lr, pc],
                                 cpsr=cpsr, tpidruro=tpidruro, ttbr1=ttbr1, ttbcr=ttbcr,
                                 sp_svc=sp, lr_svc=lr, sctlr=0x30C5387D, **kw)


def make_arm_disk(path, panic_cpu=1, chunk_size=64 * 1024, nchunks=48,
                  ram_base=A32_RAM_BASE, phys_offset=None, page_offset=A32_PAGE_OFFSET,
                  ttbr1=True, uts=True, panic_pid=42, cause=1, state=2, chunk_states=None,
                  flip=(), dumps=1, tight=False, data_offset=mkfakedump.META_SIZE,
                  arch=1, regions=None, zero_fill=True, **spec_kw):
    """A version 5 AArch32 disk: the fake ARM kernel at PHYS_OFFSET
    @phys_offset (default @ram_base); the panic CPU in "module" code with
    the task of PID @panic_pid, the other CPU idle (init_task, PID 0) in the
    text. @ttbr1: the CPUs' TTBR1 say where swapper_pg_dir is (else 0);
    @uts: VMCOREINFO has init_uts_ns (PHYS_OFFSET can be checked).
    @regions: the region table as (paddr, size, kind), replacing
    mkfakedump's PRIMARY and SECONDARY. Returns a dict of what is where."""
    phys_offset = ram_base if phys_offset is None else phys_offset
    ram_size = chunk_size * nchunks
    ram = ArmRam()
    where = build_arm_kernel(ram, phys_offset, panic_pid, page_offset)
    vmci = vmcoreinfo_note(arm_vmcoreinfo_text(where, uts))
    spec = dict(ram_base=ram_base, ram_size=ram_size, chunk_size=chunk_size, ncpus=2,
                panic_cpu=panic_cpu, vmcoreinfo=vmci, cause=cause,
                pages={pfn: bytes(p) for pfn, p in ram.pages.items()},
                zero_fill=zero_fill, data_offset=data_offset, state=state,
                chunk_states=chunk_states, flip=list(flip), arch=arch)
    spec.update(spec_kw)
    swapper_pa = where["swapper"] - page_offset + phys_offset
    t1 = swapper_pa + (16 if page_offset == 0x80000000 else 0) if ttbr1 else 0
    cpus = {panic_cpu: arm_cpu(panic_cpu, A32_MODULE_PC, where["sp"],
                               lr=A32_MODULE_PC + 0x80, tpidruro=where["task"], ttbr1=t1),
            1 - panic_cpu: arm_cpu(1 - panic_cpu, where["idle_pc"], where["idle_sp"],
                                   lr=where["idle_pc"] - 0x20, tpidruro=where["init_task"],
                                   ttbr1=t1)}
    spec["cpu_records"] = cpus
    kw = {}
    if tight:
        spec["slot_size"] = data_offset + ram_size
        kw["disk_size"] = MIB + spec["slot_size"] if dumps == 1 else None
    infos = mkfakedump.make_disk(path, [dict(spec) for _ in range(dumps)], version=5, **kw)
    for d in infos:
        if regions is None:
            continue
        with open(path, "r+b") as f:
            f.seek(d["offset"] + 0x5000)
            f.write(b"".join(struct.pack("<QQQII", pa, size, (pa - ram_base) // chunk_size,
                                         kind, 0) for pa, size, kind in regions))
            fix_dump_header(f, d["offset"],
                            lambda h: struct.pack_into("<I", h, 132, len(regions)))
    where.update(panic_cpu=panic_cpu, panic_pid=panic_pid, dumps=infos, ram_size=ram_size,
                 chunk_size=chunk_size, ram_base=ram_base, spec=spec,
                 module_pc=A32_MODULE_PC, ttbr1=t1)
    return where


# ---- a real ARM vmlinux in a synthetic dump -----------------------------------
def elf32_arm(path):
    """(PT_LOAD list [(vaddr, paddr, data bytes, memsz)], {symbol: value}) of
    an ELF32 EM_ARM vmlinux, or None if @path is not one."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 1 or struct.unpack_from("<H", data, 18)[0] != 40:
        return None
    phoff, shoff = struct.unpack_from("<II", data, 28)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 42)
    loads = []
    for k in range(phnum):
        t, off, va, pa, fsz, msz = struct.unpack_from("<6I", data, phoff + k * phentsize)
        if t == 1:
            loads.append((va, pa, data[off:off + fsz], msz))
    syms = {}
    secs = [struct.unpack_from("<10I", data, shoff + k * shentsize) for k in range(shnum)]
    for sec in secs:
        if sec[1] != 2:             # SHT_SYMTAB
            continue
        strtab = secs[sec[6]]
        for k in range(sec[5] // 16):
            name, value = struct.unpack_from("<II", data, sec[4] + k * 16)
            end = data.index(b"\0", strtab[4] + name)
            syms.setdefault(data[strtab[4] + name:end].decode(), value)
    return loads, syms


def _first_insn(text_of, start, end, match):
    """Address of the first instruction in [@start, @end) that @match(addr, insn)."""
    for a in range(start, end, 4):
        if match(a, text_of(a)):
            return a
    raise ValueError("no such instruction in [0x%x, 0x%x)" % (start, end))


def make_vmlinux_disk(path, vmlinux, phys_offset=A32_RAM_BASE, chunk_size=64 * 1024):
    """A version 5 AArch32 dump whose RAM holds the real ARM kernel @vmlinux
    (its PT_LOAD segments at PHYS_OFFSET + (p_paddr - PAGE_OFFSET)), with a
    VMCOREINFO like its own, and a panicking CPU 1 in "module" code whose
    stack holds the return address into atomic_notifier_call_chain (after its
    blx to the notifier) and, in that function's frame, the one into panic.
    CPU 1 runs init_task (PID 0). Returns a dict of what is where, or None
    if @vmlinux is not an ARM vmlinux with what is needed."""
    parsed = elf32_arm(vmlinux)
    if not parsed:
        return None
    loads, syms = parsed
    need = ("_stext", "_end", "swapper_pg_dir", "init_uts_ns", "init_task",
            "atomic_notifier_call_chain", "panic", "kallsyms_names", "kallsyms_num_syms",
            "kallsyms_token_table", "kallsyms_token_index", "kallsyms_offsets",
            "kallsyms_relative_base")
    if any(n not in syms for n in need):
        return None
    page_offset = syms["_stext"] & ~0x0FFFFFFF
    pa = lambda va: va - page_offset + phys_offset              # noqa: E731
    ram = ArmRam()
    for va, lma, data, msz in loads:
        if lma < page_offset:
            continue
        ram.write(pa(lma), data + bytes(msz - len(data)))

    def insn(va):
        pfn, off = divmod(pa(va), PAGE)
        return struct.unpack_from("<I", ram.pages[pfn], off)[0]

    anc = syms["atomic_notifier_call_chain"]
    blx = _first_insn(insn, anc, anc + 0x200, lambda a, i: i & 0x0FFFFFF0 == 0x012FFF30)
    target = lambda a, i: a + 8 + ((((i & 0xFFFFFF) ^ 0x800000) - 0x800000) << 2)  # noqa: E731
    bl = _first_insn(insn, syms["panic"], syms["panic"] + 0x1000,
                     lambda a, i: i & 0x0F000000 == 0x0B000000 and target(a, i) == anc)
    uts = syms["init_uts_ns"]
    raw = b"".join(ram.pages.get((pa(uts) + 130 + k) // PAGE, bytes(PAGE))[
        (pa(uts) + 130 + k) % PAGE:(pa(uts) + 130 + k) % PAGE + 1] for k in range(65))
    release = raw.split(b"\0")[0].decode()
    end = (syms["_end"] + 0x10000) & ~0x1FFF
    stack_va = end                                  # an 8 KiB-aligned SVC stack
    sp = stack_va + 0x1E00
    junk = [0x7F000140, 0x7F0002A8, sp + 0x100, 0]   # module frames
    slot = sp + 4 * len(junk)
    ram.w(pa(sp), *junk)
    ram.w(pa(slot), blx + 4)                        # the module's saved lr
    # atomic_notifier_call_chain's push {r4-r8, lr}: lr = the return into panic
    ram.w(pa(slot + 4), 0x44, 0x55, 0x66, 0x77, 0x88, bl + 4)
    ram_size = -(-(pa(end + 0x4000) - phys_offset) // chunk_size) * chunk_size
    text = "".join(line + "\n" for line in [
        "OSRELEASE=" + release, "PAGESIZE=4096",
        "SYMBOL(init_uts_ns)=%x" % uts, "OFFSET(uts_namespace.name)=0",
        "SYMBOL(swapper_pg_dir)=%x" % syms["swapper_pg_dir"],
        "SYMBOL(_stext)=%x" % syms["_stext"]] + [
        "SYMBOL(%s)=%x" % (n, syms[n]) for n in need[7:]] + ["CONFIG_ARM_LPAE=y"])
    t1 = pa(syms["swapper_pg_dir"]) + (16 if page_offset == 0x80000000 else 0)
    cpus = {1: arm_cpu(1, 0x7F000100, sp, lr=0x7F000200, tpidruro=syms["init_task"],
                       ttbr1=t1),
            0: arm_cpu(0, syms["panic"], stack_va + 0x2000 + 0x1F00, lr=0, tpidruro=0,
                       ttbr1=t1)}
    spec = dict(ram_base=phys_offset, ram_size=ram_size, chunk_size=chunk_size, ncpus=2,
                panic_cpu=1, vmcoreinfo=vmcoreinfo_note(text), zero_fill=True,
                pages={pfn: bytes(p) for pfn, p in ram.pages.items()}, arch=1,
                cpu_records=cpus)
    infos = mkfakedump.make_disk(path, [spec], version=5)
    return dict(release=release, caller=blx + 4, caller_sp=slot + 4, panic_ret=bl + 4,
                page_offset=page_offset, phys_offset=phys_offset, syms=syms, dumps=infos)


# a small AArch32 layout (fuzz seeds): 256 KiB of RAM in 16 KiB chunks, the data right
# after the chunk table
ARM_SMALL = dict(chunk_size=16 * 1024, nchunks=16, data_offset=0x7000)


def main(argv):
    small = "--small" in argv
    out = [a for a in argv[1:] if not a.startswith("--")][0]
    if "--arm" in argv:
        info = make_arm_disk(out, **(ARM_SMALL if small else {}))
        print({k: (hex(v) if isinstance(v, int) else v) for k, v in info.items()
               if k not in ("dumps", "spec")})
        return 0
    kw = SMALL if small else {}
    info = make_kernel_disk(out, **kw)
    print({k: (hex(v) if isinstance(v, int) else v) for k, v in info.items()
           if k != "dumps"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
