/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * The layout of a Tsubaki vmcore: an arm64 ELF core file laid out like
 * Linux's /proc/vmcore. One implementation for both writers of it, so their
 * files are byte-identical:
 *  - tsubaki-dump export on the host (tools/dump/export.c, elfcore.c);
 *  - the Linux module's /dev/tsubaki/vmcore (linux/module/tsubaki_vmcore.c).
 *
 * File:  [ELF header][PT_NOTE][PT_LOAD...][notes][pad][segment data...]
 *        Segment data starts 4 KiB aligned, in program-header order.
 * Notes: an NT_PRPSINFO "CORE" note (tsb_vmcore_psinfo_pid()), one
 *        NT_PRSTATUS "CORE" note per CPU in CPU order, then the VMCOREINFO
 *        note as the kernel registered it.
 *
 * No includes: the includer provides uint8_t, uint32_t, uint64_t, size_t,
 * memcpy(), memset() and memcmp() (<stdint.h> + <string.h>, or <linux/types.h> +
 * <linux/string.h>). All values are written little-endian byte by byte.
 */
#ifndef TSUBAKI_VMCORE_ELF_H
#define TSUBAKI_VMCORE_ELF_H

#define TSB_ELF_EHDR_SIZE	64
#define TSB_ELF_PHDR_SIZE	56
#define TSB_ELF_NHDR_SIZE	12
#define TSB_ELF_DATA_ALIGN	4096ULL
#define TSB_ELF_MAX_SEGS	65000	/* e_phnum is 16 bits, no PN_XNUM here */

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

#define TSB_ELF_NT_PRSTATUS	1
#define TSB_ELF_NT_PRPSINFO	3

/* PID_MAX_LIMIT on 64-bit: no task has a PID at or above it. */
#define TSB_PID_MAX_LIMIT	(4U * 1024 * 1024)
/* How many frame records tsb_vmcore_unwind() follows. */
#define TSB_UNWIND_MAX_FRAMES	16

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

/* The descriptor of an NT_PRSTATUS note: pid and x0..x30, sp, pc, pstate. */
static inline void tsb_elf_prstatus(uint8_t desc[TSB_ELF_PRSTATUS_SIZE], uint32_t pid,
				    const uint64_t regs[TSB_ELF_PR_NREGS])
{
	unsigned int i;

	memset(desc, 0, TSB_ELF_PRSTATUS_SIZE);
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

/* The descriptor of an NT_PRPSINFO note: pid, program name, arguments. */
static inline void tsb_elf_prpsinfo(uint8_t desc[TSB_ELF_PRPSINFO_SIZE], uint32_t pid,
				    const char *fname, const char *args)
{
	memset(desc, 0, TSB_ELF_PRPSINFO_SIZE);
	tsb_le32(desc + TSB_ELF_PSINFO_PID_OFF, pid);
	tsb_elf_put_str(desc + TSB_ELF_PSINFO_FNAME_OFF, 16, fname);
	tsb_elf_put_str(desc + TSB_ELF_PSINFO_ARGS_OFF, 80, args);
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

		if (d >= base || v > (~0ULL - d) / base)
			return -2;
		v = v * base + d;
	}
	*out = v;
	return 0;
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

/* ---- headers ---- */

static inline uint64_t tsb_elf_headers_size(unsigned int nsegs, uint64_t notes_len)
{
	return TSB_ELF_EHDR_SIZE + (1 + (uint64_t)nsegs) * TSB_ELF_PHDR_SIZE + notes_len;
}

/*
 * Assign the segments' file offsets after the headers and @notes_len bytes
 * of notes; set *@file_size. Return 0, or -1 if there are too many segments
 * or the file would exceed 2^63 bytes.
 */
static inline int tsb_elf_layout(struct tsb_elf_seg *seg, unsigned int nsegs,
				 uint64_t notes_len, uint64_t *file_size)
{
	const uint64_t limit = 1ULL << 63;
	uint64_t off = tsb_elf_headers_size(nsegs, notes_len);
	unsigned int i;

	if (nsegs > TSB_ELF_MAX_SEGS || notes_len > (1ULL << 32))
		return -1;
	for (i = 0; i < nsegs; i++) {
		off = (off + TSB_ELF_DATA_ALIGN - 1) & ~(TSB_ELF_DATA_ALIGN - 1);
		if (seg[i].size > limit || off > limit - seg[i].size)
			return -1;
		seg[i].offset = off;
		off += seg[i].size;
	}
	*file_size = off;
	return 0;
}

/*
 * Write the ELF header and the program headers (PT_NOTE, then one PT_LOAD
 * per segment) at @buf: TSB_ELF_EHDR_SIZE + (1 + @nsegs) * TSB_ELF_PHDR_SIZE
 * bytes. The notes follow them in the file.
 */
static inline void tsb_elf_put_headers(uint8_t *buf, const struct tsb_elf_seg *seg,
				       unsigned int nsegs, uint64_t notes_len)
{
	uint8_t *p = buf + TSB_ELF_EHDR_SIZE;
	unsigned int i;

	memset(buf, 0, tsb_elf_headers_size(nsegs, 0));
	buf[0] = 0x7f;
	buf[1] = 'E';
	buf[2] = 'L';
	buf[3] = 'F';
	buf[4] = 2;		/* ELFCLASS64 */
	buf[5] = 1;		/* ELFDATA2LSB */
	buf[6] = 1;		/* EV_CURRENT */
	tsb_le16(buf + 16, 4);	/* ET_CORE */
	tsb_le16(buf + 18, 183);	/* EM_AARCH64 */
	tsb_le32(buf + 20, 1);	/* EV_CURRENT */
	tsb_le64(buf + 32, TSB_ELF_EHDR_SIZE);	/* e_phoff */
	tsb_le16(buf + 52, TSB_ELF_EHDR_SIZE);
	tsb_le16(buf + 54, TSB_ELF_PHDR_SIZE);
	tsb_le16(buf + 56, 1 + nsegs);

	tsb_le32(p, 4);		/* PT_NOTE */
	tsb_le64(p + 8, tsb_elf_headers_size(nsegs, 0));	/* p_offset */
	tsb_le64(p + 32, notes_len);	/* p_filesz */
	tsb_le64(p + 40, notes_len);	/* p_memsz, as in Linux's /proc/vmcore */
	tsb_le64(p + 48, 4);	/* p_align */
	for (i = 0; i < nsegs; i++) {
		const struct tsb_elf_seg *s = &seg[i];

		p += TSB_ELF_PHDR_SIZE;
		tsb_le32(p, 1);		/* PT_LOAD */
		tsb_le32(p + 4, 7);	/* PF_R | PF_W | PF_X */
		tsb_le64(p + 8, s->offset);
		tsb_le64(p + 16, s->vaddr);
		tsb_le64(p + 24, s->paddr);
		tsb_le64(p + 32, s->size);
		tsb_le64(p + 40, s->size);
		/* only claim page alignment where it holds */
		tsb_le64(p + 48, (s->vaddr - s->offset) % TSB_ELF_DATA_ALIGN ? 1 :
				 TSB_ELF_DATA_ALIGN);
	}
}

#endif /* TSUBAKI_VMCORE_ELF_H */
