// SPDX-License-Identifier: BSD-3-Clause
/*
 * PL011 UART, transmit only: the secure console.
 */
#include <stdint.h>
#include <mmio.h>
#include <pl011.h>

#define UART_DR		0x000
#define UART_FR		0x018
#define UART_CR		0x030
#define FR_TXFF		(1U << 5)
#define CR_UARTEN	(1U << 0)
#define CR_TXE		(1U << 8)

static uintptr_t uart_base;

void pl011_init(uintptr_t base)
{
	uart_base = base;
	mmio_write32(base + UART_CR, CR_UARTEN | CR_TXE);
}

void pl011_putc(char c)
{
	unsigned int spins = 1000000;

	if (!uart_base)
		return;
	while ((mmio_read32(uart_base + UART_FR) & FR_TXFF) && --spins)
		;
	mmio_write32(uart_base + UART_DR, (uint8_t)c);
}

void pl011_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			pl011_putc('\r');
		pl011_putc(*s);
	}
}
