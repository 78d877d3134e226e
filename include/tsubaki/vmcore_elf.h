/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * The layout of a Tsubaki vmcore: an ELF core file laid out like Linux's
 * /proc/vmcore -- ELF64 EM_AARCH64 for an AArch64 dump, ELF32 EM_ARM for an
 * AArch32 (ARMv7-A) one (tsb_dump_arch()). One implementation for both
 * writers of it, so their files are byte-identical:
 *  - tsubaki-dump export on the host (tools/dump/export.c, elfcore.c);
 *  - the Linux module's /dev/tsubaki/vmcore (linux/module/vmcore.c).
 *
 * File:  [ELF header][PT_NOTE][PT_LOAD...][notes][pad][segment data...]
 *        Segment data starts 4 KiB aligned, in program-header order.
 * Notes: an NT_PRPSINFO "CORE" note (tsb_vmcore_psinfo_pid()), one
 *        NT_PRSTATUS "CORE" note per CPU in CPU order, then the VMCOREINFO
 *        note as the kernel registered it.
 *
 * Includes only dump_format.h: the includer provides uint8_t, uint32_t,
 * uint64_t, size_t, memcpy(), memset() and memcmp() (<stdint.h> +
 * <string.h>, or <linux/types.h> + <linux/string.h>). All values are written
 * little-endian byte by byte.
 */
#ifndef TSUBAKI_VMCORE_ELF_H
#define TSUBAKI_VMCORE_ELF_H

#include "dump_format.h"

#define TSB_ELF_EHDR_SIZE	64	/* ELF64 */
#define TSB_ELF_PHDR_SIZE	56
#define TSB_ELF32_EHDR_SIZE	52
#define TSB_ELF32_PHDR_SIZE	32
#define TSB_ELF_NHDR_SIZE	12
#define TSB_ELF_DATA_ALIGN	4096ULL
#define TSB_ELF_MAX_SEGS	65000	/* e_phnum is 16 bits, no PN_XNUM here */
#define TSB_ELF32_LIMIT		(1ULL << 32)	/* ELF32 addresses, sizes, offsets */

/* arm64 struct elf_prstatus (linux/elfcore.h + asm/ptrace.h user_pt_regs) */
#define TSB_ELF_PRSTATUS_SIZE	392
#define TSB_ELF_PR_PID_OFF	32
#define TSB_ELF_PR_REG_OFF	112
#define TSB_ELF_PR_NREGS	34	/* x0..x30, sp, pc, pstate */
/* arm64 struct elf_prpsinfo */
#define TSB_ELF_PRPSINFO_SIZE	136
#define TSB_ELF_PSINFO_PID_OFF	24
#define TSB_ELF_PSINFO_FNAME_OFF 40	/* char[16] */
#define TSB_ELF_PSINFO_ARGS_OFF	56	/* char[80] */

/*
 * ARM (EABI) struct elf_prstatus: pr_info (3 ints), pr_cursig (short, 2
 * bytes of padding), pr_sigpend, pr_sighold, pr_pid, pr_ppid, pr_pgrp,
 * pr_sid (4 bytes each), 4 timevals of 8 bytes, pr_reg (asm/ptrace.h
 * struct pt_regs: uregs[18] = r0..r15, cpsr, orig_r0), pr_fpvalid.
 */
#define TSB_ELF32_PRSTATUS_SIZE	148
#define TSB_ELF32_PR_PID_OFF	24
#define TSB_ELF32_PR_REG_OFF	72
#define TSB_ELF32_PR_NREGS	18	/* r0..r15, cpsr, orig_r0 */
/* ARM struct elf_prpsinfo: uid and gid are 16 bits (asm/posix_types.h) */
#define TSB_ELF32_PRPSINFO_SIZE	124
#define TSB_ELF32_PSINFO_PID_OFF 12
#define TSB_ELF32_PSINFO_FNAME_OFF 28
#define TSB_ELF32_PSINFO_ARGS_OFF 44

#define TSB_ELF_NT_PRSTATUS	1
#define TSB_ELF_NT_PRPSINFO	3

/* PID_MAX_LIMIT on 64-bit: no task has a PID at or above it (nor on 32-bit, 32768). */
#define TSB_PID_MAX_LIMIT	(4U * 1024 * 1024)
/* How many frame records tsb_vmcore_unwind() follows. */
#define TSB_UNWIND_MAX_FRAMES	16

/* The ELF of a dump of this architecture: ELF32 EM_ARM for AArch32, else ELF64 EM_AARCH64. */
static inline int tsb_elf_is32(uint32_t arch)
{
	return arch == TSB_ARCH_AARCH32;
}

static inline size_t tsb_elf_ehdr_size(uint32_t arch)
{
	return tsb_elf_is32(arch) ? TSB_ELF32_EHDR_SIZE : TSB_ELF_EHDR_SIZE;
}

static inline size_t tsb_elf_phdr_size(uint32_t arch)
{
	return tsb_elf_is32(arch) ? TSB_ELF32_PHDR_SIZE : TSB_ELF_PHDR_SIZE;
}

static inline size_t tsb_elf_prstatus_size(uint32_t arch)
{
	return tsb_elf_is32(arch) ? TSB_ELF32_PRSTATUS_SIZE : TSB_ELF_PRSTATUS_SIZE;
}

static inline size_t tsb_elf_prpsinfo_size(uint32_t arch)
{
	return tsb_elf_is32(arch) ? TSB_ELF32_PRPSINFO_SIZE : TSB_ELF_PRPSINFO_SIZE;
}

struct tsb_elf_seg {
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t size;
	uint64_t offset;	/* in the file: set by tsb_elf_layout() */
};

/* ---- bytes ---- */

static inline void tsb_le16(uint8_t *p, uint64_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void tsb_le32(uint8_t *p, uint64_t v)
{
	tsb_le16(p, v);
	tsb_le16(p + 2, v >> 16);
}

static inline void tsb_le64(uint8_t *p, uint64_t v)
{
	tsb_le32(p, v);
	tsb_le32(p + 4, v >> 32);
}

static inline uint32_t tsb_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline size_t tsb_align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* ---- notes ---- */

/* Bytes of a note with a @namesz-byte name (NUL included) and @desclen bytes. */
static inline size_t tsb_elf_note_size(size_t namesz, size_t desclen)
{
	return TSB_ELF_NHDR_SIZE + tsb_align4(namesz) + tsb_align4(desclen);
}

/*
 * Write the note (@name, @type, @desc) at @dst, which has room for
 * tsb_elf_note_size(strlen(name) + 1, desclen) bytes; padding is zeroed.
 * Return its size.
 */
static inline size_t tsb_elf_put_note(uint8_t *dst, const char *name, uint32_t type,
				      const void *desc, size_t desclen)
{
	size_t namesz = 0, total;

	while (name[namesz])
		namesz++;
	namesz++;
	total = tsb_elf_note_size(namesz, desclen);
	memset(dst, 0, total);
	tsb_le32(dst, namesz);
	tsb_le32(dst + 4, desclen);
	tsb_le32(dst + 8, type);
	memcpy(dst + TSB_ELF_NHDR_SIZE, name, namesz);
	memcpy(dst + TSB_ELF_NHDR_SIZE + tsb_align4(namesz), desc, desclen);
	return total;
}

/*
 * The descriptor of an NT_PRSTATUS note (tsb_elf_prstatus_size(@arch) bytes):
 * pid and the registers, @regs as tsb_vmcore_regs() gives them (AArch64
 * x0..x30, sp, pc, pstate; AArch32 r0..r15, cpsr, orig_r0, 32 bits each).
 */
static inline void tsb_elf_prstatus(uint8_t *desc, uint32_t arch, uint32_t pid,
				    const uint64_t regs[TSB_ELF_PR_NREGS])
{
	unsigned int i;

	memset(desc, 0, tsb_elf_prstatus_size(arch));
	if (tsb_elf_is32(arch)) {
		tsb_le32(desc + TSB_ELF32_PR_PID_OFF, pid);
		for (i = 0; i < TSB_ELF32_PR_NREGS; i++)
			tsb_le32(desc + TSB_ELF32_PR_REG_OFF + 4 * i, regs[i]);
		return;
	}
	tsb_le32(desc + TSB_ELF_PR_PID_OFF, pid);
	for (i = 0; i < TSB_ELF_PR_NREGS; i++)
		tsb_le64(desc + TSB_ELF_PR_REG_OFF + 8 * i, regs[i]);
	/* pr_fpvalid stays 0: no FP/SIMD state */
}

static inline void tsb_elf_put_str(uint8_t *dst, size_t room, const char *s)
{
	size_t n = 0;

	while (s[n] && n + 1 < room)
		n++;
	memcpy(dst, s, n);	/* NUL-terminated: the rest is zero */
}

/*
 * The descriptor of an NT_PRPSINFO note (tsb_elf_prpsinfo_size(@arch)
 * bytes): pid, program name, arguments.
 */
static inline void tsb_elf_prpsinfo(uint8_t *desc, uint32_t arch, uint32_t pid,
				    const char *fname, const char *args)
{
	int is32 = tsb_elf_is32(arch);

	memset(desc, 0, tsb_elf_prpsinfo_size(arch));
	tsb_le32(desc + (is32 ? TSB_ELF32_PSINFO_PID_OFF : TSB_ELF_PSINFO_PID_OFF), pid);
	tsb_elf_put_str(desc + (is32 ? TSB_ELF32_PSINFO_FNAME_OFF : TSB_ELF_PSINFO_FNAME_OFF),
			16, fname);
	tsb_elf_put_str(desc + (is32 ? TSB_ELF32_PSINFO_ARGS_OFF : TSB_ELF_PSINFO_ARGS_OFF),
			80, args);
}

/*
 * A VMCOREINFO copy (@p, @size): the length of the one complete ELF note
 * named "VMCOREINFO" it starts with (kept as it is in the vmcore), 0 if it is
 * not a note at all (KEY=VALUE text), -1 if it looks like one but is broken.
 */
static inline long tsb_vmcoreinfo_note_len(const uint8_t *p, size_t size)
{
	static const char name[] = "VMCOREINFO";
	uint64_t namesz, descsz, total;

	if (size < TSB_ELF_NHDR_SIZE || tsb_get_le32(p) != sizeof(name))
		return 0;
	namesz = tsb_get_le32(p);
	descsz = tsb_get_le32(p + 4);
	total = TSB_ELF_NHDR_SIZE + ((namesz + 3) & ~3ULL) + ((descsz + 3) & ~3ULL);
	if (total > size || memcmp(p + TSB_ELF_NHDR_SIZE, name, sizeof(name)))
		return -1;
	return (long)total;
}

/* ---- VMCOREINFO text (KEY=VALUE lines) ---- */

/* The value of line "@key=..." in @text (@len bytes): its length, or -1. */
static inline long tsb_vmci_find(const char *text, size_t len, const char *key,
				 const char **val)
{
	const char *p = text, *end = text + len;
	size_t klen = 0;

	while (key[klen])
		klen++;
	while (p < end) {
		const char *eol = p;

		while (eol < end && *eol != '\n')
			eol++;
		if ((size_t)(eol - p) > klen && !memcmp(p, key, klen) && p[klen] == '=') {
			*val = p + klen + 1;
			return (long)(eol - *val);
		}
		p = eol + 1;
	}
	return -1;
}

/*
 * The number of line "@key=..." in @base 10 or 16 (an optional 0x): 0, -1
 * if there is no such line, -2 if its value is not such a number (or does
 * not fit in 64 bits).
 */
static inline int tsb_vmci_number(const char *text, size_t len, const char *key,
				  unsigned int base, uint64_t *out)
{
	const char *s;
	long n = tsb_vmci_find(text, len, key, &s);
	uint64_t v = 0;
	long i;

	if (n < 0)
		return -1;
	if (base == 16 && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (!n)
		return -2;
	for (i = 0; i < n; i++) {
		char c = s[i];
		unsigned int d = c >= '0' && c <= '9' ? (unsigned int)(c - '0') :
				 c >= 'a' && c <= 'f' ? (unsigned int)(c - 'a' + 10) :
				 c >= 'A' && c <= 'F' ? (unsigned int)(c - 'A' + 10) : 99;

		/* no 64-bit division: a 32-bit ARM kernel has no __aeabi_uldivmod */
		if (d >= base || __builtin_mul_overflow(v, (uint64_t)base, &v) ||
		    __builtin_add_overflow(v, (uint64_t)d, &v))
			return -2;
	}
	*out = v;
	return 0;
}

/*
 * The smallest value of a "SYMBOL(...)=hex" line in @text that is above
 * @floor: 0 and *@out, or -1 if there is none.
 */
static inline int tsb_vmci_symbol_above(const char *text, size_t len, uint64_t floor,
					uint64_t *out)
{
	const char *p = text, *end = text + len;
	int found = -1;

	while (p < end) {
		const char *eol = p, *q;
		uint64_t v = 0;
		int digits = 0;

		while (eol < end && *eol != '\n')
			eol++;
		q = p;
		if (eol - p > 7 && !memcmp(p, "SYMBOL(", 7)) {
			while (q < eol && *q != '=')
				q++;
			for (q++; q < eol && digits <= 16; q++, digits++) {
				char c = *q;
				unsigned int d = c >= '0' && c <= '9' ? (unsigned int)(c - '0') :
						 c >= 'a' && c <= 'f' ? (unsigned int)(c - 'a' + 10) :
						 c >= 'A' && c <= 'F' ? (unsigned int)(c - 'A' + 10) : 99;

				if (d > 15)
					break;
				v = v << 4 | d;
			}
			if (q == eol && digits && digits <= 16 && v > floor &&
			    (found || v < *out)) {
				*out = v;
				found = 0;
			}
		}
		p = eol + 1;
	}
	return found;
}

/* ---- which PID each CPU's note says ---- */

/* The k-th CPU in note order: the panic CPU, then the others in order. */
static inline unsigned int tsb_vmcore_cpu_order(unsigned int panic_cpu, unsigned int k)
{
	if (!k)
		return panic_cpu;
	return k <= panic_cpu ? k - 1 : k;
}

/*
 * pr_pid of every CPU's note, in place: @pid[i] is the PID of the task CPU i
 * was running where @known[i], and becomes a placeholder no task has
 * (TSB_PID_MAX_LIMIT + i) where it is not known or an earlier note (in note
 * order) took it. Return the CPU whose note says 0 (an idle task; there is
 * at most one), or -1.
 *
 * gdb (BFD) names the thread of a note with pr_pid 0 after the PID of an
 * NT_PRPSINFO note seen before it; without one it gives that thread the
 * first note's registers -- right only for the first note. So an
 * NT_PRPSINFO note goes before the CPU notes, with the PID
 * tsb_vmcore_psinfo_pid() gives.
 */
static inline int tsb_vmcore_pids(unsigned int ncpus, unsigned int panic_cpu,
				  uint32_t *pid, const uint8_t *known)
{
	int zero = -1;
	unsigned int k, j;

	for (k = 0; k < ncpus; k++) {
		unsigned int i = tsb_vmcore_cpu_order(panic_cpu, k);
		int taken = 0;

		for (j = 0; j < k && known[i]; j++)
			taken |= pid[tsb_vmcore_cpu_order(panic_cpu, j)] == pid[i];
		if (!known[i] || taken)
			pid[i] = TSB_PID_MAX_LIMIT + i;
		else if (!pid[i])
			zero = (int)i;
	}
	return zero;
}

/*
 * The PID of the NT_PRPSINFO note, which is always there (so the notes, and
 * with them the file's layout, have the same size whatever was found out
 * about the tasks: a save interrupted and resumed in another boot fits
 * together): TSB_PID_MAX_LIMIT + the CPU whose note says 0, or + @ncpus
 * (no note's) when there is none.
 */
static inline uint32_t tsb_vmcore_psinfo_pid(int zero, unsigned int ncpus)
{
	return TSB_PID_MAX_LIMIT + (zero >= 0 ? (uint32_t)zero : ncpus);
}

/* ---- registers ---- */

/* Was a CPU with this SPSR in the kernel (AArch64 EL1), where SP_EL0 holds current? */
static inline int tsb_vmcore_at_el1(uint64_t pstate)
{
	return (pstate & 0x1c) == 0x04;
}

/* The stack pointer a CPU was using: SP_EL0 at EL0 and EL1t, else SP_EL1. */
static inline uint64_t tsb_vmcore_sp(uint64_t pstate, uint64_t sp_el0, uint64_t sp_el1)
{
	uint64_t mode = pstate & 0x1f;

	return mode == 0x0 || mode == 0x4 ? sp_el0 : sp_el1;
}

/*
 * A CPU seized outside the kernel image (in a module, say: the panic CPU is
 * in tsubaki.ko's SMC) gets the registers of the first caller inside the
 * image, found through the frame records, so that gdb and drgn start the
 * backtrace there. @regs: x0..x30, sp, pc, pstate. @read reads @len bytes at
 * kernel virtual address @va of the crashed kernel: 0, or nonzero if it is
 * not in the dump. Return 0 if the registers stay, 1 if they were moved, -1
 * if the frame records do not lead into the image.
 */
static inline int tsb_vmcore_unwind(uint64_t regs[TSB_ELF_PR_NREGS], uint64_t image_start,
				    uint64_t image_end, uint64_t pac_mask,
				    int (*read)(void *ctx, uint64_t va, void *buf, size_t len),
				    void *ctx)
{
	uint64_t fp = regs[29];
	int i;

	if (image_start >= image_end || (regs[32] >= image_start && regs[32] < image_end))
		return 0;
	if ((regs[33] & 0x1c) != 0x04)	/* AArch64 EL1t/EL1h only */
		return 0;
	for (i = 0; i < TSB_UNWIND_MAX_FRAMES; i++) {
		uint64_t rec[2], lr;

		if (!fp || fp % 8 || read(ctx, fp, rec, sizeof(rec)))
			return -1;
		lr = rec[1] | pac_mask;	/* kernel addresses have all top bits set */
		if (lr >= image_start && lr < image_end) {
			regs[29] = rec[0];
			regs[30] = lr;
			regs[31] = rec[0];
			regs[32] = lr;
			return 1;
		}
		if (rec[0] <= fp)
			return -1;
		fp = rec[0];
	}
	return -1;
}

/* AArch32 CPSR modes (the low 5 bits) and its Thumb bit. */
#define TSB_A32_MODE_MASK	0x1f
#define TSB_A32_MODE_USR	0x10
#define TSB_A32_MODE_SVC	0x13
#define TSB_A32_CPSR_T		0x20
/* The ARM kernel's stacks: THREAD_SIZE (8 KiB with 4 KiB pages, no KASAN), aligned. */
#define TSB_A32_STACK_SIZE	8192U

/* Which registers of tsb_vmcore_regs() are the pc and the sp. */
static inline unsigned int tsb_vmcore_pc_index(uint32_t arch)
{
	return tsb_elf_is32(arch) ? 15 : 32;
}

static inline unsigned int tsb_vmcore_sp_index(uint32_t arch)
{
	return tsb_elf_is32(arch) ? 13 : 31;
}

/*
 * The registers of a CPU's NT_PRSTATUS note, as recorded: AArch64 x0..x30,
 * the sp of its mode (tsb_vmcore_sp()), pc, pstate; AArch32 r0..r15 of the
 * mode it was in (r13, r14 its banked sp and lr), cpsr, and orig_r0 0 (not
 * recorded). All zeros for a CPU without a valid record.
 */
static inline void tsb_vmcore_regs(uint32_t arch, const struct tsb_cpu_record *r,
				   uint64_t regs[TSB_ELF_PR_NREGS])
{
	unsigned int i;

	memset(regs, 0, TSB_ELF_PR_NREGS * sizeof(regs[0]));
	if (!r->valid)
		return;
	if (tsb_elf_is32(arch)) {
		for (i = 0; i < 16; i++)
			regs[i] = r->a32.r[i];
		regs[16] = r->a32.cpsr;
		return;
	}
	for (i = 0; i < 31; i++)
		regs[i] = r->x[i];
	regs[31] = tsb_vmcore_sp(r->pstate, r->sp_el0, r->sp_el1);
	regs[32] = r->pc;
	regs[33] = r->pstate;
}

/*
 * The task a CPU was running, where the kernel keeps it: AArch64 SP_EL0 at
 * EL1; AArch32 TPIDRURO in a privileged mode (6.1's
 * CONFIG_CURRENT_POINTER_IN_TPIDRURO, every SMP ARMv7 kernel; in user mode it
 * is the task's TLS). 1 and *@task, or 0. The pointer is untrusted.
 */
static inline int tsb_vmcore_current(uint32_t arch, const struct tsb_cpu_record *r,
				     uint64_t *task)
{
	if (!r->valid)
		return 0;
	if (tsb_elf_is32(arch)) {
		if ((r->a32.cpsr & TSB_A32_MODE_MASK) == TSB_A32_MODE_USR ||
		    !(r->a32.cpsr & 0x10))	/* not an AArch32 mode */
			return 0;
		*task = r->a32.tpidruro;
		return 1;
	}
	if (!tsb_vmcore_at_el1(r->pstate))
		return 0;
	*task = r->sp_el0;
	return 1;
}

/* An ARM-state call instruction: BL, BLX (immediate) or BLX (register). */
static inline int tsb_a32_is_call(uint32_t insn)
{
	return ((insn & 0x0f000000) == 0x0b000000 && (insn >> 28) != 0xf) ||
	       (insn & 0xfe000000) == 0xfa000000 || (insn & 0x0ffffff0) == 0x012fff30;
}

/*
 * AArch32: a CPU seized in a privileged ARM-state mode outside the kernel's
 * text [@text_start, @text_end) -- the panicking CPU is in tsubaki.ko's SMC --
 * gets the registers of its first caller inside it, so that gdb starts the
 * backtrace there. The ARM kernel unwinds with unwind tables
 * (CONFIG_ARM_UNWIND), not frame pointers, so the caller is found on the
 * stack: from sp up to the end of its 8 KiB kernel stack, the first word that
 * is a return address into the text (4-aligned, the instruction before it a
 * call) is the link register the outermost module function pushed in its
 * prologue -- the highest of the registers it pushed, so the caller's sp was
 * just above it. The caller's state at the call: pc = lr = that return
 * address, sp = the word above it; r0..r12 stay as recorded. @regs: r0..r15,
 * cpsr. @read reads @len bytes at kernel virtual address @va: 0, or nonzero
 * if it is not in the dump. Return 0 if the registers stay, 1 if they were
 * moved, -1 if no return address into the text was found.
 */
static inline int tsb_vmcore_unwind_a32(uint64_t regs[TSB_ELF_PR_NREGS], uint64_t text_start,
					uint64_t text_end,
					int (*read)(void *ctx, uint64_t va, void *buf, size_t len),
					void *ctx)
{
	uint32_t sp = (uint32_t)regs[13], pc = (uint32_t)regs[15], cpsr = (uint32_t)regs[16];
	uint64_t at, top;

	if (text_start >= text_end || (pc >= text_start && pc < text_end))
		return 0;
	if ((cpsr & TSB_A32_MODE_MASK) == TSB_A32_MODE_USR || !(cpsr & 0x10) ||
	    (cpsr & TSB_A32_CPSR_T))
		return 0;	/* user mode, or Thumb state: as recorded */
	top = ((uint64_t)sp | (TSB_A32_STACK_SIZE - 1)) + 1;
	for (at = (sp + 3ULL) & ~3ULL; at + 4 <= top; at += 4) {
		uint8_t w[4];
		uint32_t lr, insn;

		if (read(ctx, at, w, 4))
			return -1;
		lr = tsb_get_le32(w);
		if (lr % 4 || lr < text_start + 4 || lr >= text_end || read(ctx, lr - 4, w, 4))
			continue;
		insn = tsb_get_le32(w);
		if (!tsb_a32_is_call(insn))
			continue;
		regs[13] = at + 4;
		regs[14] = lr;
		regs[15] = lr;
		return 1;
	}
	return -1;
}

/* ---- the crashed kernel's address space ---- */

/*
 * AArch32 (ARM Linux 6.1, LPAE): what the linear map is, found from the dump.
 *  - PAGE_OFFSET: SYMBOL(_stext) rounded down to 256 MiB. _stext is the
 *    kernel's text at PAGE_OFFSET + TEXT_OFFSET (+ the head section, + 1 MiB
 *    with STRICT_KERNEL_RWX), and every PAGE_OFFSET ARM offers (0x40000000,
 *    0x80000000, 0xb0000000, 0xc0000000) is a multiple of 256 MiB.
 *  - Lowmem, the linear map's extent: up to 0xf0000000, the lowest
 *    VMALLOC_START the kernel allows with its default vmalloc= of 240 MiB
 *    (VMALLOC_END 0xff800000 - 240 MiB - VMALLOC_OFFSET 8 MiB). RAM above is
 *    highmem, which has no fixed virtual address.
 *  - PHYS_OFFSET (head.S: __pa(_text) - TEXT_OFFSET; no VMCOREINFO line on
 *    ARM): the first candidate at which init_uts_ns reads as OSRELEASE. The
 *    candidates, in order: from each CPU's TTBR1 (panic CPU first), which
 *    holds __pa(swapper_pg_dir) + TTBR1_OFFSET when TTBCR.T1SZ splits the
 *    address space (LPAE), less SYMBOL(swapper_pg_dir) - PAGE_OFFSET; the
 *    RAM's base; the base of each WINDOW region (spare mode: where the
 *    crashed kernel booted). When none can be checked (no init_uts_ns in
 *    VMCOREINFO or in the dump), the first candidate; when every one that
 *    could be checked fails, the first of those it could not check, else the
 *    first.
 * Text for the unwinder: [SYMBOL(_stext), the lowest other SYMBOL() above
 * it), which on ARM are all data after the text.
 */
#define TSB_A32_PAGE_OFFSET_ALIGN	(256ULL << 20)
#define TSB_A32_LOWMEM_END		0xf0000000ULL
#define TSB_A32_UTS_RELEASE_OFF		130	/* struct new_utsname: 2 * 65 bytes before release */
#define TSB_A32_UTS_LEN			65
/* PHYS_OFFSET candidates: a CPU's TTBR1 each, the RAM base, up to 4 WINDOW regions. */
#define TSB_A32_CANDIDATES		(TSB_MAX_CPUS + 1 + 4)

/* Where PHYS_OFFSET came from (tsb_vmcore_map.phys_src). */
#define TSB_PHYS_VMCOREINFO	0	/* AArch64: NUMBER(PHYS_OFFSET) */
#define TSB_PHYS_TTBR1		1	/* AArch32: a CPU's TTBR1 */
#define TSB_PHYS_RAM_BASE	2	/* AArch32: the dump's ram_base */
#define TSB_PHYS_WINDOW		3	/* AArch32: a WINDOW region */

struct tsb_vmcore_map {
	uint32_t arch;
	unsigned int ptr_size;	/* of the crashed kernel: 8 or 4 */
	int lin_ok;		/* the linear map is known */
	uint64_t phys_offset;	/* PHYS_OFFSET: where it starts in RAM */
	uint64_t page_offset;	/* PAGE_OFFSET: its virtual start */
	uint64_t lin_span;	/* the bytes it covers */
	int have_image;		/* AArch64: the kernel image's own mapping */
	uint64_t kimage_voffset, image_start, image_end;
	uint64_t text_start, text_end;	/* AArch32: the kernel's text, or empty */
	int phys_src;		/* TSB_PHYS_* */
	unsigned int phys_cpu;	/* TSB_PHYS_TTBR1: which CPU's */
	int phys_checked;	/* AArch32: 1 init_uts_ns reads as OSRELEASE there,
				 * 0 could not be checked, -1 it does not */
};

typedef int (*tsb_vmcore_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len);

/*
 * AArch64: the linear map from NUMBER(PHYS_OFFSET) and NUMBER(VA_BITS)
 * (PAGE_OFFSET = -(1 << VA_BITS)), the kernel image from the KERNEL region
 * @kreg (or NULL) and NUMBER(kimage_voffset).
 */
static inline void tsb_vmcore_map_a64(struct tsb_vmcore_map *m, const char *vt, size_t vlen,
				      const struct tsb_region *kreg)
{
	uint64_t va_bits, pa;

	memset(m, 0, sizeof(*m));
	m->arch = TSB_ARCH_AARCH64;
	m->ptr_size = 8;
	if (!tsb_vmci_number(vt, vlen, "NUMBER(PHYS_OFFSET)", 16, &pa) &&
	    !tsb_vmci_number(vt, vlen, "NUMBER(VA_BITS)", 10, &va_bits) &&
	    va_bits >= 36 && va_bits <= 52) {
		m->lin_ok = 1;
		m->phys_offset = pa;
		m->page_offset = -(1ULL << va_bits);
		m->lin_span = 1ULL << (va_bits - 1);
	}
	if (kreg && kreg->size &&
	    !tsb_vmci_number(vt, vlen, "NUMBER(kimage_voffset)", 16, &m->kimage_voffset)) {
		m->image_start = kreg->paddr + m->kimage_voffset;
		m->image_end = m->image_start + kreg->size;
		/* the image must not wrap around the top of the address space */
		m->have_image = m->image_start < m->image_end;
	}
}

/*
 * AArch32: does init_uts_ns read as OSRELEASE with PHYS_OFFSET @phys? 1 yes,
 * -1 no (or it would lie outside RAM), 0 cannot tell (not in VMCOREINFO or
 * not in the dump).
 */
static inline int tsb_vmcore_a32_check(const struct tsb_vmcore_map *m, const char *vt,
				       size_t vlen, const struct tsb_dump_header *h,
				       uint64_t phys, tsb_vmcore_read_fn read_phys, void *ctx)
{
	uint8_t got[TSB_A32_UTS_LEN];
	uint64_t uts, name, va, pa;
	const char *rel;
	long n = tsb_vmci_find(vt, vlen, "OSRELEASE", &rel);

	if (n <= 0 || n >= TSB_A32_UTS_LEN ||
	    tsb_vmci_number(vt, vlen, "SYMBOL(init_uts_ns)", 16, &uts) ||
	    tsb_vmci_number(vt, vlen, "OFFSET(uts_namespace.name)", 10, &name) ||
	    name > 4096)
		return 0;
	va = uts + name + TSB_A32_UTS_RELEASE_OFF;
	if (va < m->page_offset || va - m->page_offset > m->lin_span - TSB_A32_UTS_LEN)
		return 0;
	pa = va - m->page_offset + phys;
	if (h->ram_size < TSB_A32_UTS_LEN || pa < h->ram_base ||
	    pa - h->ram_base > h->ram_size - TSB_A32_UTS_LEN)
		return -1;
	if (read_phys(ctx, pa, got, sizeof(got)))
		return 0;
	return !memcmp(got, rel, (size_t)n) && !got[n] ? 1 : -1;
}

/*
 * AArch32: PAGE_OFFSET, lowmem, PHYS_OFFSET and the text as the comment
 * above says, from VMCOREINFO (@vt, @vlen), the dump's header @h, its CPU
 * records @cpu and regions @reg; @read_phys reads the dump's RAM (0, or
 * nonzero if it is not in the dump).
 */
static inline void tsb_vmcore_map_a32(struct tsb_vmcore_map *m, const char *vt, size_t vlen,
				      const struct tsb_dump_header *h,
				      const struct tsb_cpu_record *cpu,
				      const struct tsb_region *reg,
				      tsb_vmcore_read_fn read_phys, void *ctx)
{
	uint64_t stext, swapper = 0, cand[TSB_A32_CANDIDATES];
	int src[TSB_A32_CANDIDATES], chk[TSB_A32_CANDIDATES];
	unsigned int who[TSB_A32_CANDIDATES];
	unsigned int n = 0, i, k, pick;
	int have_swapper;

	memset(m, 0, sizeof(*m));
	m->arch = TSB_ARCH_AARCH32;
	m->ptr_size = 4;
	if (tsb_vmci_number(vt, vlen, "SYMBOL(_stext)", 16, &stext) || stext >= TSB_ELF32_LIMIT)
		return;
	m->page_offset = stext & ~(TSB_A32_PAGE_OFFSET_ALIGN - 1);
	if (m->page_offset < (1ULL << 30) || m->page_offset >= TSB_A32_LOWMEM_END)
		return;
	m->lin_span = TSB_A32_LOWMEM_END - m->page_offset;
	m->text_start = m->text_end = stext;
	if (!tsb_vmci_symbol_above(vt, vlen, stext, &m->text_end) &&
	    m->text_end > m->page_offset + m->lin_span)
		m->text_end = m->page_offset + m->lin_span;

	have_swapper = !tsb_vmci_number(vt, vlen, "SYMBOL(swapper_pg_dir)", 16, &swapper) &&
		       swapper >= m->page_offset && swapper < m->page_offset + m->lin_span;
	for (k = 0; have_swapper && k < h->ncpus && k < TSB_MAX_CPUS; k++) {
		const struct tsb_cpu_record *r = &cpu[tsb_vmcore_cpu_order(h->panic_cpu, k)];
		uint64_t ttbr1 = r->a32.ttbr1 & 0xffffffffffULL, off = 0;

		if (!r->valid || !(r->a32.ttbcr & 0x80000000U))	/* TTBCR.EAE: LPAE */
			continue;
		if ((r->a32.ttbcr >> 16) & 7)	/* T1SZ: TTBR1_OFFSET applies */
			off = m->page_offset == 0x80000000ULL ? 16 :
			      m->page_offset == 0xc0000000ULL ? 0x4000 : 0;
		if (ttbr1 < off + (swapper - m->page_offset))
			continue;
		cand[n] = ttbr1 - off - (swapper - m->page_offset);
		src[n] = TSB_PHYS_TTBR1;
		who[n++] = tsb_vmcore_cpu_order(h->panic_cpu, k);
	}
	cand[n] = h->ram_base;
	src[n] = TSB_PHYS_RAM_BASE;
	who[n++] = 0;
	for (k = 0; k < h->nregions && k < TSB_MAX_REGIONS && n < TSB_A32_CANDIDATES; k++) {
		if (reg[k].kind != TSB_REGION_WINDOW)
			continue;
		cand[n] = reg[k].paddr;
		src[n] = TSB_PHYS_WINDOW;
		who[n++] = k;
	}
	/* check each (a repeated one as its first), take the first that reads right */
	pick = n;
	for (i = 0; i < n; i++) {
		chk[i] = 2;	/* not a candidate */
		if (cand[i] % TSB_PAGE || cand[i] < h->ram_base ||
		    cand[i] - h->ram_base >= h->ram_size)
			continue;
		for (k = 0; k < i && cand[k] != cand[i]; k++)
			;
		if (k < i)
			continue;
		chk[i] = tsb_vmcore_a32_check(m, vt, vlen, h, cand[i], read_phys, ctx);
		if (chk[i] == 1) {
			pick = i;
			break;
		}
	}
	for (i = 0; pick == n && i < n; i++)
		if (chk[i] == 0)
			pick = i;
	for (i = 0; pick == n && i < n; i++)
		if (chk[i] == -1)
			pick = i;
	if (pick == n)
		return;
	m->lin_ok = 1;
	m->phys_offset = cand[pick];
	m->phys_src = src[pick];
	m->phys_cpu = who[pick];
	m->phys_checked = chk[pick];
}

/* The physical address of kernel virtual address @va: 1 and *@pa, or 0. */
static inline int tsb_vmcore_va_to_pa(const struct tsb_vmcore_map *m, uint64_t va, uint64_t *pa)
{
	if (m->have_image && va >= m->image_start && va < m->image_end) {
		*pa = va - m->kimage_voffset;
		return 1;
	}
	if (!m->lin_ok || va < m->page_offset || va - m->page_offset >= m->lin_span)
		return 0;
	*pa = va - m->page_offset + m->phys_offset;
	return *pa >= m->phys_offset;	/* no wrap-around */
}

/* The linear-map address of [@pa, @pa + @size): 1 and *@va, or 0 if not all in it. */
static inline int tsb_vmcore_linear_va(const struct tsb_vmcore_map *m, uint64_t pa,
				       uint64_t size, uint64_t *va)
{
	uint64_t off = pa - m->phys_offset;

	if (!m->lin_ok || pa < m->phys_offset || off >= m->lin_span || size > m->lin_span - off)
		return 0;
	*va = m->page_offset + off;
	return 1;
}

/*
 * p_vaddr of RAM with no linear-map address: AArch64 0; AArch32 (RAM below
 * PHYS_OFFSET, highmem) -1, as kexec-tools gives 32-bit highmem -- gdb and
 * drgn then find no RAM at virtual address 0 (a NULL pointer stays unreadable)
 * and read it by its p_paddr only.
 */
#define TSB_ELF_NO_VADDR	0
#define TSB_ELF32_NO_VADDR	0xffffffffULL

static inline uint64_t tsb_elf_no_vaddr(uint32_t arch)
{
	return tsb_elf_is32(arch) ? TSB_ELF32_NO_VADDR : TSB_ELF_NO_VADDR;
}

/*
 * The first piece of the run of RAM [@pa, @pa + @len) that is one PT_LOAD:
 * its length, its p_vaddr in *@va, and *@keep = 0 if it cannot be in the
 * file at all. AArch64: the whole run, at its linear-map address, or
 * TSB_ELF_NO_VADDR if it is not all in the linear map. AArch32: split where
 * the linear map (lowmem) starts and ends, the pieces outside it (below
 * PHYS_OFFSET, highmem) at TSB_ELF32_NO_VADDR; RAM at or above 4 GiB does not
 * fit an ELF32 file (*@keep = 0).
 */
static inline uint64_t tsb_vmcore_piece(const struct tsb_vmcore_map *m, uint64_t pa, uint64_t len,
					uint64_t *va, int *keep)
{
	uint64_t end = pa + len, lo = m->phys_offset, hi = m->phys_offset + m->lin_span;

	*keep = 1;
	*va = tsb_elf_no_vaddr(m->arch);
	if (!tsb_elf_is32(m->arch)) {
		tsb_vmcore_linear_va(m, pa, len, va);
		return len;
	}
	if (pa >= TSB_ELF32_LIMIT) {
		*keep = 0;
		return len;
	}
	if (end > TSB_ELF32_LIMIT)
		end = TSB_ELF32_LIMIT;
	if (!m->lin_ok)
		return end - pa;
	if (pa < lo)
		return (end < lo ? end : lo) - pa;
	if (pa < hi) {
		end = end < hi ? end : hi;
		tsb_vmcore_linear_va(m, pa, end - pa, va);
	}
	return end - pa;
}

/*
 * The registers of CPU record @r for its note, from the first caller in the
 * kernel image or text when the CPU was seized outside it (a panic CPU in a
 * module: tsb_vmcore_unwind(), tsb_vmcore_unwind_a32()). @pac_mask: AArch64's
 * NUMBER(KERNELPACMASK). Return as they do (0 when there is nothing to unwind
 * with: no kernel image or text known).
 */
static inline int tsb_vmcore_unwind_cpu(const struct tsb_vmcore_map *m,
					uint64_t regs[TSB_ELF_PR_NREGS], uint64_t pac_mask,
					tsb_vmcore_read_fn read, void *ctx)
{
	if (tsb_elf_is32(m->arch))
		return tsb_vmcore_unwind_a32(regs, m->text_start, m->text_end, read, ctx);
	if (!m->have_image)
		return 0;
	return tsb_vmcore_unwind(regs, m->image_start, m->image_end, pac_mask, read, ctx);
}

/* ---- headers ---- */

static inline uint64_t tsb_elf_headers_size(uint32_t arch, unsigned int nsegs,
					    uint64_t notes_len)
{
	return tsb_elf_ehdr_size(arch) + (1 + (uint64_t)nsegs) * tsb_elf_phdr_size(arch) +
	       notes_len;
}

/*
 * Assign the segments' file offsets after the headers and @notes_len bytes
 * of notes; set *@file_size. Return 0, or -1 if there are too many segments
 * or the file would exceed 2^63 bytes (ELF32: 4 GiB, or a segment's address
 * does not fit 32 bits).
 */
static inline int tsb_elf_layout(uint32_t arch, struct tsb_elf_seg *seg, unsigned int nsegs,
				 uint64_t notes_len, uint64_t *file_size)
{
	const uint64_t limit = tsb_elf_is32(arch) ? TSB_ELF32_LIMIT : 1ULL << 63;
	uint64_t off = tsb_elf_headers_size(arch, nsegs, notes_len);
	unsigned int i;

	if (nsegs > TSB_ELF_MAX_SEGS || notes_len > (1ULL << 32))
		return -1;
	for (i = 0; i < nsegs; i++) {
		off = (off + TSB_ELF_DATA_ALIGN - 1) & ~(TSB_ELF_DATA_ALIGN - 1);
		if (seg[i].size > limit || off > limit - seg[i].size)
			return -1;
		if (tsb_elf_is32(arch) && (seg[i].paddr > limit - seg[i].size ||
					   seg[i].vaddr >= limit))
			return -1;
		seg[i].offset = off;
		off += seg[i].size;
	}
	*file_size = off;
	return 0;
}

/* A program header: ELF64 (p_flags after p_type) or ELF32 (p_flags before p_align). */
static inline void tsb_elf_put_phdr(uint8_t *p, uint32_t arch, uint32_t type, uint32_t flags,
				    uint64_t offset, uint64_t vaddr, uint64_t paddr,
				    uint64_t size, uint64_t align)
{
	tsb_le32(p, type);
	if (tsb_elf_is32(arch)) {
		tsb_le32(p + 4, offset);
		tsb_le32(p + 8, vaddr);
		tsb_le32(p + 12, paddr);
		tsb_le32(p + 16, size);		/* p_filesz */
		tsb_le32(p + 20, size);		/* p_memsz */
		tsb_le32(p + 24, flags);
		tsb_le32(p + 28, align);
		return;
	}
	tsb_le32(p + 4, flags);
	tsb_le64(p + 8, offset);
	tsb_le64(p + 16, vaddr);
	tsb_le64(p + 24, paddr);
	tsb_le64(p + 32, size);
	tsb_le64(p + 40, size);
	tsb_le64(p + 48, align);
}

/*
 * Write the ELF header and the program headers (PT_NOTE, then one PT_LOAD
 * per segment) at @buf: tsb_elf_headers_size(@arch, @nsegs, 0) bytes. The
 * notes follow them in the file.
 */
static inline void tsb_elf_put_headers(uint8_t *buf, uint32_t arch,
				       const struct tsb_elf_seg *seg, unsigned int nsegs,
				       uint64_t notes_len)
{
	size_t eh = tsb_elf_ehdr_size(arch), ph = tsb_elf_phdr_size(arch);
	uint8_t *p = buf + eh;
	unsigned int i;

	memset(buf, 0, tsb_elf_headers_size(arch, nsegs, 0));
	buf[0] = 0x7f;
	buf[1] = 'E';
	buf[2] = 'L';
	buf[3] = 'F';
	buf[4] = tsb_elf_is32(arch) ? 1 : 2;	/* ELFCLASS32, ELFCLASS64 */
	buf[5] = 1;		/* ELFDATA2LSB */
	buf[6] = 1;		/* EV_CURRENT */
	tsb_le16(buf + 16, 4);	/* ET_CORE */
	tsb_le16(buf + 18, tsb_elf_is32(arch) ? 40 : 183);	/* EM_ARM, EM_AARCH64 */
	tsb_le32(buf + 20, 1);	/* EV_CURRENT */
	if (tsb_elf_is32(arch)) {
		tsb_le32(buf + 28, eh);		/* e_phoff; e_flags 0, as Linux's core files */
		tsb_le16(buf + 40, eh);		/* e_ehsize */
		tsb_le16(buf + 42, ph);		/* e_phentsize */
		tsb_le16(buf + 44, 1 + nsegs);	/* e_phnum */
	} else {
		tsb_le64(buf + 32, eh);		/* e_phoff */
		tsb_le16(buf + 52, eh);
		tsb_le16(buf + 54, ph);
		tsb_le16(buf + 56, 1 + nsegs);
	}
	/* PT_NOTE: p_memsz = p_filesz, as in Linux's /proc/vmcore */
	tsb_elf_put_phdr(p, arch, 4, 0, tsb_elf_headers_size(arch, nsegs, 0), 0, 0, notes_len, 4);
	for (i = 0; i < nsegs; i++) {
		const struct tsb_elf_seg *s = &seg[i];

		p += ph;
		/* PT_LOAD, PF_R | PF_W | PF_X; only claim page alignment where it holds */
		tsb_elf_put_phdr(p, arch, 1, 7, s->offset, s->vaddr, s->paddr, s->size,
				 (s->vaddr - s->offset) % TSB_ELF_DATA_ALIGN ? 1 :
				 TSB_ELF_DATA_ALIGN);
	}
}

/*
 * The bytes of a vmcore's ELF header and program headers, from its first
 * TSB_ELF_EHDR_SIZE bytes (either class): 0 if it is not such an ELF file.
 */
static inline uint64_t tsb_elf_file_headers_len(const uint8_t *eh)
{
	if (memcmp(eh, "\177ELF", 4))
		return 0;
	if (eh[4] == 1)
		return TSB_ELF32_EHDR_SIZE +
		       (uint64_t)(eh[44] | eh[45] << 8) * TSB_ELF32_PHDR_SIZE;
	if (eh[4] == 2)
		return TSB_ELF_EHDR_SIZE + (uint64_t)(eh[56] | eh[57] << 8) * TSB_ELF_PHDR_SIZE;
	return 0;
}

#endif /* TSUBAKI_VMCORE_ELF_H */
