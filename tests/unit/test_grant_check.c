// SPDX-License-Identifier: BSD-3-Clause
/*
 * The Linux module's check of a firmware grant against its pending ranges
 * (include/tsubaki/grant_check.h, used by linux/module/core.c).
 */
#include <stdint.h>
#include <string.h>
#include <tsubaki/grant_check.h>
#include "unit.h"

#define PG		4096ULL
#define RB		0x44000000ULL		/* a pending range */
#define RS		0x3c000000ULL
#define RE		(RB + RS)

static int chk(uint64_t base, uint64_t size)
{
	return tsb_grant_in_range(base, size, RB, RS, PG);
}

static void test_inside(void **state)
{
	(void)state;
	assert_int_equal(chk(RB, PG), TSB_GRANT_OK);
	assert_int_equal(chk(RB, RS), TSB_GRANT_OK);		/* all of it */
	assert_int_equal(chk(RB + PG, RS - PG), TSB_GRANT_OK);	/* up to the end */
	assert_int_equal(chk(RE - PG, PG), TSB_GRANT_OK);	/* last page */
	assert_int_equal(chk(RB + 0x1000000, 0x800000), TSB_GRANT_OK);
	/* Other page sizes (arm64 16K/64K kernels). */
	assert_int_equal(tsb_grant_in_range(RB, 0x10000, RB, RS, 0x10000), TSB_GRANT_OK);
	assert_int_equal(tsb_grant_in_range(RB + 0x4000, 0x4000, RB, RS, 0x4000), TSB_GRANT_OK);
}

static void test_outside(void **state)
{
	static const struct {
		uint64_t base, size;
	} c[] = {
		{ RB - PG, PG },		/* just below */
		{ RB - PG, 2 * PG },		/* straddles the start */
		{ RE, PG },			/* exactly at the end */
		{ RE - PG, 2 * PG },		/* one page past the end */
		{ RB, RS + PG },		/* one page too long */
		{ RE + PG, PG },
		{ 0, PG },
		{ 0, RE },			/* covers it and more */
		{ RB + PG, RS },
		{ 0xffffffffffffe000ULL, PG },	/* below the top page: no wrap */
	};
	unsigned int i;
	int rc;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		rc = chk(c[i].base, c[i].size);
		if (rc != TSB_GRANT_E_OUTSIDE)
			fail_msg("grant 0x%llx+0x%llx: %d, expected outside",
				 (unsigned long long)c[i].base, (unsigned long long)c[i].size, rc);
	}
}

static void test_rejects(void **state)
{
	(void)state;
	/* Empty. */
	assert_int_equal(chk(RB, 0), TSB_GRANT_E_EMPTY);
	assert_int_equal(chk(RE, 0), TSB_GRANT_E_EMPTY);
	assert_int_equal(chk(0, 0), TSB_GRANT_E_EMPTY);
	/* Unaligned base or size, by one byte or by half a page. */
	assert_int_equal(chk(RB + 1, PG), TSB_GRANT_E_UNALIGNED);
	assert_int_equal(chk(RB + PG / 2, PG), TSB_GRANT_E_UNALIGNED);
	assert_int_equal(chk(RB, PG + 1), TSB_GRANT_E_UNALIGNED);
	assert_int_equal(chk(RB, PG - 1), TSB_GRANT_E_UNALIGNED);
	assert_int_equal(chk(RB, 1), TSB_GRANT_E_UNALIGNED);
	assert_int_equal(chk(RB + 1, 0), TSB_GRANT_E_UNALIGNED);
	/* Aligned to 4K but not to a 64K page. */
	assert_int_equal(tsb_grant_in_range(RB + PG, 0x10000, RB, RS, 0x10000),
			 TSB_GRANT_E_UNALIGNED);
	assert_int_equal(tsb_grant_in_range(RB, 0x10000 + PG, RB, RS, 0x10000),
			 TSB_GRANT_E_UNALIGNED);
	/* base + size past 2^64 -- would pass a naive "base + size <= end". */
	assert_int_equal(chk(RB, 0ULL - RB), TSB_GRANT_E_OVERFLOW);	/* exactly 2^64 */
	assert_int_equal(chk(RB, 0ULL - PG), TSB_GRANT_E_OVERFLOW);
	assert_int_equal(chk(RB + PG, 0ULL - PG), TSB_GRANT_E_OVERFLOW);
	assert_int_equal(chk(0xfffffffffffff000ULL, PG), TSB_GRANT_E_OVERFLOW);	/* 2^64 */
	assert_int_equal(chk(0xfffffffffffff000ULL, 2 * PG), TSB_GRANT_E_OVERFLOW);
	assert_int_equal(chk(~0ULL & ~(PG - 1), ~0ULL & ~(PG - 1)), TSB_GRANT_E_OVERFLOW);
	/* No overflow: size up to the top of memory minus one page. */
	assert_int_equal(chk(PG, 0ULL - 2 * PG), TSB_GRANT_E_OUTSIDE);
}

/* A range ending at the very top of the address space. */
static void test_range_at_top(void **state)
{
	const uint64_t top = 0xffffffffffff0000ULL;

	(void)state;
	assert_int_equal(tsb_grant_in_range(top, PG, top, 0x10000 - PG, PG), TSB_GRANT_OK);
	assert_int_equal(tsb_grant_in_range(top + 0xe000, PG, top, 0x10000 - PG, PG),
			 TSB_GRANT_OK);
	assert_int_equal(tsb_grant_in_range(top + 0xf000, PG, top, 0x10000 - PG, PG),
			 TSB_GRANT_E_OVERFLOW);
	/* An empty range holds nothing. */
	assert_int_equal(tsb_grant_in_range(RB, PG, RB, 0, PG), TSB_GRANT_E_OUTSIDE);
}

/* The module's loop: a grant is valid if some one range holds it. */
struct range {
	uint64_t base, size;
};

static int caller_accepts(const struct range *r, unsigned int n, uint64_t base, uint64_t size)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (tsb_grant_in_range(base, size, r[i].base, r[i].size, PG) == TSB_GRANT_OK)
			return 1;
	return 0;
}

static void test_two_ranges(void **state)
{
	/* Adjacent ranges [A, B) [B, C) and a separate one after a hole. */
	const struct range r[] = {
		{ 0x48000000ULL, 0x01000000ULL },
		{ 0x49000000ULL, 0x01000000ULL },
		{ 0x4c000000ULL, 0x04000000ULL },
	};

	(void)state;
	assert_true(caller_accepts(r, 3, 0x48000000ULL, 0x01000000ULL));
	assert_true(caller_accepts(r, 3, 0x49000000ULL, 0x01000000ULL));
	assert_true(caller_accepts(r, 3, 0x48fff000ULL, PG));
	assert_true(caller_accepts(r, 3, 0x4ffff000ULL, PG));
	/* Straddling two adjacent ranges: in neither. */
	assert_false(caller_accepts(r, 3, 0x48fff000ULL, 2 * PG));
	assert_false(caller_accepts(r, 3, 0x48000000ULL, 0x02000000ULL));
	/* Over the hole. */
	assert_false(caller_accepts(r, 3, 0x49fff000ULL, 0x02002000ULL));
	assert_false(caller_accepts(r, 3, 0x4a000000ULL, PG));
	assert_false(caller_accepts(r, 3, 0x50000000ULL, PG));
}

/* Against a 128-bit model, on values around every edge. */
static void test_model(void **state)
{
	const uint64_t rb = 0x40000000ULL, rs = 0x100000ULL;
	const uint64_t pts[] = {
		0, PG, rb - PG, rb - 1, rb, rb + 1, rb + PG, rb + rs / 2, rb + rs - PG,
		rb + rs - 1, rb + rs, rb + rs + PG, 1ULL << 63, ~0ULL - PG + 1, ~0ULL,
	};
	const uint64_t sizes[] = {
		0, 1, PG - 1, PG, PG + 1, 2 * PG, rs - PG, rs, rs + PG, rs - rb,
		0ULL - rb, 0ULL - rb - PG, 1ULL << 63, ~0ULL - PG + 1, ~0ULL,
	};
	unsigned int i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(pts); i++) {
		for (j = 0; j < ARRAY_SIZE(sizes); j++) {
			uint64_t b = pts[i], s = sizes[j];
			unsigned __int128 end = (unsigned __int128)b + s;
			int want;

			if (b % PG || s % PG)
				want = TSB_GRANT_E_UNALIGNED;
			else if (!s)
				want = TSB_GRANT_E_EMPTY;
			else if (end >= (unsigned __int128)1 << 64)
				want = TSB_GRANT_E_OVERFLOW;
			else if (b >= rb && end <= (unsigned __int128)rb + rs)
				want = TSB_GRANT_OK;
			else
				want = TSB_GRANT_E_OUTSIDE;
			if (tsb_grant_in_range(b, s, rb, rs, PG) != want)
				fail_msg("0x%llx+0x%llx: %d, model %d", (unsigned long long)b,
					 (unsigned long long)s, tsb_grant_in_range(b, s, rb, rs, PG),
					 want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside),
		cmocka_unit_test(test_outside),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_range_at_top),
		cmocka_unit_test(test_two_ranges),
		cmocka_unit_test(test_model),
	};

	unit_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
