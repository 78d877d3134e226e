// SPDX-License-Identifier: BSD-3-Clause
/*
 * elfcore: write the headers of an arm64 ELF core file. See elfcore.h.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfcore.h"

#define NOTES_MAX	(1U << 20)	/* far more than 8 CPUs + VMCOREINFO */

_Static_assert(sizeof(Elf64_Ehdr) == 64 && sizeof(Elf64_Phdr) == 56 &&
	       sizeof(Elf64_Nhdr) == 12, "ELF64 structures");

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

void ecore_init(struct ecore *e)
{
	memset(e, 0, sizeof(*e));
}

void ecore_free(struct ecore *e)
{
	free(e->notes);
	free(e->seg);
	ecore_init(e);
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
	size_t namesz = strlen(name) + 1;
	Elf64_Nhdr nh = {
		.n_namesz = (Elf64_Word)namesz,
		.n_descsz = (Elf64_Word)desclen,
		.n_type = type,
	};
	uint8_t *p;

	if (desclen > NOTES_MAX ||
	    notes_reserve(e, sizeof(nh) + align4(namesz) + align4(desclen)))
		return -1;
	p = e->notes + e->notes_len;
	memcpy(p, &nh, sizeof(nh));
	p += sizeof(nh);
	memcpy(p, name, namesz);
	p += align4(namesz);
	memcpy(p, desc, desclen);
	e->notes_len += sizeof(nh) + align4(namesz) + align4(desclen);
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
	uint8_t desc[ECORE_PRSTATUS_SIZE] = { 0 };

	memcpy(desc + ECORE_PR_PID_OFF, &pid, sizeof(pid));
	memcpy(desc + ECORE_PR_REG_OFF, regs, 8 * ECORE_PR_NREGS);
	/* pr_fpvalid stays 0: no FP/SIMD state */
	return ecore_add_note(e, "CORE", NT_PRSTATUS, desc, sizeof(desc));
}

static void put_str(uint8_t *dst, size_t room, const char *s)
{
	size_t n = strlen(s);

	memcpy(dst, s, n < room ? n : room - 1);	/* NUL-terminated */
}

int ecore_add_prpsinfo(struct ecore *e, uint32_t pid, const char *fname,
		       const char *args)
{
	uint8_t desc[ECORE_PRPSINFO_SIZE] = { 0 };

	memcpy(desc + ECORE_PSINFO_PID_OFF, &pid, sizeof(pid));
	put_str(desc + ECORE_PSINFO_FNAME_OFF, 16, fname);
	put_str(desc + ECORE_PSINFO_ARGS_OFF, 80, args);
	return ecore_add_note(e, "CORE", NT_PRPSINFO, desc, sizeof(desc));
}

int ecore_add_seg(struct ecore *e, uint64_t vaddr, uint64_t paddr,
		  uint64_t size)
{
	if (e->nsegs >= ECORE_MAX_SEGS)
		return -1;
	if (e->nsegs == e->segs_cap) {
		unsigned int cap = e->segs_cap ? e->segs_cap * 2 : 64;
		struct ecore_seg *s = realloc(e->seg, cap * sizeof(*s));

		if (!s)
			return -1;
		e->seg = s;
		e->segs_cap = cap;
	}
	e->seg[e->nsegs++] = (struct ecore_seg){
		.vaddr = vaddr, .paddr = paddr, .size = size,
	};
	return 0;
}

static uint64_t headers_size(const struct ecore *e)
{
	return sizeof(Elf64_Ehdr) + (1 + (uint64_t)e->nsegs) * sizeof(Elf64_Phdr) +
	       e->notes_len;
}

int ecore_layout(struct ecore *e)
{
	const uint64_t limit = 1ULL << 63;
	uint64_t off = headers_size(e);

	for (unsigned int i = 0; i < e->nsegs; i++) {
		off = (off + ECORE_DATA_ALIGN - 1) & ~(ECORE_DATA_ALIGN - 1);
		if (e->seg[i].size > limit || off > limit - e->seg[i].size)
			return -1;
		e->seg[i].offset = off;
		off += e->seg[i].size;
	}
	e->file_size = off;
	return 0;
}

static void fill_ehdr(const struct ecore *e, Elf64_Ehdr *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->e_ident, ELFMAG, SELFMAG);
	h->e_ident[EI_CLASS] = ELFCLASS64;
	h->e_ident[EI_DATA] = ELFDATA2LSB;
	h->e_ident[EI_VERSION] = EV_CURRENT;
	h->e_ident[EI_OSABI] = ELFOSABI_NONE;
	h->e_type = ET_CORE;
	h->e_machine = EM_AARCH64;
	h->e_version = EV_CURRENT;
	h->e_phoff = sizeof(Elf64_Ehdr);
	h->e_ehsize = sizeof(Elf64_Ehdr);
	h->e_phentsize = sizeof(Elf64_Phdr);
	h->e_phnum = (Elf64_Half)(1 + e->nsegs);
}

static void fill_load(const struct ecore_seg *s, Elf64_Phdr *p)
{
	memset(p, 0, sizeof(*p));
	p->p_type = PT_LOAD;
	p->p_flags = PF_R | PF_W | PF_X;
	p->p_offset = s->offset;
	p->p_vaddr = s->vaddr;
	p->p_paddr = s->paddr;
	p->p_filesz = s->size;
	p->p_memsz = s->size;
	/* only claim page alignment where it holds */
	p->p_align = (s->vaddr - s->offset) % ECORE_DATA_ALIGN ? 1 : ECORE_DATA_ALIGN;
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
	size_t len = (size_t)headers_size(e);
	uint8_t *buf = calloc(1, len);
	Elf64_Phdr ph = { 0 };
	uint8_t *p = buf;
	int err;

	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	fill_ehdr(e, (Elf64_Ehdr *)(void *)p);
	p += sizeof(Elf64_Ehdr);
	ph.p_type = PT_NOTE;
	ph.p_offset = sizeof(Elf64_Ehdr) + (1 + (uint64_t)e->nsegs) * sizeof(ph);
	ph.p_filesz = e->notes_len;
	ph.p_memsz = e->notes_len;	/* as in Linux's /proc/vmcore */
	ph.p_align = 4;
	memcpy(p, &ph, sizeof(ph));
	p += sizeof(ph);
	for (unsigned int i = 0; i < e->nsegs; i++, p += sizeof(ph)) {
		fill_load(&e->seg[i], &ph);
		memcpy(p, &ph, sizeof(ph));
	}
	if (e->notes_len)
		memcpy(p, e->notes, e->notes_len);
	err = write_all(fd, buf, len, 0);
	free(buf);
	return err;
}
