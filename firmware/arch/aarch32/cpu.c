// SPDX-License-Identifier: BSD-3-Clause
/*
 * ARMv7-A per-CPU monitor set-up, the normal world's state (recorded, reset)
 * and the switch into it.
 */
#include <stdint.h>
#include <string.h>
#include <arch.h>
#include <cpu.h>
#include <plat.h>
#include <platform_def.h>

/* Compile-time checks of the offsets entry.S uses. */
_Static_assert(__builtin_offsetof(struct cpu_ctx, lr) == CTX_LR, "ctx");
_Static_assert(__builtin_offsetof(struct cpu_ctx, spsr) == CTX_SPSR, "ctx");
_Static_assert(__builtin_offsetof(struct cpu_ctx, scr) == CTX_SCR, "ctx");
_Static_assert(sizeof(struct cpu_ctx) == CTX_SIZE, "ctx");
_Static_assert(__builtin_offsetof(struct pcpu, stack_top) == PCPU_STACK_TOP, "pcpu");

extern char __stacks_end[];

#define MPIDR_AFF	0xffffffU	/* Aff2..Aff0; bit 31 (the format) and U left out */
#define NSACR_CP10	(1U << 10)
#define NSACR_CP11	(1U << 11)
#define NSACR_NS_SMP	(1U << 18)	/* Cortex-A15: the normal world may set ACTLR.SMP */
#define ACTLR_SMP	(1U << 6)
/* Normal-world SCTLR at reset: MMU, caches, alignment checks off; RES1 bits. */
#define SCTLR_NS_RESET	0x00c50078U
#define SCTLR_V		(1U << 13)
#define SCTLR_EE	(1U << 25)
#define SCTLR_TE	(1U << 30)

/* The normal world's banked registers, in tsb_a32_regs order from sp_usr (entry.S). */
#define A32_BANKED_WORDS	22
void arch_a32_banked_save(uint32_t *out);
void arch_a32_banked_load(const uint32_t *in);
_Static_assert(__builtin_offsetof(struct tsb_a32_regs, spsr_fiq) -
	       __builtin_offsetof(struct tsb_a32_regs, sp_usr) == 4 * (A32_BANKED_WORDS - 1),
	       "the banked registers' order");

/* With SCR.NS set, the monitor's CP15 accesses reach the normal world's banks. */
static uint32_t ns_banks_begin(void)
{
	uint32_t scr = read_scr();

	write_scr(scr | SCR_NS);
	isb();
	return scr;
}

static void ns_banks_end(uint32_t scr)
{
	write_scr(scr);
	isb();
}

/* The SP and LR the interrupted mode @mode sees as r13, r14 (r[13], r[14]). */
static void mode_sp_lr(const struct tsb_a32_regs *a, uint32_t mode, uint32_t *sp, uint32_t *lr)
{
	switch (mode) {
	case MODE_FIQ:
		*sp = a->sp_fiq, *lr = a->lr_fiq;
		break;
	case MODE_IRQ:
		*sp = a->sp_irq, *lr = a->lr_irq;
		break;
	case MODE_SVC:
		*sp = a->sp_svc, *lr = a->lr_svc;
		break;
	case MODE_ABT:
		*sp = a->sp_abt, *lr = a->lr_abt;
		break;
	case MODE_UND:
		*sp = a->sp_und, *lr = a->lr_und;
		break;
	default:	/* USR, SYS; HYP is not the normal world's kernel here */
		*sp = a->sp_usr, *lr = a->lr_usr;
		break;
	}
}

void arch_capture_ns(struct tsb_cpu_record *r, const struct cpu_ctx *ctx, unsigned int cpu)
{
	struct tsb_a32_regs *a = &r->a32;
	uint32_t scr;

	memset(r, 0, sizeof(*r));
	r->valid = 1;
	r->cpu = cpu;
	r->mpidr = read_mpidr() & MPIDR_AFF;
	arch_a32_banked_save(&a->sp_usr);
	/* The registers of the mode it was in. */
	memcpy(a->r, ctx->r, sizeof(ctx->r));
	if ((ctx->spsr & MODE_MASK) == MODE_FIQ)
		memcpy(&a->r[8], a->r8_fiq, sizeof(a->r8_fiq));
	mode_sp_lr(a, ctx->spsr & MODE_MASK, &a->r[13], &a->r[14]);
	a->r[15] = ctx->lr;
	a->cpsr = ctx->spsr;

	scr = ns_banks_begin();
	a->sctlr = cp15_read(0, c1, c0, 0);
	a->ttbcr = cp15_read(0, c2, c0, 2);
	a->dacr = cp15_read(0, c3, c0, 0);
	a->contextidr = cp15_read(0, c13, c0, 1);
	a->ttbr0 = cp15_read64(0, c2);
	a->ttbr1 = cp15_read64(1, c2);
	a->mair0 = cp15_read(0, c10, c2, 0);
	a->mair1 = cp15_read(0, c10, c2, 1);
	a->vbar = cp15_read(0, c12, c0, 0);
	a->dfsr = cp15_read(0, c5, c0, 0);
	a->dfar = cp15_read(0, c6, c0, 0);
	a->ifsr = cp15_read(0, c5, c0, 1);
	a->ifar = cp15_read(0, c6, c0, 2);
	a->tpidrurw = cp15_read(0, c13, c0, 2);
	a->tpidruro = cp15_read(0, c13, c0, 3);
	a->tpidrprw = cp15_read(0, c13, c0, 4);
	ns_banks_end(scr);
}

void cpu_el3_init(unsigned int pos)
{
	struct pcpu *p = &fw_pcpu[pos];

	p->mpidr = read_mpidr() & MPIDR_AFF;
	p->stack_top = (uintptr_t)__stacks_end - pos * PLAT_STACK_SIZE;
	write_scr(SCR_FIQ | SCR_AW);		/* NS clear: the Secure banks below */
	isb();
	write_tpidrprw((uintptr_t)p);
	/* The normal world gets VFP/NEON and may run SMP; it cannot mask FIQs. */
	cp15_write(0, c1, c1, 2, NSACR_CP10 | NSACR_CP11 | NSACR_NS_SMP);
	cp15_write(0, c1, c0, 1, cp15_read(0, c1, c0, 1) | ACTLR_SMP);
	/* CNTFRQ is writable only here: what the machine's counter runs at. */
	cp15_write(0, c14, c0, 0, arch_counter_freq());
	isb();
}

/* The Virtualization Extensions are there (ID_PFR1): Hyp mode, CNTVOFF. */
static int have_hyp(void)
{
	return ((cp15_read(0, c0, c1, 1) >> 12) & 0xf) != 0;
}

void cpu_ns_reset(void)
{
	static const uint32_t zero[A32_BANKED_WORDS];
	uint32_t scr = ns_banks_begin();

	cp15_write(0, c1, c0, 0, SCTLR_NS_RESET);	/* SCTLR */
	cp15_write(0, c2, c0, 2, 0);			/* TTBCR */
	cp15_write64(0, c2, 0);				/* TTBR0 */
	cp15_write64(1, c2, 0);				/* TTBR1 */
	cp15_write(0, c3, c0, 0, 0);			/* DACR */
	cp15_write(0, c10, c2, 0, 0);			/* MAIR0 */
	cp15_write(0, c10, c2, 1, 0);			/* MAIR1 */
	cp15_write(0, c12, c0, 0, 0);			/* VBAR */
	cp15_write(0, c13, c0, 1, 0);			/* CONTEXTIDR */
	cp15_write(0, c13, c0, 2, 0);			/* TPIDRURW */
	cp15_write(0, c13, c0, 3, 0);			/* TPIDRURO */
	cp15_write(0, c13, c0, 4, 0);			/* TPIDRPRW */
	cp15_write(0, c14, c1, 0, 0);			/* CNTKCTL */
	cp15_write(0, c14, c2, 1, 0);			/* CNTP_CTL (non-secure) */
	cp15_write(0, c14, c3, 1, 0);			/* CNTV_CTL */
	if (have_hyp())
		cp15_write64(4, c14, 0);		/* CNTVOFF: Monitor mode, NS set */
	ns_banks_end(scr);
	/* The normal world's banked registers: nothing of the old kernel's. */
	arch_a32_banked_load(zero);
	isb();
}

static void __attribute__((noreturn)) enter(uint32_t entry, uint32_t r0, uint32_t r1,
					     uint32_t r2)
{
	struct pcpu *p = this_cpu();

	cpu_ns_reset();
	memset(&p->ctx, 0, sizeof(p->ctx));
	p->ctx.r[0] = r0;
	p->ctx.r[1] = r1;
	p->ctx.r[2] = r2;
	p->ctx.lr = entry;
	p->ctx.spsr = SPSR_SVC_MASKED;
	p->ctx.scr = SCR_NS_WORLD;
	arch_el3_exit(&p->ctx);
}

void cpu_enter_ns(uint64_t entry, uint64_t arg)
{
	enter((uint32_t)entry, (uint32_t)arg, 0, 0);
}

/* Linux's ARM boot protocol: r0 = 0, r1 = ~0 (no machine number: a DT), r2 = the DTB. */
void cpu_enter_kernel(uint64_t entry, uint64_t dtb)
{
	enter((uint32_t)entry, 0, ~0U, (uint32_t)dtb);
}

int arch_inject_undef(struct cpu_ctx *ctx)
{
	uint32_t mode = ctx->spsr & MODE_MASK, scr, sctlr, vbar, cpsr;
	struct tsb_a32_regs a;

	if (mode == MODE_HYP || mode == MODE_MON)
		return -1;
	scr = ns_banks_begin();
	sctlr = cp15_read(0, c1, c0, 0);
	vbar = cp15_read(0, c12, c0, 0);
	ns_banks_end(scr);
	/* What the CPU does for an Undefined Instruction exception. */
	arch_a32_banked_save(&a.sp_usr);
	a.spsr_und = ctx->spsr;
	a.lr_und = ctx->lr + (ctx->spsr & PSR_T ? 2 : 4);
	arch_a32_banked_load(&a.sp_usr);
	cpsr = MODE_UND | PSR_I | (ctx->spsr & PSR_A);
	if (sctlr & SCTLR_TE)
		cpsr |= PSR_T;
	if (sctlr & SCTLR_EE)
		cpsr |= PSR_E;
	ctx->spsr = cpsr;
	ctx->lr = (sctlr & SCTLR_V ? 0xffff0000U : vbar) + 4;
	return 0;
}
