// SPDX-License-Identifier: BSD-3-Clause
/*
 * The collector's SiP service in both SMCCC forms: an SMC64 call's registers
 * are its arguments; an SMC32 call's are unpacked into the same 64-bit
 * values first, and its results packed back (include/tsubaki/abi.h). The
 * services below (dump_smc(), watch_smc_watchdog()) see only the SMC64 form.
 */
#include <stdint.h>
#include <arch.h>
#include <cpu.h>
#include <dump.h>
#include <sip.h>
#include <watch.h>
#include <tsubaki/abi.h>

#define PAGE_SHIFT	TSB_PAGE_SHIFT
#define LOW32		0xffffffffULL

static void args_of(uint32_t fid, const struct cpu_ctx *ctx, uint64_t *a)
{
	unsigned int n;

	a[0] = fid;
	for (n = 1; n < 4; n++)
		a[n] = smc_arg(ctx, n);
	if (!TSB_SMC_IS_32(fid))
		return;
	for (n = 1; n < 4; n++)
		a[n] &= LOW32;	/* SMCCC: an SMC32 call's arguments are 32-bit */
	switch (TSB_SMC_AS_64(fid)) {
	case TSB_SMC_REGISTER:
		a[2] |= a[3] << 32;
		a[3] = smc_arg(ctx, 4) & LOW32;
		break;
	case TSB_SMC_DISK_READ:
		a[2] <<= PAGE_SHIFT;
		break;
	case TSB_SMC_MEM_RELEASE:
		a[1] <<= PAGE_SHIFT;
		a[2] <<= PAGE_SHIFT;
		break;
	default:
		break;
	}
}

/*
 * Page numbers and counts for SMC32. What the collector gives is page aligned
 * (grants, byte counts of whole chunks, its scratch area); a value that is
 * not, or whose page number does not fit 32 bits, makes the call fail rather
 * than lie.
 */
static int to_pages(uint64_t *v)
{
	if ((*v & ((1ULL << PAGE_SHIFT) - 1)) || (*v >> PAGE_SHIFT) > LOW32)
		return -1;
	*v >>= PAGE_SHIFT;
	return 0;
}

static void results_for(uint32_t fid, uint64_t *r)
{
	int bad = 0;

	if (!TSB_SMC_IS_32(fid) || (int64_t)r[0] < 0)
		return;
	switch (TSB_SMC_AS_64(fid)) {
	case TSB_SMC_GET_GRANT:
		if (r[0] == TSB_E_OK)
			bad = to_pages(&r[1]) || to_pages(&r[2]);
		break;
	case TSB_SMC_STATUS:
		bad = to_pages(&r[1]) || to_pages(&r[2]);
		r[3] &= LOW32;
		break;
	case TSB_SMC_DISK_READ:
		bad = to_pages(&r[1]);
		break;
	default:
		break;
	}
	if (bad) {
		r[0] = (uint64_t)TSB_E_INVALID;
		r[1] = r[2] = r[3] = 0;
	}
}

void sip_smc(uint32_t fid, struct cpu_ctx *ctx, unsigned int self)
{
	uint64_t a[4], r[4] = { (uint64_t)TSB_E_NOT_SUPPORTED, 0, 0, 0 };

	args_of(fid, ctx, a);
	if (TSB_SMC_AS_64(fid) == TSB_SMC_WATCHDOG)
		r[0] = (uint64_t)watch_smc_watchdog(a[1]);
	else
		dump_smc(TSB_SMC_AS_64(fid), a, r, ctx, self);
	results_for(fid, r);
	smc_ret(ctx, r[0], r[1], r[2], r[3]);
}
