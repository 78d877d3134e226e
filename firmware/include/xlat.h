/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware's own memory map (its MMU, identity-mapped) and the cache
 * maintenance that goes with it. Implemented by each architecture
 * (arch/<arch>/xlat.c builds the tables, arch/<arch>/cache.c turns them on
 * and maintains the caches); docs/design.md ("MMU and caches") lists where
 * the generic code maintains the caches and why.
 */
#ifndef XLAT_H
#define XLAT_H
#include <stddef.h>
#include <stdint.h>

enum xlat_attr {
	XLAT_CODE,	/* secure, read-only, executable: the firmware in flash */
	XLAT_DATA,	/* secure RAM: read-write, never executed */
	XLAT_DEVICE,	/* device registers, secure view */
	XLAT_NS_RAM,	/* normal-world RAM: cacheable, non-secure */
	XLAT_NS_DMA,	/* normal-world RAM devices read and write: non-cacheable */
	XLAT_NATTR
};

#define XLAT_E_RANGE	-1	/* misaligned, empty, wraps, or past the address space */
#define XLAT_E_CONFLICT	-2	/* part of it is mapped already, differently */
#define XLAT_E_NOMEM	-3	/* out of translation tables */

/*
 * Map [@pa, @pa + @size) at the same address with @attr (4 KiB aligned).
 * Mapping again what is mapped alike is allowed; anything else that
 * overlaps is refused. Safe while the MMU is on: only invalid entries are
 * written.
 */
int xlat_map(uint64_t pa, uint64_t size, enum xlat_attr attr);
/* Bytes of translation tables in use, and the most there may be. */
size_t xlat_table_bytes(void);
size_t xlat_table_capacity(void);

/*
 * This CPU: turn the MMU and the caches on with the shared tables. @first: the
 * first CPU to do so since power-on (it may invalidate the shared caches).
 */
void xlat_enable(int first);
/* Make the tables visible to CPUs whose MMU is still off (before releasing them). */
void xlat_publish(void);

/*
 * (By VA: arch_dcache_clean_inval() and arch_icache_inval_all(), arch.h.)
 *
 * Clean and invalidate this CPU's data caches by set/way: its own levels
 * (@all = 0), or every level to the point of coherency (@all = 1, only with
 * every other CPU out of the normal world).
 */
void cache_flush_local(int all);

#endif
