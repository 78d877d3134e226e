/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * elfcore: the headers of an ELF little-endian ET_CORE file -- ELF64
 * EM_AARCH64 for an AArch64 dump, ELF32 EM_ARM for an AArch32 one -- laid
 * out like Linux's /proc/vmcore: the ELF header, the program headers
 * (one PT_NOTE first, then the PT_LOADs), the notes, then each PT_LOAD's
 * data at a page-aligned file offset. The caller adds the notes and the
 * segments, calls ecore_layout(), writes the headers with
 * ecore_write_headers() and then each segment's data at its p_offset.
 */
#ifndef TSUBAKI_ELFCORE_H
#define TSUBAKI_ELFCORE_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>
#include <tsubaki/vmcore_elf.h>	/* the layout itself, shared with the Linux module */

#define ECORE_PR_NREGS		TSB_ELF_PR_NREGS	/* x0..x30, sp, pc, pstate (ARM: 18 used) */

struct ecore {
	uint32_t arch;		/* TSB_ARCH_*: which ELF */
	uint8_t *notes;
	size_t notes_len, notes_cap;
	struct tsb_elf_seg *seg;
	unsigned int nsegs, segs_cap;
	uint64_t file_size;	/* set by ecore_layout() */
};

void ecore_init(struct ecore *e, uint32_t arch);
void ecore_free(struct ecore *e);

/* Append a note (name, type, descriptor): 0 or -1 (out of memory / too big). */
int ecore_add_note(struct ecore *e, const char *name, uint32_t type,
		   const void *desc, size_t desclen);
/* Append bytes that already form complete notes (4-byte aligned lengths). */
int ecore_add_raw_notes(struct ecore *e, const void *notes, size_t len);
/*
 * An NT_PRSTATUS "CORE" note: pid and the registers (tsb_vmcore_regs():
 * x0..x30, sp, pc, pstate; ARM r0..r15, cpsr, orig_r0).
 */
int ecore_add_prstatus(struct ecore *e, uint32_t pid,
		       const uint64_t regs[ECORE_PR_NREGS]);

/* An NT_PRPSINFO "CORE" note: pid, program name and arguments (truncated). */
int ecore_add_prpsinfo(struct ecore *e, uint32_t pid, const char *fname,
		       const char *args);

/* Append a PT_LOAD: 0 or -1 (too many segments / out of memory). */
int ecore_add_seg(struct ecore *e, uint64_t vaddr, uint64_t paddr,
		  uint64_t size);

/* Assign file offsets: 0, or -1 if the file would exceed 2^63 bytes (ELF32: 4 GiB). */
int ecore_layout(struct ecore *e);

/* ELF header, program headers and notes at offset 0 of @fd: 0 or -1 (errno). */
int ecore_write_headers(const struct ecore *e, int fd);

#endif /* TSUBAKI_ELFCORE_H */
