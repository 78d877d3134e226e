// SPDX-License-Identifier: BSD-3-Clause
/*
 * The page-data reader: makedumpfile's dump levels 2, 4, 8 and 16 judged
 * in the firmware, from the crashed kernel's struct pages (include/pageclass.h,
 * docs/design.md "The page-data reader").
 *
 * pc_init() takes what it needs from the VMCOREINFO text; pc_classify()
 * finds pfn p's struct page at SYMBOL(vmemmap) + p * SIZE(page), translated
 * through the crashed kernel's own tables (arch_ns_translate(), include/
 * ns_walk.h) and read through pc_mem_read(), bounded to its RAM. Every word
 * read there is data, never a bound: loops run over the caller's pages and
 * the VMCOREINFO's MAX_ORDER (at most PC_MAX_ORDER), and a page is left out
 * only when everything read about it agrees; anything else dumps it.
 *
 * The verdicts, for a page p (whose struct page must be readable):
 * - free (level 16): p lies in the block of a buddy head h, one of
 *   p & ~(2^k - 1), k < MAX_ORDER: h's _mapcount is PAGE_BUDDY_MAPCOUNT_VALUE,
 *   its private the order o (< MAX_ORDER, h aligned to 2^o), p < h + 2^o, and
 *   h has _refcount 0, mapping 0, no PG_lru/private/slab/head and is no tail.
 *   Beyond makedumpfile, which trusts the head alone: p itself and every
 *   candidate between p and h must look free too (_mapcount -1, _refcount 0,
 *   mapping 0, same flags clear, no tail), and no other candidate may be a
 *   buddy head whose block holds p.
 * - slab pages (PG_slab) are never left out;
 * - user (level 8): mapping has PAGE_MAPPING_ANON (bit 0);
 * - page cache (levels 2 and 4): not anon, mapping != 0, and PG_lru, or
 *   PG_swapcache (with PG_swapbacked when the VMCOREINFO has it, as
 *   makedumpfile does); level 2 only without PG_private, level 4 either way.
 * - a tail page of a compound page (compound_head bit 0) takes its head's
 *   user or cache verdict, never free, and only when that costs nothing
 *   more than the buddy search and adds up: the VMCOREINFO has
 *   NUMBER(PG_head_mask) and OFFSET(page.compound_order); the head is a
 *   whole struct page of vmemmap, one of the candidates p & ~(2^k - 1),
 *   1 <= k < MAX_ORDER, with PG_head, not slab, no tail itself; the page
 *   after it is a tail pointing at it, whose compound_order o satisfies
 *   1 <= o < MAX_ORDER, head aligned to 2^o, p < head + 2^o. Otherwise
 *   (hugetlb pages of more than MAX_ORDER - 1 too) the tail is dumped.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <tsubaki/dump_format.h>
#include <ns_walk.h>
#include <pageclass.h>

/* ---- VMCOREINFO ---- */

enum { V_HEX, V_DEC, V_SDEC };	/* %lx (0x optional), %lu, %ld */

enum {
	K_PAGESIZE, K_SWAPPER, K_VOFFSET, K_VABITS, K_VMEMMAP, K_SIZE, K_FLAGS, K_REFCOUNT,
	K_MAPPING, K_MAPCOUNT, K_PRIVATE, K_CHEAD, K_MAXORDER, K_LRU, K_PRIV, K_SWAPCACHE,
	K_SLAB, K_BUDDY,
	K_REQUIRED,			/* the keys from here on are optional */
	K_SWAPBACKED = K_REQUIRED, K_HEADMASK, K_CORDER,
	K_COUNT
};

static const struct {
	const char *name;
	uint8_t len;
	uint8_t fmt;
} keys[K_COUNT] = {
#define KEY(i, s, f)	[i] = { s, sizeof(s) - 1, f }
	KEY(K_PAGESIZE, "PAGESIZE", V_DEC),
	KEY(K_SWAPPER, "SYMBOL(swapper_pg_dir)", V_HEX),
	KEY(K_VOFFSET, "NUMBER(kimage_voffset)", V_HEX),
	KEY(K_VABITS, "NUMBER(VA_BITS)", V_SDEC),
	KEY(K_VMEMMAP, "SYMBOL(vmemmap)", V_HEX),
	KEY(K_SIZE, "SIZE(page)", V_DEC),
	KEY(K_FLAGS, "OFFSET(page.flags)", V_DEC),
	KEY(K_REFCOUNT, "OFFSET(page._refcount)", V_DEC),
	KEY(K_MAPPING, "OFFSET(page.mapping)", V_DEC),
	KEY(K_MAPCOUNT, "OFFSET(page._mapcount)", V_DEC),
	KEY(K_PRIVATE, "OFFSET(page.private)", V_DEC),
	KEY(K_CHEAD, "OFFSET(page.compound_head)", V_DEC),
	KEY(K_MAXORDER, "LENGTH(zone.free_area)", V_DEC),
	KEY(K_LRU, "NUMBER(PG_lru)", V_SDEC),
	KEY(K_PRIV, "NUMBER(PG_private)", V_SDEC),
	KEY(K_SWAPCACHE, "NUMBER(PG_swapcache)", V_SDEC),
	KEY(K_SLAB, "NUMBER(PG_slab)", V_SDEC),
	KEY(K_BUDDY, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", V_SDEC),
	KEY(K_SWAPBACKED, "NUMBER(PG_swapbacked)", V_SDEC),
	KEY(K_HEADMASK, "NUMBER(PG_head_mask)", V_SDEC),
	KEY(K_CORDER, "OFFSET(page.compound_order)", V_DEC),
#undef KEY
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The value @s[0..@n) in format @fmt: 0 and *@v, or -1 if it is not one. */
static int parse_value(const char *s, size_t n, int fmt, uint64_t *v)
{
	uint64_t x = 0, lim = UINT64_MAX;
	size_t i = 0;
	int neg = 0;

	if (fmt == V_HEX) {
		if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			i = 2;
		if (i == n || n - i > 16)
			return -1;
		for (; i < n; i++) {
			int d = hexval(s[i]);

			if (d < 0)
				return -1;
			x = x << 4 | (uint64_t)d;
		}
		*v = x;
		return 0;
	}
	if (fmt == V_SDEC) {
		lim = (uint64_t)INT64_MAX;
		if (n && s[0] == '-') {
			neg = 1;
			lim = (uint64_t)INT64_MAX + 1;
			i = 1;
		}
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (x > (lim - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = neg ? 0 - x : x;
	return 0;
}

static int kernel_half(uint64_t va, unsigned int va_bits)
{
	return (va >> va_bits) == (~0ULL >> va_bits);
}

/* A field of @size bytes at @off: naturally aligned and inside SIZE(page). */
static int field_ok(uint64_t off, uint64_t size, uint64_t page_size)
{
	return !(off & (size - 1)) && off < page_size && size <= page_size - off;
}

/* PG_* bit numbers: 0 .. 63. */
static int bit_ok(uint64_t v)
{
	return v < 64;
}

/* The struct page fields read, and their sizes: each must lie inside SIZE(page). */
static const struct {
	int key;
	unsigned int size;
} fields[] = {
	{ K_FLAGS, 8 }, { K_REFCOUNT, 4 }, { K_MAPPING, 8 },
	{ K_MAPCOUNT, 4 }, { K_PRIVATE, 8 }, { K_CHEAD, 8 },
};

static int fail(const char **bad_key, int key, int err)
{
	if (bad_key)
		*bad_key = keys[key].name;
	return err;
}

int pc_init(struct pc_kernel *k, const char *text, size_t len, const char **bad_key)
{
	uint64_t v[K_COUNT] = { 0 };
	uint8_t seen[K_COUNT] = { 0 };
	const char *nul, *end;
	size_t pos = 0;
	int i;

	if (bad_key)
		*bad_key = "VMCOREINFO";
	if (!k)
		return PC_ERR_ARG;
	memset(k, 0, sizeof(*k));
	if (!text)
		return PC_ERR_ARG;
	nul = memchr(text, 0, len);
	end = nul ? nul : text + len;

	/* Lines KEY=VALUE\n; one not ended by a newline is cut short: ignored. */
	while (pos < (size_t)(end - text)) {
		const char *line = text + pos, *nl, *eq;
		size_t ll;

		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			break;
		ll = (size_t)(nl - line);
		pos += ll + 1;
		eq = memchr(line, '=', ll);
		if (!eq)
			continue;
		for (i = 0; i < K_COUNT; i++) {
			uint64_t x;

			if ((size_t)(eq - line) != keys[i].len || memcmp(line, keys[i].name, keys[i].len))
				continue;
			if (parse_value(eq + 1, (size_t)(nl - eq - 1), keys[i].fmt, &x) ||
			    (seen[i] && v[i] != x))
				return fail(bad_key, i, PC_ERR_FORMAT);
			seen[i] = 1;
			v[i] = x;
			break;
		}
	}
	for (i = 0; i < K_REQUIRED; i++)
		if (!seen[i])
			return fail(bad_key, i, PC_ERR_MISSING);

	if (v[K_PAGESIZE] != TSB_PAGE)
		return fail(bad_key, K_PAGESIZE, PC_ERR_RANGE);
	if (v[K_VABITS] != 39 && v[K_VABITS] != 48)
		return fail(bad_key, K_VABITS, PC_ERR_RANGE);
	if (!kernel_half(v[K_SWAPPER], (unsigned int)v[K_VABITS]))
		return fail(bad_key, K_SWAPPER, PC_ERR_RANGE);
	/* swapper_pg_dir's physical address: a 4 KiB table, below 2^48 */
	if (((v[K_SWAPPER] - v[K_VOFFSET]) & (TSB_PAGE - 1)) ||
	    (v[K_SWAPPER] - v[K_VOFFSET]) >> 48)
		return fail(bad_key, K_VOFFSET, PC_ERR_RANGE);
	if (!kernel_half(v[K_VMEMMAP], (unsigned int)v[K_VABITS]) || (v[K_VMEMMAP] & 7))
		return fail(bad_key, K_VMEMMAP, PC_ERR_RANGE);
	if (v[K_SIZE] < 32 || v[K_SIZE] > 256 || (v[K_SIZE] & 7))
		return fail(bad_key, K_SIZE, PC_ERR_RANGE);
	for (i = 0; i < (int)(sizeof(fields) / sizeof(fields[0])); i++)
		if (!field_ok(v[fields[i].key], fields[i].size, v[K_SIZE]))
			return fail(bad_key, fields[i].key, PC_ERR_RANGE);
	if (v[K_MAXORDER] < 1 || v[K_MAXORDER] > PC_MAX_ORDER)
		return fail(bad_key, K_MAXORDER, PC_ERR_RANGE);
	for (i = K_LRU; i <= K_SLAB; i++)
		if (!bit_ok(v[i]))
			return fail(bad_key, i, PC_ERR_RANGE);
	/* a page type (negative), never -1: that is any unmapped page's _mapcount */
	if ((int64_t)v[K_BUDDY] < INT32_MIN || (int64_t)v[K_BUDDY] > -2)
		return fail(bad_key, K_BUDDY, PC_ERR_RANGE);
	if (seen[K_SWAPBACKED] && !bit_ok(v[K_SWAPBACKED]))
		return fail(bad_key, K_SWAPBACKED, PC_ERR_RANGE);
	if (seen[K_HEADMASK] && (!v[K_HEADMASK] || (v[K_HEADMASK] & (v[K_HEADMASK] - 1))))
		return fail(bad_key, K_HEADMASK, PC_ERR_RANGE);
	if (seen[K_CORDER] && !field_ok(v[K_CORDER], 1, v[K_SIZE]))
		return fail(bad_key, K_CORDER, PC_ERR_RANGE);

	k->root_pa = v[K_SWAPPER] - v[K_VOFFSET];
	k->vmemmap = v[K_VMEMMAP];
	k->va_bits = (uint8_t)v[K_VABITS];
	k->page_size = (uint16_t)v[K_SIZE];
	k->off_flags = (uint16_t)v[K_FLAGS];
	k->off_refcount = (uint16_t)v[K_REFCOUNT];
	k->off_mapping = (uint16_t)v[K_MAPPING];
	k->off_mapcount = (uint16_t)v[K_MAPCOUNT];
	k->off_private = (uint16_t)v[K_PRIVATE];
	k->off_chead = (uint16_t)v[K_CHEAD];
	k->off_corder = (uint16_t)v[K_CORDER];
	k->max_order = (uint8_t)v[K_MAXORDER];
	k->lru = 1ULL << v[K_LRU];
	k->priv = 1ULL << v[K_PRIV];
	k->swapcache = 1ULL << v[K_SWAPCACHE];
	k->slab = 1ULL << v[K_SLAB];
	k->swapbacked = seen[K_SWAPBACKED] ? 1ULL << v[K_SWAPBACKED] : 0;
	k->head = seen[K_HEADMASK] ? v[K_HEADMASK] : 0;
	k->buddy = (uint32_t)v[K_BUDDY];
	k->tails = seen[K_HEADMASK] && seen[K_CORDER];
	k->ok = 1;
	if (bad_key)
		*bad_key = NULL;
	return 0;
}

/* ---- reading struct pages ---- */

/* The largest pfn taken (48-bit physical addresses): vmemmap offsets stay far from wrapping. */
#define PFN_LIMIT	(1ULL << 36)

/* The leaf that maps @va: from the translation cache, or a walk of the crashed kernel's tables. */
static const struct pc_xlat *translate(struct pc_kernel *k, const struct pc_mem *m, uint64_t va)
{
	struct pc_xlat leaf, *e;
	unsigned int i;

	for (i = 0; i < PC_XLAT_CACHE; i++) {
		e = &k->xlat[i];
		if (e->len && va - e->va < e->len)
			return e;
	}
	if (arch_ns_translate(m, k->root_pa, k->va_bits, va, &leaf) || !leaf.len ||
	    va - leaf.va >= leaf.len)
		return NULL;
	e = &k->xlat[k->xlat_next++ % PC_XLAT_CACHE];
	*e = leaf;
	return e;
}

/* @len (<= 256) bytes at the crashed kernel's virtual @va: at most two leaves. */
static int read_virt(struct pc_kernel *k, const struct pc_mem *m, uint64_t va,
		     uint8_t *buf, uint32_t len)
{
	unsigned int i;

	for (i = 0; len && i < 2; i++) {
		const struct pc_xlat *e = translate(k, m, va);
		uint64_t span;
		uint32_t part;

		if (!e)
			return -1;
		span = e->len - (va - e->va);
		part = span < len ? (uint32_t)span : len;
		if (pc_mem_read(m, e->pa + (va - e->va), buf, part))
			return -1;
		va += part;
		buf += part;
		len -= part;
	}
	return len ? -1 : 0;
}

/* What one struct page says, as far as the verdicts need it. */
struct pg {
	uint8_t st;		/* PG_UNREAD, PG_BAD (not readable), PG_OK */
	uint8_t bits;		/* B_* */
	uint8_t order;		/* B_BUDDY: its order */
	uint8_t corder;		/* the compound_order byte (page 1 of a compound page) */
	uint32_t back;		/* B_TAIL: pfn - its head's pfn if that is a sane one, else 0 */
};

enum { PG_UNREAD, PG_BAD, PG_OK };

#define B_SLAB		0x01	/* PG_slab */
#define B_ANON		0x02	/* mapping & PAGE_MAPPING_ANON, not slab */
#define B_CACHE		0x04	/* PG_lru or a swap-cache page, mapping != 0, not anon or slab */
#define B_PRIV		0x08	/* PG_private */
#define B_TAIL		0x10	/* compound_head & 1 */
#define B_FREE		0x20	/* looks like a free page inside a buddy block */
#define B_BUDDY		0x40	/* the head of a buddy block of order .order */
#define B_HEAD		0x80	/* PG_head */

static uint64_t get64(const uint8_t *b, unsigned int off)
{
	uint64_t x;

	memcpy(&x, b + off, sizeof(x));
	return x;
}

static uint32_t get32(const uint8_t *b, unsigned int off)
{
	uint32_t x;

	memcpy(&x, b + off, sizeof(x));
	return x;
}

static void read_pg(struct pc_kernel *k, const struct pc_mem *m, uint64_t pfn, struct pg *g)
{
	uint8_t buf[256];
	uint64_t va = k->vmemmap + pfn * k->page_size, flags, mapping, chead;
	uint32_t refcount, mapcount;
	uint8_t b = 0;

	g->st = PG_BAD;
	if (va < k->vmemmap || read_virt(k, m, va, buf, k->page_size))
		return;
	g->st = PG_OK;
	flags = get64(buf, k->off_flags);
	mapping = get64(buf, k->off_mapping);
	chead = get64(buf, k->off_chead);
	refcount = get32(buf, k->off_refcount);
	mapcount = get32(buf, k->off_mapcount);

	if (flags & k->slab)
		b |= B_SLAB;
	else if (mapping & 1)
		b |= B_ANON;
	else if (mapping && ((flags & k->lru) ||
			     ((flags & k->swapcache) && (!k->swapbacked || (flags & k->swapbacked)))))
		b |= B_CACHE;
	if (flags & k->priv)
		b |= B_PRIV;
	if (k->head && (flags & k->head))
		b |= B_HEAD;
	if (chead & 1) {
		uint64_t hva = chead - 1, hpfn;

		b |= B_TAIL;
		if (hva >= k->vmemmap && !((hva - k->vmemmap) % k->page_size)) {
			hpfn = (hva - k->vmemmap) / k->page_size;
			if (hpfn < pfn && pfn - hpfn < (1ULL << (PC_MAX_ORDER - 1)))
				g->back = (uint32_t)(pfn - hpfn);
		}
	}
	if (k->tails)
		g->corder = buf[k->off_corder];
	/* free pages: nothing the allocator clears at free time is there */
	if (!refcount && !mapping && !(b & (B_TAIL | B_SLAB)) &&
	    !(flags & (k->lru | k->priv | k->slab | k->head))) {
		uint64_t order = get64(buf, k->off_private);

		if (mapcount == 0xffffffffu)
			b |= B_FREE;
		else if (mapcount == k->buddy && order < k->max_order &&
			 !(pfn & ((1ULL << order) - 1))) {
			b |= B_BUDDY;
			g->order = (uint8_t)order;
		}
	}
	g->bits = b;
}

/* ---- one pc_classify() call ---- */

struct call {
	struct pc_kernel *k;
	const struct pc_mem *m;
	uint64_t pfn;
	unsigned int n;
	struct pg cur[PC_MAX_PAGES];		/* pfn + i */
	struct pg before[PC_MAX_ORDER];		/* [j]: pfn & ~(2^j - 1), below pfn */
	struct pg after[PC_MAX_ORDER];		/* [j]: the page after before[j], below pfn */
};

static uint64_t align_down(uint64_t pfn, unsigned int order)
{
	return pfn & ~((1ULL << order) - 1);
}

/*
 * The struct page of @q, read once a call. Only the pages of the call, the
 * candidate heads below them and the pages after those are ever asked for
 * (so at most n + 2 * (MAX_ORDER - 1) reads); anything else reads as bad.
 */
static const struct pg *get(struct call *c, uint64_t q)
{
	static const struct pg bad = { PG_BAD, 0, 0, 0, 0 };
	struct pg *g = NULL;
	unsigned int j;

	if (q >= c->pfn && q - c->pfn < c->n) {
		g = &c->cur[q - c->pfn];
	} else if (q < c->pfn) {
		for (j = 1; j < c->k->max_order && !g; j++) {
			uint64_t h = align_down(c->pfn, j);

			if (h == q)
				g = &c->before[j];
			else if (h + 1 == q && q < c->pfn)
				g = &c->after[j];
		}
	}
	if (!g)
		return &bad;
	if (g->st == PG_UNREAD)
		read_pg(c->k, c->m, q, g);
	return g;
}

/* Is @p (its struct page @s) in a free buddy block, beyond doubt? */
static int is_free(struct call *c, uint64_t p, const struct pg *s)
{
	uint64_t prev = ~0ULL;
	unsigned int j;
	int found = 0;

	if (s->st != PG_OK || !(s->bits & (B_FREE | B_BUDDY)))
		return 0;
	for (j = 0; j < c->k->max_order; j++) {
		uint64_t h = align_down(p, j);
		const struct pg *g;
		int holds;

		if (h == prev)
			continue;
		prev = h;
		g = get(c, h);
		holds = g->st == PG_OK && (g->bits & B_BUDDY) && p - h < (1ULL << g->order);
		if (found) {
			if (holds)
				return 0;	/* two blocks claim p */
		} else if (holds) {
			found = 1;
		} else if (g->st != PG_OK || !(g->bits & B_FREE)) {
			/* between p and any head further down: not a free page */
			return 0;
		}
	}
	return found;
}

/* The head whose verdict tail page @p (struct page @s) takes, or NULL. */
static const struct pg *tail_head(struct call *c, uint64_t p, const struct pg *s)
{
	const struct pg *h, *h1;
	uint64_t hp;
	unsigned int j;

	if (!c->k->tails || !s->back)
		return NULL;
	hp = p - s->back;
	for (j = 1; j < c->k->max_order; j++)
		if (align_down(p, j) == hp)
			break;
	if (j >= c->k->max_order)
		return NULL;
	h = get(c, hp);
	if (h->st != PG_OK || !(h->bits & B_HEAD) ||
	    (h->bits & (B_TAIL | B_SLAB | B_FREE | B_BUDDY)))
		return NULL;
	h1 = get(c, hp + 1);
	if (h1->st != PG_OK || !(h1->bits & B_TAIL) || h1->back != 1 || !h1->corder ||
	    h1->corder >= c->k->max_order || (hp & ((1ULL << h1->corder) - 1)) ||
	    s->back >= (1ULL << h1->corder))
		return NULL;
	return h;
}

/* The cache or user verdict for a page whose (head's) struct page is @g. */
static uint8_t judge(const struct pg *g, uint32_t want)
{
	if (g->st != PG_OK || (g->bits & B_SLAB))
		return TSB_SKIP_NONE;
	if ((g->bits & B_ANON) && (want & TSB_FILTER_USER))
		return TSB_SKIP_OTHER;
	if ((g->bits & B_CACHE) &&
	    (want & ((g->bits & B_PRIV) ? TSB_FILTER_CACHE_PRI :
		     TSB_FILTER_CACHE | TSB_FILTER_CACHE_PRI)))
		return TSB_SKIP_OTHER;
	return TSB_SKIP_NONE;
}

unsigned int pc_classify(struct pc_kernel *k, const struct pc_mem *m, uint32_t level,
			 uint64_t pfn, unsigned int n, uint8_t *out)
{
	uint32_t want = level & (TSB_FILTER_CACHE | TSB_FILTER_CACHE_PRI | TSB_FILTER_USER |
				 TSB_FILTER_FREE);
	struct call c;
	unsigned int i, skipped = 0;

	if (!out || !n)
		return 0;
	memset(out, TSB_SKIP_NONE, n);
	if (n > PC_MAX_PAGES || !k || !k->ok || !m || !want || pfn >= PFN_LIMIT ||
	    n > PFN_LIMIT - pfn)
		return 0;
	memset(&c, 0, sizeof(c));
	c.k = k;
	c.m = m;
	c.pfn = pfn;
	c.n = n;
	for (i = 0; i < n; i++) {
		uint64_t p = pfn + i;
		const struct pg *s = get(&c, p), *g = s;
		uint8_t v = TSB_SKIP_NONE;

		if (s->st != PG_OK)
			continue;
		if ((want & TSB_FILTER_FREE) && is_free(&c, p, s))
			v = TSB_SKIP_FREE;
		else if (want & ~TSB_FILTER_FREE) {
			if (s->bits & B_TAIL)
				g = tail_head(&c, p, s);
			if (g)
				v = judge(g, want);
		}
		out[i] = v;
		skipped += v != TSB_SKIP_NONE;
	}
	return skipped;
}
