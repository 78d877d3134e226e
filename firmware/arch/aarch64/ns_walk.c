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
#include "lpae_walk.h"
#include "xlat_desc.h"

int arch_ns_translate(const struct pc_mem *m, uint64_t root_pa, unsigned int va_bits,
		      uint64_t va, struct pc_xlat *leaf)
{
	uint64_t table = root_pa;

	if (va_bits != 39 && va_bits != 48)
		return -1;
	/* the kernel half: every bit above va_bits set */
	if ((va >> va_bits) != (~0ULL >> va_bits))
		return -1;
	if (table & (XLAT_ENTRIES * 8 - 1))	/* a table is 4 KiB, aligned */
		return -1;
	return lpae_walk(m, table, va_bits == 48 ? 0 : 1, XLAT_ENTRIES, va, leaf);
}
