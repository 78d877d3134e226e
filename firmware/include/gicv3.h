/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GICv3 driver for EL3: secure set-up, the collector's group-0 interrupts,
 * and the reset of the normal world's interrupt state on a warm restart.
 */
#ifndef GICV3_H
#define GICV3_H
#include <stdint.h>

#define GIC_SPURIOUS	1023

void gicv3_init(uintptr_t gicd, uintptr_t gicr);
/* Distributor, once, on the boot CPU. */
void gicv3_distributor_init(void);
/* This CPU's redistributor and CPU interface. */
void gicv3_cpu_init(uint64_t mpidr);
/* Make SPI @intid a group-0 (secure, FIQ) interrupt routed to @mpidr. */
void gicv3_spi_make_secure(unsigned int intid, uint8_t prio, uint64_t mpidr);
/* Route SPI @intid to the CPU with @mpidr. */
void gicv3_spi_route(unsigned int intid, uint64_t mpidr);
/* Set an SPI pending (used to notify the normal world). */
void gicv3_spi_set_pending(unsigned int intid);
/* Send group-0 SGI @sgi to the CPU with @mpidr. */
void gicv3_send_sgi0(unsigned int sgi, uint64_t mpidr);
/* Clear SGI/PPI @intid pending on the CPU with @mpidr. */
void gicv3_clear_pending_local(unsigned int intid, uint64_t mpidr);
/*
 * 1 if an enabled non-secure SGI or PPI (the kernel's timer tick, an IPI) is
 * pending on the CPU with @mpidr: what it would take if IRQs were unmasked.
 */
int gicv3_ns_local_pending(uint64_t mpidr);
/* Acknowledge and end a group-0 interrupt on this CPU. */
unsigned int gicv3_ack_group0(void);
void gicv3_eoi_group0(unsigned int intid);
/*
 * Warm-restart resets: all group-1 interrupts disabled, not pending, not
 * active; the calling CPU's non-secure CPU interface back to reset.
 */
void gicv3_ns_reset_distributor(void);
void gicv3_ns_reset_cpu(uint64_t mpidr);

#endif
