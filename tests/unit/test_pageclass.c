// SPDX-License-Identifier: BSD-3-Clause
/*
 * The page-data reader (firmware/dump/pageclass.c) and the arm64 walk of the
 * crashed kernel's tables (firmware/arch/aarch64/ns_walk.c), on synthetic
 * kernel memory: 16 MiB of "RAM" at 0x40000000 holding Linux-style page
 * tables (VA_BITS 39 with 3 levels, 48 with 4), a vmemmap mapped by a 2 MiB
 * block or by scattered 4 KiB pages, and struct pages (6.1's layout, or a
 * 72-byte one that straddles pages) describing free buddy blocks, anon, page
 * cache, slab and compound pages, and garbage. Every page of RAM is
 * classified at every dump level, in calls of several sizes and alignments,
 * against the expected verdicts; the RAM callback fails the test on any read
 * outside RAM.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pageclass.h>
#include <ns_walk.h>
#include <tsubaki/dump_format.h>
#include "unit.h"

#define KiB		(1ULL << 10)
#define MiB		(1ULL << 20)
#define GiB		(1ULL << 30)
#define RAM_BASE	0x40000000ULL
#define RAM_SIZE	(16 * MiB)
#define PFN0		(RAM_BASE >> 12)
#define NPFN		(RAM_SIZE >> 12)
#define TABLES_PA	(RAM_BASE + 1 * MiB)	/* the table pool: 1 MiB */
#define SP_PA		(RAM_BASE + 2 * MiB)	/* the struct pages: up to 2 MiB */
#define NVM		512			/* 4 KiB pages of the vmemmap area */

/* struct page of Linux 6.1 arm64 (SIZE(page) 64), bits of its flags */
#define O_FLAGS		0
#define O_CHEAD		8
#define O_CORDER	17
#define O_MAPPING	24
#define O_PRIVATE	40
#define O_MAPCOUNT	48
#define O_REFCOUNT	52
#define PG_LRU		(1ULL << 4)
#define PG_SLAB		(1ULL << 9)
#define PG_SWAPCACHE	(1ULL << 10)
#define PG_PRIVATE	(1ULL << 13)
#define PG_HEAD		(1ULL << 16)
#define PG_SWAPBACKED	(1ULL << 19)
#define BUDDY		0xffffff7fu		/* -129 */
#define NOMAP		0xffffffffu		/* -1 */
#define ANON_MAPPING	0xffffff8001234561ULL
#define FILE_MAPPING	0xffffff8004567800ULL

enum vmap { VM_BLOCK, VM_PAGES };

struct fake {
	uint8_t *ram;
	unsigned int va_bits;
	uint64_t root, next_table, vstart, vmemmap, voffset;
	unsigned int sz;			/* SIZE(page) */
	uint64_t vm_pa[NVM];			/* PA of each vmemmap page, 0: none */
	unsigned int reads, desc_reads;		/* by the reader, through fake_read() */
	int fail_at;				/* fail the read of this PA page (0: none) */
	uint64_t fail_pa;
};

static struct fake F;

static int fake_read(void *ctx, uint64_t pa, void *buf, uint32_t len)
{
	struct fake *f = ctx;

	if (pa < RAM_BASE || pa >= RAM_BASE + RAM_SIZE || len > RAM_BASE + RAM_SIZE - pa || !len)
		fail_msg("read outside RAM: 0x%llx + %u", (unsigned long long)pa, len);
	f->reads++;
	if (len == 8)
		f->desc_reads++;
	if (f->fail_pa && pa >> 12 == f->fail_pa >> 12)
		return -1;
	memcpy(buf, f->ram + (pa - RAM_BASE), len);
	return 0;
}

static struct pc_mem mem(void)
{
	return (struct pc_mem){ RAM_BASE, RAM_SIZE, fake_read, &F };
}

static uint64_t *entry(uint64_t table_pa, unsigned int idx)
{
	assert_true(table_pa >= RAM_BASE && table_pa + 4096 <= RAM_BASE + RAM_SIZE);
	return (uint64_t *)(F.ram + (table_pa - RAM_BASE)) + idx;
}

static uint64_t new_table(void)
{
	uint64_t pa = F.next_table;

	assert_true(pa + 4096 <= TABLES_PA + MiB);
	F.next_table += 4096;
	memset(F.ram + (pa - RAM_BASE), 0, 4096);
	return pa;
}

static unsigned int shift(int level)
{
	return 12 + 9 * (3 - level);
}

/* The descriptor for @va at @level, making the tables above it. */
static uint64_t *slot(uint64_t va, int level)
{
	uint64_t t = F.root;
	int l;

	for (l = F.va_bits == 48 ? 0 : 1; l < level; l++) {
		uint64_t *e = entry(t, (unsigned int)(va >> shift(l)) & 511);

		if (!(*e & 1))
			*e = new_table() | 3;
		assert_int_equal(*e & 3, 3);
		t = *e & 0x0000fffffffff000ULL;
	}
	return entry(t, (unsigned int)(va >> shift(level)) & 511);
}

static void map(uint64_t va, uint64_t pa, int level)
{
	uint64_t size = 1ULL << shift(level), i;

	*slot(va, level) = pa | 0x400 | (level == 3 ? 3 : 1);	/* AF, page or block */
	for (i = 0; i < size; i += 4096)
		if (va + i >= F.vstart && va + i - F.vstart < NVM * 4096ULL)
			F.vm_pa[(va + i - F.vstart) >> 12] = pa + i;
}

/* Bytes at the crashed kernel's virtual @va, through the fake's vmemmap map. */
static void vwrite(uint64_t va, const void *src, unsigned int len)
{
	const uint8_t *s = src;

	for (unsigned int i = 0; i < len; i++) {
		uint64_t v = va + i, pg = (v - F.vstart) >> 12;

		assert_true(v >= F.vstart && pg < NVM && F.vm_pa[pg]);
		F.ram[F.vm_pa[pg] + (v & 4095) - RAM_BASE] = s[i];
	}
}

static void put(uint64_t pfn, unsigned int off, uint64_t val, unsigned int len)
{
	vwrite(F.vmemmap + pfn * F.sz + off, &val, len);
}

static uint64_t spva(uint64_t pfn)
{
	return F.vmemmap + pfn * F.sz;
}

/* One struct page (relative pfn @i): an in-use page unless told otherwise. */
static void page(uint64_t i, uint64_t flags, uint64_t mapping, uint32_t mapcount, uint32_t refcount)
{
	uint64_t pfn = PFN0 + i;

	put(pfn, O_FLAGS, flags, 8);
	put(pfn, O_MAPPING, mapping, 8);
	put(pfn, O_MAPCOUNT, mapcount, 4);
	put(pfn, O_REFCOUNT, refcount, 4);
	put(pfn, O_PRIVATE, 0, 8);
	put(pfn, O_CHEAD, 0, 8);
	put(pfn, O_CORDER, 0, 1);
}

/* A free buddy block of 2^@order pages at relative pfn @i. */
static void buddy(uint64_t i, unsigned int order, uint64_t private)
{
	for (uint64_t j = 0; j < 1ULL << order; j++)
		page(i + j, 0, 0, NOMAP, 0);
	put(PFN0 + i, O_MAPCOUNT, BUDDY, 4);
	put(PFN0 + i, O_PRIVATE, private, 8);
}

/* A compound page of 2^@order pages at @i, the head's flags and mapping given. */
static void compound(uint64_t i, unsigned int order, uint64_t flags, uint64_t mapping)
{
	page(i, flags | PG_HEAD, mapping, 0, 1);
	for (uint64_t j = 1; j < 1ULL << order; j++) {
		page(i + j, 0, j > 1 ? 0x400 : 0, NOMAP, 0);
		put(PFN0 + i + j, O_CHEAD, spva(PFN0 + i) + 1, 8);
	}
	put(PFN0 + i + 1, O_CORDER, order, 1);
}

/* ---- the machine ---- */

enum { E_NONE, E_FREE, E_USER, E_CACHE, E_CACHE_PRI };
static uint8_t expect[NPFN];

static void fake_setup(unsigned int va_bits, enum vmap how, unsigned int sz)
{
	uint64_t kimage = va_bits == 48 ? 0xffff800008000000ULL : 0xffffffc008000000ULL;
	uint64_t n = (NPFN * sz + 4095) / 4096, i;

	free(F.ram);
	memset(&F, 0, sizeof(F));
	F.ram = calloc(1, RAM_SIZE);
	assert_non_null(F.ram);
	F.va_bits = va_bits;
	F.sz = sz;
	F.next_table = TABLES_PA;
	F.root = new_table();
	F.voffset = kimage - RAM_BASE;
	F.vstart = va_bits == 48 ? 0xfffffc0000000000ULL : 0xfffffffe00000000ULL;
	F.vmemmap = F.vstart - PFN0 * sz;
	if (how == VM_BLOCK) {
		map(F.vstart, SP_PA, 2);
	} else {
		/* scattered: vmemmap page i at the (n - 1 - i)th page of the area */
		for (i = 0; i < n; i++)
			map(F.vstart + i * 4096, SP_PA + (n - 1 - i) * 4096, 3);
	}
	/* kernel memory besides: the linear map of RAM by 2 MiB blocks, as Linux has */
	for (i = 0; i < RAM_SIZE; i += 2 * MiB)
		map((va_bits == 48 ? 0xffff000000000000ULL : 0xffffff8000000000ULL) + i,
		    RAM_BASE + i, 2);
	for (i = 0; i < NPFN; i++)
		page(i, 0, 0, NOMAP, 1);
	memset(expect, E_NONE, sizeof(expect));
}

static void expect_range(uint64_t i, uint64_t n, uint8_t e)
{
	memset(expect + i, e, n);
}

/* The kernel's memory, page by page (relative pfns), and what each page is. */
static void populate(void)
{
	/* free blocks: order 0, 3, 10 */
	buddy(0x10, 0, 0);
	expect_range(0x10, 1, E_FREE);
	buddy(0x18, 3, 3);
	expect_range(0x18, 8, E_FREE);
	buddy(0x400, 10, 10);
	expect_range(0x400, 0x400, E_FREE);

	page(0x20, PG_LRU | PG_SWAPBACKED, ANON_MAPPING, 0, 1);
	expect[0x20] = E_USER;
	page(0x21, PG_LRU, FILE_MAPPING, 0, 2);
	expect[0x21] = E_CACHE;
	page(0x22, PG_LRU | PG_PRIVATE, FILE_MAPPING, 0, 3);
	expect[0x22] = E_CACHE_PRI;
	page(0x23, PG_SLAB | PG_LRU, ANON_MAPPING, NOMAP, 1);	/* slab: never */
	page(0x24, PG_SWAPCACHE | PG_SWAPBACKED, FILE_MAPPING, 0, 1);	/* shmem in swap cache */
	expect[0x24] = E_CACHE;
	page(0x25, PG_SWAPCACHE, FILE_MAPPING, 0, 1);	/* PG_owner_priv_1 without swapbacked */
	page(0x26, PG_LRU, 0, 0, 1);			/* no mapping */
	/* 0x27: an in-use kernel page */
	page(0x28, PG_SWAPCACHE | PG_SWAPBACKED | PG_LRU, ANON_MAPPING, 0, 2);
	expect[0x28] = E_USER;
	page(0x29, 0, 0, NOMAP, 0);			/* looks free, in no block */
	page(0x2a, 0, ANON_MAPPING | 2, 0, 1);		/* KSM */
	expect[0x2a] = E_USER;
	page(0x2b, PG_LRU | PG_PRIVATE, FILE_MAPPING | 2, 0, 1);	/* movable: still cache */
	expect[0x2b] = E_CACHE_PRI;

	/* garbage buddies */
	buddy(0x30, 0, 11);				/* order >= MAX_ORDER */
	buddy(0x34, 3, 3);				/* head not aligned to its order */
	buddy(0x3c, 2, 2);
	put(PFN0 + 0x3c, O_REFCOUNT, 1, 4);		/* a head with a reference */
	buddy(0x40, 6, 6);
	put(PFN0 + 0x60, O_REFCOUNT, 1, 4);		/* an inner page in use */
	expect_range(0x40, 0x20, E_FREE);		/* 0x60..0x7f: 0x60 is on the way */
	buddy(0x80, 3, 3);
	buddy(0x84, 2, 2);				/* inside 0x80's block: both claim it */
	put(PFN0 + 0x80, O_PRIVATE, 3, 8);
	expect_range(0x80, 4, E_FREE);			/* 0x84 is no candidate for these */
	buddy(0x88, 3, 3);
	put(PFN0 + 0x8a, O_MAPPING, FILE_MAPPING, 8);	/* an inner page with a mapping */
	expect_range(0x88, 2, E_FREE);			/* 0x8a and 0x8b (0x8a on the way): not */
	expect_range(0x8c, 4, E_FREE);			/* 0x8a is no candidate for these */
	buddy(0x90, 3, 3);
	put(PFN0 + 0x93, O_FLAGS, PG_LRU, 8);		/* an inner page on the LRU */
	expect_range(0x90, 3, E_FREE);			/* 0x93 is no candidate for 0x92 */
	expect_range(0x94, 4, E_FREE);
	buddy(0x98, 3, 3);
	put(PFN0 + 0x98, O_FLAGS, PG_SLAB, 8);		/* a slab head */
	buddy(0xa0, 3, 3);
	put(PFN0 + 0xa0, O_CHEAD, spva(PFN0 + 0x9f) + 1, 8);	/* a head that is a tail */
	buddy(0xa8, 3, 3);
	put(PFN0 + 0xa8, O_MAPPING, FILE_MAPPING, 8);	/* a head with a mapping */
	buddy(0xb0, 3, 3);
	put(PFN0 + 0xb4, O_CHEAD, spva(PFN0 + 0xb0) + 1, 8);	/* an inner tail */
	expect_range(0xb0, 4, E_FREE);
	buddy(0xb8, 3, 3);
	put(PFN0 + 0xb8, O_FLAGS, PG_HEAD, 8);		/* a compound head */
	buddy(0xc0, 3, 3);
	put(PFN0 + 0xc1, O_FLAGS, PG_PRIVATE, 8);	/* an inner page with PG_private */
	expect[0xc0] = E_FREE;
	expect_range(0xc2, 6, E_FREE);
	buddy(0xc8, 3, 3);
	put(PFN0 + 0xcc, O_FLAGS, PG_HEAD, 8);		/* an inner page with PG_head */
	expect_range(0xc8, 4, E_FREE);
	buddy(0xd0, 3, 3);
	put(PFN0 + 0xd0, O_PRIVATE, 2, 8);		/* order 2: 0xd4.. are not its */
	expect_range(0xd0, 4, E_FREE);
	buddy(0xd8, 1, 1);
	expect_range(0xd8, 2, E_FREE);
	buddy(0xdc, 2, 2);
	put(PFN0 + 0xdc, O_MAPCOUNT, BUDDY + 1, 4);	/* another page type */

	/* compound pages: an anon THP (order 9), slab, page cache, garbage tails */
	compound(0x800, 9, PG_LRU | PG_SWAPBACKED, ANON_MAPPING);
	expect_range(0x800, 0x200, E_USER);
	compound(0xa00, 3, PG_SLAB, 0);
	compound(0xa08, 3, PG_LRU, FILE_MAPPING);
	expect_range(0xa08, 8, E_CACHE);
	compound(0xa10, 2, PG_LRU, ANON_MAPPING);
	expect[0xa10] = E_USER;
	expect_range(0xa11, 2, E_USER);
	put(PFN0 + 0xa13, O_CHEAD, spva(PFN0 + 0xa11) + 1, 8);	/* a misaligned head */
	compound(0xa14, 2, PG_LRU, ANON_MAPPING);
	put(PFN0 + 0xa15, O_CORDER, 1, 1);		/* order 1: 0xa16, 0xa17 beyond it */
	expect_range(0xa14, 2, E_USER);
	compound(0xa18, 1, PG_LRU, ANON_MAPPING);
	put(PFN0 + 0xa18, O_FLAGS, PG_LRU, 8);		/* no PG_head */
	expect[0xa18] = E_USER;
	compound(0xa1a, 1, PG_LRU, ANON_MAPPING);
	put(PFN0 + 0xa1b, O_CHEAD, spva(PFN0 + 0xa1a) + 9, 8);	/* inside a struct page */
	expect[0xa1a] = E_USER;
	page(0xa1c, 0, 0, NOMAP, 0);
	put(PFN0 + 0xa1c, O_CHEAD, spva(PFN0 + 0xa1d) + 1, 8);	/* a head after it */
	compound(0xa20, 2, PG_LRU, ANON_MAPPING);
	put(PFN0 + 0xa21, O_CHEAD, spva(PFN0 + 0xa22) + 1, 8);	/* page 1 not its tail */
	expect[0xa20] = E_USER;
	compound(0xa24, 2, PG_LRU, ANON_MAPPING);
	put(PFN0 + 0xa25, O_CORDER, 0, 1);		/* order 0 */
	expect[0xa24] = E_USER;
	compound(0xa28, 2, PG_LRU, ANON_MAPPING);
	put(PFN0 + 0xa29, O_CORDER, 11, 1);		/* order >= MAX_ORDER */
	expect[0xa28] = E_USER;
	compound(0xa2c, 2, PG_LRU, ANON_MAPPING);
	put(PFN0 + 0xa2d, O_CORDER, 3, 1);		/* the head not aligned to that order */
	expect[0xa2c] = E_USER;
	compound(0xa30, 2, PG_LRU, ANON_MAPPING);
	put(PFN0 + 0xa30, O_CHEAD, spva(PFN0 + 0xa2f) + 1, 8);	/* a head that is a tail */
	compound(0xa34, 2, PG_LRU | PG_SLAB, ANON_MAPPING);	/* slab: never */
	compound(0xa38, 3, PG_LRU | PG_PRIVATE, FILE_MAPPING);
	expect_range(0xa38, 8, E_CACHE_PRI);
	/* a THP whose head lies before the calls that classify its tails */
	compound(0xc00, 8, PG_LRU | PG_PRIVATE, FILE_MAPPING);
	expect_range(0xc00, 0x100, E_CACHE_PRI);
}

static const char *vmcoreinfo_lines[] = {
	"OSRELEASE=6.1.192",
	"BUILD-ID=0123456789abcdef0123456789abcdef01234567",
	"PAGESIZE=4096",
	"SYMBOL(init_uts_ns)=ffffffc009a1b2c8",
	"SYMBOL(swapper_pg_dir)=%S",
	"SYMBOL(_stext)=ffffffc008010000",
	"SIZE(page)=%Z",
	"SIZE(pglist_data)=5888",
	"OFFSET(page.flags)=0",
	"OFFSET(page._refcount)=52",
	"OFFSET(page.mapping)=24",
	"OFFSET(page.lru)=8",
	"OFFSET(page._mapcount)=48",
	"OFFSET(page.private)=40",
	"OFFSET(page.compound_dtor)=16",
	"OFFSET(page.compound_order)=17",
	"OFFSET(page.compound_head)=8",
	"LENGTH(zone.free_area)=11",
	"LENGTH(free_area.free_list)=6",
	"NUMBER(NR_FREE_PAGES)=0",
	"NUMBER(PG_lru)=4",
	"NUMBER(PG_private)=13",
	"NUMBER(PG_swapcache)=10",
	"NUMBER(PG_swapbacked)=19",
	"NUMBER(PG_slab)=9",
	"NUMBER(PG_hwpoison)=22",
	"NUMBER(PG_head_mask)=65536",
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129",
	"NUMBER(HUGETLB_PAGE_DTOR)=2",
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257",
	"NUMBER(VA_BITS)=%V",
	"NUMBER(kimage_voffset)=0x%O",
	"NUMBER(PHYS_OFFSET)=0x40000000",
	"KERNELOFFSET=0",
	"SYMBOL(vmemmap)=%M",
	"CRASHTIME=1700000000",
};

/*
 * The fake's VMCOREINFO into @buf: the line of key @drop left out, the line
 * of @repl's key replaced by @repl (or @repl appended). Returns its length.
 */
static size_t vmci(char *buf, size_t cap, const char *drop, const char *repl)
{
	size_t len = 0, rk = repl ? strcspn(repl, "=") : 0;
	int replaced = 0;

	for (size_t i = 0; i < ARRAY_SIZE(vmcoreinfo_lines); i++) {
		const char *l = vmcoreinfo_lines[i];
		size_t kl = strcspn(l, "=");
		char line[160];

		if (drop && strlen(drop) == kl && !memcmp(l, drop, kl))
			continue;
		if (repl && rk == kl && !memcmp(l, repl, kl)) {
			snprintf(line, sizeof(line), "%s", repl);
			replaced = 1;
		} else if (strstr(l, "%S")) {
			snprintf(line, sizeof(line), "SYMBOL(swapper_pg_dir)=%llx",
				 (unsigned long long)(F.root + F.voffset));
		} else if (strstr(l, "%Z")) {
			snprintf(line, sizeof(line), "SIZE(page)=%u", F.sz);
		} else if (strstr(l, "%V")) {
			snprintf(line, sizeof(line), "NUMBER(VA_BITS)=%u", F.va_bits);
		} else if (strstr(l, "%O")) {
			snprintf(line, sizeof(line), "NUMBER(kimage_voffset)=0x%llx",
				 (unsigned long long)F.voffset);
		} else if (strstr(l, "%M")) {
			snprintf(line, sizeof(line), "SYMBOL(vmemmap)=%llx",
				 (unsigned long long)F.vmemmap);
		} else {
			snprintf(line, sizeof(line), "%s", l);
		}
		len += (size_t)snprintf(buf + len, cap - len, "%s\n", line);
		assert_true(len < cap);
	}
	if (repl && !replaced) {
		len += (size_t)snprintf(buf + len, cap - len, "%s\n", repl);
		assert_true(len < cap);
	}
	return len;
}

static struct pc_kernel K;

static void init_ok(void)
{
	char buf[4096];
	const char *bad = "x";
	size_t len = vmci(buf, sizeof(buf), NULL, NULL);

	assert_int_equal(pc_init(&K, buf, len, &bad), 0);
	assert_null(bad);
}

static uint8_t want(uint8_t e, uint32_t level)
{
	switch (e) {
	case E_FREE:
		return level & TSB_FILTER_FREE ? TSB_SKIP_FREE : TSB_SKIP_NONE;
	case E_USER:
		return level & TSB_FILTER_USER ? TSB_SKIP_OTHER : TSB_SKIP_NONE;
	case E_CACHE:
		return level & (TSB_FILTER_CACHE | TSB_FILTER_CACHE_PRI) ? TSB_SKIP_OTHER :
			TSB_SKIP_NONE;
	case E_CACHE_PRI:
		return level & TSB_FILTER_CACHE_PRI ? TSB_SKIP_OTHER : TSB_SKIP_NONE;
	}
	return TSB_SKIP_NONE;
}

/* Every page of RAM at @level in calls of @n pages from relative pfn @start on. */
static void check_all(uint32_t level, unsigned int n, uint64_t start)
{
	const struct pc_mem m = mem();

	for (uint64_t i = start; i < NPFN; i += n) {
		unsigned int c = (unsigned int)(NPFN - i < n ? NPFN - i : n), cnt = 0;
		uint8_t out[PC_MAX_PAGES];

		memset(out, 0xee, sizeof(out));
		unsigned int r = pc_classify(&K, &m, level, PFN0 + i, c, out);

		for (unsigned int j = 0; j < c; j++) {
			uint8_t w = want(expect[i + j], level);

			if (out[j] != w)
				fail_msg("level %u, call [0x%llx, +%u): page 0x%llx is %u, not %u",
					 level, (unsigned long long)i, c,
					 (unsigned long long)(i + j), out[j], w);
			cnt += out[j] != TSB_SKIP_NONE;
		}
		assert_int_equal(r, cnt);
		for (unsigned int j = c; j < PC_MAX_PAGES; j++)
			assert_int_equal(out[j], 0xee);
	}
}

static void check_machine(void)
{
	static const unsigned int sizes[] = { 1, 7, 16, 64 };
	static const uint64_t starts[] = { 0, 3, 0x405, 0xc10 };

	init_ok();
	for (uint32_t level = 0; level <= TSB_FILTER_ALL; level++)
		check_all(level, 16, 0);
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++)
		for (size_t t = 0; t < ARRAY_SIZE(starts); t++)
			check_all(TSB_FILTER_ALL, sizes[s], starts[t]);
	check_all(TSB_FILTER_USER, 64, 0xc10);
	check_all(TSB_FILTER_CACHE_PRI | TSB_FILTER_ZERO, 5, 0x7fd);
}

/* ---- the tests ---- */

static void test_va39_block(void **state)
{
	(void)state;
	fake_setup(39, VM_BLOCK, 64);
	populate();
	check_machine();
}

static void test_va39_pages(void **state)
{
	(void)state;
	fake_setup(39, VM_PAGES, 64);
	populate();
	check_machine();
}

static void test_va48_block(void **state)
{
	(void)state;
	fake_setup(48, VM_BLOCK, 64);
	populate();
	check_machine();
}

static void test_va48_pages(void **state)
{
	(void)state;
	fake_setup(48, VM_PAGES, 64);
	populate();
	check_machine();
}

/* A 72-byte struct page straddles vmemmap pages, here not contiguous in RAM. */
static void test_straddling_struct_pages(void **state)
{
	char buf[4096];
	size_t len;

	(void)state;
	fake_setup(48, VM_PAGES, 72);
	populate();
	len = vmci(buf, sizeof(buf), NULL, NULL);
	assert_int_equal(pc_init(&K, buf, len, NULL), 0);
	/* pfn offset 56: bytes 4032..4103 of the area, across its first page */
	assert_true(56 * 72 < 4096 && 57 * 72 > 4096);
	page(56, PG_LRU, ANON_MAPPING, 0, 1);
	expect[56] = E_USER;
	for (uint32_t level = 0; level <= TSB_FILTER_ALL; level += 3)
		check_all(level, 16, 0);
	check_all(TSB_FILTER_ALL, 64, 0x405);
}

static uint8_t one(uint64_t i, uint32_t level)
{
	const struct pc_mem m = mem();
	uint8_t out = 0xee;

	pc_classify(&K, &m, level, PFN0 + i, 1, &out);
	return out;
}

/* Tails are dumped when the VMCOREINFO cannot tell heads and orders. */
static void test_tails_need_keys(void **state)
{
	static const char *drop[] = { "NUMBER(PG_head_mask)", "OFFSET(page.compound_order)" };
	char buf[4096];

	(void)state;
	fake_setup(39, VM_BLOCK, 64);
	populate();
	for (size_t d = 0; d < ARRAY_SIZE(drop); d++) {
		size_t len = vmci(buf, sizeof(buf), drop[d], NULL);

		assert_int_equal(pc_init(&K, buf, len, NULL), 0);
		assert_int_equal(one(0x800, TSB_FILTER_ALL), TSB_SKIP_OTHER);	/* the head */
		assert_int_equal(one(0x801, TSB_FILTER_ALL), TSB_SKIP_NONE);
		assert_int_equal(one(0x9ff, TSB_FILTER_ALL), TSB_SKIP_NONE);
		assert_int_equal(one(0x410, TSB_FILTER_ALL), TSB_SKIP_FREE);
	}
	/* without PG_swapbacked, PG_swapcache alone makes page cache (as makedumpfile) */
	assert_int_equal(pc_init(&K, buf, vmci(buf, sizeof(buf), "NUMBER(PG_swapbacked)", NULL),
				 NULL), 0);
	assert_int_equal(one(0x25, TSB_FILTER_CACHE), TSB_SKIP_OTHER);
	assert_int_equal(one(0x24, TSB_FILTER_CACHE), TSB_SKIP_OTHER);
	init_ok();
	assert_int_equal(one(0x25, TSB_FILTER_CACHE), TSB_SKIP_NONE);
}

/* The cost: struct page reads per call, descriptor reads once per leaf. */
static void test_cost_and_cache(void **state)
{
	const struct pc_mem m = mem();
	uint8_t out[PC_MAX_PAGES];

	(void)state;
	fake_setup(39, VM_BLOCK, 64);
	populate();
	init_ok();
	/* in the order-10 block, its head before the call */
	F.reads = F.desc_reads = 0;
	assert_int_equal(pc_classify(&K, &m, TSB_FILTER_ALL, PFN0 + 0x441, 64, out), 64);
	assert_true(F.reads - F.desc_reads <= 64 + 2 * 10);
	assert_int_equal(F.desc_reads, 2);	/* one walk: a 2 MiB block maps them all */
	F.reads = F.desc_reads = 0;
	assert_int_equal(pc_classify(&K, &m, TSB_FILTER_ALL, PFN0 + 0x441, 64, out), 64);
	assert_int_equal(F.desc_reads, 0);
	assert_true(F.reads <= 64 + 2 * 10);
	/* a THP's tails with the head before the call: two more reads at most */
	F.reads = F.desc_reads = 0;
	assert_int_equal(pc_classify(&K, &m, TSB_FILTER_USER, PFN0 + 0x900, 64, out), 64);
	assert_true(F.reads - F.desc_reads <= 64 + 2 * 10);
	/* scattered 4 KiB pages: a walk per vmemmap page, cached */
	fake_setup(48, VM_PAGES, 64);
	populate();
	init_ok();
	F.reads = F.desc_reads = 0;
	assert_int_equal(pc_classify(&K, &m, TSB_FILTER_FREE, PFN0 + 0x400, 64, out), 64);
	assert_int_equal(F.desc_reads, 4);	/* one walk: one vmemmap page */
	assert_int_equal(F.reads, 4 + 64);
	F.reads = F.desc_reads = 0;
	assert_int_equal(pc_classify(&K, &m, TSB_FILTER_FREE, PFN0 + 0x400, 64, out), 64);
	assert_int_equal(F.desc_reads, 0);
	assert_int_equal(F.reads, 64);
	/* levels that need no struct page read none */
	F.reads = 0;
	assert_int_equal(pc_classify(&K, &m, TSB_FILTER_ZERO, PFN0 + 0x400, 64, out), 0);
	assert_int_equal(F.reads, 0);
}

/* The caller's mistakes: every page dumped, nothing read. */
static void test_call_refusals(void **state)
{
	const struct pc_mem m = mem();
	struct pc_mem noread = { RAM_BASE, RAM_SIZE, NULL, NULL };
	struct pc_kernel none;
	uint8_t out[PC_MAX_PAGES + 1];

	(void)state;
	fake_setup(39, VM_BLOCK, 64);
	populate();
	init_ok();
	memset(out, 0xee, sizeof(out));
	assert_int_equal(pc_classify(&K, &m, TSB_FILTER_ALL, PFN0 + 0x400, PC_MAX_PAGES + 1, out), 0);
	for (unsigned int i = 0; i <= PC_MAX_PAGES; i++)
		assert_int_equal(out[i], TSB_SKIP_NONE);
	assert_int_equal(pc_classify(&K, &m, TSB_FILTER_ALL, PFN0 + 0x400, 0, out), 0);
	assert_int_equal(pc_classify(&K, &m, TSB_FILTER_ALL, PFN0 + 0x400, 4, NULL), 0);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(pc_classify(NULL, &m, TSB_FILTER_ALL, PFN0 + 0x400, 4, out), 0);
	assert_int_equal(out[0], TSB_SKIP_NONE);
	assert_int_equal(out[4], 0xee);
	assert_int_equal(pc_classify(&K, NULL, TSB_FILTER_ALL, PFN0 + 0x400, 4, out), 0);
	assert_int_equal(pc_classify(&K, &noread, TSB_FILTER_ALL, PFN0 + 0x400, 4, out), 0);
	assert_int_equal(pc_classify(&K, &m, TSB_FILTER_ALL, (1ULL << 36) - 2, 4, out), 0);
	assert_int_equal(pc_classify(&K, &m, TSB_FILTER_ALL, ~0ULL - 1, 4, out), 0);
	/* a pc_kernel whose pc_init() failed */
	assert_int_not_equal(pc_init(&none, "PAGESIZE=4096\n", 14, NULL), 0);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(pc_classify(&none, &m, TSB_FILTER_ALL, PFN0 + 0x400, 4, out), 0);
	assert_int_equal(out[3], TSB_SKIP_NONE);
	/* a RAM whose reads fail */
	F.fail_pa = SP_PA;
	assert_int_equal(one(0x10, TSB_FILTER_ALL), TSB_SKIP_NONE);
	F.fail_pa = 0;
	assert_int_equal(one(0x10, TSB_FILTER_ALL), TSB_SKIP_FREE);
	/* pages outside the RAM: their struct pages are not mapped */
	assert_int_equal(one((uint64_t)-PFN0, TSB_FILTER_ALL), TSB_SKIP_NONE);
	assert_int_equal(one(NPFN + 100, TSB_FILTER_ALL), TSB_SKIP_NONE);
}

/* Tables that point outside RAM, leave vmemmap unmapped or hold the wrong kinds. */
static void test_garbage_tables(void **state)
{
	uint64_t *e;

	(void)state;
	/* the vmemmap block's level-1 entry: a table outside RAM */
	fake_setup(39, VM_BLOCK, 64);
	populate();
	init_ok();
	e = slot(F.vstart, 1);
	*e = 0x80000000ULL | 3;
	memset(expect, E_NONE, sizeof(expect));
	check_all(TSB_FILTER_ALL, 64, 0);
	/* a block beyond RAM */
	fake_setup(39, VM_BLOCK, 64);
	populate();
	init_ok();
	e = slot(F.vstart, 2);
	*e = 0x40000000000ULL | 0x401;
	memset(expect, E_NONE, sizeof(expect));
	check_all(TSB_FILTER_ALL, 64, 0);
	/* a table at the last bytes of RAM and past them */
	fake_setup(39, VM_BLOCK, 64);
	populate();
	init_ok();
	*slot(F.vstart, 1) = (RAM_BASE + RAM_SIZE) | 3;
	memset(expect, E_NONE, sizeof(expect));
	check_all(TSB_FILTER_ALL, 16, 0);
	/* the root table itself outside RAM */
	fake_setup(39, VM_BLOCK, 64);
	populate();
	F.root = RAM_BASE + RAM_SIZE + 0x1000;
	init_ok();
	memset(expect, E_NONE, sizeof(expect));
	check_all(TSB_FILTER_ALL, 64, 0x3c0);
	/* a 2 MiB block whose address has bits below 2 MiB set */
	fake_setup(39, VM_BLOCK, 64);
	populate();
	init_ok();
	*slot(F.vstart, 2) |= 0x1000;
	memset(expect, E_NONE, sizeof(expect));
	check_all(TSB_FILTER_ALL, 64, 0);
	/* an invalid entry, and a level-1 table looping back to the root */
	fake_setup(39, VM_BLOCK, 64);
	populate();
	init_ok();
	*slot(F.vstart, 2) = 0x40200000ULL | 0x400;	/* valid bit clear */
	memset(expect, E_NONE, sizeof(expect));
	check_all(TSB_FILTER_ALL, 64, 0);
	*slot(F.vstart, 1) = F.root | 3;
	check_all(TSB_FILTER_ALL, 64, 0);
}

/* Scattered vmemmap pages: one unmapped, one a "block" at level 3, one at the end of RAM. */
static void test_garbage_vmemmap_pages(void **state)
{
	(void)state;
	fake_setup(48, VM_PAGES, 64);
	populate();
	init_ok();
	/* vmemmap page 16 holds the struct pages of relative pfns 0x400..0x43f: the head */
	*slot(F.vstart + 16 * 4096, 3) = 0;
	expect_range(0x400, 0x400, E_NONE);
	check_all(TSB_FILTER_ALL, 16, 0);
	check_all(TSB_FILTER_ALL, 64, 0x3f0);
	/* page 17 (0x440..0x47f) a level-3 entry of block type */
	*slot(F.vstart + 17 * 4096, 3) &= ~2ULL;
	check_all(TSB_FILTER_ALL, 64, 0x400);
	/* the THP's page 1 (vmemmap page 32) unmapped: its tails are dumped */
	*slot(F.vstart + 32 * 4096, 3) = 0;
	expect_range(0x800, 0x200, E_NONE);
	check_all(TSB_FILTER_ALL, 64, 0x7c0);

	/* 72-byte struct pages, the area's last page mapped to RAM's last page: the
	 * struct page across it goes past the end of RAM and is not read */
	fake_setup(48, VM_PAGES, 72);
	populate();
	init_ok();
	*slot(F.vstart + 4096, 3) = (RAM_BASE + RAM_SIZE - 4096) | 0x403;
	*slot(F.vstart, 3) = (RAM_BASE + RAM_SIZE) | 0x403;	/* page 0: past RAM */
	/* relative pfns 0..56 on page 0, 56 across, 57..113 on page 1 (zeros: not free) */
	memset(expect, E_NONE, 0x72);
	check_all(TSB_FILTER_ALL, 16, 0);
}

/* The leaf that maps @va, or an empty one when the walk fails. */
static struct pc_xlat walk(const struct pc_mem *m, unsigned int va_bits, uint64_t va)
{
	struct pc_xlat l = { 1, 2, 3 };

	if (arch_ns_translate(m, F.root, va_bits, va, &l))
		return (struct pc_xlat){ 0, 0, 0 };
	assert_true(l.len && va - l.va < l.len);
	return l;
}

/* The walk itself: levels, block sizes, refusals. */
static void test_translate(void **state)
{
	const struct pc_mem m = mem();
	struct pc_xlat l;
	uint64_t va;

	(void)state;
	fake_setup(48, VM_PAGES, 64);
	/* 1 GiB block at level 1 (48-bit, 4 levels) */
	va = 0xffff123440000000ULL;
	map(va, 0x80000000ULL, 1);
	l = walk(&m, 48, va + 0x12345);
	assert_int_equal(l.va, va);
	assert_int_equal(l.pa, 0x80000000ULL);
	assert_int_equal(l.len, GiB);
	/* 2 MiB and 4 KiB */
	map(va + GiB, 0x40600000ULL, 2);
	l = walk(&m, 48, va + GiB + 0x1fffff);
	assert_int_equal(l.va, va + GiB);
	assert_int_equal(l.pa, 0x40600000ULL);
	assert_int_equal(l.len, 2 * MiB);
	map(va + GiB + 2 * MiB, 0x7654321000ULL, 3);
	l = walk(&m, 48, va + GiB + 2 * MiB + 8);
	assert_int_equal(l.va, va + GiB + 2 * MiB);
	assert_int_equal(l.pa, 0x7654321000ULL);
	assert_int_equal(l.len, 4096);
	/* the user half, a VA that is neither, other VA sizes, a misaligned root */
	assert_int_equal(walk(&m, 48, 0x0000123440000000ULL).len, 0);
	assert_int_equal(walk(&m, 48, 0xfff0123440000000ULL).len, 0);
	assert_int_equal(arch_ns_translate(&m, F.root, 47, va, &l), -1);
	assert_int_equal(arch_ns_translate(&m, F.root, 52, va, &l), -1);
	assert_int_equal(arch_ns_translate(&m, F.root + 8, 48, va, &l), -1);
	/* a level-0 block */
	*entry(F.root, 3) = 0x0000008000000000ULL | 0x401;
	assert_int_equal(walk(&m, 48, 0xffff018000000000ULL).len, 0);
	/* no memory callback, or no memory in range */
	{
		struct pc_mem nomem = { RAM_BASE, 0, fake_read, &F };

		assert_int_equal(arch_ns_translate(&nomem, F.root, 48, va, &l), -1);
		assert_int_equal(arch_ns_translate(NULL, F.root, 48, va, &l), -1);
	}

	/* 39 bits: 3 levels from level 1; a 48-bit VA is not in its kernel half */
	fake_setup(39, VM_BLOCK, 64);
	va = 0xffffffc040000000ULL;
	map(va, 0xc0000000ULL, 1);
	l = walk(&m, 39, va + 5);
	assert_int_equal(l.pa, 0xc0000000ULL);
	assert_int_equal(l.len, GiB);
	assert_int_equal(walk(&m, 39, 0xffff8000c0000000ULL).len, 0);
	assert_int_equal(walk(&m, 39, 0x0000007fc0000000ULL).len, 0);
	/* a level-3 "block", an invalid level-2 entry */
	map(va + GiB, 0x40000000ULL, 3);
	assert_int_equal(walk(&m, 39, va + GiB).len, 4096);
	*slot(va + GiB, 3) = 0x40000000ULL | 0x401;
	assert_int_equal(walk(&m, 39, va + GiB).len, 0);
	*slot(va + GiB, 2) = 0;
	assert_int_equal(walk(&m, 39, va + GiB).len, 0);
}

/* The VMCOREINFO as the kernel writes it, and with extras, duplicates, NULs. */
static void test_vmcoreinfo_ok(void **state)
{
	char buf[4096], big[4200];
	const char *bad = NULL;
	size_t len;

	(void)state;
	fake_setup(39, VM_BLOCK, 64);
	len = vmci(buf, sizeof(buf), NULL, NULL);
	assert_int_equal(pc_init(&K, buf, len, &bad), 0);
	assert_null(bad);
	assert_int_equal(K.root_pa, F.root);
	assert_int_equal(K.vmemmap, F.vmemmap);
	assert_int_equal(K.va_bits, 39);
	assert_int_equal(K.page_size, 64);
	assert_int_equal(K.max_order, 11);
	assert_int_equal(K.buddy, BUDDY);
	assert_int_equal(K.off_refcount, 52);
	assert_int_equal(K.lru, PG_LRU);
	assert_int_equal(K.swapbacked, PG_SWAPBACKED);
	assert_int_equal(K.head, PG_HEAD);
	assert_true(K.tails);
	/* a NUL after the text, and garbage after the NUL */
	memcpy(big, buf, len);
	memcpy(big + len, "\0SIZE(page)=zz\n", 15);
	assert_int_equal(pc_init(&K, big, len + 15, NULL), 0);
	/* the same key again with the same value; 0x on symbols; unknown keys and lines */
	len = vmci(buf, sizeof(buf), NULL, "SYMBOL(_stext)=ffffffc008010000");
	len += (size_t)snprintf(buf + len, sizeof(buf) - len,
				"SIZE(page)=64\nSYMBOL(vmemmap)=0x%llx\nno equals sign\n=\nSIZE(pagex)=1\n",
				(unsigned long long)F.vmemmap);
	assert_int_equal(pc_init(&K, buf, len, NULL), 0);
	/* the last line cut short (no newline): ignored, here a key the reader does not need */
	len = vmci(buf, sizeof(buf), NULL, NULL);
	assert_int_equal(pc_init(&K, buf, len - 1, NULL), 0);
	/* 48 bits */
	fake_setup(48, VM_BLOCK, 64);
	len = vmci(buf, sizeof(buf), NULL, NULL);
	assert_int_equal(pc_init(&K, buf, len, NULL), 0);
	assert_int_equal(K.va_bits, 48);
	assert_int_equal(K.root_pa, F.root);
}

/* Every needed key missing in turn; cut texts; NULL arguments. */
static void test_vmcoreinfo_missing(void **state)
{
	static const char *need[] = {
		"PAGESIZE", "SYMBOL(swapper_pg_dir)", "NUMBER(kimage_voffset)", "NUMBER(VA_BITS)",
		"SYMBOL(vmemmap)", "SIZE(page)", "OFFSET(page.flags)", "OFFSET(page._refcount)",
		"OFFSET(page.mapping)", "OFFSET(page._mapcount)", "OFFSET(page.private)",
		"OFFSET(page.compound_head)", "LENGTH(zone.free_area)", "NUMBER(PG_lru)",
		"NUMBER(PG_private)", "NUMBER(PG_swapcache)", "NUMBER(PG_slab)",
		"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)",
	};
	char buf[4096], *cut;
	const char *bad;
	size_t len;

	(void)state;
	fake_setup(39, VM_BLOCK, 64);
	populate();
	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		len = vmci(buf, sizeof(buf), need[i], NULL);
		bad = NULL;
		assert_int_equal(pc_init(&K, buf, len, &bad), PC_ERR_MISSING);
		assert_non_null(bad);
		assert_string_equal(bad, need[i]);
		assert_int_equal(one(0x10, TSB_FILTER_ALL), TSB_SKIP_NONE);
	}
	/* every cut of the text: parsed or refused, never read past the cut */
	len = vmci(buf, sizeof(buf), NULL, NULL);
	for (size_t l = 0; l <= len; l++) {
		int err;

		cut = malloc(l ? l : 1);
		assert_non_null(cut);
		memcpy(cut, buf, l);
		bad = NULL;
		err = pc_init(&K, cut, l, &bad);
		if (err) {
			assert_int_equal(err, PC_ERR_MISSING);
			assert_non_null(bad);
		}
		free(cut);
	}
	assert_int_equal(pc_init(&K, buf, 0, &bad), PC_ERR_MISSING);
	assert_string_equal(bad, "PAGESIZE");
	assert_int_equal(pc_init(&K, NULL, 10, &bad), PC_ERR_ARG);
	assert_int_equal(pc_init(NULL, buf, len, &bad), PC_ERR_ARG);
	assert_int_equal(pc_init(&K, NULL, 10, NULL), PC_ERR_ARG);
	/* a NUL in the middle ends the text */
	buf[10] = 0;
	assert_int_equal(pc_init(&K, buf, len, &bad), PC_ERR_MISSING);
}

struct bad_case {
	const char *line;
	int err;
	const char *key;
};

/* Garbled values and values out of range. */
static void test_vmcoreinfo_bad_values(void **state)
{
	static const struct bad_case cases[] = {
		{ "SIZE(page)=6x4", PC_ERR_FORMAT, "SIZE(page)" },
		{ "SIZE(page)=", PC_ERR_FORMAT, "SIZE(page)" },
		{ "SIZE(page)=-64", PC_ERR_FORMAT, "SIZE(page)" },
		{ "SIZE(page)= 64", PC_ERR_FORMAT, "SIZE(page)" },
		{ "SIZE(page)=64 ", PC_ERR_FORMAT, "SIZE(page)" },
		{ "SIZE(page)=18446744073709551616", PC_ERR_FORMAT, "SIZE(page)" },
		{ "SIZE(page)=72", PC_ERR_FORMAT, "SIZE(page)" },	/* a second SIZE(page) */
		{ "SYMBOL(vmemmap)=0x", PC_ERR_FORMAT, "SYMBOL(vmemmap)" },
		{ "SYMBOL(vmemmap)=fffffffe0000000g", PC_ERR_FORMAT, "SYMBOL(vmemmap)" },
		{ "SYMBOL(vmemmap)=1fffffffe00000000", PC_ERR_FORMAT, "SYMBOL(vmemmap)" },
		{ "NUMBER(kimage_voffset)=-0x1", PC_ERR_FORMAT, "NUMBER(kimage_voffset)" },
		{ "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-", PC_ERR_FORMAT,
		  "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)" },
		{ "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=--129", PC_ERR_FORMAT,
		  "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)" },
		{ "NUMBER(PG_lru)=9223372036854775808", PC_ERR_FORMAT, "NUMBER(PG_lru)" },
		{ "PAGESIZE=16384", PC_ERR_RANGE, "PAGESIZE" },
		{ "NUMBER(VA_BITS)=42", PC_ERR_RANGE, "NUMBER(VA_BITS)" },
		{ "NUMBER(VA_BITS)=-39", PC_ERR_RANGE, "NUMBER(VA_BITS)" },
		{ "SYMBOL(swapper_pg_dir)=7fc009a1b000", PC_ERR_RANGE, "SYMBOL(swapper_pg_dir)" },
		{ "NUMBER(kimage_voffset)=0xffffffbfc8000008", PC_ERR_RANGE, "NUMBER(kimage_voffset)" },
		{ "NUMBER(kimage_voffset)=0x1", PC_ERR_RANGE, "NUMBER(kimage_voffset)" },
		{ "SYMBOL(vmemmap)=fffffffe00000004", PC_ERR_RANGE, "SYMBOL(vmemmap)" },
		{ "SYMBOL(vmemmap)=fffffe0000000000", PC_ERR_RANGE, "SYMBOL(vmemmap)" },
		{ "SIZE(page)=24", PC_ERR_RANGE, "SIZE(page)" },
		{ "SIZE(page)=264", PC_ERR_RANGE, "SIZE(page)" },
		{ "SIZE(page)=68", PC_ERR_RANGE, "SIZE(page)" },
		{ "OFFSET(page.flags)=60", PC_ERR_RANGE, "OFFSET(page.flags)" },
		{ "OFFSET(page.flags)=4", PC_ERR_RANGE, "OFFSET(page.flags)" },
		{ "OFFSET(page._refcount)=62", PC_ERR_RANGE, "OFFSET(page._refcount)" },
		{ "OFFSET(page._refcount)=64", PC_ERR_RANGE, "OFFSET(page._refcount)" },
		{ "OFFSET(page.mapping)=1000000", PC_ERR_RANGE, "OFFSET(page.mapping)" },
		{ "OFFSET(page._mapcount)=49", PC_ERR_RANGE, "OFFSET(page._mapcount)" },
		{ "OFFSET(page.private)=64", PC_ERR_RANGE, "OFFSET(page.private)" },
		{ "OFFSET(page.compound_head)=12", PC_ERR_RANGE, "OFFSET(page.compound_head)" },
		{ "LENGTH(zone.free_area)=0", PC_ERR_RANGE, "LENGTH(zone.free_area)" },
		{ "LENGTH(zone.free_area)=21", PC_ERR_RANGE, "LENGTH(zone.free_area)" },
		{ "NUMBER(PG_lru)=64", PC_ERR_RANGE, "NUMBER(PG_lru)" },
		{ "NUMBER(PG_private)=-1", PC_ERR_RANGE, "NUMBER(PG_private)" },
		{ "NUMBER(PG_swapcache)=100", PC_ERR_RANGE, "NUMBER(PG_swapcache)" },
		{ "NUMBER(PG_slab)=64", PC_ERR_RANGE, "NUMBER(PG_slab)" },
		{ "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-1", PC_ERR_RANGE,
		  "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)" },
		{ "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=128", PC_ERR_RANGE,
		  "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)" },
		{ "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-2147483649", PC_ERR_RANGE,
		  "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)" },
		{ "NUMBER(PG_swapbacked)=64", PC_ERR_RANGE, "NUMBER(PG_swapbacked)" },
		{ "NUMBER(PG_head_mask)=0", PC_ERR_RANGE, "NUMBER(PG_head_mask)" },
		{ "NUMBER(PG_head_mask)=65537", PC_ERR_RANGE, "NUMBER(PG_head_mask)" },
		{ "NUMBER(PG_head_mask)=-65536", PC_ERR_RANGE, "NUMBER(PG_head_mask)" },
		{ "OFFSET(page.compound_order)=64", PC_ERR_RANGE, "OFFSET(page.compound_order)" },
		{ "OFFSET(page.compound_order)=x", PC_ERR_FORMAT, "OFFSET(page.compound_order)" },
	};
	char buf[4096];
	const char *bad;

	(void)state;
	fake_setup(39, VM_BLOCK, 64);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len;
		int err;

		if (!strcmp(cases[i].line, "SIZE(page)=72")) {
			/* a repeat with another value (vmci() would replace the line) */
			len = vmci(buf, sizeof(buf), NULL, NULL);
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s\n", cases[i].line);
		} else {
			len = vmci(buf, sizeof(buf), NULL, cases[i].line);
		}
		bad = NULL;
		err = pc_init(&K, buf, len, &bad);
		if (err != cases[i].err || !bad || strcmp(bad, cases[i].key))
			fail_msg("\"%s\": error %d (%s), not %d (%s)", cases[i].line, err,
				 bad ? bad : "-", cases[i].err, cases[i].key);
		assert_false(K.ok);
	}
	/* limits that are taken */
	assert_int_equal(pc_init(&K, buf, vmci(buf, sizeof(buf), NULL, "LENGTH(zone.free_area)=20"),
				 NULL), 0);
	assert_int_equal(pc_init(&K, buf, vmci(buf, sizeof(buf), NULL, "LENGTH(zone.free_area)=1"),
				 NULL), 0);
	assert_int_equal(pc_init(&K, buf, vmci(buf, sizeof(buf), NULL,
				 "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-2147483648"), NULL), 0);
	assert_int_equal(pc_init(&K, buf, vmci(buf, sizeof(buf), NULL, "NUMBER(PG_slab)=63"), NULL), 0);
	assert_int_equal(pc_init(&K, buf, vmci(buf, sizeof(buf), NULL,
				 "SYMBOL(vmemmap)=FFFFFFFE00000000"), NULL), 0);
}

/* MAX_ORDER 1: only order-0 blocks; 20: heads up to 2^19 pages below. */
static void test_max_order(void **state)
{
	char buf[4096];

	(void)state;
	fake_setup(39, VM_BLOCK, 64);
	populate();
	assert_int_equal(pc_init(&K, buf, vmci(buf, sizeof(buf), NULL, "LENGTH(zone.free_area)=1"),
				 NULL), 0);
	assert_int_equal(one(0x10, TSB_FILTER_FREE), TSB_SKIP_FREE);
	assert_int_equal(one(0x18, TSB_FILTER_FREE), TSB_SKIP_NONE);	/* order 3 >= 1 */
	assert_int_equal(one(0x19, TSB_FILTER_FREE), TSB_SKIP_NONE);
	assert_int_equal(one(0x801, TSB_FILTER_USER), TSB_SKIP_NONE);	/* no candidate head */
	assert_int_equal(pc_init(&K, buf, vmci(buf, sizeof(buf), NULL, "LENGTH(zone.free_area)=20"),
				 NULL), 0);
	/* an order-11 block (0x30's order 11 is still refused: not aligned to it) */
	buddy(0x800, 11, 11);
	expect_range(0x800, 0x800, E_FREE);
	check_all(TSB_FILTER_ALL, 64, 0);
	check_all(TSB_FILTER_ALL, 7, 0x7f0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmcoreinfo_ok),
		cmocka_unit_test(test_vmcoreinfo_missing),
		cmocka_unit_test(test_vmcoreinfo_bad_values),
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_va39_block),
		cmocka_unit_test(test_va39_pages),
		cmocka_unit_test(test_va48_block),
		cmocka_unit_test(test_va48_pages),
		cmocka_unit_test(test_straddling_struct_pages),
		cmocka_unit_test(test_tails_need_keys),
		cmocka_unit_test(test_cost_and_cache),
		cmocka_unit_test(test_call_refusals),
		cmocka_unit_test(test_garbage_tables),
		cmocka_unit_test(test_garbage_vmemmap_pages),
		cmocka_unit_test(test_max_order),
	};
	int rc;

	unit_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(F.ram);
	return rc;
}
