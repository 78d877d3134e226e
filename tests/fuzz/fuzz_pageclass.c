// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_pageclass: libFuzzer target for the firmware's page-data reader
 * (firmware/dump/pageclass.c) and its arm64 table walk
 * (firmware/arch/aarch64/ns_walk.c). See tests/fuzz/run.sh.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ifirmware/include -Iinclude \
 *         -Ifirmware/arch/aarch64 tests/fuzz/fuzz_pageclass.c firmware/dump/pageclass.c \
 *         firmware/arch/aarch64/ns_walk.c -o build/fuzz/fuzz_pageclass
 *
 * The input:  [u16 LE: VMCOREINFO length L][u8: a chunk size][u8: flags]
 *             [L bytes of VMCOREINFO text][the crashed kernel's RAM image]
 * The RAM image is RAM at physical RAM_BASE (0x40000000), as long as the
 * rest of the input (seeds: tests/fuzz/make_pageclass_seeds.py). When the
 * text parses, every pfn of the RAM (and a few around it) is classified at
 * every dump level, in calls of 64 pages and again in calls of the input's
 * chunk size from another start. Any of these aborts:
 * - a read outside the RAM, or more reads in a call than its bound;
 * - a code other than TSB_SKIP_NONE/FREE/OTHER, a count that does not
 *   match the codes, a byte written past the call's pages;
 * - a verdict the level does not allow (FREE without level 16, OTHER
 *   without 2, 4 or 8), or one that differs from the same page at another
 *   level (free is free at every level with 16; cache or user at a level
 *   is so at level 31) or in calls of another size (a verdict depends on
 *   the kernel's memory only).
 * Flags bit 0: also parse 64 prefixes of the text (cut anywhere).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pageclass.h>
#include <tsubaki/dump_format.h>

#define RAM_BASE	0x40000000ULL
#define MARGIN		8		/* pfns classified below and above the RAM */
#define MAX_PFNS	(4096 + 2 * MARGIN)
#define HEAD		4
#define F_PREFIXES	0x01

struct ram {
	const uint8_t *data;
	uint64_t size;
	unsigned long reads;
};

static int ram_read(void *ctx, uint64_t pa, void *buf, uint32_t len)
{
	struct ram *r = ctx;

	if (!len || pa < RAM_BASE || pa - RAM_BASE >= r->size || len > r->size - (pa - RAM_BASE))
		abort();
	r->reads++;
	memcpy(buf, r->data + (pa - RAM_BASE), len);
	return 0;
}

/*
 * One call, its invariants checked. A call reads at most n + 2 * (MAX_ORDER
 * - 1) struct pages, each in at most two pieces, each piece at most a walk
 * of four descriptors and the data.
 */
static unsigned int classify(struct pc_kernel *k, const struct pc_mem *m, struct ram *r,
			     uint32_t level, uint64_t pfn, unsigned int n, uint8_t *out)
{
	uint8_t buf[PC_MAX_PAGES + 8];
	unsigned int got, cnt = 0, i;
	unsigned long before = r->reads;

	memset(buf, 0xa5, sizeof(buf));
	got = pc_classify(k, m, level, pfn, n, buf);
	if (r->reads - before > (unsigned long)(n + 2 * (PC_MAX_ORDER - 1)) * 2 * 5)
		abort();
	for (i = 0; i < n; i++) {
		uint8_t v = buf[i];

		if (v != TSB_SKIP_NONE && v != TSB_SKIP_FREE && v != TSB_SKIP_OTHER)
			abort();
		if (v == TSB_SKIP_FREE && !(level & TSB_FILTER_FREE))
			abort();
		if (v == TSB_SKIP_OTHER &&
		    !(level & (TSB_FILTER_CACHE | TSB_FILTER_CACHE_PRI | TSB_FILTER_USER)))
			abort();
		cnt += v != TSB_SKIP_NONE;
		out[i] = v;
	}
	for (; i < sizeof(buf); i++)
		if (buf[i] != 0xa5)
			abort();
	if (got != cnt)
		abort();
	return got;
}

static uint8_t all[TSB_FILTER_ALL + 1][MAX_PFNS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pc_kernel k;
	struct ram r;
	struct pc_mem m;
	const char *bad = NULL;
	uint8_t other[MAX_PFNS];
	uint64_t first, npfn, i;
	unsigned int chunk, level;
	size_t len;
	int err;

	if (size < HEAD)
		return 0;
	len = (size_t)data[0] | (size_t)data[1] << 8;
	chunk = 1 + data[2] % PC_MAX_PAGES;
	if (len > size - HEAD)
		len = size - HEAD;
	if (data[3] & F_PREFIXES)
		for (size_t l = 0; l < 64; l++)
			if (pc_init(&k, (const char *)data + HEAD, len * l / 64, &bad) && !bad)
				abort();
	err = pc_init(&k, (const char *)data + HEAD, len, &bad);
	if (err) {
		if (err != PC_ERR_MISSING && err != PC_ERR_FORMAT && err != PC_ERR_RANGE)
			abort();
		if (!bad || !*bad)
			abort();
	} else if (bad) {
		abort();
	}

	r.data = data + HEAD + len;
	r.size = size - HEAD - len;
	r.reads = 0;
	m = (struct pc_mem){ RAM_BASE, r.size, ram_read, &r };
	npfn = (r.size + TSB_PAGE - 1) / TSB_PAGE + 2 * MARGIN;
	if (npfn > MAX_PFNS)
		npfn = MAX_PFNS;
	first = RAM_BASE / TSB_PAGE - MARGIN;

	/* every level, in calls of 64 */
	for (level = 0; level <= TSB_FILTER_ALL; level++)
		for (i = 0; i < npfn; i += PC_MAX_PAGES) {
			unsigned int n = (unsigned int)(npfn - i < PC_MAX_PAGES ? npfn - i : PC_MAX_PAGES);

			classify(&k, &m, &r, level, first + i, n, all[level] + i);
		}
	for (level = 0; level <= TSB_FILTER_ALL; level++)
		for (i = 0; i < npfn; i++) {
			uint8_t v = all[level][i], full = all[TSB_FILTER_ALL][i];

			if (err && v != TSB_SKIP_NONE)
				abort();
			if (v == TSB_SKIP_FREE && full != TSB_SKIP_FREE)
				abort();
			if ((level & TSB_FILTER_FREE) && full == TSB_SKIP_FREE && v != TSB_SKIP_FREE)
				abort();
			if (v == TSB_SKIP_OTHER && full != TSB_SKIP_OTHER)
				abort();
			/* user or cache: the union of the levels' bits */
			if (full == TSB_SKIP_OTHER && v == TSB_SKIP_NONE &&
			    (level & (TSB_FILTER_CACHE | TSB_FILTER_CACHE_PRI | TSB_FILTER_USER)) ==
			    (TSB_FILTER_CACHE | TSB_FILTER_CACHE_PRI | TSB_FILTER_USER))
				abort();
		}

	/* other calls, another size and start: the same verdicts */
	for (level = TSB_FILTER_CACHE; level <= TSB_FILTER_ALL; level += 7) {
		uint64_t start = data[2] % 7;

		for (i = start; i < npfn; i += chunk) {
			unsigned int n = (unsigned int)(npfn - i < chunk ? npfn - i : chunk);

			classify(&k, &m, &r, level, first + i, n, other + i);
		}
		for (i = start; i < npfn; i++)
			if (other[i] != all[level][i])
				abort();
	}
	/* the caller's mistakes change nothing and read nothing */
	i = r.reads;
	if (pc_classify(&k, &m, TSB_FILTER_ALL, first, PC_MAX_PAGES + 1, other) ||
	    pc_classify(&k, &m, TSB_FILTER_ZERO, first, PC_MAX_PAGES, other) || r.reads != i)
		abort();
	return 0;
}
