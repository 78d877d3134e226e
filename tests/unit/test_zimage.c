// SPDX-License-Identifier: BSD-3-Clause
/*
 * The ARM zImage header (arch/aarch32/image.c) and the layout of a window it
 * boots from (boot/layout.c): the DTB above the kernel, the decompressed
 * kernel's room below it. The real zImage is booted by the ARM system tests.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <boot.h>
#include "unit.h"

#define SZ_1M		0x100000ULL
#define SZ_2M		0x200000ULL
#define RAM_BASE	0x40000000ULL
#define RAM_SIZE	0x40000000ULL

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A zImage of @size bytes with a KLSZ table saying @inflated + @bss, or none. */
static uint8_t *zimage(uint32_t size, int table, uint32_t inflated, uint32_t bss)
{
	uint8_t *z = calloc(1, size);

	assert_non_null(z);
	put32(z + 0x24, 0x016f2818);
	put32(z + 0x28, 0);
	put32(z + 0x2c, size);
	put32(z + 0x30, 0x04030201);
	if (table) {
		put32(z + 0x34, 0x45454545);
		put32(z + 0x38, 0x100);
		put32(z + 0x100, 6);
		put32(z + 0x104, 0x5a534c4b);
		put32(z + 0x108, size - 4);
		put32(z + 0x10c, bss);
		put32(z + size - 4, inflated);
	}
	return z;
}

static void test_zimage_with_table(void **state)
{
	struct boot_image img;
	uint8_t *z = zimage(0x200000, 1, 4518992, 246056);

	(void)state;
	assert_int_equal(boot_image_info(z, 0x200000, &img), 0);
	assert_int_equal(img.size, 0x200000);
	assert_int_equal(img.run, 0x8000);
	assert_int_equal(img.run_size, 4518992 + 246056);
	assert_true(img.dtb_after);
	/* 32-bit ARM Linux: no memory hot-add, no RAM below its PHYS_OFFSET. */
	assert_int_equal(img.can, 0);
	/* At 32 MiB, above the decompressed kernel with room to spare. */
	assert_int_equal(img.place, 32 * SZ_1M);
	assert_true(img.place >= img.run + img.run_size + SZ_2M);
	free(z);
}

static void test_zimage_large_kernel_moves_up(void **state)
{
	struct boot_image img;
	uint8_t *z = zimage(0x400000, 1, 40 << 20, 1 << 20);

	(void)state;
	assert_int_equal(boot_image_info(z, 0x400000, &img), 0);
	assert_int_equal(img.place % SZ_2M, 0);
	assert_true(img.place >= img.run + img.run_size + SZ_2M);
	free(z);
}

static void test_zimage_without_table(void **state)
{
	struct boot_image img;
	uint8_t *z = zimage(0x100000, 0, 0, 0);

	(void)state;
	assert_int_equal(boot_image_info(z, 0x100000, &img), 0);
	assert_int_equal(img.run_size, 4 * 0x100000);	/* the estimate */
	free(z);
}

static void test_zimage_bad(void **state)
{
	struct boot_image img;
	uint8_t *z = zimage(0x1000, 1, 1000, 0);

	(void)state;
	assert_int_equal(boot_image_info(z, 0x2f, &img), BOOT_E_IMAGE);	/* short */
	assert_int_equal(boot_image_info(z, 0xfff, &img), BOOT_E_IMAGE);	/* end past len */
	put32(z + 0x24, 0x016f2819);
	assert_int_equal(boot_image_info(z, 0x1000, &img), BOOT_E_IMAGE);	/* magic */
	put32(z + 0x24, 0x016f2818);
	put32(z + 0x2c, 0);
	assert_int_equal(boot_image_info(z, 0x1000, &img), BOOT_E_IMAGE);	/* end <= start */
	put32(z + 0x2c, 0x1000);
	/* A table pointing out of the image falls back to the estimate, never reads past it. */
	put32(z + 0x38, 0xfffffff0);
	assert_int_equal(boot_image_info(z, 0x1000, &img), 0);
	assert_int_equal(img.run_size, 4 * 0x1000);
	put32(z + 0x38, 0x100);
	put32(z + 0x108, 0xffff);
	assert_int_equal(boot_image_info(z, 0x1000, &img), 0);
	assert_int_equal(img.run_size, 4 * 0x1000);
	put32(z + 0x100, 0x7fffffff);	/* a table longer than the image */
	assert_int_equal(boot_image_info(z, 0x1000, &img), 0);
	assert_int_equal(img.run_size, 4 * 0x1000);
	/* An arm64 Image is not a zImage. */
	memset(z, 0, 0x1000);
	memcpy(z + 56, "ARM\x64", 4);
	assert_int_equal(boot_image_info(z, 0x1000, &img), BOOT_E_IMAGE);
	free(z);
}

/* The window: kernel at its place, DTB above it, initrd above the DTB, all inside. */
static void test_zimage_layout(void **state)
{
	struct boot_image img;
	struct boot_layout l;
	uint8_t *z = zimage(0x200000, 1, 4518992, 246056);

	(void)state;
	assert_int_equal(boot_image_info(z, 0x200000, &img), 0);
	assert_int_equal(boot_plan_layout(RAM_BASE, RAM_SIZE, 64 * SZ_1M, &img, 5 * SZ_1M, &l), 0);
	assert_int_equal(l.kernel, RAM_BASE + img.place);
	assert_int_equal(l.kernel_end, l.kernel + img.size);
	assert_true(l.dtb >= l.kernel_end);
	assert_int_equal(l.dtb % SZ_2M, 0);
	assert_true(l.initrd >= l.dtb + SZ_1M);
	assert_int_equal(l.initrd_end, l.initrd + 5 * SZ_1M);
	assert_true(l.initrd_end <= l.window_end);
	/* The decompressed kernel (from +0x8000) stays below the zImage. */
	assert_true(RAM_BASE + img.run + img.run_size <= l.kernel);
	/* The window's minimum counts the DTB above the kernel. */
	assert_int_equal(boot_image_span(&img), img.place + SZ_2M + 2 * SZ_1M - SZ_2M);
	/* Too small a window. */
	assert_int_equal(boot_plan_layout(RAM_BASE, RAM_SIZE, 34 * SZ_1M, &img, 5 * SZ_1M, &l),
			 BOOT_E_NOFIT);
	free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zimage_with_table),
		cmocka_unit_test(test_zimage_large_kernel_moves_up),
		cmocka_unit_test(test_zimage_without_table),
		cmocka_unit_test(test_zimage_bad),
		cmocka_unit_test(test_zimage_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
