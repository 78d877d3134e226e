// SPDX-License-Identifier: BSD-3-Clause
/*
 * ARMv7-A monitor exceptions that are not the normal world's SMC and FIQ
 * (entry.S hands those to smc_handle() and el3_fiq_handler() directly: the
 * vector itself says which it is, there is no syndrome to decode).
 */
#include <stdint.h>
#include <arch.h>
#include <cpu.h>
#include <log.h>

/* Neither the secure world nor the monitor ever takes any other exception: a bug. */
void el3_panic_exception(uint32_t psr, uint32_t lr, uint32_t far)
{
	fw_panic("exception in the secure world: mode 0x%x CPSR 0x%x LR 0x%x DFAR 0x%x",
		 (unsigned int)(psr & MODE_MASK), (unsigned int)psr, (unsigned int)lr,
		 (unsigned int)far);
}

/* 64-bit division by zero in libgcc's helpers: generic code never divides by zero. */
void __aeabi_ldiv0(void);
void __aeabi_idiv0(void);

void __aeabi_ldiv0(void)
{
	fw_panic("64-bit division by zero");
}

void __aeabi_idiv0(void)
{
	fw_panic("division by zero");
}
