/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Translating the crashed kernel's virtual addresses (arch/<arch>/ns_walk.c):
 * a walk of the normal world's kernel translation tables as they lie in its
 * RAM, for the page-data reader (pageclass.h). Each architecture provides
 * its own descriptor format; aarch64 takes the 4 KiB granule with 39-bit
 * (3 levels) and 48-bit (4 levels) kernel address spaces.
 *
 * The tables are untrusted: every descriptor read goes through
 * pc_mem_read() (inside the RAM range or refused), the walk has a fixed
 * number of levels, and anything invalid or unexpected fails the walk.
 */
#ifndef NS_WALK_H
#define NS_WALK_H
#include <stdint.h>
#include <pageclass.h>

/*
 * Translate the kernel virtual address @va through the tables at physical
 * @root_pa (the crashed kernel's swapper_pg_dir) for a @va_bits address
 * space: 0 with *@leaf the page or block that maps it ([leaf->va, leaf->va +
 * leaf->len) at leaf->pa, leaf->va <= @va), or -1: @va_bits not taken, @va
 * outside the kernel half, a descriptor invalid, outside RAM or of a kind
 * its level cannot hold. The output range is not checked against RAM: the
 * caller reads it through pc_mem_read().
 */
int arch_ns_translate(const struct pc_mem *m, uint64_t root_pa, unsigned int va_bits,
		      uint64_t va, struct pc_xlat *leaf);

#endif
