/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AArch64 EL3 helpers: system-register accessors, barriers and the saved
 * normal-world context. Offsets used by assembly are checked at compile time
 * in arch/aarch64/asm_offsets.c.
 */
#ifndef ARCH_H
#define ARCH_H

/* Layout of struct cpu_ctx, shared with entry.S. */
#define CTX_X0		0x000		/* x0..x30 */
#define CTX_SP_EL0	0x0f8
#define CTX_ELR		0x100
#define CTX_SPSR	0x108
#define CTX_SCR		0x110
#define CTX_SIZE	0x120

/* Per-CPU data pointed to by TPIDR_EL3. */
#define PCPU_CTX	0x000
#define PCPU_STACK_TOP	CTX_SIZE

#define SCR_NS		(1UL << 0)
#define SCR_FIQ		(1UL << 2)
#define SCR_RES1	(3UL << 4)
#define SCR_RW		(1UL << 10)
#define SCR_NS_EL1	(SCR_RW | SCR_RES1 | SCR_FIQ | SCR_NS)	/* 0x435 */

#define SPSR_EL1H_MASKED	0x3c5UL
#define SCTLR_EL1_RESET		0x30d00800UL

#define ESR_EC(esr)		(((esr) >> 26) & 0x3f)
#define ESR_EC_SMC64		0x17
#define ESR_IL			(1UL << 25)	/* a 32-bit instruction */

/* What a dump says of this architecture (tsb_dump_header.arch). */
#define ARCH_DUMP_ARCH		0	/* TSB_ARCH_AARCH64 */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct cpu_ctx {
	uint64_t x[31];
	uint64_t sp_el0;
	uint64_t elr;
	uint64_t spsr;
	uint64_t scr;
	uint64_t pad;
};

#define read_sysreg(r) ({						\
	uint64_t __v;							\
	__asm__ volatile("mrs %0, " #r : "=r"(__v));			\
	__v; })
#define write_sysreg(r, v) \
	__asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)) : "memory")

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void dsb_sy(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline void dsb_ish(void) { __asm__ volatile("dsb ish" ::: "memory"); }
static inline void dmb_ish(void) { __asm__ volatile("dmb ish" ::: "memory"); }
static inline void sev(void) { __asm__ volatile("sev" ::: "memory"); }
static inline void wfe(void) { __asm__ volatile("wfe" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }

/*
 * ---- What generic code uses (docs/porting.md): no register or instruction
 * is named outside arch/ and plat/ (make lint checks it). ----
 */

/* The SMC calling convention: function ID in x0, arguments x1.., results x0..x3. */
static inline uint32_t smc_fid(const struct cpu_ctx *c)
{
	return (uint32_t)c->x[0];
}

static inline uint64_t smc_arg(const struct cpu_ctx *c, unsigned int n)
{
	return c->x[n];
}

static inline void smc_ret(struct cpu_ctx *c, uint64_t r0, uint64_t r1, uint64_t r2,
			   uint64_t r3)
{
	c->x[0] = r0;
	c->x[1] = r1;
	c->x[2] = r2;
	c->x[3] = r3;
}

static inline void smc_ret1(struct cpu_ctx *c, uint64_t r0)
{
	c->x[0] = r0;
}

/* An SMC32 call's results are 32-bit (SMCCC: the upper halves are zero). */
static inline void smc_ret_32bit(struct cpu_ctx *c)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		c->x[i] &= 0xffffffffULL;
}

/* Where the interrupted normal world resumes. */
static inline uint64_t arch_ctx_pc(const struct cpu_ctx *c)
{
	return c->elr;
}

/* The caller ran in AArch32 state: it can make only SMC32 calls (SMCCC). */
static inline int arch_ctx_is_32bit(const struct cpu_ctx *c)
{
	return (c->spsr >> 4) & 1;
}

/* This CPU's struct pcpu (cpu.h), as cpu_el3_init() set it. */
static inline void *arch_this_cpu(void)
{
	return (void *)read_sysreg(tpidr_el3);
}

/* A full barrier: memory accesses, device ones included, before those after it. */
static inline void arch_mb(void)
{
	dsb_sy();
}

static inline void arch_wait_interrupt(void)
{
	wfi();
}

static inline void arch_wait_event(void)
{
	wfe();
}

static inline void arch_send_event(void)
{
	sev();
}

static inline uint64_t arch_counter(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

static inline uint64_t arch_counter_freq(void)
{
	return read_sysreg(cntfrq_el0);
}

/*
 * Arm this CPU's EL3 secure physical timer (a group-0 PPI) to fire when the
 * counter reaches @at (a time already past fires at once); 0 disarms. Its
 * clients share it through stimer.h.
 */
static inline void arch_secure_timer_at(uint64_t at)
{
	if (at) {
		write_sysreg(cntps_cval_el1, at);
		write_sysreg(cntps_ctl_el1, 1);
	} else {
		write_sysreg(cntps_ctl_el1, 0);
	}
	isb();
}

/*
 * The interrupted normal world had IRQs masked (PSTATE.I) in a kernel mode:
 * EL1 or EL2 (AArch64), or a privileged AArch32 mode.
 */
static inline int arch_ns_irqs_masked(const struct cpu_ctx *ctx)
{
	uint64_t spsr = ctx->spsr;

	if (!(spsr & (1U << 7)))
		return 0;
	if (spsr & (1U << 4))
		return (spsr & 0xf) != 0;	/* AArch32: not USR */
	return ((spsr >> 2) & 3) != 0;		/* AArch64: not EL0 */
}

/* Clean and invalidate the data cache by VA over [addr, addr+size). */
void arch_dcache_clean_inval(uintptr_t addr, uint64_t size);
/* Invalidate the whole instruction cache (inner shareable). */
void arch_icache_inval_all(void);

/* Restore @ctx and return to the lower EL. Never returns. */
void __attribute__((noreturn)) arch_el3_exit(struct cpu_ctx *ctx);
/* Reset this CPU's EL3 stack and continue in fn(). Never returns. */
void __attribute__((noreturn)) arch_reset_stack_and_call(void (*fn)(void));

#endif /* __ASSEMBLER__ */
#endif /* ARCH_H */
