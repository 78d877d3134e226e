// SPDX-License-Identifier: BSD-3-Clause
/*
 * QEMU virt: the secure memory of the firmware image and of its heap.
 */
#include <stddef.h>
#include <stdint.h>
#include <plat.h>
#include <platform_def.h>

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
