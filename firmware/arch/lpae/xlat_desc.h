/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Long-descriptor stage-1 descriptors, 4 KiB granule: VMSAv8-64 of the EL3
 * regime (Arm ARM D8.3) and AArch32 LPAE of the secure PL1 regime the monitor
 * runs in (Arm ARM G5.5: the same bits; AP[1] is the unprivileged-access bit
 * there, which nothing at EL0 can use in the secure world), and the table
 * geometry of arch/lpae/xlat.c. The architecture sets XLAT_VA_BITS in its
 * arch.mk (AArch32: 32, its whole address space); 39 otherwise.
 */
#ifndef XLAT_DESC_H
#define XLAT_DESC_H
#include <stdint.h>

#ifndef XLAT_VA_BITS
#define XLAT_VA_BITS	39			/* T0SZ = 25: the walk starts at level 1 */
#endif
#define XLAT_VA_SIZE	(1ULL << XLAT_VA_BITS)
#define XLAT_ENTRIES	512
#define XLAT_SHIFT(l)	(12 + 9 * (3 - (l)))	/* level 1: 1 GiB, 2: 2 MiB, 3: 4 KiB */
/* Level 1, plus the few tables the platform's map needs (docs/design.md). */
#define XLAT_TABLES	8

#define XD_VALID	(1ULL << 0)
#define XD_TYPE_MASK	3ULL
#define XD_BLOCK	1ULL			/* levels 1 and 2 */
#define XD_TABLE	3ULL			/* levels 1 and 2 */
#define XD_PAGE		3ULL			/* level 3 */
#define XD_ATTR(i)	((uint64_t)(i) << 2)	/* AttrIndx: the MAIR_EL3 field */
#define XD_NS		(1ULL << 5)
#define XD_AP_RES1	(1ULL << 6)		/* AP[1]: RES1 in the EL3 regime */
#define XD_AP_RO	(1ULL << 7)		/* AP[2] */
#define XD_SH_OUTER	(2ULL << 8)
#define XD_SH_INNER	(3ULL << 8)
#define XD_AF		(1ULL << 10)
#define XD_XN		(1ULL << 54)		/* AArch64 EL3: XN; AArch32: XN too */
#define XD_ADDR		0x0000fffffffff000ULL

/* MAIR attribute indices and their encodings (MAIR_EL3; AArch32: MAIR0). */
#define XLAT_MAIR_WB		0		/* Normal, write-back RW-allocate */
#define XLAT_MAIR_DEVICE	1		/* Device-nGnRE */
#define XLAT_MAIR_NC		2		/* Normal, non-cacheable */
#define XLAT_MAIR_VALUE		(0xffULL | 0x04ULL << 8 | 0x44ULL << 16)

/* The level-1 table (for TTBR0_EL3 and the tests). */
uint64_t *xlat_root(void);
/* Forget every mapping (host tests only: the firmware never unmaps). */
void xlat_reset(void);
/* Table writes are seen by the walker before what follows: cache.c (a no-op on the host). */
void xlat_barrier(void);

#endif
