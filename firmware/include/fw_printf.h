/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FW_PRINTF_H
#define FW_PRINTF_H
#include <stdarg.h>
#include <stddef.h>

/*
 * fw_vsnprintf() - a small vsnprintf: %c %s %d %i %u %x %X %p %%, the
 * length modifiers l, ll and z, the flags '0' and '-', a field width, and a
 * precision for %s (also as ".*"). Always NUL-terminates when size > 0.
 * Return: the length the full output would have had.
 */
int fw_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fw_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
