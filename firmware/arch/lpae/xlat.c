// SPDX-License-Identifier: BSD-3-Clause
/*
 * The firmware's translation tables in the VMSA long-descriptor format, 4 KiB
 * granule, which AArch64 (VMSAv8-64, 39-bit VA) and AArch32 with LPAE (32-bit
 * VA) share; both walks start at level 1. Identity maps built from a static
 * pool of tables, using the largest block each range allows (1 GiB, 2 MiB,
 * then 4 KiB pages). Plain C, host-tested (tests/unit/test_xlat.c); each
 * architecture's cache.c turns them on.
 */
#include <stdint.h>
#include <string.h>
#include <xlat.h>
#include "xlat_desc.h"

static uint64_t tables[XLAT_TABLES][XLAT_ENTRIES] __attribute__((aligned(4096)));
static unsigned int used = 1;		/* tables[0] is the level-1 table */

/* The block or page descriptor bits (all but the address) for @attr. */
static uint64_t leaf_bits(enum xlat_attr attr)
{
	uint64_t d = XD_AF | XD_AP_RES1;

	switch (attr) {
	case XLAT_CODE:
		return d | XD_ATTR(XLAT_MAIR_WB) | XD_SH_INNER | XD_AP_RO;
	case XLAT_DATA:
		return d | XD_ATTR(XLAT_MAIR_WB) | XD_SH_INNER | XD_XN;
	case XLAT_DEVICE:
		return d | XD_ATTR(XLAT_MAIR_DEVICE) | XD_XN;
	case XLAT_NS_RAM:
		return d | XD_ATTR(XLAT_MAIR_WB) | XD_SH_INNER | XD_XN | XD_NS;
	case XLAT_NS_DMA:
		return d | XD_ATTR(XLAT_MAIR_NC) | XD_SH_OUTER | XD_XN | XD_NS;
	default:
		return 0;
	}
}

static int map_level(uint64_t *table, unsigned int level, uint64_t pa, uint64_t end,
		     uint64_t bits)
{
	unsigned int shift = XLAT_SHIFT(level);
	uint64_t block = 1ULL << shift;

	while (pa < end) {
		uint64_t *e = &table[(pa >> shift) & (XLAT_ENTRIES - 1)];
		uint64_t next = (pa & ~(block - 1)) + block;
		uint64_t stop = next < end ? next : end;
		uint64_t want = (pa & XD_ADDR) | bits | (level == 3 ? XD_PAGE : XD_BLOCK);
		int err;

		if (!(pa & (block - 1)) && stop - pa == block) {
			/* The whole slot: a block (a page at level 3), or what is there. */
			if (!(*e & XD_VALID)) {
				*e = want;
			} else if ((*e & XD_TYPE_MASK) == XD_TABLE && level < 3) {
				err = map_level((uint64_t *)(uintptr_t)(*e & XD_ADDR), level + 1, pa,
						stop, bits);
				if (err)
					return err;
			} else if (*e != want) {
				return XLAT_E_CONFLICT;
			}
		} else {
			uint64_t *sub;

			if (level == 3)
				return XLAT_E_RANGE;
			if (!(*e & XD_VALID)) {
				if (used >= XLAT_TABLES)
					return XLAT_E_NOMEM;
				sub = tables[used++];
				memset(sub, 0, sizeof(tables[0]));
				xlat_barrier();		/* the table is zero before it is linked */
				*e = (uint64_t)(uintptr_t)sub | XD_TABLE;
			} else if ((*e & XD_TYPE_MASK) == XD_TABLE) {
				sub = (uint64_t *)(uintptr_t)(*e & XD_ADDR);
			} else {
				return XLAT_E_CONFLICT;	/* inside a block: no splitting */
			}
			err = map_level(sub, level + 1, pa, stop, bits);
			if (err)
				return err;
		}
		pa = stop;
	}
	return 0;
}

int xlat_map(uint64_t pa, uint64_t size, enum xlat_attr attr)
{
	int err;

	if (attr >= XLAT_NATTR || !size || (pa | size) & 4095 || pa + size < pa ||
	    pa + size > XLAT_VA_SIZE)
		return XLAT_E_RANGE;
	err = map_level(tables[0], 1, pa, pa + size, leaf_bits(attr));
	xlat_barrier();
	return err;
}

void xlat_reset(void)
{
	memset(tables[0], 0, sizeof(tables[0]));
	used = 1;
}

uint64_t *xlat_root(void)
{
	return tables[0];
}

size_t xlat_table_bytes(void)
{
	return used * sizeof(tables[0]);
}

size_t xlat_table_capacity(void)
{
	return sizeof(tables);
}
