// SPDX-License-Identifier: BSD-3-Clause
/*
 * GICv2 with the Security Extensions, driven from the secure world. Linux
 * owns group 1 (non-secure); the collector keeps only its own interrupts in
 * group 0, which the secure CPU interface signals as FIQs (FIQEn). The SGI
 * and PPI registers are banked per CPU: each CPU programs its own.
 */
#include <stdint.h>
#include <arch.h>
#include <cpu.h>
#include <gic.h>
#include <log.h>
#include <mmio.h>
#include <platform_def.h>

#define GICD_CTLR		0x000
#define GICD_TYPER		0x004
#define GICD_IGROUPR		0x080
#define GICD_ISENABLER		0x100
#define GICD_ICENABLER		0x180
#define GICD_ISPENDR		0x200
#define GICD_ICPENDR		0x280
#define GICD_ISACTIVER		0x300
#define GICD_ICACTIVER		0x380
#define GICD_IPRIORITYR		0x400
#define GICD_ITARGETSR		0x800
#define GICD_SGIR		0xf00
#define GICD_CPENDSGIR		0xf10
#define CTLR_EN_GRP0		(1U << 0)
#define CTLR_EN_GRP1		(1U << 1)

#define GICC_CTLR		0x00
#define GICC_PMR		0x04
#define GICC_BPR		0x08
#define GICC_IAR		0x0c
#define GICC_EOIR		0x10
#define GICC_RPR		0x14
#define GICC_APR0		0xd0
#define GICC_NSAPR0		0xe0
/* Secure GICC_CTLR: both groups signalled, group 0 as FIQ. */
#define GICC_CTLR_S		(1U << 0 | 1U << 1 | 1U << 3)

/* Group-1 priorities must stay >= 0x80 so secure ones always win. */
#define PRIO_NS_DEFAULT		0xa0
#define PRIO_PULL_SGI		0x10

static const uintptr_t gicd = PLAT_GICD_BASE, gicc = PLAT_GICC_BASE;
static unsigned int nr_irqs;
/* Each CPU's interface number (its bit in GICD_ITARGETSR), by position. */
static uint8_t target_of[PLAT_MAX_CPUS];

static unsigned int cpu_target(unsigned int cpu)
{
	const struct pcpu *p = cpu_pcpu(cpu);
	unsigned int pos = p ? (unsigned int)(p - fw_pcpu) : PLAT_MAX_CPUS;

	if (pos >= PLAT_MAX_CPUS || !target_of[pos])
		fw_panic("gicv2: no CPU interface for cpu%u", cpu);
	return target_of[pos];
}

static uint32_t local_group0_mask(void)
{
	return (1U << PLAT_SGI_PULL) | (1U << PLAT_SEC_TIMER_PPI);
}

/* The SGIs in @mask no longer pending on this CPU, from any source (GICD_CPENDSGIR). */
static void clear_sgis_pending(uint32_t mask)
{
	unsigned int sgi;

	for (sgi = 0; sgi < 16; sgi += 4) {
		uint32_t v = 0;
		unsigned int b;

		for (b = 0; b < 4; b++)
			if (mask & (1U << (sgi + b)))
				v |= 0xffU << (8 * b);
		mmio_write32(gicd + GICD_CPENDSGIR + sgi, v);
	}
}

void gic_init(void)
{
	unsigned int i;

	nr_irqs = ((mmio_read32(gicd + GICD_TYPER) & 0x1f) + 1) * 32;
	if (nr_irqs > 1020)
		nr_irqs = 1020;
	mmio_write32(gicd + GICD_CTLR, 0);
	for (i = 32; i < nr_irqs; i += 32) {
		mmio_write32(gicd + GICD_ICENABLER + i / 8, ~0U);
		mmio_write32(gicd + GICD_ICPENDR + i / 8, ~0U);
		mmio_write32(gicd + GICD_ICACTIVER + i / 8, ~0U);
		mmio_write32(gicd + GICD_IGROUPR + i / 8, ~0U);
	}
	for (i = 32; i < nr_irqs; i += 4)
		mmio_write32(gicd + GICD_IPRIORITYR + i, PRIO_NS_DEFAULT * 0x01010101U);
	mmio_write32(gicd + GICD_CTLR, CTLR_EN_GRP0 | CTLR_EN_GRP1);
}

void gic_cpu_init(void)
{
	struct pcpu *p = this_cpu();
	unsigned int i;
	uint8_t target;

	/*
	 * Byte 0 of GICD_ITARGETSR0 reads as this CPU's own interface bit; a GIC
	 * of one CPU reads it as zero and ignores targets (interface 0, bit 0).
	 */
	target = (uint8_t)mmio_read32(gicd + GICD_ITARGETSR);
	target_of[p - fw_pcpu] = target ? target : 1;
	mmio_write32(gicd + GICD_ICENABLER, ~0U);
	mmio_write32(gicd + GICD_ICPENDR, ~0U);
	mmio_write32(gicd + GICD_ICACTIVER, ~0U);
	clear_sgis_pending(~0U);
	mmio_write32(gicd + GICD_IGROUPR, ~local_group0_mask());
	for (i = 0; i < 32; i += 4)
		mmio_write32(gicd + GICD_IPRIORITYR + i, PRIO_NS_DEFAULT * 0x01010101U);
	*(volatile uint8_t *)(gicd + GICD_IPRIORITYR + PLAT_SGI_PULL) = PRIO_PULL_SGI;
	*(volatile uint8_t *)(gicd + GICD_IPRIORITYR + PLAT_SEC_TIMER_PPI) = PRIO_PULL_SGI;
	mmio_write32(gicd + GICD_ISENABLER, local_group0_mask());

	mmio_write32(gicc + GICC_PMR, 0xff);
	mmio_write32(gicc + GICC_BPR, 0);
	mmio_write32(gicc + GICC_CTLR, GICC_CTLR_S);
}

void gic_spi_make_secure(unsigned int intid, uint8_t prio, unsigned int cpu)
{
	uint32_t bit = 1U << (intid % 32);
	uintptr_t reg = (intid / 32) * 4;

	if (intid < 32 || intid >= nr_irqs)
		return;
	mmio_write32(gicd + GICD_ICENABLER + reg, bit);
	mmio_write32(gicd + GICD_IGROUPR + reg, mmio_read32(gicd + GICD_IGROUPR + reg) & ~bit);
	*(volatile uint8_t *)(gicd + GICD_IPRIORITYR + intid) = prio;
	gic_spi_route(intid, cpu);
	mmio_write32(gicd + GICD_ICPENDR + reg, bit);
	mmio_write32(gicd + GICD_ISENABLER + reg, bit);
}

void gic_spi_route(unsigned int intid, unsigned int cpu)
{
	if (intid < 32 || intid >= nr_irqs)
		return;
	*(volatile uint8_t *)(gicd + GICD_ITARGETSR + intid) = (uint8_t)cpu_target(cpu);
}

void gic_spi_set_pending(unsigned int intid)
{
	if (intid < 32 || intid >= nr_irqs)
		return;
	mmio_write32(gicd + GICD_ISPENDR + (intid / 32) * 4, 1U << (intid % 32));
}

void gic_send_sgi0(unsigned int sgi, unsigned int cpu)
{
	/* A secure write with NSATT = 0: the SGI is sent as group 0. */
	arch_mb();
	mmio_write32(gicd + GICD_SGIR, cpu_target(cpu) << 16 | (sgi & 0xf));
}

/*
 * The SGI/PPI registers seen are the calling CPU's own (banked): the lockup
 * detector samples each CPU on that CPU, so @cpu is this one.
 */
int gic_ns_local_pending(unsigned int cpu)
{
	uint32_t ns = ~local_group0_mask();

	(void)cpu;
	return (mmio_read32(gicd + GICD_ISPENDR) & mmio_read32(gicd + GICD_ISENABLER) &
		mmio_read32(gicd + GICD_IGROUPR) & ns) != 0;
}

unsigned int gic_ack_group0(void)
{
	unsigned int id = mmio_read32(gicc + GICC_IAR) & 0x3ff;

	arch_mb();
	return id;
}

void gic_eoi_group0(unsigned int intid)
{
	mmio_write32(gicc + GICC_EOIR, intid);
}

void gic_ns_reset_distributor(void)
{
	unsigned int i;

	for (i = 32; i < nr_irqs; i += 32) {
		uint32_t ns = mmio_read32(gicd + GICD_IGROUPR + i / 8);

		mmio_write32(gicd + GICD_ICENABLER + i / 8, ns);
		mmio_write32(gicd + GICD_ICPENDR + i / 8, ns);
		mmio_write32(gicd + GICD_ICACTIVER + i / 8, ns);
	}
}

/*
 * Runs on the CPU being reset. A CPU seized in the middle of an interrupt of
 * the old kernel keeps its active priority in the CPU interface, which would
 * block every interrupt of the next kernel: end the active ones (a secure
 * EOI of a group-1 interrupt drops its priority) until the running priority
 * is idle again, then the group-1 SGIs and PPIs disabled, not pending, not
 * active.
 */
void gic_ns_reset_cpu(unsigned int cpu)
{
	uint32_t ns = ~local_group0_mask();
	uint32_t active = mmio_read32(gicd + GICD_ISACTIVER) & ns;
	unsigned int tries;

	for (tries = 0; tries < 64 && (mmio_read32(gicc + GICC_RPR) & 0xff) != 0xff; tries++) {
		/* Its own SGIs and PPIs first; then the timer PPI, an interrupt of group 1. */
		unsigned int id = active ? (unsigned int)__builtin_ctz(active) : 27;

		mmio_write32(gicc + GICC_EOIR, id);
		active &= active - 1;
	}
	if ((mmio_read32(gicc + GICC_RPR) & 0xff) != 0xff) {
		mmio_write32(gicc + GICC_NSAPR0, 0);
		WARN("gicv2: active priority left on cpu%u", cpu);
	}
	mmio_write32(gicd + GICD_ICENABLER, ns);
	mmio_write32(gicd + GICD_ICPENDR, ns);
	mmio_write32(gicd + GICD_ICACTIVER, ns);
	clear_sgis_pending(ns);
}
