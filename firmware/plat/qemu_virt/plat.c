// SPDX-License-Identifier: BSD-3-Clause
/*
 * QEMU virt: the platform hooks.
 */
#include <stdint.h>
#include <arch.h>
#include <mmio.h>
#include <pl011.h>
#include <pl061.h>
#include <plat.h>
#include <platform_def.h>
#include <virtio_mmio.h>

int plat_core_pos(uint64_t mpidr)
{
	uint64_t aff0 = mpidr & 0xff, aff1 = (mpidr >> 8) & 0xff;

	if ((mpidr & 0xff00ff0000ULL) || aff0 >= PLAT_CLUSTER_SIZE)
		return -1;
	return (int)(aff1 * PLAT_CLUSTER_SIZE + aff0);
}

void plat_early_init(void)
{
	pl011_init(PLAT_UART_SECURE);
}

void plat_system_off(void)
{
	pl061_set_output(PLAT_GPIO_SECURE, PLAT_GPIO_POWEROFF_PIN, 1);
	for (;;)
		wfi();
}

unsigned int plat_ns_devices_reset(int keep_dump_disk)
{
	unsigned int slot, n = 0;

	for (slot = 0; slot < PLAT_VIRTIO_SLOTS; slot++) {
		if (slot == PLAT_DUMP_SLOT && keep_dump_disk)
			continue;	/* the collector's own device */
		n += virtio_mmio_reset(PLAT_VIRTIO_BASE + slot * PLAT_VIRTIO_STRIDE);
	}
	return n;	/* QEMU virt has no PCI here: virtio-mmio is every DMA master */
}

/* QEMU's TCG executes nothing speculatively. */
int plat_cpu_unaffected_by_spectre(void)
{
	return 1;
}

uint64_t plat_rng_seed(void)
{
	uint64_t x = arch_counter() ^ 0x9e3779b97f4a7c15ULL;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}
