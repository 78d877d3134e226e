// SPDX-License-Identifier: BSD-3-Clause
/*
 * AArch64 per-CPU EL3 set-up and the switch into the normal world.
 */
#include <stdint.h>
#include <string.h>
#include <arch.h>
#include <cpu.h>
#include <plat.h>
#include <platform_def.h>

/* Compile-time checks of the offsets entry.S uses. */
_Static_assert(__builtin_offsetof(struct cpu_ctx, sp_el0) == CTX_SP_EL0, "ctx");
_Static_assert(__builtin_offsetof(struct cpu_ctx, elr) == CTX_ELR, "ctx");
_Static_assert(__builtin_offsetof(struct cpu_ctx, spsr) == CTX_SPSR, "ctx");
_Static_assert(__builtin_offsetof(struct cpu_ctx, scr) == CTX_SCR, "ctx");
_Static_assert(sizeof(struct cpu_ctx) == CTX_SIZE, "ctx");
_Static_assert(__builtin_offsetof(struct pcpu, stack_top) == PCPU_STACK_TOP, "pcpu");

extern char __stacks_end[];

void arch_capture_ns(struct tsb_cpu_record *r, const struct cpu_ctx *ctx, unsigned int cpu)
{
	memset(r, 0, sizeof(*r));
	r->valid = 1;
	r->cpu = cpu;
	r->mpidr = read_sysreg(mpidr_el1) & 0xff00ffffffULL;
	memcpy(r->x, ctx->x, sizeof(r->x));
	r->sp_el0 = ctx->sp_el0;
	r->sp_el1 = read_sysreg(sp_el1);
	r->pc = ctx->elr;
	r->pstate = ctx->spsr;
	r->elr_el1 = read_sysreg(elr_el1);
	r->spsr_el1 = read_sysreg(spsr_el1);
	r->sctlr_el1 = read_sysreg(sctlr_el1);
	r->ttbr0_el1 = read_sysreg(ttbr0_el1);
	r->ttbr1_el1 = read_sysreg(ttbr1_el1);
	r->tcr_el1 = read_sysreg(tcr_el1);
	r->mair_el1 = read_sysreg(mair_el1);
	r->vbar_el1 = read_sysreg(vbar_el1);
	r->esr_el1 = read_sysreg(esr_el1);
	r->far_el1 = read_sysreg(far_el1);
	r->tpidr_el1 = read_sysreg(tpidr_el1);
	r->tpidr_el0 = read_sysreg(tpidr_el0);
}

#define CPTR_EL3_RESET	0
#define MDCR_EL3_RESET	0
#define HCR_RW		(1UL << 31)

static int have_el2(void)
{
	return ((read_sysreg(id_aa64pfr0_el1) >> 8) & 0xf) != 0;
}

void cpu_el3_init(unsigned int pos)
{
	struct pcpu *p = &fw_pcpu[pos];

	p->mpidr = read_sysreg(mpidr_el1) & 0xff00ffffffULL;
	p->stack_top = (uint64_t)__stacks_end - pos * PLAT_STACK_SIZE;
	write_sysreg(tpidr_el3, p);
	write_sysreg(cptr_el3, CPTR_EL3_RESET);
	write_sysreg(mdcr_el3, MDCR_EL3_RESET);
	write_sysreg(scr_el3, SCR_RES1 | SCR_RW | SCR_FIQ);
	isb();
}

void cpu_ns_reset(void)
{
	write_sysreg(sctlr_el1, SCTLR_EL1_RESET);
	write_sysreg(vbar_el1, 0);
	write_sysreg(ttbr0_el1, 0);
	write_sysreg(ttbr1_el1, 0);
	write_sysreg(tcr_el1, 0);
	write_sysreg(mair_el1, 0);
	write_sysreg(cpacr_el1, 0);
	write_sysreg(contextidr_el1, 0);
	write_sysreg(tpidr_el1, 0);
	write_sysreg(tpidr_el0, 0);
	write_sysreg(tpidrro_el0, 0);
	write_sysreg(sp_el1, 0);
	write_sysreg(elr_el1, 0);
	write_sysreg(spsr_el1, 0);
	write_sysreg(cntkctl_el1, 0);
	write_sysreg(cntp_ctl_el0, 0);
	write_sysreg(cntv_ctl_el0, 0);
	if (have_el2()) {
		write_sysreg(hcr_el2, HCR_RW);
		write_sysreg(cnthctl_el2, 3);
		write_sysreg(cntvoff_el2, 0);
		write_sysreg(vttbr_el2, 0);
	}
	isb();
}

void cpu_enter_ns(uint64_t entry, uint64_t arg)
{
	struct pcpu *p = this_cpu();

	cpu_ns_reset();
	memset(&p->ctx, 0, sizeof(p->ctx));
	p->ctx.x[0] = arg;
	p->ctx.elr = entry;
	p->ctx.spsr = SPSR_EL1H_MASKED;
	p->ctx.scr = SCR_NS_EL1;
	arch_el3_exit(&p->ctx);
}

/* The arm64 boot protocol: x0 = the DTB, as for any entry. */
void cpu_enter_kernel(uint64_t entry, uint64_t dtb)
{
	cpu_enter_ns(entry, dtb);
}

int arch_inject_undef(struct cpu_ctx *ctx)
{
	uint64_t spsr = ctx->spsr, vector;

	if (spsr & (1U << 4))
		return -1;		/* AArch32: not the normal world's state here */
	switch ((spsr >> 2) & 3) {
	case 0:
		vector = 0x400;		/* lower EL, AArch64 */
		break;
	case 1:
		vector = spsr & 1 ? 0x200 : 0x000;	/* current EL, SP_ELx or SP_EL0 */
		break;
	default:
		return -1;		/* EL2: Linux does not run there on this platform */
	}
	/* What the CPU does for an Undefined Instruction exception taken to EL1. */
	write_sysreg(elr_el1, ctx->elr);
	write_sysreg(spsr_el1, spsr);
	write_sysreg(esr_el1, ESR_IL);	/* EC 0: unknown reason */
	ctx->elr = read_sysreg(vbar_el1) + vector;
	ctx->spsr = SPSR_EL1H_MASKED;
	return 0;
}
