// SPDX-License-Identifier: BSD-3-Clause
/*
 * GICv3 at EL3. Linux owns group 1 (non-secure); the collector keeps only
 * its own interrupts in group 0, delivered as FIQs to EL3 (SCR_EL3.FIQ).
 */
#include <stdint.h>
#include <arch.h>
#include <arch_gicv3.h>
#include <fw_time.h>
#include <cpu.h>
#include <gic.h>
#include <log.h>
#include <mmio.h>
#include <plat.h>
#include <platform_def.h>

#define GICD_CTLR		0x0000
#define GICD_TYPER		0x0004
#define GICD_IGROUPR		0x0080
#define GICD_ISENABLER		0x0100
#define GICD_ICENABLER		0x0180
#define GICD_ISPENDR		0x0200
#define GICD_ICPENDR		0x0280
#define GICD_ICACTIVER		0x0380
#define GICD_IPRIORITYR		0x0400
#define GICD_IGRPMODR		0x0d00
#define GICD_IROUTER		0x6000
#define CTLR_EN_GRP0		(1U << 0)
#define CTLR_EN_GRP1NS		(1U << 1)
#define CTLR_ARE_S		(1U << 4)
#define CTLR_ARE_NS		(1U << 5)
#define CTLR_RWP		(1U << 31)

#define GICR_CTLR		0x0000
#define GICR_TYPER		0x0008
#define GICR_WAKER		0x0014
#define GICR_SGI		0x10000
#define WAKER_PS		(1U << 1)
#define WAKER_CA		(1U << 2)
#define TYPER_LAST		(1U << 4)

/* Group-1 priorities must stay >= 0x80 so secure ones always win. */
#define PRIO_NS_DEFAULT		0xa0
#define PRIO_PULL_SGI		0x10

static const uintptr_t gicd_base = PLAT_GICD_BASE, gicr_base = PLAT_GICR_BASE;
static unsigned int nr_irqs;

static uint64_t cpu_mpidr(unsigned int cpu)
{
	const struct pcpu *p = cpu_pcpu(cpu);

	if (!p)
		fw_panic("gicv3: no cpu%u", cpu);
	return p->mpidr;
}

static void gicv3_distributor_init(void);

void gic_init(void)
{
	nr_irqs = ((mmio_read32(gicd_base + GICD_TYPER) & 0x1f) + 1) * 32;
	if (nr_irqs > 1020)
		nr_irqs = 1020;
	gicv3_distributor_init();
}

static void gicd_wait_rwp(void)
{
	uint64_t deadline = fw_deadline_us(10000);

	while (mmio_read32(gicd_base + GICD_CTLR) & CTLR_RWP)
		if (fw_deadline_passed(deadline)) {
			WARN("gicv3: distributor RWP stuck");
			return;
		}
}

static void gicv3_distributor_init(void)
{
	unsigned int i;

	mmio_write32(gicd_base + GICD_CTLR, 0);
	gicd_wait_rwp();
	for (i = 32; i < nr_irqs; i += 32) {
		mmio_write32(gicd_base + GICD_ICENABLER + i / 8, ~0U);
		mmio_write32(gicd_base + GICD_ICPENDR + i / 8, ~0U);
		mmio_write32(gicd_base + GICD_ICACTIVER + i / 8, ~0U);
		mmio_write32(gicd_base + GICD_IGROUPR + i / 8, ~0U);
		mmio_write32(gicd_base + GICD_IGRPMODR + i / 8, 0);
	}
	for (i = 32; i < nr_irqs; i += 4)
		mmio_write32(gicd_base + GICD_IPRIORITYR + i,
			     PRIO_NS_DEFAULT * 0x01010101U);
	mmio_write32(gicd_base + GICD_CTLR, CTLR_ARE_S | CTLR_ARE_NS);
	gicd_wait_rwp();
	mmio_write32(gicd_base + GICD_CTLR,
		     CTLR_ARE_S | CTLR_ARE_NS | CTLR_EN_GRP0 | CTLR_EN_GRP1NS);
	gicd_wait_rwp();
}

static uint64_t mpidr_to_aff(uint64_t mpidr)
{
	return (mpidr & 0xffffff) | ((mpidr >> 32 & 0xff) << 24);
}

/*
 * The redistributor of the CPU with @mpidr. Found once by walking GICR_TYPER,
 * then cached: the lockup detector asks on every sample of every CPU.
 */
static uintptr_t rdist_for(uint64_t mpidr)
{
	static uintptr_t cache[PLAT_MAX_CPUS];
	uint64_t aff = mpidr_to_aff(mpidr);
	int pos = plat_core_pos(mpidr);
	uintptr_t rd = gicr_base;
	unsigned int n;

	if (pos >= 0 && pos < PLAT_MAX_CPUS && cache[pos])
		return cache[pos];
	for (n = 0; n < 256; n++, rd += PLAT_GICR_STRIDE) {
		uint64_t typer = mmio_read64(rd + GICR_TYPER);

		if ((typer >> 32) == aff) {
			if (pos >= 0 && pos < PLAT_MAX_CPUS)
				cache[pos] = rd;
			return rd;
		}
		if (typer & TYPER_LAST)
			break;
	}
	fw_panic("gicv3: no redistributor for MPIDR 0x%llx", (unsigned long long)mpidr);
}

/* Bits of the SGI/PPI range owned by the secure world. */
static uint32_t local_group0_mask(void)
{
	return (1U << PLAT_SGI_PULL) | (1U << PLAT_SEC_TIMER_PPI);
}

void gic_cpu_init(void)
{
	uintptr_t rd = rdist_for(this_cpu()->mpidr);
	uintptr_t sgi = rd + GICR_SGI;
	uint64_t deadline = fw_deadline_us(10000);
	unsigned int i;

	mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~WAKER_PS);
	while (mmio_read32(rd + GICR_WAKER) & WAKER_CA)
		if (fw_deadline_passed(deadline)) {
			WARN("gicv3: redistributor did not wake");
			break;
		}
	mmio_write32(sgi + GICD_ICENABLER, ~0U);
	mmio_write32(sgi + GICD_ICPENDR, ~0U);
	mmio_write32(sgi + GICD_ICACTIVER, ~0U);
	mmio_write32(sgi + GICD_IGROUPR, ~local_group0_mask());
	mmio_write32(sgi + GICD_IGRPMODR, 0);
	for (i = 0; i < 32; i += 4)
		mmio_write32(sgi + GICD_IPRIORITYR + i, PRIO_NS_DEFAULT * 0x01010101U);
	*(volatile uint8_t *)(sgi + GICD_IPRIORITYR + PLAT_SGI_PULL) = PRIO_PULL_SGI;
	*(volatile uint8_t *)(sgi + GICD_IPRIORITYR + PLAT_SEC_TIMER_PPI) = PRIO_PULL_SGI;
	mmio_write32(sgi + GICD_ISENABLER, local_group0_mask());

	arch_gicv3_cpuif_init();
}

void gic_spi_make_secure(unsigned int intid, uint8_t prio, unsigned int cpu)
{
	uint32_t bit = 1U << (intid % 32);
	uintptr_t reg = (intid / 32) * 4;

	if (intid < 32 || intid >= nr_irqs)
		return;
	mmio_write32(gicd_base + GICD_ICENABLER + reg, bit);
	mmio_write32(gicd_base + GICD_IGROUPR + reg,
		     mmio_read32(gicd_base + GICD_IGROUPR + reg) & ~bit);
	mmio_write32(gicd_base + GICD_IGRPMODR + reg,
		     mmio_read32(gicd_base + GICD_IGRPMODR + reg) & ~bit);
	*(volatile uint8_t *)(gicd_base + GICD_IPRIORITYR + intid) = prio;
	gic_spi_route(intid, cpu);
	mmio_write32(gicd_base + GICD_ICPENDR + reg, bit);
	mmio_write32(gicd_base + GICD_ISENABLER + reg, bit);
}

void gic_spi_route(unsigned int intid, unsigned int cpu)
{
	uint64_t mpidr = cpu_mpidr(cpu);

	if (intid < 32 || intid >= nr_irqs)
		return;
	/* GICD_IROUTER takes the affinity fields where MPIDR has them. */
	mmio_write64(gicd_base + GICD_IROUTER + intid * 8, mpidr & 0xff00ffffffULL);
}

void gic_spi_set_pending(unsigned int intid)
{
	if (intid < 32 || intid >= nr_irqs)
		return;
	mmio_write32(gicd_base + GICD_ISPENDR + (intid / 32) * 4, 1U << (intid % 32));
}

void gic_send_sgi0(unsigned int sgi, unsigned int cpu)
{
	uint64_t mpidr = cpu_mpidr(cpu);
	uint64_t v = ((uint64_t)(sgi & 0xf) << 24) |
		     (1ULL << (mpidr & 0xf)) |
		     (((mpidr >> 8) & 0xff) << 16) |
		     (((mpidr >> 16) & 0xff) << 32) |
		     (((mpidr >> 32) & 0xff) << 48);

	arch_gicv3_sgi0(v);
}

int gic_ns_local_pending(unsigned int cpu)
{
	uintptr_t sgi = rdist_for(cpu_mpidr(cpu)) + GICR_SGI;
	uint32_t ns = ~local_group0_mask();

	return (mmio_read32(sgi + GICD_ISPENDR) & mmio_read32(sgi + GICD_ISENABLER) &
		mmio_read32(sgi + GICD_IGROUPR) & ns) != 0;
}

unsigned int gic_ack_group0(void)
{
	return arch_gicv3_ack0();
}

void gic_eoi_group0(unsigned int intid)
{
	arch_gicv3_eoi0(intid);
}

void gic_ns_reset_distributor(void)
{
	unsigned int i;

	for (i = 32; i < nr_irqs; i += 32) {
		uint32_t ns = mmio_read32(gicd_base + GICD_IGROUPR + i / 8);

		mmio_write32(gicd_base + GICD_ICENABLER + i / 8, ns);
		mmio_write32(gicd_base + GICD_ICPENDR + i / 8, ns);
		mmio_write32(gicd_base + GICD_ICACTIVER + i / 8, ns);
	}
	gicd_wait_rwp();
}

/*
 * Runs on the CPU being reset: its non-secure CPU interface back to reset
 * (arch_gicv3_ns_cpuif_reset(), given the active interrupts to EOI), then
 * its SGIs and PPIs of group 1.
 */
void gic_ns_reset_cpu(unsigned int cpu)
{
	uint64_t mpidr = cpu_mpidr(cpu);
	uintptr_t sgi = rdist_for(mpidr) + GICR_SGI;
	uint32_t ns = ~local_group0_mask();

	if (arch_gicv3_ns_cpuif_reset(mmio_read32(sgi + 0x300) & ns))
		WARN("gicv3: active priority left on MPIDR 0x%llx", (unsigned long long)mpidr);

	mmio_write32(sgi + GICD_ICENABLER, ns);
	mmio_write32(sgi + GICD_ICPENDR, ns);
	mmio_write32(sgi + GICD_ICACTIVER, ns);
}
