/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host build of firmware code that includes <arch.h> (dump/dump.c for
 * test_register): the real firmware/arch/aarch64/include/arch.h, with every
 * inline asm in it turned into an assembler comment ("#..."), and the system
 * register accessors reading 0 / writing nothing. Values from the inline
 * helpers (arch_counter() ...) are meaningless: tests must not reach them.
 * Only the code parsed inside the real header is rewritten; the macro is
 * gone again afterwards.
 */
#ifndef HOST_ARCH_H
#define HOST_ARCH_H
#include <stdint.h>

#define volatile(...)	volatile("#" __VA_ARGS__)
#include_next <arch.h>
#undef volatile

#undef read_sysreg
#undef write_sysreg
#define read_sysreg(r)		((void)sizeof(#r), (uint64_t)0)
#define write_sysreg(r, v)	((void)sizeof(#r), (void)(v))

#endif /* HOST_ARCH_H */
