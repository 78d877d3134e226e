// SPDX-License-Identifier: BSD-3-Clause
/*
 * AArch64 EL3: the MMU and caches on, and cache maintenance (Arm ARM D7.5,
 * D8.2; the list of where it is done is in docs/design.md, "MMU and caches").
 */
#include <stdint.h>
#include <arch.h>
#include <xlat.h>
#include "xlat_desc.h"

#define SCTLR_M		(1UL << 0)
#define SCTLR_C		(1UL << 2)
#define SCTLR_SA	(1UL << 3)
#define SCTLR_I		(1UL << 12)
#define SCTLR_WXN	(1UL << 19)

/* T0SZ 25, walks inner/outer write-back and inner shareable, 4 KiB, 40-bit PA. */
#define TCR_EL3_VALUE	((64UL - XLAT_VA_BITS) | 1UL << 8 | 1UL << 10 | 3UL << 12 | \
			 2UL << 16 | 1UL << 23 | 1UL << 31)

void xlat_barrier(void)
{
	__asm__ volatile("dsb ishst" ::: "memory");
}

/* Every line of the data caches of levels [0, @levels) by set/way: DC CISW, or DC ISW. */
static void setway(unsigned int levels, int clean)
{
	uint64_t clidr = read_sysreg(clidr_el1);
	unsigned int level;

	dsb_sy();
	for (level = 0; level < levels; level++) {
		unsigned int ctype = (clidr >> (3 * level)) & 7, ways, sets, lsh, wsh, w, s;
		uint64_t ccsidr;

		if (ctype < 2)
			continue;	/* no data cache at this level */
		write_sysreg(csselr_el1, level << 1);
		isb();
		ccsidr = read_sysreg(ccsidr_el1);
		lsh = (ccsidr & 7) + 4;
		ways = ((ccsidr >> 3) & 0x3ff) + 1;
		sets = ((ccsidr >> 13) & 0x7fff) + 1;
		wsh = ways > 1 ? (unsigned int)__builtin_clz(ways - 1) : 0;
		for (w = 0; w < ways; w++)
			for (s = 0; s < sets; s++) {
				uint64_t v = (uint64_t)w << wsh | (uint64_t)s << lsh | level << 1;

				if (clean)
					__asm__ volatile("dc cisw, %0" : : "r"(v) : "memory");
				else
					__asm__ volatile("dc isw, %0" : : "r"(v) : "memory");
			}
	}
	write_sysreg(csselr_el1, 0);
	dsb_sy();
	isb();
}

void cache_flush_local(int all)
{
	uint64_t clidr = read_sysreg(clidr_el1);

	/* LoC (bits 26:24), or LoUIS (bits 23:21): the levels private to this CPU. */
	setway(all ? (clidr >> 24) & 7 : (clidr >> 21) & 7, 1);
}

void xlat_publish(void)
{
	/* CPUs with their MMU off read memory, not this CPU's caches. */
	arch_dcache_clean_inval((uintptr_t)xlat_root(), xlat_table_bytes());
}

void xlat_enable(int first)
{
	uint64_t sctlr = read_sysreg(sctlr_el3), clidr = read_sysreg(clidr_el1);

	if (sctlr & SCTLR_M)
		return;
	/*
	 * This CPU's caches were off: nothing in them is dirty, but nothing says
	 * they are empty either (not every core invalidates them at reset). The
	 * first CPU invalidates every level; a later one only its own, as the
	 * shared levels may now hold the first one's data.
	 */
	setway(first ? (clidr >> 24) & 7 : (clidr >> 21) & 7, 0);
	__asm__ volatile("ic iallu" ::: "memory");
	write_sysreg(mair_el3, XLAT_MAIR_VALUE);
	write_sysreg(tcr_el3, TCR_EL3_VALUE);
	write_sysreg(ttbr0_el3, (uintptr_t)xlat_root());
	isb();
	__asm__ volatile("tlbi alle3" ::: "memory");
	dsb_ish();
	isb();
	write_sysreg(sctlr_el3, sctlr | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | SCTLR_WXN);
	isb();
}
