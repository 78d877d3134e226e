// SPDX-License-Identifier: BSD-3-Clause
/*
 * PL061 GPIO, output only (QEMU's secure GPIO: pin 0 = power off).
 */
#include <mmio.h>
#include <pl061.h>

#define GPIODIR		0x400

void pl061_set_output(uintptr_t base, unsigned int pin, int value)
{
	uint32_t bit = 1U << pin;

	mmio_write32(base + GPIODIR, mmio_read32(base + GPIODIR) | bit);
	/* The data register is masked by address bits [9:2]. */
	mmio_write32(base + (bit << 2), value ? bit : 0);
}
