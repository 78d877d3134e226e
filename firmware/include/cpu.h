/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-CPU state at EL3 and the architecture hooks the generic code calls.
 */
#ifndef CPU_H
#define CPU_H
#include <stdint.h>
#include <arch.h>
#include <tsubaki/dump_format.h>

/*
 * One CPU. Its index is its position in the DT's /cpus (= PSCI's table =
 * the dump's CPU records); fw_pcpu[] itself is laid out by plat_core_pos()
 * of the MPIDR, which is what the reset code can compute. Use cpu_pcpu(index).
 */
struct pcpu {
	struct cpu_ctx ctx;	/* must be first: entry.S relies on it */
	uint64_t stack_top;	/* at PCPU_STACK_TOP */
	unsigned int index;	/* DT order; valid once cpu_register() ran */
	uint64_t mpidr;
	/* The restart sequence's view (firmware/restart/restart.c). */
	volatile uint32_t ns_epoch;	/* restart epoch it entered the normal world in; 0: in EL3 */
	volatile uint32_t seized_epoch;	/* the last restart that recorded it */
	uint32_t rec_why;		/* enum restart_why it gave then */
	uint32_t rec_cause;		/* for a crash it asked for: TSB_CAUSE_* */
	uint32_t rec_cause_cpus;	/* and the CPUs that cause names */
	struct tsb_cpu_record rec;	/* its normal-world state then */
	/* Its secure timer's deadlines, per client (lib/stimer.c); 0: none. */
	uint64_t timer_at[2];
	/* The hang watch (watch/watch.c). */
	volatile uint64_t masked_since;	/* counter at the first of a run of masked samples; 0 */
	uint64_t watch_samples;		/* samples taken, and their cost in counter ticks */
	uint64_t watch_ticks, watch_ticks_max;
};

extern struct pcpu fw_pcpu[];

/* Give the CPU with @mpidr index @index (DT order). Return -1 if it cannot exist. */
int cpu_register(unsigned int index, uint64_t mpidr);
/* The CPU with DT index @index, or NULL. */
struct pcpu *cpu_pcpu(unsigned int index);

static inline struct pcpu *this_cpu(void)
{
	return (struct pcpu *)arch_this_cpu();
}

/* Set up EL3 state for the CPU at linear position @pos and point TPIDR_EL3 at its pcpu. */
void cpu_el3_init(unsigned int pos);
/* Put this CPU's EL1 (and EL2, if present) state and NS timers back to reset. */
void cpu_ns_reset(void);
/* Record this CPU's normal-world state (@ctx plus its EL1 registers) as CPU @cpu. */
void arch_capture_ns(struct tsb_cpu_record *r, const struct cpu_ctx *ctx, unsigned int cpu);
/*
 * Make the interrupted normal world take an Undefined Instruction exception
 * at EL1 for the instruction at @ctx's ELR (on return from EL3). Return 0,
 * or -1 if it was in a state that cannot take one.
 */
int arch_inject_undef(struct cpu_ctx *ctx);
/*
 * What the architecture's exception code calls (services/smc.c): an SMC, with
 * its function ID, arguments and results in @ctx (smc_fid(), smc_arg(),
 * smc_ret() in arch.h); any other synchronous exception from the normal
 * world, with the architecture's @syndrome for the log.
 */
void smc_handle(struct cpu_ctx *ctx);
void ns_exception(struct cpu_ctx *ctx, uint64_t syndrome);
/*
 * Enter the normal world's kernel mode at @entry, MMU off, with @arg in the
 * first argument register (PSCI CPU_ON's context ID). Never returns.
 */
void __attribute__((noreturn)) cpu_enter_ns(uint64_t entry, uint64_t arg);
/*
 * Enter the kernel at @entry by the architecture's Linux boot protocol, its
 * DTB at @dtb (arm64: x0 = DTB; ARM: r0 = 0, r1 = ~0, r2 = DTB). Never returns.
 */
void __attribute__((noreturn)) cpu_enter_kernel(uint64_t entry, uint64_t dtb);

#endif
