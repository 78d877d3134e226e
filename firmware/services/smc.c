// SPDX-License-Identifier: BSD-3-Clause
/*
 * Entry from the normal world: SMC dispatch by owner, FIQs, and anything
 * unexpected. Bad input gets an error code, never a crash.
 */
#include <stdint.h>
#include <arch.h>
#include <boot.h>
#include <cpu.h>
#include <dump.h>
#include <gic.h>
#include <log.h>
#include <plat.h>
#include <platform_def.h>
#include <psci.h>
#include <restart.h>
#include <sip.h>
#include <smccc.h>
#include <stimer.h>
#include <watch.h>
#include <tsubaki/abi.h>

/* Sets the call's results (x0 at least) in @ctx. */
static void smc_dispatch(uint32_t fid, struct cpu_ctx *ctx, unsigned int self)
{
	int64_t ret = SMCCC_NOT_SUPPORTED;

	if (!(fid & SMCCC_FAST)) {
		ret = SMCCC_NOT_SUPPORTED;	/* no yielding calls */
	} else if ((fid & SMCCC_64) && arch_ctx_is_32bit(ctx)) {
		ret = SMCCC_NOT_SUPPORTED;	/* SMC64 from AArch32: no such call there */
	} else if (SMCCC_OWNER(fid) == SMCCC_OWNER_ARCH) {
		ret = smccc_arch_call(fid, smc_arg(ctx, 1), plat_cpu_unaffected_by_spectre());
	} else if (SMCCC_OWNER(fid) == SMCCC_OWNER_STD) {
		ret = psci_smc_handler(fid, ctx, self);
	} else if (SMCCC_OWNER(fid) == SMCCC_OWNER_SIP) {
		sip_smc(fid, ctx, self);
		return;
	}
	smc_ret1(ctx, (uint64_t)ret);
}

void smc_handle(struct cpu_ctx *ctx)
{
	uint32_t fid = smc_fid(ctx);
	int self = psci_self_index();

	/* A panic is recorded as one, even by a CPU that joins a restart. */
	if (TSB_SMC_AS_64(fid) != TSB_SMC_PANIC)
		restart_check_stale(ctx);
	smc_dispatch(fid, ctx, self < 0 ? 0 : (unsigned int)self);
	if (!(fid & SMCCC_64) && (fid & SMCCC_FAST))
		smc_ret_32bit(ctx);
}

void ns_exception(struct cpu_ctx *ctx, uint64_t syndrome)
{
	/*
	 * Nothing but an SMC is meant to reach EL3: a system register access
	 * that traps here (the GIC's group-0 registers, which belong to the
	 * secure world) or an instruction EL3 does not serve. To the kernel it
	 * is an undefined instruction, as on a machine without them: it gets the
	 * Undefined Instruction exception (an oops, a signal for a task), and a
	 * crash that follows is dumped. Only what cannot take one restarts.
	 */
	restart_check_stale(ctx);
	if (!arch_inject_undef(ctx)) {
		INFO("normal world: syndrome 0x%llx at 0x%llx is undefined here: UNDEF to the kernel",
		     (unsigned long long)syndrome, (unsigned long long)arch_ctx_pc(ctx));
		log_event("undef", "esr=0x%llx pc=0x%llx", (unsigned long long)syndrome,
			  (unsigned long long)arch_ctx_pc(ctx));
		return;
	}
	ERROR("unexpected exception from the normal world: syndrome 0x%llx at 0x%llx",
	      (unsigned long long)syndrome, (unsigned long long)arch_ctx_pc(ctx));
	restart_request(RESTART_FAULT, ctx);
}

void el3_fiq_handler(struct cpu_ctx *ctx)
{
	unsigned int id = gic_ack_group0();

	if (id < 1020) {
		gic_eoi_group0(id);
		if (id == PLAT_DUMP_INTID)
			dump_fiq();
		else if (id == PLAT_SEC_TIMER_PPI)
			stimer_fiq(ctx);
		else if (id != PLAT_SGI_PULL)
			WARN("fiq: unexpected group-0 interrupt %u", id);
	}
	/* The pull-in SGI, or a CPU that missed a restart: seized here. */
	restart_pulled_in(ctx);
}

void el3_unexpected_handler(struct cpu_ctx *ctx)
{
	ERROR("unexpected IRQ/SError at EL3 from 0x%llx", (unsigned long long)arch_ctx_pc(ctx));
}
