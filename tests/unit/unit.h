/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared bits of the host unit tests: cmocka, unbuffered output (a sanitizer
 * report ends the process without flushing stdio), and the switch for tests
 * that pin known firmware bugs.
 */
#ifndef UNIT_H
#define UNIT_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static inline void unit_init(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
}

#endif
