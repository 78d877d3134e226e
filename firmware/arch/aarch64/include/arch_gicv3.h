/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The GICv3 CPU interface of an AArch64 CPU at EL3: its system registers
 * (drivers/gicv3.c keeps the distributor and redistributors, which are MMIO).
 */
#ifndef ARCH_GICV3_H
#define ARCH_GICV3_H
#include <stdint.h>
#include <arch.h>

#define ICC_SRE_EL3		S3_6_C12_C12_5
#define ICC_SRE_EL1		S3_0_C12_C12_5
#define ICC_CTLR_EL3		S3_6_C12_C12_4
#define ICC_CTLR_EL1		S3_0_C12_C12_4
#define ICC_PMR_EL1		S3_0_C4_C6_0
#define ICC_IGRPEN0_EL1		S3_0_C12_C12_6
#define ICC_IGRPEN1_EL1		S3_0_C12_C12_7
#define ICC_IGRPEN1_EL3		S3_6_C12_C12_7
#define ICC_IAR0_EL1		S3_0_C12_C8_0
#define ICC_EOIR0_EL1		S3_0_C12_C8_1
#define ICC_EOIR1_EL1		S3_0_C12_C12_1
#define ICC_AP1R0_EL1		S3_0_C12_C9_0
#define ICC_BPR1_EL1		S3_0_C12_C12_3
#define ICC_SGI0R_EL1		S3_0_C12_C11_7

/* Expand the S3_* names before read_sysreg() stringifies them. */
#define ICC_RD(r)		read_sysreg_x(r)
#define ICC_WR(r, v)		write_sysreg_x(r, v)
#define read_sysreg_x(r)	read_sysreg(r)
#define write_sysreg_x(r, v)	write_sysreg(r, v)

/* System-register access, group 0 and group 1 on, all priorities unmasked. */
static inline void arch_gicv3_cpuif_init(void)
{
	ICC_WR(ICC_SRE_EL3, 0xf);
	isb();
	ICC_WR(ICC_SRE_EL1, 0x7);
	ICC_WR(ICC_CTLR_EL3, 0);
	ICC_WR(ICC_PMR_EL1, 0xff);
	ICC_WR(ICC_IGRPEN0_EL1, 1);
	ICC_WR(ICC_IGRPEN1_EL3, 1);
	isb();
}

/* Send a group-0 SGI: @v is ICC_SGI0R's value (INTID, affinity, target list). */
static inline void arch_gicv3_sgi0(uint64_t v)
{
	dsb_sy();
	ICC_WR(ICC_SGI0R_EL1, v);
	isb();
}

static inline unsigned int arch_gicv3_ack0(void)
{
	unsigned int id = (unsigned int)ICC_RD(ICC_IAR0_EL1) & 0xffffff;

	dsb_sy();
	return id;
}

static inline void arch_gicv3_eoi0(unsigned int intid)
{
	ICC_WR(ICC_EOIR0_EL1, intid);
	isb();
}

/*
 * A CPU parked by Linux with an unacknowledged IPI keeps an active priority
 * in its non-secure CPU interface that would block every interrupt of the
 * next kernel. Writes to ICC_AP1R0_EL1 are ignored by QEMU here, so drop the
 * priorities by EOI (with SCR_EL3.NS=1, the non-secure banked view) of the
 * INTIDs in @active until none is left; then group 1 off, the binary point
 * and priority mask back to reset. Returns nonzero if a priority stayed.
 */
static inline int arch_gicv3_ns_cpuif_reset(uint32_t active)
{
	uint64_t scr = read_sysreg(scr_el3), ap;
	unsigned int tries;
	int left;

	write_sysreg(scr_el3, scr | SCR_NS);
	isb();
	ICC_WR(ICC_CTLR_EL1, 0);	/* EOImode 0: EOI also deactivates */
	isb();
	for (tries = 0; tries < 64 && ICC_RD(ICC_AP1R0_EL1); tries++) {
		unsigned int id = active ? (unsigned int)__builtin_ctz(active) : 0;

		ICC_WR(ICC_EOIR1_EL1, id);
		isb();
		active &= active - 1;
	}
	ap = ICC_RD(ICC_AP1R0_EL1);
	left = ap != 0;
	ICC_WR(ICC_IGRPEN1_EL1, 0);
	ICC_WR(ICC_BPR1_EL1, 0);
	isb();
	write_sysreg(scr_el3, scr);
	isb();
	ICC_WR(ICC_PMR_EL1, 0xff);
	return left;
}

#endif
