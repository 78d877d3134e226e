/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The page-data reader (dump/pageclass.c): which 4 KiB pages of the crashed
 * kernel's RAM a filtered dump may leave out -- free, page cache, user --
 * judged from its struct pages as makedumpfile's dump levels 2, 4, 8 and 16
 * do. Level 1 (pages of zeros) is the caller's: it scans the data itself.
 *
 * Everything it reads is the crashed kernel's and untrusted: every read is
 * bounded to the pc_mem range, no count read from that memory drives a loop,
 * and whatever does not add up makes a page TSB_SKIP_NONE (dump it).
 * See "The page-data reader" in docs/design.md.
 */
#ifndef PAGECLASS_H
#define PAGECLASS_H
#include <stddef.h>
#include <stdint.h>

/* The crashed kernel's RAM, as the reader may see it. */
struct pc_mem {
	uint64_t base, size;	/* only [base, base + size) is ever read */
	/* copy @len bytes at physical @pa into @buf: 0 on success; the reader
	 * only asks for ranges inside [base, base + size) */
	int (*read)(void *ctx, uint64_t pa, void *buf, uint32_t len);
	void *ctx;
};

/* Read @len bytes at physical @pa, refused (-1) unless wholly inside @m. */
static inline int pc_mem_read(const struct pc_mem *m, uint64_t pa, void *buf, uint32_t len)
{
	if (!m || !m->read || !len || pa < m->base || pa - m->base >= m->size ||
	    len > m->size - (pa - m->base))
		return -1;
	return m->read(m->ctx, pa, buf, len) ? -1 : 0;
}

#define PC_MAX_PAGES		64	/* pages of one pc_classify() call */
#define PC_MAX_ORDER		20	/* the largest LENGTH(zone.free_area) taken */
#define PC_XLAT_CACHE		4	/* translations of vmemmap kept between calls */

/* pc_init() errors (*bad_key names the key) */
#define PC_ERR_ARG		(-1)	/* no pc_kernel or no text */
#define PC_ERR_MISSING		(-2)	/* a key the reader needs is not there */
#define PC_ERR_FORMAT		(-3)	/* a value does not parse, or a key repeats with another */
#define PC_ERR_RANGE		(-4)	/* a value is out of range (or a page size, VA size not taken) */

/* A page or block of the crashed kernel's map: [va, va + len) at pa. */
struct pc_xlat {
	uint64_t va, pa, len;	/* len 0: unused */
};

/* What pc_init() took from the VMCOREINFO, and the translation cache. */
struct pc_kernel {
	uint64_t root_pa;	/* swapper_pg_dir, physical */
	uint64_t vmemmap;	/* virtual address of pfn 0's struct page */
	uint64_t lru, priv, swapcache, swapbacked, slab, head;	/* PG_* masks (0: unknown) */
	uint32_t buddy;		/* PAGE_BUDDY_MAPCOUNT_VALUE, as the 32-bit _mapcount holds it */
	uint16_t page_size;	/* SIZE(page) */
	uint8_t va_bits;	/* 39 (3 levels) or 48 (4 levels) */
	uint8_t max_order;	/* LENGTH(zone.free_area) */
	uint16_t off_flags, off_refcount, off_mapping, off_mapcount, off_private,
		 off_chead, off_corder;
	uint8_t tails;		/* tail pages may be judged by their head (optional keys there) */
	uint8_t ok;		/* pc_init() succeeded */
	uint32_t xlat_next;	/* round robin in xlat[] */
	struct pc_xlat xlat[PC_XLAT_CACHE];
};

/*
 * Parse @len bytes of VMCOREINFO text (KEY=VALUE lines; it need not end in a
 * NUL, a NUL ends it). 0, or a PC_ERR_* code with *@bad_key (may be NULL)
 * naming the first key missing, garbled or out of range ("VMCOREINFO" for
 * PC_ERR_ARG; NULL on success). A failed pc_init()
 * leaves @k classifying every page TSB_SKIP_NONE.
 */
int pc_init(struct pc_kernel *k, const char *vmcoreinfo, size_t len, const char **bad_key);

/*
 * Classify pages [@pfn, @pfn + @n), @n <= PC_MAX_PAGES: @out[i] is
 * TSB_SKIP_NONE, TSB_SKIP_FREE or TSB_SKIP_OTHER (cache or user) for the
 * dump level @level (TSB_FILTER_* bits; TSB_FILTER_ZERO is ignored). Returns
 * how many are not TSB_SKIP_NONE. @n over PC_MAX_PAGES, or no usable @k:
 * every page TSB_SKIP_NONE. Costs at most @n + 2 * (MAX_ORDER - 1) struct
 * page reads, each a translation-cache lookup or a walk of at most four
 * descriptors. The cache in @k assumes the crashed kernel's memory does not
 * change between calls (pc_init() empties it); one caller at a time.
 */
unsigned int pc_classify(struct pc_kernel *k, const struct pc_mem *m, uint32_t level,
			 uint64_t pfn, unsigned int n, uint8_t *out);

#endif
