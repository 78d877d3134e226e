/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Secure memory for tables whose size depends on the machine.
 *
 * The firmware image itself (code in flash; data, bss and stacks in secure
 * RAM) has a fixed size, reported by the build and held to a budget
 * (SRAM_FIXED_BUDGET). What grows with the machine -- the chunk tables, one
 * entry per chunk of RAM, and the pristine copy of the platform's DT -- is
 * allocated once at boot from the platform's secure heap (plat_secure_heap():
 * on QEMU the rest of secure RAM; on a board with a small SRAM, a
 * TZC-protected DRAM carve-out), sized for this machine. Nothing is freed.
 */
#ifndef SRAM_H
#define SRAM_H

/* The fixed part's budget: what an STM32MP1's SYSRAM or a BL31 SRAM allows. */
#ifdef __ASSEMBLER__
#define SRAM_FIXED_BUDGET	(256 * 1024)
#else
#define SRAM_FIXED_BUDGET	(256U * 1024)
#include <stddef.h>
#include <stdint.h>

/* Hand [@base, @base + @size) to the allocator (once, at boot). */
void sram_init(uintptr_t base, size_t size);
/* @size bytes aligned to @align (a power of two), zeroed; NULL when they don't fit. */
void *sram_alloc(size_t size, size_t align);
/* Shrink the newest allocation, @p, to @size bytes (no-op for any other pointer). */
void sram_shrink(void *p, size_t size);
/* Bytes allocated so far (alignment padding included), and the heap's size. */
size_t sram_used(void);
size_t sram_size(void);

#endif /* __ASSEMBLER__ */
#endif
