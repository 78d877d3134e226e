// SPDX-License-Identifier: BSD-3-Clause
/*
 * tsb_sum64(), the dump format's checksum (include/tsubaki/dump_format.h).
 * Host tools and the firmware must agree on it bit for bit.
 */
#include <stdint.h>
#include <string.h>
#include <tsubaki/dump_format.h>
#include "unit.h"

/*
 * Known answers, computed once with this independent Python model of the
 * format's definition (docs/dump-format.md) and pinned here:
 *
 *   def sum64(h, data):
 *       M = (1 << 64) - 1
 *       h ^= 0x9e3779b97f4a7c15 ^ len(data)
 *       for i in range(0, len(data) // 8 * 8, 8):
 *           h ^= int.from_bytes(data[i:i + 8], 'little')
 *           h = (h * 0x100000001b3) & M
 *           h ^= h >> 29
 *       return h
 */
static void test_known_answers(void **state)
{
	static const uint8_t seq32[32] __attribute__((aligned(8))) = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
	};
	static const uint8_t name[8] __attribute__((aligned(8))) = "TSBKDUMP";
	static uint64_t page[512];
	uint64_t z = 0, ff[2] = { ~0ULL, ~0ULL };
	unsigned int i;

	(void)state;
	for (i = 0; i < 4096; i++)
		((uint8_t *)page)[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(tsb_sum64(0, NULL, 0), 0x9e3779b97f4a7c15ULL);
	assert_int_equal(tsb_sum64(0, &z, 8), 0x22bff3325e6f7cddULL);
	assert_int_equal(tsb_sum64(0, name, 8), 0xe1c9bb3867a580f0ULL);
	assert_int_equal(tsb_sum64(0, seq32, 32), 0xe03ae7a2546ec290ULL);
	assert_int_equal(tsb_sum64(0, page, 4096), 0xe953f12492629a1aULL);
	assert_int_equal(tsb_sum64(0xdeadbeef, ff, 16), 0x653c901dcd20ed1aULL);
}

/* Every single-byte change anywhere in a 4 KiB block changes the sum. */
static void test_byte_flips(void **state)
{
	static const uint8_t flips[] = { 0x01, 0x80, 0xff, 0x5a, 0x10 };
	static uint64_t buf[512];
	uint8_t *b = (uint8_t *)buf;
	uint64_t base_sum[2], s;
	unsigned int fill, pos, f;

	(void)state;
	for (fill = 0; fill < 2; fill++) {
		/* All zero, then a non-trivial pattern. */
		for (pos = 0; pos < sizeof(buf); pos++)
			b[pos] = fill ? (uint8_t)(pos * 131 + (pos >> 8)) : 0;
		base_sum[fill] = tsb_sum64(0, buf, sizeof(buf));
		for (pos = 0; pos < sizeof(buf); pos++) {
			for (f = 0; f < ARRAY_SIZE(flips); f++) {
				b[pos] ^= flips[f];
				s = tsb_sum64(0, buf, sizeof(buf));
				b[pos] ^= flips[f];
				if (s == base_sum[fill])
					fail_msg("fill %u: flipping 0x%02x at byte %u keeps the sum",
						 fill, flips[f], pos);
			}
		}
		/* Restored: same sum again. */
		assert_int_equal(tsb_sum64(0, buf, sizeof(buf)), base_sum[fill]);
	}
	assert_int_not_equal(base_sum[0], base_sum[1]);
}

/* The seed matters, and the order of words does. */
static void test_seed_and_order(void **state)
{
	uint64_t w[2] = { 1, 2 }, r[2] = { 2, 1 };

	(void)state;
	assert_int_not_equal(tsb_sum64(0, w, 16), tsb_sum64(1, w, 16));
	assert_int_not_equal(tsb_sum64(0, w, 16), tsb_sum64(0, r, 16));
	/* Chaining is not the same as one pass (the length is mixed in each time). */
	assert_int_not_equal(tsb_sum64(tsb_sum64(0, w, 8), w + 1, 8), tsb_sum64(0, w, 16));
}

/* The length is mixed in: all-zero buffers of different lengths differ. */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_length_mixed_in(void **state)
{
	static uint64_t zero[4096 / 8 + 1];
	static uint64_t sums[4096 / 8 + 1];
	unsigned int n, i;

	(void)state;
	for (n = 0; n <= 4096 / 8; n++)
		sums[n] = tsb_sum64(0, zero, n * 8);
	qsort(sums, ARRAY_SIZE(sums), sizeof(sums[0]), cmp_u64);
	for (i = 1; i < ARRAY_SIZE(sums); i++)
		if (sums[i] == sums[i - 1])
			fail_msg("two zero buffers of different lengths share sum 0x%llx",
				 (unsigned long long)sums[i]);
	/* Also across the seed: (seed, len) pairs that XOR alike still differ. */
	assert_int_not_equal(tsb_sum64(8, zero, 0), tsb_sum64(0, zero, 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_byte_flips),
		cmocka_unit_test(test_seed_and_order),
		cmocka_unit_test(test_length_mixed_in),
	};

	unit_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
