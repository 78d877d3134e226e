// SPDX-License-Identifier: BSD-3-Clause
/*
 * The EL3 translation tables (firmware/arch/aarch64/xlat.c): a walk of the
 * tables finds every address of the firmware's map with the attributes it
 * was mapped with, the largest blocks are used, nothing else is mapped, and
 * overlapping, misaligned or too many mappings are refused.
 */
#include <stdint.h>
#include <string.h>
#include <xlat.h>
#include "xlat_desc.h"
#include "unit.h"

#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)

void xlat_barrier(void)
{
}

struct walk {
	int level;		/* of the leaf; 0: not mapped */
	uint64_t desc;
};

static struct walk walk(uint64_t va)
{
	const uint64_t *t = xlat_root();
	struct walk w = { 0, 0 };
	int level;

	for (level = 1; level <= 3; level++) {
		uint64_t e = t[(va >> XLAT_SHIFT(level)) & (XLAT_ENTRIES - 1)];

		if (!(e & XD_VALID))
			return w;
		if (level < 3 && (e & XD_TYPE_MASK) == XD_TABLE) {
			t = (const uint64_t *)(uintptr_t)(e & XD_ADDR);
			continue;
		}
		if (level == 3 && (e & XD_TYPE_MASK) != XD_PAGE)
			fail_msg("0x%llx: a block descriptor at level 3", (unsigned long long)va);
		/* identity: the output address is the input's, to the block's size */
		assert_int_equal(e & XD_ADDR & ~((1ULL << XLAT_SHIFT(level)) - 1),
				 va & ~((1ULL << XLAT_SHIFT(level)) - 1) & XD_ADDR);
		w.level = level;
		w.desc = e;
		return w;
	}
	return w;
}

static void assert_attr(uint64_t va, enum xlat_attr attr, int level)
{
	struct walk w = walk(va);
	uint64_t d = w.desc;
	unsigned int idx = (unsigned int)(d >> 2) & 7;

	if (!w.level)
		fail_msg("0x%llx not mapped", (unsigned long long)va);
	if (level)
		assert_int_equal(w.level, level);
	assert_true(d & XD_AF);
	assert_true(d & XD_AP_RES1);
	switch (attr) {
	case XLAT_CODE:
		assert_int_equal(idx, XLAT_MAIR_WB);
		assert_true(d & XD_AP_RO);
		assert_false(d & (XD_XN | XD_NS));
		break;
	case XLAT_DATA:
		assert_int_equal(idx, XLAT_MAIR_WB);
		assert_false(d & (XD_AP_RO | XD_NS));
		assert_true(d & XD_XN);
		break;
	case XLAT_DEVICE:
		assert_int_equal(idx, XLAT_MAIR_DEVICE);
		assert_false(d & (XD_AP_RO | XD_NS));
		assert_true(d & XD_XN);
		break;
	case XLAT_NS_RAM:
		assert_int_equal(idx, XLAT_MAIR_WB);
		assert_true(d & XD_NS && d & XD_XN);
		assert_false(d & XD_AP_RO);
		break;
	case XLAT_NS_DMA:
		assert_int_equal(idx, XLAT_MAIR_NC);
		assert_true(d & XD_NS && d & XD_XN);
		break;
	default:
		fail();
	}
}

static void assert_unmapped(uint64_t va)
{
	if (walk(va).level)
		fail_msg("0x%llx mapped", (unsigned long long)va);
}

/* As plat/qemu_virt and main.c map it: fixed, then RAM with the scratch area on top. */
static void map_qemu(uint64_t ram)
{
	uint64_t scratch = 0x40000000ULL + ram - 2 * MiB;

	xlat_reset();
	assert_int_equal(xlat_map(0, 64 * MiB, XLAT_CODE), 0);
	assert_int_equal(xlat_map(0x08000000, 0x0a200000 - 0x08000000, XLAT_DEVICE), 0);
	assert_int_equal(xlat_map(0x0e000000, 16 * MiB, XLAT_DATA), 0);
	assert_int_equal(xlat_map(0x40000000, 2 * MiB, XLAT_NS_RAM), 0);
	assert_int_equal(xlat_map(0x40000000, scratch - 0x40000000, XLAT_NS_RAM), 0);
	assert_int_equal(xlat_map(scratch, 2 * MiB, XLAT_NS_DMA), 0);
}

static int setup(void **state)
{
	(void)state;
	xlat_reset();
	return 0;
}

static void test_qemu_map(void **state)
{
	static const uint64_t sizes[] = { 1024, 8192, 16384, 129, 1025 };
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint64_t ram = sizes[i] * MiB, end = 0x40000000ULL + ram, scratch = end - 2 * MiB;

		map_qemu(ram);
		assert_attr(0, XLAT_CODE, 2);
		assert_attr(64 * MiB - 4096, XLAT_CODE, 2);
		assert_unmapped(64 * MiB);
		assert_attr(0x08000000, XLAT_DEVICE, 2);	/* GICD */
		assert_attr(0x09040000, XLAT_DEVICE, 2);	/* secure UART */
		assert_attr(0x0a000000 + 31 * 0x200, XLAT_DEVICE, 2);	/* the dump disk */
		assert_unmapped(0x0a200000);
		assert_attr(0x0e000000, XLAT_DATA, 2);
		assert_attr(0x0effffff & ~4095ULL, XLAT_DATA, 2);
		assert_unmapped(0x0f000000);
		assert_unmapped(0x3ffff000);
		assert_attr(0x40000000, XLAT_NS_RAM, 0);
		assert_attr(scratch - 4096, XLAT_NS_RAM, 0);
		assert_attr(scratch, XLAT_NS_DMA, 0);
		assert_attr(end - 4096, XLAT_NS_DMA, 0);
		assert_unmapped(end);
		if (sizes[i] >= 8192) {
			assert_attr(2 * GiB, XLAT_NS_RAM, 1);	/* whole GiBs are 1 GiB blocks */
			assert_attr(0x40000000ULL + 4 * GiB + 12345 * 4096, XLAT_NS_RAM, 1);
		}
		/*
		 * Few tables: level 1, the first GiB, RAM's first and last GiB, and
		 * at an odd end a page table on each side of a GiB boundary.
		 */
		assert_true(xlat_table_bytes() <= 6 * 4096);
	}
	/* 2 MiB blocks where whole, pages only at an odd end */
	map_qemu(1025 * MiB);				/* scratch at 0x7ff00000 */
	assert_attr(0x40000000ULL + 1020 * MiB, XLAT_NS_RAM, 2);
	assert_attr(0x7ff00000 - 4096, XLAT_NS_RAM, 3);
	assert_attr(0x7ff00000, XLAT_NS_DMA, 3);
	assert_attr(0x80000000, XLAT_NS_DMA, 3);
}

static void test_refusals(void **state)
{
	(void)state;
	assert_int_equal(xlat_map(0, 0, XLAT_DATA), XLAT_E_RANGE);
	assert_int_equal(xlat_map(100, 4096, XLAT_DATA), XLAT_E_RANGE);
	assert_int_equal(xlat_map(0, 4095, XLAT_DATA), XLAT_E_RANGE);
	assert_int_equal(xlat_map(~0ULL & ~4095ULL, 8192, XLAT_DATA), XLAT_E_RANGE);
	assert_int_equal(xlat_map(XLAT_VA_SIZE - 4096, 8192, XLAT_DATA), XLAT_E_RANGE);
	assert_int_equal(xlat_map(0, 4096, XLAT_NATTR), XLAT_E_RANGE);
	assert_int_equal(xlat_table_bytes(), 4096);	/* nothing was taken */

	/* the same again is fine; different attributes are not, nor inside a block */
	assert_int_equal(xlat_map(GiB, GiB, XLAT_NS_RAM), 0);
	assert_int_equal(xlat_map(GiB, GiB, XLAT_NS_RAM), 0);
	assert_int_equal(xlat_map(GiB, GiB, XLAT_NS_DMA), XLAT_E_CONFLICT);
	assert_int_equal(xlat_map(GiB + 2 * MiB, 4096, XLAT_NS_RAM), XLAT_E_CONFLICT);
	assert_int_equal(xlat_map(GiB - 4096, 8192, XLAT_NS_RAM), XLAT_E_CONFLICT);
	assert_attr(GiB, XLAT_NS_RAM, 1);
	/* pages first, then a bigger range over them with the same attributes */
	assert_int_equal(xlat_map(4 * GiB + 4096, 4096, XLAT_DATA), 0);
	assert_int_equal(xlat_map(4 * GiB, GiB, XLAT_DATA), 0);
	assert_attr(4 * GiB, XLAT_DATA, 3);
	assert_attr(4 * GiB + 2 * MiB, XLAT_DATA, 2);
	assert_attr(5 * GiB - 4096, XLAT_DATA, 2);

	/* the pool runs out: refused, not overrun */
	xlat_reset();
	for (uint64_t g = 0;; g++) {
		int err = xlat_map(g * GiB, 4096, XLAT_DATA);

		if (err) {
			assert_int_equal(err, XLAT_E_NOMEM);
			break;
		}
		assert_true(g < 64);
	}
	assert_int_equal(xlat_table_bytes(), xlat_table_capacity());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_qemu_map, setup),
		cmocka_unit_test_setup(test_refusals, setup),
	};

	unit_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
