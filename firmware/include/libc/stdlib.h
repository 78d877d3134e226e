/* SPDX-License-Identifier: BSD-3-Clause */
/* Minimal stdlib.h for the firmware (libfdt includes it). */
#ifndef FW_STDLIB_H
#define FW_STDLIB_H
#include <stddef.h>

unsigned long strtoul(const char *s, char **end, int base);

#endif
