/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EL3 reset entry, exception vectors and the normal-world context switch.
 * Everything else is C.
 */
#include <arch.h>
#include <platform_def.h>

	.section .text.reset, "ax"
	.global _start
_start:
	msr	daifset, #0xf
	adr	x0, el3_vectors
	msr	vbar_el3, x0
	isb
	/* Linear CPU index from MPIDR: Aff1 * cluster size + Aff0. */
	mrs	x0, mpidr_el1
	ubfx	x1, x0, #8, #8
	and	x0, x0, #0xff
	mov	x2, #PLAT_CLUSTER_SIZE
	madd	x19, x1, x2, x0
	cmp	x19, #PLAT_MAX_CPUS
	b.hs	cpu_unsupported
	bl	set_stack
	cbnz	x19, secondary_wait

	/* CPU0: C runtime. Copy .data from flash, zero .bss. */
	ldr	x0, =__data_start
	ldr	x1, =__data_load
	ldr	x2, =__data_end
1:	cmp	x0, x2
	b.hs	2f
	ldr	x3, [x1], #8
	str	x3, [x0], #8
	b	1b
2:	ldr	x0, =__bss_start
	ldr	x2, =__bss_end
3:	cmp	x0, x2
	b.hs	4f
	str	xzr, [x0], #8
	b	3b
4:	mov	x0, x19
	bl	fw_main_primary
	b	cpu_unsupported

secondary_wait:
	/* Wait for CPU0 to finish the C runtime before touching any global. */
	ldr	x0, =fw_ready
5:	ldar	w1, [x0]
	cbnz	w1, 6f
	wfe
	b	5b
6:	mov	x0, x19
	bl	fw_main_secondary
cpu_unsupported:
	wfi
	b	cpu_unsupported

/* sp = __stacks_end - index * PLAT_STACK_SIZE; index in x19. */
set_stack:
	ldr	x0, =__stacks_end
	mov	x1, #PLAT_STACK_SIZE
	msub	x0, x19, x1, x0
	mov	sp, x0
	ret

	.text
/*
 * Save the lower EL's registers into the per-CPU context (TPIDR_EL3 points at
 * it) and switch to this CPU's fresh EL3 stack. Leaves x0 = context.
 */
.macro save_ns_ctx
	stp	x0, x1, [sp, #-16]!
	mrs	x0, tpidr_el3
	stp	x2, x3, [x0, #CTX_X0 + 16]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #CTX_X0]
	stp	x4, x5, [x0, #CTX_X0 + 32]
	stp	x6, x7, [x0, #CTX_X0 + 48]
	stp	x8, x9, [x0, #CTX_X0 + 64]
	stp	x10, x11, [x0, #CTX_X0 + 80]
	stp	x12, x13, [x0, #CTX_X0 + 96]
	stp	x14, x15, [x0, #CTX_X0 + 112]
	stp	x16, x17, [x0, #CTX_X0 + 128]
	stp	x18, x19, [x0, #CTX_X0 + 144]
	stp	x20, x21, [x0, #CTX_X0 + 160]
	stp	x22, x23, [x0, #CTX_X0 + 176]
	stp	x24, x25, [x0, #CTX_X0 + 192]
	stp	x26, x27, [x0, #CTX_X0 + 208]
	stp	x28, x29, [x0, #CTX_X0 + 224]
	str	x30, [x0, #CTX_X0 + 240]
	mrs	x1, sp_el0
	str	x1, [x0, #CTX_SP_EL0]
	mrs	x1, elr_el3
	mrs	x2, spsr_el3
	stp	x1, x2, [x0, #CTX_ELR]
	mrs	x1, scr_el3
	str	x1, [x0, #CTX_SCR]
	ldr	x1, [x0, #PCPU_STACK_TOP]
	mov	sp, x1
.endm

.macro vector_entry label
	.balign	0x80
	b	\label
.endm

	.balign	0x800
el3_vectors:
	/* Current EL with SP_EL0 */
	vector_entry	el3_bad
	vector_entry	el3_bad
	vector_entry	el3_bad
	vector_entry	el3_bad
	/* Current EL with SP_ELx: a firmware bug */
	vector_entry	el3_bad
	vector_entry	el3_bad
	vector_entry	el3_bad
	vector_entry	el3_bad
	/* Lower EL, AArch64 */
	vector_entry	lower_sync
	vector_entry	lower_irq
	vector_entry	lower_fiq
	vector_entry	lower_serror
	/* Lower EL, AArch32 */
	vector_entry	lower_sync
	vector_entry	lower_irq
	vector_entry	lower_fiq
	vector_entry	lower_serror

lower_sync:
	save_ns_ctx
	bl	el3_sync_handler
	b	el3_return
lower_fiq:
	save_ns_ctx
	bl	el3_fiq_handler
	b	el3_return
lower_irq:
lower_serror:
	save_ns_ctx
	bl	el3_unexpected_handler
	b	el3_return

el3_return:
	mrs	x0, tpidr_el3
	/* fall through */

/* void arch_el3_exit(struct cpu_ctx *ctx) */
	.global arch_el3_exit
arch_el3_exit:
	ldr	x1, [x0, #PCPU_STACK_TOP]
	mov	sp, x1
	ldp	x1, x2, [x0, #CTX_ELR]
	msr	elr_el3, x1
	msr	spsr_el3, x2
	ldr	x1, [x0, #CTX_SCR]
	msr	scr_el3, x1
	ldr	x1, [x0, #CTX_SP_EL0]
	msr	sp_el0, x1
	ldp	x2, x3, [x0, #CTX_X0 + 16]
	ldp	x4, x5, [x0, #CTX_X0 + 32]
	ldp	x6, x7, [x0, #CTX_X0 + 48]
	ldp	x8, x9, [x0, #CTX_X0 + 64]
	ldp	x10, x11, [x0, #CTX_X0 + 80]
	ldp	x12, x13, [x0, #CTX_X0 + 96]
	ldp	x14, x15, [x0, #CTX_X0 + 112]
	ldp	x16, x17, [x0, #CTX_X0 + 128]
	ldp	x18, x19, [x0, #CTX_X0 + 144]
	ldp	x20, x21, [x0, #CTX_X0 + 160]
	ldp	x22, x23, [x0, #CTX_X0 + 176]
	ldp	x24, x25, [x0, #CTX_X0 + 192]
	ldp	x26, x27, [x0, #CTX_X0 + 208]
	ldp	x28, x29, [x0, #CTX_X0 + 224]
	ldr	x30, [x0, #CTX_X0 + 240]
	ldp	x0, x1, [x0, #CTX_X0]
	eret

/* void arch_reset_stack_and_call(void (*fn)(void)) */
	.global arch_reset_stack_and_call
arch_reset_stack_and_call:
	mrs	x1, tpidr_el3
	ldr	x1, [x1, #PCPU_STACK_TOP]
	mov	sp, x1
	mov	x29, xzr
	blr	x0
	b	cpu_unsupported

el3_bad:
	mrs	x0, esr_el3
	mrs	x1, elr_el3
	mrs	x2, far_el3
	bl	el3_panic_exception
	b	cpu_unsupported

/*
 * void arch_dcache_clean_inval(uintptr_t addr, uint64_t size)
 * Clean and invalidate to the point of coherency, by VA.
 */
	.global arch_dcache_clean_inval
arch_dcache_clean_inval:
	cbz	x1, 2f
	mrs	x3, ctr_el0
	ubfx	x3, x3, #16, #4
	mov	x2, #4
	lsl	x2, x2, x3		/* line size in bytes */
	add	x1, x0, x1
	sub	x3, x2, #1
	bic	x0, x0, x3
1:	dc	civac, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	1b
	dsb	sy
2:	ret

	.global arch_icache_inval_all
arch_icache_inval_all:
	ic	ialluis
	dsb	ish
	isb
	ret
