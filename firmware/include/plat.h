/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The platform porting interface: what generic code asks of a board.
 */
#ifndef PLAT_H
#define PLAT_H
#include <stddef.h>
#include <stdint.h>

/* Linear position of the CPU with @mpidr (as the reset code computes it), or -1. */
int plat_core_pos(uint64_t mpidr);
/* Early console and platform devices, on the boot CPU. */
void plat_early_init(void);
/* Power the machine off. */
void __attribute__((noreturn)) plat_system_off(void);
/*
 * Stop the non-secure DMA masters (the crashed kernel's, or a kernel being
 * restarted): every virtio-mmio device is reset, but the collector's dump
 * disk if @keep_dump_disk. Return how many devices were reset.
 */
unsigned int plat_ns_devices_reset(int keep_dump_disk);
/* 1 when the CPUs need no Spectre-v2/v4/BHB workaround from firmware. */
int plat_cpu_unaffected_by_spectre(void);
/* A seed for /chosen/rng-seed (not cryptographic on QEMU). */
uint64_t plat_rng_seed(void);
/*
 * Secure memory for the tables sized at boot (sram.h): [*@base, *@base + *@size).
 * Normal-world masters must not reach it.
 */
void plat_secure_heap(uintptr_t *base, size_t *size);
/* Bytes of secure RAM the firmware image occupies: data, bss and stacks. */
size_t plat_sram_fixed(void);
/*
 * The firmware's fixed memory map (xlat_map()): its code, secure RAM, the
 * devices it drives, and the DT it reads at boot. Return 0 or XLAT_E_*.
 */
int plat_map_fixed(void);

#endif
