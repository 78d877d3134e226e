/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * The Linux module's check of a memory grant from the firmware
 * (TSB_SMC_GET_GRANT) against one pending range: pure arithmetic, shared
 * with the host unit tests (tests/unit/test_grant_check.c). No includes:
 * usable from the kernel and from hosted C alike.
 */
#ifndef TSUBAKI_GRANT_CHECK_H
#define TSUBAKI_GRANT_CHECK_H

#define TSB_GRANT_OK		0
#define TSB_GRANT_E_UNALIGNED	-1	/* base or size not page aligned */
#define TSB_GRANT_E_EMPTY	-2	/* size 0 */
#define TSB_GRANT_E_OVERFLOW	-3	/* base + size wraps (reaches 2^64) */
#define TSB_GRANT_E_OUTSIDE	-4	/* not wholly inside the range */

/*
 * tsb_grant_in_range() - whether [@base, @base + @size) lies wholly inside
 * the range [@range_base, @range_base + @range_size), in pages of @page_size
 * bytes (a power of two). Return TSB_GRANT_OK or a negative TSB_GRANT_E_*.
 * A grant straddling two adjacent ranges is outside both: each range is
 * checked on its own.
 */
static inline int tsb_grant_in_range(unsigned long long base, unsigned long long size,
				     unsigned long long range_base,
				     unsigned long long range_size,
				     unsigned long long page_size)
{
	unsigned long long off;

	if ((base | size) & (page_size - 1))
		return TSB_GRANT_E_UNALIGNED;
	if (!size)
		return TSB_GRANT_E_EMPTY;
	if (base + size < base)
		return TSB_GRANT_E_OVERFLOW;
	if (base < range_base)
		return TSB_GRANT_E_OUTSIDE;
	off = base - range_base;
	if (off >= range_size || size > range_size - off)
		return TSB_GRANT_E_OUTSIDE;
	return TSB_GRANT_OK;
}

#endif /* TSUBAKI_GRANT_CHECK_H */
