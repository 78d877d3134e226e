/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The interrupt controller, as generic code sees it. Linux owns group 1
 * (non-secure); the collector keeps only its own interrupts in group 0,
 * delivered to the secure world as FIQs. A CPU is named by its index (DT
 * order, cpu_pcpu()). One driver per GIC architecture implements it:
 * drivers/gicv3.c, drivers/gicv2.c (the board picks, docs/porting.md).
 */
#ifndef GIC_H
#define GIC_H
#include <stdint.h>

#define GIC_SPURIOUS	1023

/* Distributor, once, on the boot CPU. */
void gic_init(void);
/* The calling CPU's own part (redistributor or banked registers, CPU interface). */
void gic_cpu_init(void);
/* Make SPI @intid a group-0 (secure, FIQ) interrupt routed to CPU @cpu. */
void gic_spi_make_secure(unsigned int intid, uint8_t prio, unsigned int cpu);
/* Route SPI @intid to CPU @cpu. */
void gic_spi_route(unsigned int intid, unsigned int cpu);
/* Set an SPI pending (used to notify the normal world). */
void gic_spi_set_pending(unsigned int intid);
/* Send group-0 SGI @sgi to CPU @cpu. */
void gic_send_sgi0(unsigned int sgi, unsigned int cpu);
/*
 * 1 if an enabled non-secure SGI or PPI (the kernel's timer tick, an IPI) is
 * pending on CPU @cpu: what it would take if IRQs were unmasked.
 */
int gic_ns_local_pending(unsigned int cpu);
/* Acknowledge and end a group-0 interrupt on this CPU. */
unsigned int gic_ack_group0(void);
void gic_eoi_group0(unsigned int intid);
/*
 * Warm-restart resets: all group-1 interrupts disabled, not pending, not
 * active; the calling CPU's non-secure CPU interface and its group-1 SGIs
 * and PPIs back to reset (it must be CPU @cpu).
 */
void gic_ns_reset_distributor(void);
void gic_ns_reset_cpu(unsigned int cpu);

#endif
