// SPDX-License-Identifier: BSD-3-Clause
/*
 * elfcore: write the headers of an ELF core file (arm64, ARM). See elfcore.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfcore.h"

#define NOTES_MAX	(1U << 20)	/* far more than 8 CPUs + VMCOREINFO */

void ecore_init(struct ecore *e, uint32_t arch)
{
	memset(e, 0, sizeof(*e));
	e->arch = arch;
}

void ecore_free(struct ecore *e)
{
	free(e->notes);
	free(e->seg);
	ecore_init(e, e->arch);
}

static int notes_reserve(struct ecore *e, size_t more)
{
	size_t cap = e->notes_cap ? e->notes_cap : 4096;
	uint8_t *p;

	if (more > NOTES_MAX || e->notes_len + more > NOTES_MAX)
		return -1;
	while (cap < e->notes_len + more)
		cap *= 2;
	if (cap == e->notes_cap)
		return 0;
	p = realloc(e->notes, cap);
	if (!p)
		return -1;
	memset(p + e->notes_cap, 0, cap - e->notes_cap);
	e->notes = p;
	e->notes_cap = cap;
	return 0;
}

int ecore_add_note(struct ecore *e, const char *name, uint32_t type,
		   const void *desc, size_t desclen)
{
	size_t size = tsb_elf_note_size(strlen(name) + 1, desclen);

	if (desclen > NOTES_MAX || notes_reserve(e, size))
		return -1;
	e->notes_len += tsb_elf_put_note(e->notes + e->notes_len, name, type, desc, desclen);
	return 0;
}

int ecore_add_raw_notes(struct ecore *e, const void *notes, size_t len)
{
	if (len % 4 || notes_reserve(e, len))
		return -1;
	memcpy(e->notes + e->notes_len, notes, len);
	e->notes_len += len;
	return 0;
}

int ecore_add_prstatus(struct ecore *e, uint32_t pid,
		       const uint64_t regs[ECORE_PR_NREGS])
{
	uint8_t desc[TSB_ELF_PRSTATUS_SIZE];	/* the larger of the two */

	tsb_elf_prstatus(desc, e->arch, pid, regs);
	return ecore_add_note(e, "CORE", TSB_ELF_NT_PRSTATUS, desc,
			      tsb_elf_prstatus_size(e->arch));
}

int ecore_add_prpsinfo(struct ecore *e, uint32_t pid, const char *fname,
		       const char *args)
{
	uint8_t desc[TSB_ELF_PRPSINFO_SIZE];	/* the larger of the two */

	tsb_elf_prpsinfo(desc, e->arch, pid, fname, args);
	return ecore_add_note(e, "CORE", TSB_ELF_NT_PRPSINFO, desc,
			      tsb_elf_prpsinfo_size(e->arch));
}

int ecore_add_seg(struct ecore *e, uint64_t vaddr, uint64_t paddr,
		  uint64_t size)
{
	if (e->nsegs >= TSB_ELF_MAX_SEGS)
		return -1;
	if (e->nsegs == e->segs_cap) {
		unsigned int cap = e->segs_cap ? e->segs_cap * 2 : 64;
		struct tsb_elf_seg *s = realloc(e->seg, cap * sizeof(*s));

		if (!s)
			return -1;
		e->seg = s;
		e->segs_cap = cap;
	}
	e->seg[e->nsegs++] = (struct tsb_elf_seg){
		.vaddr = vaddr, .paddr = paddr, .size = size,
	};
	return 0;
}

int ecore_layout(struct ecore *e)
{
	return tsb_elf_layout(e->arch, e->seg, e->nsegs, e->notes_len,
			      &e->file_size);
}

static int write_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int ecore_write_headers(const struct ecore *e, int fd)
{
	size_t hlen = (size_t)tsb_elf_headers_size(e->arch, e->nsegs, 0);
	uint8_t *buf = calloc(1, hlen + e->notes_len);
	int err;

	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	tsb_elf_put_headers(buf, e->arch, e->seg, e->nsegs, e->notes_len);
	if (e->notes_len)
		memcpy(buf + hlen, e->notes, e->notes_len);
	err = write_all(fd, buf, hlen + e->notes_len, 0);
	free(buf);
	return err;
}
