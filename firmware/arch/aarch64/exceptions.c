// SPDX-License-Identifier: BSD-3-Clause
/*
 * AArch64 EL3 exceptions, after entry.S saved the context: decode the
 * syndrome and hand the generic code an SMC or a fault (cpu.h).
 */
#include <stdint.h>
#include <arch.h>
#include <cpu.h>
#include <log.h>

/* Synchronous exception from the normal world: an SMC, or anything else. */
void el3_sync_handler(struct cpu_ctx *ctx)
{
	uint64_t esr = read_sysreg(esr_el3);

	if (ESR_EC(esr) == ESR_EC_SMC64)
		smc_handle(ctx);
	else
		ns_exception(ctx, esr);
}

void el3_panic_exception(uint64_t esr, uint64_t elr, uint64_t far)
{
	fw_panic("exception in EL3: ESR 0x%llx ELR 0x%llx FAR 0x%llx",
		 (unsigned long long)esr, (unsigned long long)elr, (unsigned long long)far);
}
