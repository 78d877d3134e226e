/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memory pattern written by userland/memfill and checked in a dump by
 * tests/tools/memcheck (and tests/tools/mkfakedump.py, which must stay in sync).
 *
 * Word @i (0..511) of the 4 KiB page in physical frame @pfn holds
 * tsb_pattern(nonce, pfn, i): one splitmix64 step whose state is
 * nonce ^ (pfn * 512 + i). The map is a bijection of that state, so every
 * word of every frame is distinct for a given nonce, and a page copied to the
 * wrong place in a dump does not match the pattern of the frame it lands in.
 */
#ifndef TSUBAKI_TESTS_PATTERN_H
#define TSUBAKI_TESTS_PATTERN_H
#include <stdint.h>

#define TSB_PATTERN_PAGE	4096
#define TSB_PATTERN_WORDS	(TSB_PATTERN_PAGE / 8)	/* 512 */

static inline uint64_t tsb_pattern(uint64_t nonce, uint64_t pfn, uint64_t i)
{
	uint64_t z = (nonce ^ (pfn * TSB_PATTERN_WORDS + i)) +
		     0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#endif /* TSUBAKI_TESTS_PATTERN_H */
