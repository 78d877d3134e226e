// SPDX-License-Identifier: BSD-3-Clause
/*
 * The memory ledger (dump/ledger.c): chunk bookkeeping, the hand-back of
 * dumped memory in grant units, and the pending ranges put in the DT.
 */
#include <stdint.h>
#include <string.h>
#include <ledger.h>
#include "unit.h"

#define KiB		1024ULL
#define MiB		(1024ULL * KiB)
#define RAM		0x40000000ULL
#define CH		(64 * KiB)
#define DUMP_RANGES_MAX	8	/* as DUMP_MAX_PENDING_RANGES in dump.h */

/* The ledger's storage is sized for the most chunks the format holds. */
static struct ledger L;
static uint8_t L_st[TSB_MAX_CHUNKS], L_role[TSB_MAX_CHUNKS];

/* L with storage full of stale bytes, as a ledger reused across crashes. */
static void scramble(void)
{
	memset(L_st, 0xa5, sizeof(L_st));
	memset(L_role, 0xa5, sizeof(L_role));
	ledger_attach(&L, L_st, L_role, TSB_MAX_CHUNKS);
	L.nchunks = 0xa5a5a5a5;
	L.next_grant = 0xa5a5a5a5;
}

static uint64_t addr(uint32_t i)
{
	return RAM + (uint64_t)i * CH;
}

static void set_range(struct ledger *l, uint32_t from, uint32_t to, enum ledger_state st)
{
	for (; from < to; from++)
		ledger_set(l, from, st);
}

static void test_init_params(void **state)
{
	static const struct {
		uint64_t base, size, chunk;
	} bad[] = {
		{ RAM, 64 * MiB, 0 },
		{ RAM, 64 * MiB, 2048 },		/* power of two < 4 KiB */
		{ RAM, 64 * MiB, 4095 },
		{ RAM, 64 * MiB, 3 * 4096 },		/* not a power of two */
		{ RAM, 64 * MiB, CH + 4096 },
		{ RAM + 4096, 64 * MiB, CH },		/* base misaligned */
		{ RAM + CH / 2, 64 * MiB, CH },
		{ 1, 64 * MiB, 4096 },
		{ RAM, CH - 1, CH },			/* size < chunk */
		{ RAM, 0, CH },
		{ RAM, (TSB_MAX_CHUNKS + 1) * CH, CH },	/* too many chunks */
		{ 0, ~0ULL, 4096 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		scramble();
		if (ledger_init(&L, bad[i].base, bad[i].size, bad[i].chunk, 0, 0) != LEDGER_E_PARAM)
			fail_msg("init base=0x%llx size=0x%llx chunk=0x%llx accepted",
				 (unsigned long long)bad[i].base, (unsigned long long)bad[i].size,
				 (unsigned long long)bad[i].chunk);
	}

	/* The limits themselves are fine. */
	assert_int_equal(ledger_init(&L, RAM, TSB_MAX_CHUNKS * CH, CH, 0, 0), 0);
	assert_int_equal(L.nchunks, TSB_MAX_CHUNKS);
	assert_int_equal(ledger_init(&L, 0, 4096, 4096, 0, 0), 0);
	assert_int_equal(L.nchunks, 1);
	assert_int_equal(ledger_init(&L, RAM, CH, CH, 0, 0), 0);
	assert_int_equal(L.nchunks, 1);

	/* A partial last chunk is a short chunk; everything starts pending. */
	scramble();
	assert_int_equal(ledger_init(&L, RAM, 10 * CH + CH - 4096, CH, 0, 0), 0);
	assert_int_equal(L.base, RAM);
	assert_int_equal(L.chunk, CH);
	assert_int_equal(L.nchunks, 11);
	assert_int_equal(ledger_chunk_len(&L, 9), CH);
	assert_int_equal(ledger_chunk_len(&L, 10), CH - 4096);
	assert_int_equal(ledger_chunk_len(&L, 11), 0);
	assert_int_equal(ledger_chunk_addr(&L, 11), RAM + 11 * CH - 4096);
	assert_int_equal(ledger_count(&L, LG_PENDING), 11);
	for (i = 0; i < 11; i++) {
		assert_int_equal(L.st[i], LG_PENDING);
		assert_int_equal(L.role[i], LR_SECONDARY);
	}
	assert_int_equal(L.st[11], 0xa5);	/* past the chunks: untouched */
	/* Not a whole number of pages: refused. */
	assert_int_equal(ledger_init(&L, RAM, 10 * CH + 100, CH, 0, 0), LEDGER_E_PARAM);

	/* More chunks than the storage given: refused; no storage at all: refused. */
	ledger_attach(&L, L_st, L_role, 10);
	assert_int_equal(ledger_init(&L, RAM, 11 * CH, CH, 0, 0), LEDGER_E_PARAM);
	assert_int_equal(ledger_init(&L, RAM, 10 * CH, CH, 0, 0), 0);
	assert_int_equal(L.cap, 10);
	assert_ptr_equal(L.st, L_st);
	ledger_attach(&L, NULL, L_role, TSB_MAX_CHUNKS);
	assert_int_equal(ledger_init(&L, RAM, CH, CH, 0, 0), LEDGER_E_PARAM);
	ledger_attach(&L, L_st, L_role, TSB_MAX_CHUNKS);
}

/* A RAM tail shorter than a chunk is dumped and handed back with the rest. */
static void test_short_last_chunk(void **state)
{
	struct ledger_range r, pend[4];
	uint64_t size = 6 * CH + 2 * 4096;
	int last;
	uint32_t i;

	(void)state;
	assert_int_equal(ledger_init(&L, RAM, size, CH, 2 * CH, 2 * CH), 0);
	assert_int_equal(L.nchunks, 7);
	assert_int_equal(ledger_pending_ranges(&L, pend, 4), 1);
	assert_int_equal(pend[0].base, RAM + 2 * CH);
	assert_int_equal(pend[0].size, size - 2 * CH);	/* the tail is reserved too */
	for (i = 0; i < 5; i++)
		ledger_set(&L, i, LG_DURABLE);
	assert_true(ledger_take_grant(&L, &r, &last));	/* one whole unit */
	assert_int_equal(r.base, RAM + 2 * CH);
	assert_int_equal(r.size, 2 * CH);
	assert_false(last);
	assert_false(ledger_take_grant(&L, &r, &last));
	ledger_set(&L, 5, LG_DURABLE);
	ledger_set(&L, 6, LG_DURABLE);
	assert_true(ledger_take_grant(&L, &r, &last));	/* the rest, the short tail too */
	assert_int_equal(r.base, RAM + 4 * CH);
	assert_int_equal(r.size, 2 * CH + 2 * 4096);
	assert_int_equal(r.base + r.size, RAM + size);
	assert_true(last);
	assert_true(ledger_secondary_done(&L));
}

static void test_init_window_grant(void **state)
{
	static const struct {
		uint64_t window, grant;
		uint32_t wchunks, gchunks;
	} c[] = {
		{ 0, 0, 0, 1 },
		{ 1, 1, 1, 1 },
		{ CH - 1, CH - 1, 1, 1 },
		{ CH, CH, 1, 1 },
		{ CH + 1, CH + 1, 2, 2 },
		{ 3 * CH, 4 * CH, 3, 4 },
		{ 10 * CH - 1, 9 * CH + 1, 10, 10 },
		{ 10 * CH, 10 * CH, 10, 10 },
		{ 10 * CH + 1, 10 * CH + 1, 10, 10 },	/* capped at the size */
		{ 1000 * MiB, 1000 * MiB, 10, 10 },
		{ ~0ULL, ~0ULL, 10, 10 },		/* no wrap in the rounding */
		{ ~0ULL - CH + 2, ~0ULL - CH + 2, 10, 10 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		assert_int_equal(ledger_init(&L, RAM, 10 * CH, CH, c[i].window, c[i].grant), 0);
		if (L.window_chunks != c[i].wchunks || L.grant_chunks != c[i].gchunks)
			fail_msg("window=0x%llx grant=0x%llx: %u/%u chunks, expected %u/%u",
				 (unsigned long long)c[i].window, (unsigned long long)c[i].grant,
				 L.window_chunks, L.grant_chunks, c[i].wchunks, c[i].gchunks);
		assert_int_equal(L.next_grant, L.window_chunks);
	}
}

static void test_find_set_addr_count(void **state)
{
	(void)state;
	assert_int_equal(ledger_init(&L, RAM, 20 * CH, CH, 0, 0), 0);
	assert_int_equal(ledger_find(&L, 0, 20, LG_PENDING), 0);
	assert_int_equal(ledger_find(&L, 0, 20, LG_DURABLE), -1);

	ledger_set(&L, 5, LG_DURABLE);
	ledger_set(&L, 12, LG_DURABLE);
	ledger_set(&L, 19, LG_LOST);
	assert_int_equal(ledger_find(&L, 0, 20, LG_DURABLE), 5);
	assert_int_equal(ledger_find(&L, 5, 20, LG_DURABLE), 5);
	assert_int_equal(ledger_find(&L, 6, 20, LG_DURABLE), 12);
	assert_int_equal(ledger_find(&L, 6, 12, LG_DURABLE), -1);	/* to is exclusive */
	assert_int_equal(ledger_find(&L, 6, 13, LG_DURABLE), 12);
	assert_int_equal(ledger_find(&L, 13, 20, LG_DURABLE), -1);
	assert_int_equal(ledger_find(&L, 0, 1000, LG_LOST), 19);	/* to clamped */
	assert_int_equal(ledger_find(&L, 0, 19, LG_LOST), -1);
	assert_int_equal(ledger_find(&L, 10, 10, LG_PENDING), -1);	/* empty */
	assert_int_equal(ledger_find(&L, 15, 10, LG_PENDING), -1);	/* reversed */
	assert_int_equal(ledger_find(&L, 20, 30, LG_PENDING), -1);	/* past the end */
	assert_int_equal(ledger_find(&L, 5, 20, LG_PENDING), 6);

	/* Past the end: ignored, and never found. */
	L.st[20] = 0x5a;
	ledger_set(&L, 20, LG_DURABLE);
	ledger_set(&L, 1000, LG_DURABLE);
	assert_int_equal(L.st[20], 0x5a);
	assert_int_equal(ledger_find(&L, 0, 21, LG_DURABLE), 5);
	assert_int_equal(ledger_count(&L, LG_DURABLE), 2);
	assert_int_equal(ledger_count(&L, LG_LOST), 1);
	assert_int_equal(ledger_count(&L, LG_PENDING), 17);
	assert_int_equal(ledger_count(&L, LG_GRANTED), 0);

	assert_int_equal(ledger_chunk_addr(&L, 0), RAM);
	assert_int_equal(ledger_chunk_addr(&L, 7), RAM + 7 * CH);
	assert_int_equal(ledger_chunk_addr(&L, 20), RAM + 20 * CH);
}

/* 22 chunks, window 4, grant units of 4: [4,8) [8,12) [12,16) [16,20) [20,22). */
static void init22(void)
{
	assert_int_equal(ledger_init(&L, RAM, 22 * CH, CH, 4 * CH, 4 * CH), 0);
	assert_int_equal(L.window_chunks, 4);
	assert_int_equal(L.grant_chunks, 4);
}

static void expect_grant(uint32_t from, uint32_t to, int want_last)
{
	struct ledger_range r = { 0, 0 };
	int last = -1;

	if (ledger_take_grant(&L, &r, &last) != 1)
		fail_msg("no grant, expected chunks [%u,%u)", from, to);
	if (r.base != addr(from) || r.size != (uint64_t)(to - from) * CH)
		fail_msg("grant 0x%llx+0x%llx, expected chunks [%u,%u)",
			 (unsigned long long)r.base, (unsigned long long)r.size, from, to);
	assert_int_equal(last, want_last);
	assert_int_equal(L.next_grant, to);
	for (; from < to; from++)
		assert_int_equal(L.st[from], LG_GRANTED);
}

static void expect_no_grant(int want_last)
{
	struct ledger_range r = { 0x1111, 0x2222 };
	uint32_t next = L.next_grant;
	int last = -1;

	assert_int_equal(ledger_take_grant(&L, &r, &last), 0);
	assert_int_equal(last, want_last);
	assert_int_equal(L.next_grant, next);
	assert_int_equal(r.base, 0x1111);
	assert_int_equal(r.size, 0x2222);
}

static void test_grant_first_unit_incomplete(void **state)
{
	(void)state;
	init22();
	expect_no_grant(0);
	set_range(&L, 4, 7, LG_DURABLE);	/* chunk 7 still pending */
	set_range(&L, 8, 22, LG_DURABLE);	/* later units do not count */
	expect_no_grant(0);
	assert_int_equal(ledger_count(&L, LG_GRANTED), 0);
	ledger_set(&L, 7, LG_PENDING);
	ledger_set(&L, 4, LG_PENDING);
	ledger_set(&L, 5, LG_PENDING);
	ledger_set(&L, 6, LG_PENDING);
	ledger_set(&L, 7, LG_DURABLE);
	expect_no_grant(0);
}

static void test_grant_one_unit(void **state)
{
	(void)state;
	init22();
	set_range(&L, 4, 8, LG_DURABLE);
	ledger_set(&L, 9, LG_DURABLE);		/* next unit partly done */
	expect_grant(4, 8, 0);
	expect_no_grant(0);
	assert_int_equal(ledger_count(&L, LG_GRANTED), 4);
	assert_int_equal(L.st[9], LG_DURABLE);
}

static void test_grant_merges_units(void **state)
{
	(void)state;
	init22();
	set_range(&L, 4, 16, LG_DURABLE);
	ledger_set(&L, 17, LG_DURABLE);
	expect_grant(4, 16, 0);
	expect_no_grant(0);
}

/* Nothing goes back before the metadata on disk describes it (issue 11). */
static void test_grant_waits_for_the_record(void **state)
{
	(void)state;
	init22();
	assert_int_equal(L.described, L.nchunks);	/* no limit unless set */
	L.described = ledger_done_end(&L);
	assert_int_equal(L.described, 4);		/* the window is never granted */
	assert_false(ledger_describe_wanted(&L));
	set_range(&L, 4, 7, LG_DURABLE);
	assert_false(ledger_describe_wanted(&L));	/* not a whole unit yet */
	ledger_set(&L, 7, LG_DURABLE);
	ledger_set(&L, 9, LG_DURABLE);
	assert_true(ledger_describe_wanted(&L));
	assert_false(ledger_grant_ready(&L));		/* on disk, not on record */
	expect_no_grant(0);
	/* A metadata write started now records up to the first chunk not done. */
	assert_int_equal(ledger_done_end(&L), 8);
	ledger_describe(&L, 6);				/* not a whole unit: still nothing */
	expect_no_grant(0);
	ledger_describe(&L, 8);
	assert_false(ledger_describe_wanted(&L));
	expect_grant(4, 8, 0);
	ledger_describe(&L, 3);				/* never backwards */
	assert_int_equal(L.described, 8);
	set_range(&L, 8, 12, LG_DURABLE);
	assert_true(ledger_describe_wanted(&L));
	ledger_describe(&L, 1000);			/* clamped to the end */
	assert_int_equal(L.described, L.nchunks);
	expect_grant(8, 12, 0);
}

static void test_grant_lost_counts(void **state)
{
	(void)state;
	init22();
	set_range(&L, 4, 12, LG_LOST);
	ledger_set(&L, 5, LG_DURABLE);
	ledger_set(&L, 10, LG_DURABLE);
	expect_grant(4, 12, 0);
	set_range(&L, 12, 16, LG_LOST);
	expect_grant(12, 16, 0);
	assert_int_equal(ledger_count(&L, LG_LOST), 0);
}

static void test_grant_inflight_blocks(void **state)
{
	(void)state;
	init22();
	set_range(&L, 4, 22, LG_DURABLE);
	ledger_set(&L, 7, LG_INFLIGHT);
	expect_no_grant(0);
	ledger_set(&L, 7, LG_DURABLE);
	ledger_set(&L, 13, LG_INFLIGHT);
	expect_grant(4, 12, 0);
	expect_no_grant(0);
	ledger_set(&L, 13, LG_PENDING);
	expect_no_grant(0);
	ledger_set(&L, 13, LG_LOST);
	expect_grant(12, 22, 1);
}

static void test_grant_tail(void **state)
{
	(void)state;
	init22();
	/* The partial unit [20,22) is done but the unit before is not. */
	set_range(&L, 4, 16, LG_DURABLE);
	set_range(&L, 20, 22, LG_DURABLE);
	expect_grant(4, 16, 0);
	expect_no_grant(0);
	set_range(&L, 16, 20, LG_DURABLE);
	ledger_set(&L, 21, LG_INFLIGHT);
	expect_grant(16, 20, 0);	/* the tail waits for its last chunk */
	expect_no_grant(0);
	ledger_set(&L, 21, LG_DURABLE);
	expect_grant(20, 22, 1);
	/* Nothing left: no grant, but "last" stays set. */
	expect_no_grant(1);
	assert_int_equal(ledger_count(&L, LG_GRANTED), 18);
}

static void test_grant_last_without_tail(void **state)
{
	(void)state;
	/* 20 chunks: whole units only. */
	assert_int_equal(ledger_init(&L, RAM, 20 * CH, CH, 4 * CH, 4 * CH), 0);
	set_range(&L, 4, 16, LG_DURABLE);
	expect_grant(4, 16, 0);
	set_range(&L, 16, 20, LG_LOST);
	expect_grant(16, 20, 1);
	expect_no_grant(1);

	/* A grant unit larger than what is outside the window: one tail. */
	assert_int_equal(ledger_init(&L, RAM, 10 * CH, CH, 4 * CH, 8 * CH), 0);
	set_range(&L, 4, 9, LG_DURABLE);
	expect_no_grant(0);
	ledger_set(&L, 9, LG_DURABLE);
	expect_grant(4, 10, 1);

	/* Grant unit of one chunk: every done chunk in order. */
	assert_int_equal(ledger_init(&L, RAM, 10 * CH, CH, 2 * CH, 0), 0);
	ledger_set(&L, 2, LG_DURABLE);
	ledger_set(&L, 4, LG_DURABLE);
	expect_grant(2, 3, 0);
	expect_no_grant(0);
	ledger_set(&L, 3, LG_DURABLE);
	expect_grant(3, 5, 0);
}

static void test_grant_never_window(void **state)
{
	uint32_t i;

	(void)state;
	init22();
	set_range(&L, 0, 22, LG_DURABLE);
	expect_grant(4, 22, 1);
	for (i = 0; i < 4; i++)
		assert_int_equal(L.st[i], LG_DURABLE);
	expect_no_grant(1);

	/* Window = all of RAM: nothing ever handed back. */
	assert_int_equal(ledger_init(&L, RAM, 22 * CH, CH, 22 * CH, 4 * CH), 0);
	set_range(&L, 0, 22, LG_DURABLE);
	expect_no_grant(1);
	assert_int_equal(ledger_count(&L, LG_GRANTED), 0);
}

/*
 * Spare-window mode: the new kernel's window is LR_NONE (excluded, never
 * dumped), the crashed kernel's window LR_KEEP (dumped, never handed back).
 */
static void test_spare_roles(void **state)
{
	struct ledger_range pr[DUMP_RANGES_MAX];
	uint32_t i;

	(void)state;
	assert_int_equal(ledger_init(&L, RAM, 22 * CH, CH, 0, 4 * CH), 0);
	assert_int_equal(L.window_chunks, 0);
	ledger_set_role(&L, 0, 4, LR_NONE);
	ledger_set_role(&L, 4, 8, LR_KEEP);
	for (i = 0; i < 4; i++)
		assert_int_equal(L.st[i], LG_EXCLUDED);
	/* The dump starts with the kept window: nothing excluded is written. */
	assert_int_equal(ledger_find(&L, 0, 22, LG_PENDING), 4);
	assert_int_equal(ledger_pending_ranges(&L, pr, DUMP_RANGES_MAX), 1);
	assert_int_equal(pr[0].base, addr(8));
	assert_int_equal(pr[0].size, 14 * CH);
	assert_false(ledger_grant_ready(&L));

	/* Secondary chunks go back; the kept window's never do. */
	set_range(&L, 4, 12, LG_DURABLE);
	assert_true(ledger_grant_ready(&L));
	expect_grant(8, 12, 0);
	set_range(&L, 12, 21, LG_DURABLE);
	assert_false(ledger_secondary_done(&L));
	expect_grant(12, 20, 0);
	ledger_set(&L, 21, LG_LOST);
	ledger_set(&L, 20, LG_DURABLE);
	expect_grant(20, 22, 1);
	assert_true(ledger_secondary_done(&L));
	for (i = 4; i < 8; i++)
		assert_int_equal(L.st[i], LG_DURABLE);
	assert_int_equal(ledger_pending_ranges(&L, pr, DUMP_RANGES_MAX), 0);

	/* Everything else done, the kept window not yet: not done. */
	assert_int_equal(ledger_init(&L, RAM, 22 * CH, CH, 0, 4 * CH), 0);
	ledger_set_role(&L, 0, 4, LR_NONE);
	ledger_set_role(&L, 4, 8, LR_KEEP);
	set_range(&L, 8, 22, LG_DURABLE);
	assert_false(ledger_secondary_done(&L));
	set_range(&L, 4, 8, LG_INFLIGHT);
	assert_false(ledger_secondary_done(&L));
	set_range(&L, 4, 8, LG_DURABLE);
	assert_true(ledger_secondary_done(&L));
}

/* A run of secondary chunks ends at a chunk of another role: its tail goes back whole. */
static void test_grant_run_ends_at_kept_window(void **state)
{
	(void)state;
	assert_int_equal(ledger_init(&L, RAM, 22 * CH, CH, 0, 4 * CH), 0);
	ledger_set_role(&L, 3, 6, LR_KEEP);
	set_range(&L, 0, 22, LG_DURABLE);
	expect_grant(0, 3, 0);
	expect_grant(6, 22, 1);
	expect_no_grant(1);
}

static void test_secondary_done(void **state)
{
	(void)state;
	init22();
	assert_false(ledger_secondary_done(&L));
	set_range(&L, 4, 22, LG_DURABLE);
	assert_true(ledger_secondary_done(&L));		/* window pending: irrelevant */
	ledger_set(&L, 21, LG_INFLIGHT);
	assert_false(ledger_secondary_done(&L));
	ledger_set(&L, 21, LG_PENDING);
	assert_false(ledger_secondary_done(&L));
	ledger_set(&L, 21, LG_LOST);
	assert_true(ledger_secondary_done(&L));
	ledger_set(&L, 4, LG_PENDING);
	assert_false(ledger_secondary_done(&L));
	ledger_set(&L, 4, LG_DURABLE);
	expect_grant(4, 22, 1);
	assert_true(ledger_secondary_done(&L));

	assert_int_equal(ledger_init(&L, RAM, 22 * CH, CH, 22 * CH, CH), 0);
	assert_true(ledger_secondary_done(&L));
}

static void expect_ranges(uint32_t max, const struct ledger_range *want, uint32_t nwant)
{
	struct ledger_range out[16];
	uint32_t i, n;

	assert_true(max <= ARRAY_SIZE(out));
	memset(out, 0x5a, sizeof(out));
	n = ledger_pending_ranges(&L, out, max);
	if (n != nwant)
		fail_msg("%u pending ranges (max %u), expected %u", n, max, nwant);
	for (i = 0; i < n; i++)
		if (out[i].base != want[i].base || out[i].size != want[i].size)
			fail_msg("range %u: 0x%llx+0x%llx, expected 0x%llx+0x%llx", i,
				 (unsigned long long)out[i].base, (unsigned long long)out[i].size,
				 (unsigned long long)want[i].base, (unsigned long long)want[i].size);
	/* Nothing written past the count. */
	for (i = n; i < ARRAY_SIZE(out); i++)
		assert_int_equal(out[i].base, 0x5a5a5a5a5a5a5a5aULL);
}

static void test_pending_initial_and_grants(void **state)
{
	const struct ledger_range all[] = { { addr(4), 18 * CH } };
	const struct ledger_range after8[] = { { addr(8), 14 * CH } };
	const struct ledger_range after20[] = { { addr(20), 2 * CH } };

	(void)state;
	init22();
	expect_ranges(8, all, 1);
	expect_ranges(1, all, 1);
	expect_ranges(0, NULL, 0);
	set_range(&L, 0, 22, LG_DURABLE);	/* states other than granted: pending */
	expect_ranges(8, all, 1);
	set_range(&L, 8, 22, LG_PENDING);
	expect_grant(4, 8, 0);
	expect_ranges(8, after8, 1);
	set_range(&L, 8, 20, LG_LOST);
	expect_grant(8, 20, 0);
	expect_ranges(8, after20, 1);
	set_range(&L, 20, 22, LG_LOST);
	expect_grant(20, 22, 1);
	expect_ranges(8, NULL, 0);

	/* Window = all of RAM: no secondary dump, nothing reserved. */
	assert_int_equal(ledger_init(&L, RAM, 22 * CH, CH, ~0ULL, CH), 0);
	expect_ranges(8, NULL, 0);
	/* No window: everything. */
	assert_int_equal(ledger_init(&L, RAM, 22 * CH, CH, 0, CH), 0);
	{
		const struct ledger_range whole[] = { { RAM, 22 * CH } };

		expect_ranges(8, whole, 1);
	}
}

static void test_pending_max(void **state)
{
	/* Holes (granted) at 6, 10-11, 15: pending [4,6) [7,10) [12,15) [16,22). */
	const struct ledger_range four[] = {
		{ addr(4), 2 * CH }, { addr(7), 3 * CH }, { addr(12), 3 * CH }, { addr(16), 6 * CH },
	};
	/* Truncated: the last range runs to the end of RAM, over the holes. */
	const struct ledger_range three[] = {
		{ addr(4), 2 * CH }, { addr(7), 3 * CH }, { addr(12), 10 * CH },
	};
	const struct ledger_range two[] = { { addr(4), 2 * CH }, { addr(7), 15 * CH } };
	const struct ledger_range one[] = { { addr(4), 18 * CH } };

	(void)state;
	init22();
	ledger_set(&L, 6, LG_GRANTED);
	ledger_set(&L, 10, LG_GRANTED);
	ledger_set(&L, 11, LG_GRANTED);
	ledger_set(&L, 15, LG_GRANTED);
	expect_ranges(16, four, 4);
	expect_ranges(4, four, 4);	/* exactly enough: not truncated */
	expect_ranges(3, three, 3);
	expect_ranges(2, two, 2);
	expect_ranges(1, one, 1);

	/* Granted at the end of RAM: the truncated range still reaches the end. */
	ledger_set(&L, 21, LG_GRANTED);
	{
		const struct ledger_range t4[] = {
			{ addr(4), 2 * CH }, { addr(7), 3 * CH }, { addr(12), 3 * CH },
			{ addr(16), 5 * CH },
		};
		const struct ledger_range t3[] = {
			{ addr(4), 2 * CH }, { addr(7), 3 * CH }, { addr(12), 10 * CH },
		};

		expect_ranges(4, t4, 4);
		expect_ranges(3, t3, 3);
	}
}

/* ---- Randomized property tests ---- */

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/*
 * The pending ranges against a model: merged runs of non-granted chunks
 * outside the window. With more runs than @max, the first max - 1 must match
 * and the last start where run max - 1 does and reach the end of RAM.
 */
static void check_pending(uint32_t max)
{
	struct ledger_range out[DUMP_RANGES_MAX];
	static struct ledger_range model[TSB_MAX_CHUNKS / 2 + 1];
	uint32_t n, nm = 0, i;
	static uint8_t covered[TSB_MAX_CHUNKS];

	for (i = L.window_chunks; i < L.nchunks; i++) {
		if (L.st[i] == LG_GRANTED)
			continue;
		if (nm && model[nm - 1].base + model[nm - 1].size == addr(i))
			model[nm - 1].size += CH;
		else
			model[nm++] = (struct ledger_range){ addr(i), CH };
	}
	n = ledger_pending_ranges(&L, out, max);
	if (nm <= max) {
		if (n != nm)
			fail_msg("%u ranges, model %u (max %u)", n, nm, max);
		for (i = 0; i < n; i++)
			if (out[i].base != model[i].base || out[i].size != model[i].size)
				fail_msg("range %u 0x%llx+0x%llx, model 0x%llx+0x%llx", i,
					 (unsigned long long)out[i].base,
					 (unsigned long long)out[i].size,
					 (unsigned long long)model[i].base,
					 (unsigned long long)model[i].size);
	} else {
		assert_int_equal(n, max);
		for (i = 0; i + 1 < n; i++) {
			assert_int_equal(out[i].base, model[i].base);
			assert_int_equal(out[i].size, model[i].size);
		}
		assert_int_equal(out[n - 1].base, model[n - 1].base);
		assert_int_equal(out[n - 1].base + out[n - 1].size, addr(L.nchunks));
	}
	/* Whatever happened: never under-reserve, never cover the window. */
	memset(covered, 0, sizeof(covered));
	for (i = 0; i < n; i++) {
		uint64_t a;

		assert_true(out[i].size > 0 && out[i].size % CH == 0);
		assert_true(out[i].base >= addr(L.window_chunks));
		assert_true(out[i].base + out[i].size <= addr(L.nchunks));
		if (i)
			assert_true(out[i].base > out[i - 1].base + out[i - 1].size);
		for (a = out[i].base; a < out[i].base + out[i].size; a += CH)
			covered[(a - RAM) / CH] = 1;
	}
	for (i = L.window_chunks; i < L.nchunks; i++)
		if (L.st[i] != LG_GRANTED && !covered[i])
			fail_msg("chunk %u not granted but not reserved (max %u)", i, max);
}

static void test_random_dump(void **state)
{
	unsigned int round, step, steps = 0;

	(void)state;
	rng = 0x2545f4914f6cdd1dULL;
	for (round = 0; round < 40; round++) {
		uint32_t nch = 1 + rnd(200), win = rnd(nch + 2), gr = rnd(12);
		uint32_t submit, inflight[8], ninfl = 0, granted_to, i;
		uint8_t done_before[256];
		int finished = 0, last_seen = 0;

		assert_int_equal(ledger_init(&L, RAM, (uint64_t)nch * CH, CH,
					     (uint64_t)win * CH, (uint64_t)gr * CH), 0);
		submit = L.window_chunks;
		granted_to = L.window_chunks;
		for (step = 0; step < 2000 && !finished; step++, steps++) {
			uint32_t act = rnd(10);
			struct ledger_range r;
			int last = -1, got;

			if (act < 3 && submit < nch && ninfl < ARRAY_SIZE(inflight)) {
				/* Queue the next chunk in dump order. */
				assert_int_equal(L.st[submit], LG_PENDING);
				ledger_set(&L, submit, LG_INFLIGHT);
				inflight[ninfl++] = submit++;
			} else if (act < 6 && ninfl) {
				/* Complete (or lose) any one in flight. */
				uint32_t k = rnd(ninfl);

				ledger_set(&L, inflight[k], rnd(5) ? LG_DURABLE : LG_LOST);
				inflight[k] = inflight[--ninfl];
			} else if (act < 7 && submit < nch) {
				/* Device full/failed: the next one is lost unwritten. */
				ledger_set(&L, submit++, LG_LOST);
			} else if (act < 9) {
				for (i = 0; i < nch; i++)
					done_before[i] = L.st[i] == LG_DURABLE || L.st[i] == LG_LOST;
				got = ledger_take_grant(&L, &r, &last);
				assert_true(last == 0 || last == 1);
				if (got) {
					uint32_t from, to;

					assert_false(last_seen);
					assert_true(r.size > 0 && r.size % CH == 0);
					assert_true(r.base % CH == 0);
					from = (uint32_t)((r.base - RAM) / CH);
					to = from + (uint32_t)(r.size / CH);
					/* Contiguous and increasing, outside the window. */
					assert_int_equal(from, granted_to);
					assert_true(from >= L.window_chunks && to <= nch);
					/* Whole units, or the tail up to the end. */
					assert_true(to == nch ||
						    (to - L.window_chunks) % L.grant_chunks == 0);
					for (i = from; i < to; i++) {
						if (!done_before[i])
							fail_msg("granted chunk %u was in state %u", i,
								 L.st[i]);
						assert_int_equal(L.st[i], LG_GRANTED);
					}
					granted_to = to;
					assert_int_equal(last, to == nch);
				} else {
					assert_int_equal(last, granted_to == nch);
				}
				/* Greedy: the next unit is not all done. */
				if (granted_to < nch) {
					uint32_t ue = granted_to + L.grant_chunks;

					if (ue > nch)
						ue = nch;
					for (i = granted_to; i < ue && done_before[i]; i++)
						;
					assert_true(i < ue);
				}
				last_seen |= last;
			} else {
				check_pending(1 + rnd(DUMP_RANGES_MAX));
			}
			/* Nothing in the window or beyond granted_to is granted. */
			for (i = 0; i < nch; i++)
				assert_int_equal(L.st[i] == LG_GRANTED,
						 i >= L.window_chunks && i < granted_to);
			assert_int_equal(ledger_secondary_done(&L),
					 ninfl == 0 && submit == nch);
			finished = last_seen;
		}
		if (L.window_chunks < nch && !finished)
			fail_msg("round %u: not finished after %u steps", round, step);
		check_pending(DUMP_RANGES_MAX);
	}
	assert_true(steps > 3000);
}

/* Pending ranges of arbitrary granted patterns (ledger_set) and limits. */
static void test_random_pending(void **state)
{
	unsigned int round;

	(void)state;
	rng = 0x9e3779b97f4a7c15ULL;
	for (round = 0; round < 3000; round++) {
		uint32_t nch = 1 + rnd(64), win = rnd(nch + 1), i, p = rnd(4);

		assert_int_equal(ledger_init(&L, RAM, (uint64_t)nch * CH, CH,
					     (uint64_t)win * CH, CH), 0);
		for (i = 0; i < nch; i++)
			ledger_set(&L, i, rnd(4) <= p ? LG_GRANTED : (enum ledger_state)rnd(4));
		check_pending(1 + rnd(DUMP_RANGES_MAX));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_params),
		cmocka_unit_test(test_init_window_grant),
		cmocka_unit_test(test_short_last_chunk),
		cmocka_unit_test(test_find_set_addr_count),
		cmocka_unit_test(test_grant_first_unit_incomplete),
		cmocka_unit_test(test_grant_one_unit),
		cmocka_unit_test(test_grant_merges_units),
		cmocka_unit_test(test_grant_waits_for_the_record),
		cmocka_unit_test(test_grant_lost_counts),
		cmocka_unit_test(test_grant_inflight_blocks),
		cmocka_unit_test(test_grant_tail),
		cmocka_unit_test(test_grant_last_without_tail),
		cmocka_unit_test(test_grant_never_window),
		cmocka_unit_test(test_spare_roles),
		cmocka_unit_test(test_grant_run_ends_at_kept_window),
		cmocka_unit_test(test_secondary_done),
		cmocka_unit_test(test_pending_initial_and_grants),
		cmocka_unit_test(test_pending_max),
		cmocka_unit_test(test_random_dump),
		cmocka_unit_test(test_random_pending),
	};

	unit_init();
	ledger_attach(&L, L_st, L_role, TSB_MAX_CHUNKS);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
