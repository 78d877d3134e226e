/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Physical addresses. They are 64-bit on every architecture (LPAE's reach 40
 * bits while a pointer has 32) and never a pointer: code that touches memory
 * at one goes through pa_ptr(). The firmware maps what it touches at the same
 * address (xlat.h), and on an architecture with 32-bit pointers it keeps
 * every RAM address it may touch below 4 GiB (boot.c refuses the rest).
 */
#ifndef PADDR_H
#define PADDR_H
#include <stdint.h>

typedef uint64_t paddr_t;

/* The highest physical address a pointer reaches here. */
#define PA_PTR_MAX	((paddr_t)UINTPTR_MAX)

static inline void *pa_ptr(paddr_t pa)
{
	return (void *)(uintptr_t)pa;
}

static inline paddr_t ptr_pa(const void *p)
{
	return (paddr_t)(uintptr_t)p;
}

#endif
