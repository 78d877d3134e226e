// SPDX-License-Identifier: BSD-3-Clause
/*
 * QEMU virt: the firmware's memory map, the secure memory of the image and
 * of its heap.
 */
#include <stddef.h>
#include <stdint.h>
#include <plat.h>
#include <platform_def.h>
#include <xlat.h>

/* GIC (distributor, redistributors of 8 CPUs), UARTs, RTC, GPIOs, virtio-mmio. */
#define DEVICES_BASE	0x08000000UL
#define DEVICES_END	0x0a200000UL

int plat_map_fixed(void)
{
	int err;

	err = xlat_map(PLAT_FLASH_BASE, PLAT_FLASH_SIZE, XLAT_CODE);
	err = err ? err : xlat_map(DEVICES_BASE, DEVICES_END - DEVICES_BASE, XLAT_DEVICE);
	err = err ? err : xlat_map(PLAT_SRAM_BASE, PLAT_SRAM_SIZE, XLAT_DATA);
	/* QEMU's DTB, read at boot before the rest of RAM is known: RAM like the rest. */
	err = err ? err : xlat_map(PLAT_QEMU_DTB, 2UL << 20, XLAT_NS_RAM);
	return err;
}

/* The linker script's end of the image in secure RAM. */
extern char __fw_sram_end[];

/* The rest of secure RAM, above the image: QEMU's secure RAM is 16 MiB. */
void plat_secure_heap(uintptr_t *base, size_t *size)
{
	uintptr_t b = ((uintptr_t)__fw_sram_end + 4095) & ~(uintptr_t)4095;

	*base = b;
	*size = PLAT_SRAM_BASE + PLAT_SRAM_SIZE - b;
}

size_t plat_sram_fixed(void)
{
	return (uintptr_t)__fw_sram_end - PLAT_SRAM_BASE;
}
