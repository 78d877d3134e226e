# SPDX-License-Identifier: BSD-3-Clause
"""Check a vmcore exported by tsubaki-dump with the real analysis tools:
drgn (Debian python3-drgn 0.0.22) and gdb-multiarch. Used by
tests/dumptool/test_dumptool.py and by the QEMU system tests.

    import analyze
    r = analyze.drgn_check("dump.vmcore", "build/linux/vmlinux")
    assert r["ok"], r["errors"]
    text = analyze.gdb_check("dump.vmcore", "build/linux/vmlinux",
                             analyze.gdb_thread_for_cpu(r["panic_cpu"]))
    assert analyze.gdb_backtrace_has(text, "panic")

drgn runs in a /usr/bin/python3 subprocess (Debian's modules are not on a
pyenv python's path, and a drgn crash must not take the caller down).

Both vmcores are read: ELF64 EM_AARCH64 (arm64) and ELF32 EM_ARM (32-bit
ARM, a version 5 AArch32 dump); elf_info() says which.

Notes, measured with the dumps of a real Tsubaki crash:
 - drgn 0.0.22's prog.crashed_thread() is wrong on arm64 (it reads x86's
   crashing_cpu): take the task on panic_cpu's runqueue instead, as below.
   On 32-bit ARM it crashes drgn (SIGSEGV): never call it there.
 - drgn 0.0.22 cannot unwind a 32-bit ARM kernel stack ("Linux kernel stack
   unwinding is not supported for Arm architecture"): drgn_check() reads
   memory and variables there, and reports stack_unsupported; gdb-multiarch
   unwinds it (from vmlinux's DWARF CFI).
 - drgn only uses a CPU's NT_PRSTATUS registers for a task whose PID equals
   the note's pr_pid; tsubaki-dump export writes the running task's PID.
 - gdb thread N is CPU N-1 (the notes are in CPU order).
"""
import json
import os
import re
import struct
import subprocess

PYTHON = "/usr/bin/python3"
GDB = "gdb-multiarch"
TIMEOUT = 600

_DRGN_SCRIPT = r'''
import json, sys
import drgn
from drgn.helpers.linux.percpu import per_cpu
from drgn.helpers.linux.printk import get_dmesg

out = {"errors": []}
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
try:
    prog.load_debug_info([sys.argv[2]])
except drgn.MissingDebugInfoError as e:
    out["missing_debug_info"] = str(e)[:500]
out["osrelease"] = prog["init_uts_ns"].name.release.string_().decode()
dmesg = get_dmesg(prog).decode("utf-8", "replace")
out["dmesg_tail"] = dmesg[-4000:]
out["dmesg_has_panic"] = "Kernel panic - not syncing" in dmesg
cpu = prog["panic_cpu"].counter.value_()
out["panic_cpu"] = cpu
task = per_cpu(prog["runqueues"], cpu).curr
out["panic_task"] = {"comm": task.comm.string_().decode("utf-8", "replace"),
                     "pid": task.pid.value_()}
frames = []
try:
    trace = list(prog.stack_trace(task))
except ValueError as e:     # drgn 0.0.22 on 32-bit ARM: no kernel stack unwinding
    trace = []
    out["stack_unsupported"] = str(e)
for f in trace:
    name = f.name
    if name is None:
        try:
            name = f.symbol().name
        except LookupError:
            name = None
    try:
        pc = f.pc
    except LookupError:     # the end of what drgn could unwind
        pc = None
    frames.append({"name": name, "pc": pc})
out["stack"] = frames
cpus = {}
for c in range(int(sys.argv[3])):
    t = per_cpu(prog["runqueues"], c).curr
    try:
        top = [f.name for f in prog.stack_trace(t)][:8]
    except Exception as e:  # noqa: BLE001 (report, do not fail)
        top = [] if "stack_unsupported" in out else ["error: %s" % e]
    cpus[c] = {"pid": t.pid.value_(),
               "comm": t.comm.string_().decode("utf-8", "replace"),
               "stack": top}
out["cpus"] = cpus
print(json.dumps(out))
'''


# ---- the vmcore itself ------------------------------------------------------
EM_AARCH64, EM_ARM = 183, 40


def elf_info(vmcore):
    """{elfclass (32 or 64), machine (EM_*), arch ("aarch64" or "arm"), type,
    flags} of @vmcore's ELF header."""
    with open(vmcore, "rb") as f:
        eh = f.read(64)
    if eh[:4] != b"\x7fELF" or eh[4] not in (1, 2) or eh[5] != 1:
        raise ValueError("%s is not a little-endian ELF file" % vmcore)
    etype, machine = struct.unpack_from("<HH", eh, 16)
    flags, = struct.unpack_from("<I", eh, 36 if eh[4] == 1 else 48)
    return dict(elfclass=32 if eh[4] == 1 else 64, machine=machine, type=etype, flags=flags,
                arch="arm" if machine == EM_ARM else "aarch64")


def phdrs(vmcore):
    """[(p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags,
    p_align)] of an ELF32 or ELF64 file."""
    with open(vmcore, "rb") as f:
        eh = f.read(64)
        if eh[:4] != b"\x7fELF":
            raise ValueError("%s is not an ELF file" % vmcore)
        out = []
        if eh[4] == 1:
            phoff, = struct.unpack_from("<I", eh, 28)
            phnum, = struct.unpack_from("<H", eh, 44)
            f.seek(phoff)
            for _ in range(phnum):
                t, off, va, pa, fsz, msz, flg, al = struct.unpack("<8I", f.read(32))
                out.append((t, off, va, pa, fsz, msz, flg, al))
        else:
            phoff, = struct.unpack_from("<Q", eh, 32)
            phnum, = struct.unpack_from("<H", eh, 56)
            f.seek(phoff)
            for _ in range(phnum):
                t, flg, off, va, pa, fsz, msz, al = struct.unpack("<IIQQQQQQ", f.read(56))
                out.append((t, off, va, pa, fsz, msz, flg, al))
    return out


def read_notes(vmcore):
    """[(name, type, desc bytes)] of the vmcore's PT_NOTE segments."""
    notes = []
    with open(vmcore, "rb") as f:
        for p_type, off, _, _, filesz, _, _, _ in phdrs(vmcore):
            if p_type != 4:     # PT_NOTE
                continue
            f.seek(off)
            data = f.read(filesz)
            pos = 0
            while pos + 12 <= len(data):
                namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
                name = data[pos + 12:pos + 12 + namesz].rstrip(b"\0").decode()
                desc_at = pos + 12 + (namesz + 3) // 4 * 4
                notes.append((name, ntype, data[desc_at:desc_at + descsz]))
                pos = desc_at + (descsz + 3) // 4 * 4
    return notes


def vmcoreinfo(vmcore):
    """The VMCOREINFO note of @vmcore as a dict of str."""
    for name, _, desc in read_notes(vmcore):
        if name == "VMCOREINFO":
            text = desc.split(b"\0")[0].decode("ascii", "replace")
            return dict(line.split("=", 1) for line in text.splitlines()
                        if "=" in line)
    return {}


def prstatus(vmcore):
    """[{pid, regs, pc, sp}] in note order: arm64 (392-byte notes) regs are
    34 ints (x0..x30, sp, pc, pstate); 32-bit ARM (148-byte notes) 18 (r0..r15,
    cpsr, orig_r0)."""
    out = []
    for name, ntype, desc in read_notes(vmcore):
        if name == "CORE" and ntype == 1 and len(desc) == 392:
            regs = list(struct.unpack_from("<34Q", desc, 112))
            out.append(dict(pid=struct.unpack_from("<I", desc, 32)[0], regs=regs,
                            pc=regs[32], sp=regs[31]))
        elif name == "CORE" and ntype == 1 and len(desc) == 148:
            regs = list(struct.unpack_from("<18I", desc, 72))
            out.append(dict(pid=struct.unpack_from("<I", desc, 24)[0], regs=regs,
                            pc=regs[15], sp=regs[13]))
    return out


def prpsinfo(vmcore):
    """{pid, fname, args} of the NT_PRPSINFO note (arm64 136 bytes, ARM 124), or None."""
    for name, ntype, desc in read_notes(vmcore):
        if name == "CORE" and ntype == 3 and len(desc) in (136, 124):
            pid_at, fname_at = (24, 40) if len(desc) == 136 else (12, 28)
            return dict(pid=struct.unpack_from("<I", desc, pid_at)[0],
                        fname=desc[fname_at:fname_at + 16].split(b"\0")[0].decode(),
                        args=desc[fname_at + 16:fname_at + 96].split(b"\0")[0].decode())
    return None


def readelf_layout(vmcore):
    """Program headers from `readelf -lW` as dicts (type, offset, vaddr,
    paddr, filesz, memsz) plus the note owners/types from `readelf -nW`."""
    out = subprocess.run(["readelf", "-lnW", vmcore], capture_output=True,
                         text=True, check=True).stdout
    segs = []
    for m in re.finditer(r"^\s+(NOTE|LOAD)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+"
                         r"(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)",
                         out, re.M):
        segs.append(dict(type=m.group(1), offset=int(m.group(2), 16),
                         vaddr=int(m.group(3), 16), paddr=int(m.group(4), 16),
                         filesz=int(m.group(5), 16), memsz=int(m.group(6), 16)))
    notes = re.findall(r"^\s+(CORE|VMCOREINFO)\s+0x[0-9a-f]+\s+(\S+)", out, re.M)
    m = re.search(r"^\s+Class:\s+(ELF32|ELF64)", subprocess.run(
        ["readelf", "-hW", vmcore], capture_output=True, text=True, check=True).stdout, re.M)
    return dict(segments=segs, notes=notes, text=out, elfclass=m.group(1) if m else None)


# ---- drgn -------------------------------------------------------------------
def drgn_check(vmcore, vmlinux, ncpus=None):
    """Open @vmcore with drgn and @vmlinux; return a dict:
    osrelease (init_uts_ns), vmcoreinfo_osrelease, dmesg_has_panic,
    panic_cpu, panic_task {comm, pid}, stack [{name, pc}] of the task on
    panic_cpu, has_panic_frame, cpus {cpu: {pid, comm, stack}}, dmesg_tail,
    ok (all checks passed) and errors (what failed)."""
    if ncpus is None:
        ncpus = sum(1 for _ in prstatus(vmcore)) or 1
    p = subprocess.run([PYTHON, "-c", _DRGN_SCRIPT, vmcore, vmlinux,
                        str(ncpus)], capture_output=True, text=True,
                       timeout=TIMEOUT)
    if p.returncode:
        return dict(ok=False, errors=["drgn failed (%d): %s"
                                      % (p.returncode, p.stderr[-2000:])])
    r = json.loads(p.stdout)
    r["vmcoreinfo_osrelease"] = vmcoreinfo(vmcore).get("OSRELEASE")
    r["has_panic_frame"] = any(f["name"] and "panic" in f["name"]
                               for f in r["stack"])
    r["arch"] = elf_info(vmcore)["arch"]
    errors = r["errors"]
    if r["osrelease"] != r["vmcoreinfo_osrelease"]:
        errors.append("init_uts_ns release %r != VMCOREINFO OSRELEASE %r"
                      % (r["osrelease"], r["vmcoreinfo_osrelease"]))
    if not r["dmesg_has_panic"]:
        errors.append("the kernel log has no 'Kernel panic - not syncing'")
    if not r["has_panic_frame"] and not r.get("stack_unsupported"):
        errors.append("no frame with 'panic' in the panic task's stack: %s"
                      % [f["name"] for f in r["stack"]])
    r["ok"] = not errors
    return r


# ---- gdb --------------------------------------------------------------------
def gdb_thread_for_cpu(cpu):
    """gdb's thread number for CPU @cpu in a tsubaki-dump vmcore."""
    return cpu + 1


def gdb_arch(vmcore):
    """gdb's "set architecture" for @vmcore: aarch64 or arm."""
    return elf_info(vmcore)["arch"]


def gdb_check(vmcore, vmlinux, thread):
    """Run gdb-multiarch in batch mode: print linux_banner, list the threads,
    select @thread and print its backtrace. Returns gdb's output (stdout and
    stderr)."""
    cmd = [GDB, "-nx", "-batch", "-ex", "set architecture %s" % gdb_arch(vmcore),
           "-ex", "set pagination off", "-ex", "file %s" % vmlinux,
           "-ex", "core-file %s" % vmcore, "-ex", "print linux_banner",
           "-ex", "info threads", "-ex", "thread %d" % thread, "-ex", "bt 40"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT,
                       env=dict(os.environ, TERM="dumb"))
    return p.stdout + p.stderr


def gdb_banner(text):
    """The linux_banner string gdb printed, or None."""
    m = re.search(r'<linux_banner> "(Linux version [^"]*)', text)
    return m.group(1) if m else None


def gdb_backtrace(text):
    """The function names of the backtrace frames gdb printed after
    switching to the selected thread."""
    text = text[text.rfind("[Switching to thread"):]
    return re.findall(r"^#\d+\s+(?:0x[0-9a-f]+ in )?([A-Za-z_][\w.]*) \(", text,
                      re.M)


def gdb_backtrace_has(text, word):
    return any(word in f for f in gdb_backtrace(text))
