// SPDX-License-Identifier: BSD-3-Clause
/*
 * ARMv7-A Monitor mode: the MMU and caches on in the secure PL1 translation
 * regime (long descriptors, LPAE), and cache maintenance (Arm ARM B2.2,
 * B4.2.1; the list of where it is done is in docs/design.md, "MMU and
 * caches").
 */
#include <stdint.h>
#include <arch.h>
#include <xlat.h>
#include "xlat_desc.h"

#define SCTLR_M		(1U << 0)
#define SCTLR_C		(1U << 2)
#define SCTLR_I		(1U << 12)
#define SCTLR_WXN	(1U << 19)

/* EAE; TTBR0 covers the 32-bit space (T0SZ 0); walks write-back, inner shareable. */
#define TTBCR_VALUE	(1U << 31 | 3U << 12 | 1U << 10 | 1U << 8)

#define read_ctr()		cp15_read(0, c0, c0, 1)
#define read_clidr()		cp15_read(1, c0, c0, 1)
#define read_ccsidr()		cp15_read(1, c0, c0, 0)
#define write_csselr(v)		cp15_write(2, c0, c0, 0, v)

void xlat_barrier(void)
{
	__asm__ volatile("dsb ishst" ::: "memory");
}

/* Every line of the data caches of levels [0, @levels) by set/way: DCCISW, or DCISW. */
static void setway(unsigned int levels, int clean)
{
	uint32_t clidr = read_clidr();
	unsigned int level;

	dsb_sy();
	for (level = 0; level < levels; level++) {
		unsigned int ctype = (clidr >> (3 * level)) & 7, ways, sets, lsh, wsh, w, s;
		uint32_t ccsidr;

		if (ctype < 2)
			continue;	/* no data cache at this level */
		write_csselr(level << 1);
		isb();
		ccsidr = read_ccsidr();
		lsh = (ccsidr & 7) + 4;
		ways = ((ccsidr >> 3) & 0x3ff) + 1;
		sets = ((ccsidr >> 13) & 0x7fff) + 1;
		wsh = ways > 1 ? (unsigned int)__builtin_clz(ways - 1) : 0;
		for (w = 0; w < ways; w++)
			for (s = 0; s < sets; s++) {
				uint32_t v = (uint32_t)w << wsh | (uint32_t)s << lsh | level << 1;

				if (clean)
					cp15_write(0, c7, c14, 2, v);	/* DCCISW */
				else
					cp15_write(0, c7, c6, 2, v);	/* DCISW */
			}
	}
	write_csselr(0);
	dsb_sy();
	isb();
}

void cache_flush_local(int all)
{
	uint32_t clidr = read_clidr();

	/* LoC (bits 26:24), or LoUIS (bits 23:21): the levels private to this CPU. */
	setway(all ? (clidr >> 24) & 7 : (clidr >> 21) & 7, 1);
}

void arch_dcache_clean_inval(uintptr_t addr, uint64_t size)
{
	uint32_t line = 4U << ((read_ctr() >> 16) & 0xf);
	uint64_t end = (uint64_t)addr + size;
	uint64_t a;

	if (!size)
		return;
	for (a = addr & ~(uintptr_t)(line - 1); a < end; a += line)
		cp15_write(0, c7, c14, 1, (uint32_t)a);		/* DCCIMVAC */
	dsb_sy();
}

void arch_icache_inval_all(void)
{
	cp15_write(0, c7, c1, 0, 0);		/* ICIALLUIS */
	dsb_ish();
	isb();
}

void xlat_publish(void)
{
	/* CPUs with their MMU off read memory, not this CPU's caches. */
	arch_dcache_clean_inval((uintptr_t)xlat_root(), xlat_table_bytes());
}

void xlat_enable(int first)
{
	uint32_t sctlr = cp15_read(0, c1, c0, 0), clidr = read_clidr();

	if (sctlr & SCTLR_M)
		return;
	/*
	 * This CPU's caches were off: nothing in them is dirty, but nothing says
	 * they are empty either. The first CPU invalidates every level; a later
	 * one only its own, as the shared levels may now hold the first one's data.
	 */
	setway(first ? (clidr >> 24) & 7 : (clidr >> 21) & 7, 0);
	cp15_write(0, c7, c5, 0, 0);				/* ICIALLU */
	cp15_write(0, c10, c2, 0, (uint32_t)XLAT_MAIR_VALUE);	/* MAIR0 */
	cp15_write(0, c10, c2, 1, (uint32_t)(XLAT_MAIR_VALUE >> 32));
	cp15_write(0, c2, c0, 2, TTBCR_VALUE);
	cp15_write64(0, c2, (uintptr_t)xlat_root());		/* TTBR0 */
	isb();
	cp15_write(0, c8, c7, 0, 0);				/* TLBIALL */
	dsb_ish();
	isb();
	cp15_write(0, c1, c0, 0, sctlr | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_WXN);
	isb();
}
