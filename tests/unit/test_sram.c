// SPDX-License-Identifier: BSD-3-Clause
/*
 * The secure heap (firmware/lib/sram.c): allocations stay inside it, aligned
 * and zeroed; one that does not fit fails and takes nothing; only the newest
 * allocation shrinks.
 */
#include <stdint.h>
#include <string.h>
#include <sram.h>
#include "unit.h"

static uint8_t heap[64 * 1024] __attribute__((aligned(4096)));

static int setup(void **state)
{
	(void)state;
	memset(heap, 0xa5, sizeof(heap));
	sram_init((uintptr_t)heap, sizeof(heap));
	return 0;
}

static void assert_inside(const void *p, size_t size)
{
	assert_non_null(p);
	assert_true((const uint8_t *)p >= heap);
	assert_true((const uint8_t *)p + size <= heap + sizeof(heap));
}

static void test_alloc_aligned_zeroed(void **state)
{
	uint8_t *a, *b;
	size_t i;

	(void)state;
	assert_int_equal(sram_size(), sizeof(heap));
	assert_int_equal(sram_used(), 0);
	a = sram_alloc(10, 1);
	assert_inside(a, 10);
	b = sram_alloc(100, 64);
	assert_inside(b, 100);
	assert_int_equal((uintptr_t)b % 64, 0);
	assert_true(b >= a + 10);
	for (i = 0; i < 100; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(sram_used(), (size_t)(b + 100 - heap));
}

static void test_too_big_takes_nothing(void **state)
{
	size_t used;

	(void)state;
	assert_non_null(sram_alloc(1000, 8));
	used = sram_used();
	assert_null(sram_alloc(sizeof(heap), 8));
	assert_null(sram_alloc(SIZE_MAX, 8));
	assert_null(sram_alloc(SIZE_MAX - 4, 4096));	/* the alignment would wrap */
	assert_null(sram_alloc(8, 0));			/* not a power of two */
	assert_null(sram_alloc(8, 24));
	assert_int_equal(sram_used(), used);
	/* exactly the rest fits */
	assert_inside(sram_alloc(sizeof(heap) - used, 1), sizeof(heap) - used);
	assert_int_equal(sram_used(), sizeof(heap));
	assert_null(sram_alloc(1, 1));
	assert_non_null(sram_alloc(0, 1));		/* nothing is always there */
}

static void test_shrink_newest_only(void **state)
{
	uint8_t *a, *b;

	(void)state;
	a = sram_alloc(4096, 8);
	b = sram_alloc(8192, 8);
	assert_non_null(a);
	assert_non_null(b);
	sram_shrink(a, 10);			/* not the newest: no effect */
	assert_int_equal(sram_used(), (size_t)(b + 8192 - heap));
	sram_shrink(b, 100000);			/* growing: no effect */
	assert_int_equal(sram_used(), (size_t)(b + 8192 - heap));
	sram_shrink(b, 100);
	assert_int_equal(sram_used(), (size_t)(b + 100 - heap));
	/* the next allocation follows the shrunk one */
	a = sram_alloc(8, 8);
	assert_ptr_equal(a, b + 104);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_alloc_aligned_zeroed, setup),
		cmocka_unit_test_setup(test_too_big_takes_nothing, setup),
		cmocka_unit_test_setup(test_shrink_newest_only, setup),
	};

	unit_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
