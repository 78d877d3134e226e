/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PL011_H
#define PL011_H
#include <stdint.h>

void pl011_init(uintptr_t base);
void pl011_putc(char c);
void pl011_puts(const char *s);

#endif
