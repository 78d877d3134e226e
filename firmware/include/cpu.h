/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-CPU state at EL3 and the architecture hooks the generic code calls.
 */
#ifndef CPU_H
#define CPU_H
#include <stdint.h>
#include <arch.h>

struct pcpu {
	struct cpu_ctx ctx;	/* must be first: entry.S relies on it */
	uint64_t stack_top;	/* at PCPU_STACK_TOP */
	unsigned int index;
	uint64_t mpidr;
	volatile uint32_t pull_req;	/* an SGI pull-in was requested */
	volatile uint32_t parked;	/* acknowledged a pull-in */
};

extern struct pcpu fw_pcpu[];

static inline struct pcpu *this_cpu(void)
{
	return (struct pcpu *)read_sysreg(tpidr_el3);
}

/* Set up EL3 state for this CPU and point TPIDR_EL3 at its pcpu. */
void cpu_el3_init(unsigned int index);
/* Put this CPU's EL1 (and EL2, if present) state and NS timers back to reset. */
void cpu_ns_reset(void);
/* Enter the normal world at EL1h, MMU off, with x0 = @arg. Never returns. */
void __attribute__((noreturn)) cpu_enter_ns(uint64_t entry, uint64_t arg);

#endif
