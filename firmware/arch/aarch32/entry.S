/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARMv7-A reset entry, monitor vectors and the normal-world context switch.
 * Every CPU enters at the reset vector in Secure SVC; the firmware then runs
 * in Monitor mode only. While the normal world runs, SP_mon points at the
 * CPU's struct cpu_ctx (the first member of its struct pcpu), so an entry
 * can save r0-r12 before it has a free register. Everything else is C.
 */
#include <arch.h>
#include <platform_def.h>

	.syntax unified
	.arm

	.section .text.reset, "ax"
	.global _start
_start:
	cpsid	aif
	ldr	r0, =secure_vectors
	mcr	p15, 0, r0, c12, c0, 0		@ VBAR (secure): the firmware's own faults
	ldr	r0, =monitor_vectors
	mcr	p15, 0, r0, c12, c0, 1		@ MVBAR
	mrc	p15, 0, r0, c1, c0, 0		@ SCTLR (secure)
	bic	r0, r0, #(1 << 13)		@ V: vectors at VBAR
	bic	r0, r0, #(1 << 30)		@ TE: exceptions in ARM state
	bic	r0, r0, #(1 << 1)		@ A: no alignment faults (normal memory)
	mcr	p15, 0, r0, c1, c0, 0
	isb
	/* Linear CPU index from MPIDR: Aff1 * cluster size + Aff0. */
	mrc	p15, 0, r0, c0, c0, 5
	ubfx	r1, r0, #8, #8
	and	r0, r0, #0xff
	cmp	r0, #PLAT_CLUSTER_SIZE
	bhs	cpu_unsupported
	mov	r2, #PLAT_CLUSTER_SIZE
	mla	r4, r1, r2, r0
	cmp	r4, #PLAT_MAX_CPUS
	bhs	cpu_unsupported
	cps	#MODE_MON
	bl	set_stack
	cmp	r4, #0
	bne	secondary_wait

	/* CPU0: C runtime. Copy .data from flash, zero .bss. */
	ldr	r0, =__data_start
	ldr	r1, =__data_load
	ldr	r2, =__data_end
1:	cmp	r0, r2
	bhs	2f
	ldr	r3, [r1], #4
	str	r3, [r0], #4
	b	1b
2:	ldr	r0, =__bss_start
	ldr	r2, =__bss_end
	mov	r3, #0
3:	cmp	r0, r2
	bhs	4f
	str	r3, [r0], #4
	b	3b
4:	mov	r0, r4
	bl	fw_main_primary
	b	cpu_unsupported

secondary_wait:
	/* Wait for CPU0 to finish the C runtime before touching any global. */
	ldr	r0, =fw_ready
5:	ldr	r1, [r0]
	cmp	r1, #0
	bne	6f
	wfe
	b	5b
6:	dmb	ish
	mov	r0, r4
	bl	fw_main_secondary
cpu_unsupported:
	wfi
	b	cpu_unsupported

/* sp = __stacks_end - index * PLAT_STACK_SIZE; index in r4. */
set_stack:
	ldr	r0, =__stacks_end
	mov	r1, #PLAT_STACK_SIZE
	mls	r0, r4, r1, r0
	mov	sp, r0
	bx	lr

	.text
/*
 * Save the normal world's r0-r12, resume address, CPSR and SCR into the
 * context SP_mon points at; clear SCR.NS, so that CP15 accesses reach the
 * Secure banks while the monitor runs; switch to this CPU's stack. Leaves
 * r0 = context.
 */
.macro save_ns_ctx
	stm	sp, {r0-r12}
	str	lr, [sp, #CTX_LR]
	mrs	r0, spsr
	str	r0, [sp, #CTX_SPSR]
	mrc	p15, 0, r0, c1, c1, 0		@ SCR
	str	r0, [sp, #CTX_SCR]
	bic	r0, r0, #SCR_NS
	mcr	p15, 0, r0, c1, c1, 0
	isb
	mov	r0, sp
	ldr	sp, [r0, #PCPU_STACK_TOP]
.endm

	.balign	32
monitor_vectors:
	b	mon_bad			@ reset: not taken to Monitor mode
	b	mon_bad			@ undefined: idem
	b	mon_smc			@ SMC
	b	mon_bad			@ prefetch abort: SCR.EA = 0, never here
	b	mon_bad			@ data abort: idem
	b	mon_bad
	b	mon_irq			@ IRQ: SCR.IRQ = 0, never here
	b	mon_fiq			@ FIQ: the collector's group 0

mon_smc:
	save_ns_ctx
	bl	smc_handle
	b	mon_return
mon_fiq:
	sub	lr, lr, #4		@ the interrupted instruction
	save_ns_ctx
	bl	el3_fiq_handler
	b	mon_return
mon_irq:
	sub	lr, lr, #4
	save_ns_ctx
	bl	el3_unexpected_handler
	b	mon_return

mon_return:
	mrc	p15, 0, r0, c13, c0, 4		@ TPIDRPRW (secure): this CPU's pcpu
	/* fall through */

/* void arch_el3_exit(struct cpu_ctx *ctx) */
	.global arch_el3_exit
arch_el3_exit:
	mov	sp, r0
	ldr	r1, [sp, #CTX_SPSR]
	msr	spsr_fsxc, r1
	ldr	lr, [sp, #CTX_LR]
	ldr	r1, [sp, #CTX_SCR]
	mcr	p15, 0, r1, c1, c1, 0		@ SCR: NS again
	isb
	ldm	sp, {r0-r12}
	movs	pc, lr

/* void arch_reset_stack_and_call(void (*fn)(void)) */
	.global arch_reset_stack_and_call
arch_reset_stack_and_call:
	mrc	p15, 0, r1, c13, c0, 4
	ldr	sp, [r1, #PCPU_STACK_TOP]
	mov	fp, #0
	blx	r0
	b	cpu_unsupported

/*
 * The normal world's banked registers, 22 words in the order of struct
 * tsb_a32_regs from sp_usr on: SP, LR of System (= User) mode; SP, LR, SPSR of
 * SVC, Abort, Undefined and IRQ; r8-r12, SP, LR, SPSR of FIQ. The monitor
 * reaches them by visiting each mode (interrupts stay masked): MRS/MSR of
 * banked registers would need the Virtualization Extensions.
 *
 * void arch_a32_banked_save(uint32_t *out)
 * void arch_a32_banked_load(const uint32_t *in)
 */
.macro save_mode mode
	cps	#\mode
	mov	r1, sp
	mov	r2, lr
	mrs	r3, spsr
	stmia	r0!, {r1-r3}
.endm
.macro load_mode mode
	cps	#\mode
	ldmia	r0!, {r1-r3}
	mov	sp, r1
	mov	lr, r2
	msr	spsr_fsxc, r3
.endm

	.global arch_a32_banked_save
arch_a32_banked_save:
	cps	#MODE_SYS
	mov	r1, sp
	mov	r2, lr
	stmia	r0!, {r1-r2}
	save_mode MODE_SVC
	save_mode MODE_ABT
	save_mode MODE_UND
	save_mode MODE_IRQ
	cps	#MODE_FIQ
	stmia	r0!, {r8-r12}
	save_mode MODE_FIQ
	cps	#MODE_MON
	bx	lr

	.global arch_a32_banked_load
arch_a32_banked_load:
	cps	#MODE_SYS
	ldmia	r0!, {r1-r2}
	mov	sp, r1
	mov	lr, r2
	load_mode MODE_SVC
	load_mode MODE_ABT
	load_mode MODE_UND
	load_mode MODE_IRQ
	cps	#MODE_FIQ
	ldmia	r0!, {r8-r12}
	load_mode MODE_FIQ
	cps	#MODE_MON
	bx	lr

/* An exception the monitor vectors never expect. */
mon_bad:
	mrs	r0, cpsr
	mov	r1, lr
	mrs	r2, spsr
	bl	el3_panic_exception
	b	cpu_unsupported

/*
 * An exception taken in the secure world itself (a firmware bug): into a
 * secure PL1 mode, on whatever stack that mode had. Report it from Monitor
 * mode, on the stack the monitor was using, and stop.
 */
	.balign	32
secure_vectors:
	b	sec_bad
	b	sec_bad
	b	sec_bad
	b	sec_bad
	b	sec_bad
	b	sec_bad
	b	sec_bad
	b	sec_bad
sec_bad:
	mrs	r0, cpsr			@ the mode says which exception
	mov	r1, lr
	mrc	p15, 0, r2, c6, c0, 0		@ DFAR
	cps	#MODE_MON
	bl	el3_panic_exception
	b	cpu_unsupported

	.section .note.GNU-stack, "", %progbits
