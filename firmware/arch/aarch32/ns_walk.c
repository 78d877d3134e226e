// SPDX-License-Identifier: BSD-3-Clause
/*
 * A walk of the crashed ARM LPAE kernel's own translation tables (long
 * descriptors, 4 KiB granule, 32-bit VA: three levels from a 4-entry first
 * level), read from its RAM for the page-data reader (include/ns_walk.h).
 * Nothing in those tables is trusted: each descriptor is read through
 * pc_mem_read() (inside RAM or refused), the walk has three levels, and a
 * descriptor that is invalid, reserved, or a block with output address bits
 * below its size fails the walk.
 */
#include <stdint.h>
#include <ns_walk.h>
#include "lpae_walk.h"

int arch_ns_translate(const struct pc_mem *m, uint64_t root_pa, unsigned int va_bits,
		      uint64_t va, struct pc_xlat *leaf)
{
	uint64_t table = root_pa;

	if (va_bits != 32 || va >> 32)
		return -1;
	if (table & 31)		/* the first level: 4 entries, aligned to its size */
		return -1;
	return lpae_walk(m, table, 1, 4, va, leaf);
}
