// SPDX-License-Identifier: BSD-3-Clause
/*
 * The boot window layout and the arm64 Image header (boot/layout.c).
 */
#include <stdint.h>
#include <string.h>
#include <boot.h>
#include "unit.h"

#define SZ_1M		0x100000ULL
#define SZ_2M		0x200000ULL
#define RAM_BASE	0x40000000ULL
#define RAM_SIZE	0x40000000ULL
#define WINDOW		(64 * SZ_1M)

/* The arm64 layout of an image of @image bytes at 2 MiB (text_offset 0). */
static int plan(uint64_t base, uint64_t size, uint64_t window, uint64_t image, uint64_t initrd,
		struct boot_layout *l)
{
	struct boot_image img = { .place = SZ_2M, .size = image, .name = "test" };

	return boot_plan_layout(base, size, window, &img, initrd, l);
}

/* The arm64 Image header's text_offset and image_size, as boot_image_info() reads them. */
static int image_info(const void *h, uint64_t len, uint64_t *to, uint64_t *sz)
{
	struct boot_image img;
	int err = boot_image_info(h, len, &img);

	if (!err) {
		assert_false(img.dtb_after);
		assert_int_equal(img.can, BOOT_CAN_HOTPLUG | BOOT_CAN_LOW_RAM);
		assert_true(img.place >= SZ_2M);
		*to = img.place - SZ_2M;
		*sz = img.size;
	}
	return err;
}

static uint64_t align2m(uint64_t v)
{
	return (v + SZ_2M - 1) & ~(SZ_2M - 1);
}

static void assert_layout(const struct boot_layout *l, uint64_t image, uint64_t initrd,
			  uint64_t window)
{
	assert_int_equal(l->dtb, RAM_BASE + SZ_1M);
	assert_int_equal(l->kernel, RAM_BASE + SZ_2M);
	assert_int_equal(l->kernel_end, RAM_BASE + SZ_2M + image);
	assert_int_equal(l->initrd, align2m(l->kernel_end));
	assert_int_equal(l->initrd % SZ_2M, 0);
	assert_true(l->initrd >= l->kernel_end);
	assert_true(l->initrd - l->kernel_end < SZ_2M);
	assert_int_equal(l->initrd_end, l->initrd + initrd);
	assert_int_equal(l->window_end, RAM_BASE + window);
	assert_true(l->initrd_end <= l->window_end);
}

static void test_layout(void **state)
{
	static const uint64_t images[] = {
		1, 0x1234567, SZ_2M - 1, SZ_2M, SZ_2M + 1, 30 * SZ_1M,
	};
	static const uint64_t initrds[] = { 0, 1, 5 * SZ_1M + 3, SZ_2M };
	struct boot_layout l;
	unsigned int i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(images); i++) {
		for (j = 0; j < ARRAY_SIZE(initrds); j++) {
			memset(&l, 0xa5, sizeof(l));
			assert_int_equal(plan(RAM_BASE, RAM_SIZE, WINDOW, images[i],
							  initrds[j], &l), 0);
			assert_layout(&l, images[i], initrds[j], WINDOW);
		}
	}
	/* A concrete case, by hand. */
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, WINDOW, 0x1234567,
					  0x500000, &l), 0);
	assert_int_equal(l.dtb, 0x40100000ULL);
	assert_int_equal(l.kernel, 0x40200000ULL);
	assert_int_equal(l.kernel_end, 0x41434567ULL);
	assert_int_equal(l.initrd, 0x41600000ULL);
	assert_int_equal(l.initrd_end, 0x41b00000ULL);
	assert_int_equal(l.window_end, 0x44000000ULL);
}

static void test_fits_exactly(void **state)
{
	struct boot_layout l;
	uint64_t image = 20 * SZ_1M, initrd;

	(void)state;
	/* kernel at +2 MiB, 20 MiB: initrd at +22 MiB, up to the window end. */
	initrd = WINDOW - 22 * SZ_1M;
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, WINDOW, image, initrd, &l), 0);
	assert_int_equal(l.initrd_end, l.window_end);
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, WINDOW, image, initrd + 1, &l),
			 BOOT_E_NOFIT);
	/* Alignment counts: one more kernel byte moves the initrd 2 MiB up. */
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, WINDOW, image + 1, initrd, &l),
			 BOOT_E_NOFIT);
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, WINDOW, image + 1,
					  initrd - SZ_2M, &l), 0);
	/* The whole of RAM as the window. */
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, RAM_SIZE, image,
					  RAM_SIZE - 22 * SZ_1M, &l), 0);
	assert_int_equal(l.initrd_end, RAM_BASE + RAM_SIZE);
}

static void test_no_fit(void **state)
{
	struct boot_layout l;

	(void)state;
	/* Kernel alone too big. */
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, WINDOW, WINDOW, 0, &l),
			 BOOT_E_NOFIT);
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, WINDOW, WINDOW - SZ_2M + 1, 0, &l),
			 BOOT_E_NOFIT);
	/* Initramfs too big. */
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, WINDOW, SZ_1M, WINDOW, &l),
			 BOOT_E_NOFIT);
	/* Sizes so large the sums wrap around. */
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, WINDOW, ~0ULL, 0, &l),
			 BOOT_E_NOFIT);
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, WINDOW, SZ_1M, ~0ULL, &l),
			 BOOT_E_NOFIT);
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, WINDOW, SZ_1M,
					  ~0ULL - RAM_BASE - 4 * SZ_1M + 1, &l), BOOT_E_NOFIT);
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, WINDOW, ~0ULL - RAM_BASE,
					  SZ_1M, &l), BOOT_E_NOFIT);
	/* The window must fit RAM, and hold at least DTB + kernel offset. */
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, RAM_SIZE + 1, SZ_1M, 0, &l),
			 BOOT_E_NOFIT);
	assert_int_equal(plan(RAM_BASE, 32 * SZ_1M, WINDOW, SZ_1M, 0, &l),
			 BOOT_E_NOFIT);
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, SZ_2M - 1, 0, 0, &l),
			 BOOT_E_NOFIT);
	assert_int_equal(plan(RAM_BASE, RAM_SIZE, 0, 0, 0, &l), BOOT_E_NOFIT);
	assert_int_equal(plan(RAM_BASE, 0, WINDOW, SZ_1M, 0, &l), BOOT_E_NOFIT);
}

/* ---- arm64 Image header ------------------------------------------------ */

static void put_le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A 64-byte arm64 Image header in an exactly sized heap block. */
static uint8_t *image_hdr(size_t len, uint64_t text_offset, uint64_t image_size)
{
	uint8_t *h = calloc(1, len < 64 ? 64 : len);

	assert_non_null(h);
	h[0] = 0x4d;	/* "MZ" */
	h[1] = 0x5a;
	put_le64(h + 8, text_offset);
	put_le64(h + 16, image_size);
	put_le64(h + 24, 0xa);	/* flags: LE, 4K pages */
	memcpy(h + 56, "ARM\x64", 4);
	if (len < 64) {
		uint8_t *s = malloc(len ? len : 1);

		assert_non_null(s);
		memcpy(s, h, len);
		free(h);
		h = s;
	}
	return h;
}

static void test_image_info(void **state)
{
	uint64_t to = 0x5a5a, sz = 0x5a5a;
	uint8_t *h;

	(void)state;
	h = image_hdr(64, 0, 0x2a10000);
	assert_int_equal(image_info(h, 64, &to, &sz), 0);
	assert_int_equal(to, 0);
	assert_int_equal(sz, 0x2a10000);
	free(h);

	h = image_hdr(4096, 0x80000, 0x1234567);
	assert_int_equal(image_info(h, 4096, &to, &sz), 0);
	assert_int_equal(to, 0x80000);
	assert_int_equal(sz, 0x1234567);
	free(h);
}

static void test_image_info_rejects(void **state)
{
	static const size_t magic_off[] = { 56, 57, 58, 59 };
	uint64_t to = 0x5a5a, sz = 0x6b6b;
	unsigned int i;
	uint8_t *h;

	(void)state;
	/* Short input: exactly sized blocks, ASan sees any read beyond. */
	for (i = 0; i < 64; i += 9) {
		h = image_hdr(i, 0, SZ_1M);
		assert_int_equal(image_info(h, i, &to, &sz), BOOT_E_IMAGE);
		free(h);
	}
	h = image_hdr(63, 0, SZ_1M);
	assert_int_equal(image_info(h, 63, &to, &sz), BOOT_E_IMAGE);
	free(h);

	/* Bad magic, one byte at a time. */
	for (i = 0; i < ARRAY_SIZE(magic_off); i++) {
		h = image_hdr(64, 0, SZ_1M);
		h[magic_off[i]] ^= 0x20;
		assert_int_equal(image_info(h, 64, &to, &sz), BOOT_E_IMAGE);
		free(h);
	}
	/* The magic of a 32-bit zImage is not it either. */
	h = image_hdr(64, 0, SZ_1M);
	memset(h + 56, 0, 4);
	put_le64(h + 36, 0x016f2818);
	assert_int_equal(image_info(h, 64, &to, &sz), BOOT_E_IMAGE);
	free(h);

	/* Zero or absurd image_size, text_offset of 2 MiB or more. */
	h = image_hdr(64, 0, 0);
	assert_int_equal(image_info(h, 64, &to, &sz), BOOT_E_IMAGE);
	free(h);
	h = image_hdr(64, 0, (1ULL << 31) + 1);
	assert_int_equal(image_info(h, 64, &to, &sz), BOOT_E_IMAGE);
	free(h);
	h = image_hdr(64, 0, ~0ULL);
	assert_int_equal(image_info(h, 64, &to, &sz), BOOT_E_IMAGE);
	free(h);
	h = image_hdr(64, SZ_2M, SZ_1M);
	assert_int_equal(image_info(h, 64, &to, &sz), BOOT_E_IMAGE);
	free(h);
	/* Outputs untouched on error. */
	assert_int_equal(to, 0x5a5a);
	assert_int_equal(sz, 0x6b6b);

	/* The largest accepted values. */
	h = image_hdr(64, SZ_2M - 1, 1ULL << 31);
	assert_int_equal(image_info(h, 64, &to, &sz), 0);
	assert_int_equal(to, SZ_2M - 1);
	assert_int_equal(sz, 1ULL << 31);
	free(h);
}

/* The smallest window: derived from the memory map, growing with RAM by its struct pages. */
static void test_window_min(void **state)
{
	const uint64_t M = 1ULL << 20, G = 1ULL << 30, base = 0x40000000ULL;
	uint64_t one = boot_window_min(base + G, G, 5400000, 5270528, 0);

	(void)state;
	/* 2 MiB low area + 6 MiB image + 2 x 6 MiB initramfs + 16 + 4 MiB tables + 16 slack */
	assert_int_equal(one, 56 * M);
	/* 6 GiB: 96 MiB of struct pages alone, and RAM above 4 GiB needs the SWIOTLB. */
	assert_int_equal(boot_window_min(base + 6 * G, 6 * G, 5400000, 5270528, 0),
			 (2 + 6 + 12 + 96 + 24 + 64 + 16) * M);
	/* The SWIOTLB term follows where RAM ends, not its size. */
	assert_int_equal(boot_window_min(2 * G, G, 5400000, 5270528, 0), one);
	assert_int_equal(boot_window_min(5 * G, G, 5400000, 5270528, 0), one + 64 * M);
	/* No initramfs: just the image, the tables and the slack. */
	assert_int_equal(boot_window_min(base + G, G, 2 * M, 0, 0), (2 + 2 + 20 + 16) * M);
}

/*
 * With hot-add the restarted kernel's own struct pages are those of the few
 * blocks it boots with (2 MiB per 128 MiB block) plus the first it adds; the
 * tables are still sized for all of RAM.
 */
static void test_window_min_hotplug(void **state)
{
	const uint64_t M = 1ULL << 20, G = 1ULL << 30, base = 0x40000000ULL, B = 128 * M;

	(void)state;
	/* 1 GiB: 2 + 6 + 12 + 4 tables + 16 slack, and 4 blocks' 8 MiB of struct pages. */
	assert_int_equal(boot_window_min(base + G, G, 5400000, 5270528, B), 48 * M);
	/* 6 GiB: 124 MiB fixed; two 136 MiB windows span 3 blocks, + 3: 12 MiB (220 without). */
	assert_int_equal(boot_window_min(base + 6 * G, 6 * G, 5400000, 5270528, B), 136 * M);
	/* 8 and 16 GiB: the tables and the SWIOTLB grow, the struct pages hardly. */
	assert_int_equal(boot_window_min(base + 8 * G, 8 * G, 5400000, 5270528, B), 144 * M);
	assert_int_equal(boot_window_min(base + 16 * G, 16 * G, 5400000, 5270528, B), 176 * M);
	/* Never more than without hot-add (a machine of a few blocks). */
	assert_int_equal(boot_window_min(base + 256 * M, 256 * M, 5400000, 5270528, B),
			 boot_window_min(base + 256 * M, 256 * M, 5400000, 5270528, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_min),
		cmocka_unit_test(test_window_min_hotplug),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_fits_exactly),
		cmocka_unit_test(test_no_fit),
		cmocka_unit_test(test_image_info),
		cmocka_unit_test(test_image_info_rejects),
	};

	unit_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
