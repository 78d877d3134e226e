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
#include <gicv3.h>
#include <log.h>
#include <plat.h>
#include <platform_def.h>
#include <psci.h>
#include <restart.h>
#include <smccc.h>
#include <stimer.h>
#include <watch.h>
#include <tsubaki/abi.h>

static int64_t smc_dispatch(uint32_t fid, struct cpu_ctx *ctx, unsigned int self)
{
	if (!(fid & SMCCC_FAST))
		return SMCCC_NOT_SUPPORTED;	/* no yielding calls */
	switch (SMCCC_OWNER(fid)) {
	case SMCCC_OWNER_ARCH:
		return smccc_arch_call(fid, ctx->x[1], plat_cpu_unaffected_by_spectre());
	case SMCCC_OWNER_STD:
		return psci_smc_handler(fid, ctx, self);
	case SMCCC_OWNER_SIP:
		if (!(fid & SMCCC_64))
			return SMCCC_NOT_SUPPORTED;
		if (fid == TSB_SMC_WATCHDOG)
			return watch_smc_watchdog(ctx->x[1]);
		dump_smc(fid, ctx, self);
		return (int64_t)ctx->x[0];
	default:
		return SMCCC_NOT_SUPPORTED;
	}
}

void el3_sync_handler(struct cpu_ctx *ctx)
{
	uint64_t esr = read_sysreg(esr_el3);
	int self = psci_self_index();

	if (ESR_EC(esr) == ESR_EC_SMC64) {
		uint32_t fid = (uint32_t)ctx->x[0];

		/* A panic is recorded as one, even by a CPU that joins a restart. */
		if (fid != TSB_SMC_PANIC)
			restart_check_stale(ctx);
		ctx->x[0] = (uint64_t)smc_dispatch(fid, ctx, self < 0 ? 0 : (unsigned int)self);
		if (!(fid & SMCCC_64) && (fid & SMCCC_FAST))
			ctx->x[0] &= 0xffffffffULL;
		return;
	}
	/*
	 * Nothing else is meant to reach EL3: a system register access that
	 * traps here (the GIC's group-0 registers, which belong to the secure
	 * world) or an instruction EL3 does not serve. To the kernel it is an
	 * undefined instruction, as on a machine without them: it gets the
	 * Undefined Instruction exception (an oops, a signal for a task), and a
	 * crash that follows is dumped. Only what cannot take one restarts.
	 */
	restart_check_stale(ctx);
	if (!arch_inject_undef(ctx)) {
		INFO("normal world: ESR 0x%lx at 0x%lx is undefined here: UNDEF to EL1",
		     (unsigned long)esr, (unsigned long)ctx->elr);
		log_event("undef", "esr=0x%lx pc=0x%lx", (unsigned long)esr,
			  (unsigned long)ctx->elr);
		return;
	}
	ERROR("unexpected exception from the normal world: ESR 0x%lx ELR 0x%lx",
	      (unsigned long)esr, (unsigned long)ctx->elr);
	restart_request(RESTART_FAULT, ctx);
}

void el3_fiq_handler(struct cpu_ctx *ctx)
{
	unsigned int id = gicv3_ack_group0();

	if (id < 1020) {
		gicv3_eoi_group0(id);
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
	ERROR("unexpected IRQ/SError at EL3 from ELR 0x%lx", (unsigned long)ctx->elr);
}

void el3_panic_exception(uint64_t esr, uint64_t elr, uint64_t far)
{
	fw_panic("exception in EL3: ESR 0x%lx ELR 0x%lx FAR 0x%lx",
		 (unsigned long)esr, (unsigned long)elr, (unsigned long)far);
}
