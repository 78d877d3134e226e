// SPDX-License-Identifier: BSD-3-Clause
/*
 * A walk of the crashed Linux kernel's own translation tables (VMSAv8-64
 * stage 1, 4 KiB granule, the upper (TTBR1) half: VA_BITS 39 starts at
 * level 1, 48 at level 0), read from its RAM for the page-data reader
 * (include/ns_walk.h). Nothing in those tables is trusted: each descriptor
 * is read through pc_mem_read() (inside RAM or refused), the number of
 * levels is fixed by VA_BITS, and a descriptor that is invalid, reserved,
 * a block where none may be, or a block with output address bits below its
 * size fails the walk. Plain C, host-tested (tests/unit/test_pageclass.c).
 */
#include <stdint.h>
#include <ns_walk.h>
#include "xlat_desc.h"

int arch_ns_translate(const struct pc_mem *m, uint64_t root_pa, unsigned int va_bits,
		      uint64_t va, struct pc_xlat *leaf)
{
	uint64_t table = root_pa;
	int level;

	if (va_bits != 39 && va_bits != 48)
		return -1;
	/* the kernel half: every bit above va_bits set */
	if ((va >> va_bits) != (~0ULL >> va_bits))
		return -1;
	if (table & (XLAT_ENTRIES * 8 - 1))	/* a table is 4 KiB, aligned */
		return -1;
	for (level = va_bits == 48 ? 0 : 1; level <= 3; level++) {
		unsigned int shift = XLAT_SHIFT(level);
		uint64_t idx = (va >> shift) & (XLAT_ENTRIES - 1), desc, oa, size;

		if (pc_mem_read(m, table + idx * 8, &desc, sizeof(desc)))
			return -1;
		if (!(desc & XD_VALID))
			return -1;
		oa = desc & XD_ADDR;
		if (level < 3 && (desc & XD_TYPE_MASK) == XD_TABLE) {
			table = oa;
			continue;
		}
		/* a leaf: a page at level 3, a block at levels 1 and 2 */
		if (level == 0 || (level == 3 && (desc & XD_TYPE_MASK) != XD_PAGE))
			return -1;
		size = 1ULL << shift;
		if (oa & (size - 1))
			return -1;
		leaf->va = va & ~(size - 1);
		leaf->pa = oa;
		leaf->len = size;
		return 0;
	}
	return -1;	/* not reached: level 3 is always a leaf or a failure */
}
