/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LPAE_WALK_H
#define LPAE_WALK_H

#include <stdint.h>
#include <ns_walk.h>

/*
 * The descriptor walk both architectures' ns_walk.c share: long descriptors,
 * 4 KiB granule, from the table at @table (level @level, @entries entries in
 * it) down to level 3, each descriptor read through pc_mem_read(). A
 * descriptor that is invalid, reserved, a block at level 0, or a block with
 * output address bits below its size fails the walk (-1); a leaf fills
 * @leaf (0). The caller checks the VA range and the root's alignment.
 */
int lpae_walk(const struct pc_mem *m, uint64_t table, int level, uint64_t entries, uint64_t va,
	      struct pc_xlat *leaf);

#endif
