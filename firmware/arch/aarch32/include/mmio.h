/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device register access. Every access is a single, naturally aligned load or
 * store; a 64-bit one is LDRD/STRD, single-copy atomic with LPAE.
 */
#ifndef MMIO_H
#define MMIO_H
#include <stdint.h>

static inline uint32_t mmio_read32(uintptr_t addr)
{
	uint32_t v;

	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	__asm__ volatile("str %0, [%1]" : : "r"(v), "r"(addr) : "memory");
}

static inline uint64_t mmio_read64(uintptr_t addr)
{
	uint64_t v;

	__asm__ volatile("ldrd %0, %H0, [%1]" : "=&r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write64(uintptr_t addr, uint64_t v)
{
	__asm__ volatile("strd %0, %H0, [%1]" : : "r"(v), "r"(addr) : "memory");
}

#endif
