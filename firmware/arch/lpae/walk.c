// SPDX-License-Identifier: BSD-3-Clause
/* The long-descriptor walk of a crashed kernel's tables (lpae_walk.h). Plain C. */
#include <stdint.h>
#include "lpae_walk.h"
#include "xlat_desc.h"

int lpae_walk(const struct pc_mem *m, uint64_t table, int level, uint64_t entries, uint64_t va,
	      struct pc_xlat *leaf)
{
	for (; level <= 3; level++, entries = XLAT_ENTRIES) {
		unsigned int shift = XLAT_SHIFT(level);
		uint64_t idx = (va >> shift) & (entries - 1), desc, oa, size;

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
