/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARMv7-A Monitor mode helpers: CP15 accessors, barriers and the saved
 * normal-world context. Offsets used by assembly are checked at compile time
 * in arch/aarch32/cpu.c.
 *
 * The firmware runs in Monitor mode only (secure PL1; its SP_mon, LR_mon and
 * SPSR_mon are its own). The normal world's banked registers of the other
 * modes are not touched while the monitor runs, so a world switch saves
 * r0-r12, the return address and state, and SCR; the banked registers are
 * read in place when a CPU's state is recorded (arch_capture_ns()) and set
 * when the monitor makes the normal world take an exception.
 */
#ifndef ARCH_H
#define ARCH_H

/* Layout of struct cpu_ctx, shared with entry.S. */
#define CTX_R0		0x00		/* r0..r12 */
#define CTX_LR		0x34		/* where the normal world resumes */
#define CTX_SPSR	0x38		/* its CPSR */
#define CTX_SCR		0x3c
#define CTX_SIZE	0x40

/* Per-CPU data: SP_mon points at it while the normal world runs. */
#define PCPU_CTX	0x000
#define PCPU_STACK_TOP	CTX_SIZE

/* What a dump says of this architecture (tsb_dump_header.arch). */
#define ARCH_DUMP_ARCH		1	/* TSB_ARCH_AARCH32 */

#define MODE_USR	0x10
#define MODE_FIQ	0x11
#define MODE_IRQ	0x12
#define MODE_SVC	0x13
#define MODE_MON	0x16
#define MODE_ABT	0x17
#define MODE_HYP	0x1a
#define MODE_UND	0x1b
#define MODE_SYS	0x1f
#define MODE_MASK	0x1f
#define PSR_T		(1U << 5)
#define PSR_F		(1U << 6)
#define PSR_I		(1U << 7)
#define PSR_A		(1U << 8)
#define PSR_E		(1U << 9)

#define SCR_NS		(1U << 0)
#define SCR_IRQ		(1U << 1)
#define SCR_FIQ		(1U << 2)
#define SCR_EA		(1U << 3)
#define SCR_FW		(1U << 4)
#define SCR_AW		(1U << 5)
#define SCR_HCE		(1U << 8)
/*
 * The normal world: FIQs to the monitor, which it cannot mask (FW = 0);
 * aborts its own (EA = 0), and it may mask them (AW = 1).
 */
#define SCR_NS_WORLD	(SCR_NS | SCR_FIQ | SCR_AW)
/* Linux's entry: SVC, IRQs and asynchronous aborts masked (FIQs cannot be). */
#define SPSR_SVC_MASKED	(MODE_SVC | PSR_I | PSR_A)

#ifndef __ASSEMBLER__
#include <stdint.h>

struct cpu_ctx {
	uint32_t r[13];
	uint32_t lr;		/* LR_mon, adjusted: the instruction to resume at */
	uint32_t spsr;		/* SPSR_mon */
	uint32_t scr;
};

/* CP15 accessors: p15, opc1, CRn, CRm, opc2. */
#define cp15_read(op1, crn, crm, op2) ({					\
	uint32_t __v;								\
	__asm__ volatile("mrc p15, " #op1 ", %0, " #crn ", " #crm ", " #op2	\
			 : "=r"(__v));						\
	__v; })
#define cp15_write(op1, crn, crm, op2, v)					\
	__asm__ volatile("mcr p15, " #op1 ", %0, " #crn ", " #crm ", " #op2	\
			 : : "r"((uint32_t)(v)) : "memory")
#define cp15_read64(op1, crm) ({						\
	uint64_t __v;								\
	__asm__ volatile("mrrc p15, " #op1 ", %Q0, %R0, " #crm : "=r"(__v));	\
	__v; })
#define cp15_write64(op1, crm, v)						\
	__asm__ volatile("mcrr p15, " #op1 ", %Q0, %R0, " #crm			\
			 : : "r"((uint64_t)(v)) : "memory")

#define read_scr()		cp15_read(0, c1, c1, 0)
#define write_scr(v)		cp15_write(0, c1, c1, 0, v)
#define read_mpidr()		cp15_read(0, c0, c0, 5)
#define read_tpidrprw()		cp15_read(0, c13, c0, 4)
#define write_tpidrprw(v)	cp15_write(0, c13, c0, 4, v)

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

/* The SMC calling convention, AArch32: function ID in r0, arguments r1.., results r0..r3. */
static inline uint32_t smc_fid(const struct cpu_ctx *c)
{
	return c->r[0];
}

static inline uint64_t smc_arg(const struct cpu_ctx *c, unsigned int n)
{
	return n < 13 ? c->r[n] : 0;
}

static inline void smc_ret(struct cpu_ctx *c, uint64_t r0, uint64_t r1, uint64_t r2,
			   uint64_t r3)
{
	c->r[0] = (uint32_t)r0;
	c->r[1] = (uint32_t)r1;
	c->r[2] = (uint32_t)r2;
	c->r[3] = (uint32_t)r3;
}

static inline void smc_ret1(struct cpu_ctx *c, uint64_t r0)
{
	c->r[0] = (uint32_t)r0;
}

/* The registers are 32-bit: an SMC32 call's results are so already. */
static inline void smc_ret_32bit(struct cpu_ctx *c)
{
	(void)c;
}

/* Where the interrupted normal world resumes. */
static inline uint64_t arch_ctx_pc(const struct cpu_ctx *c)
{
	return c->lr;
}

/* The caller ran in AArch32 state: it can make only SMC32 calls (SMCCC). */
static inline int arch_ctx_is_32bit(const struct cpu_ctx *c)
{
	(void)c;
	return 1;
}

/* This CPU's struct pcpu (cpu.h), as cpu_el3_init() set it (secure TPIDRPRW). */
static inline void *arch_this_cpu(void)
{
	return (void *)read_tpidrprw();
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

/* CNTPCT */
static inline uint64_t arch_counter(void)
{
	isb();
	return cp15_read64(0, c14);
}

/* CNTFRQ */
static inline uint64_t arch_counter_freq(void)
{
	return cp15_read(0, c14, c0, 0);
}

/*
 * Arm this CPU's secure physical timer (the Secure instance of CNTP_*, a
 * group-0 PPI) to fire when the counter reaches @at; 0 disarms. The monitor
 * runs with SCR.NS clear, so CP15 accesses reach the Secure instance.
 */
static inline void arch_secure_timer_at(uint64_t at)
{
	if (at) {
		cp15_write64(2, c14, at);		/* CNTP_CVAL */
		cp15_write(0, c14, c2, 1, 1);		/* CNTP_CTL: enabled */
	} else {
		cp15_write(0, c14, c2, 1, 0);
	}
	isb();
}

/* The interrupted normal world had IRQs masked (CPSR.I) in a privileged mode. */
static inline int arch_ns_irqs_masked(const struct cpu_ctx *ctx)
{
	return (ctx->spsr & PSR_I) && (ctx->spsr & MODE_MASK) != MODE_USR;
}

/* Clean and invalidate the data cache by VA over [addr, addr+size). */
void arch_dcache_clean_inval(uintptr_t addr, uint64_t size);
/* Invalidate the whole instruction cache (inner shareable). */
void arch_icache_inval_all(void);

/* Restore @ctx and return to the normal world. Never returns. */
void __attribute__((noreturn)) arch_el3_exit(struct cpu_ctx *ctx);
/* Reset this CPU's monitor stack and continue in fn(). Never returns. */
void __attribute__((noreturn)) arch_reset_stack_and_call(void (*fn)(void));

#endif /* __ASSEMBLER__ */
#endif /* ARCH_H */
