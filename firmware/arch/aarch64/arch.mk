# SPDX-License-Identifier: BSD-3-Clause
# AArch64 (ARMv8-A) at EL3: the toolchain, flags, sources and linker script
# arch/aarch64/ gives the firmware's Makefile (docs/porting.md).
CROSS_COMPILE ?= aarch64-linux-gnu-
ARCH_CFLAGS := -march=armv8-a -mgeneral-regs-only -mstrict-align -mno-outline-atomics
ARCH_SRCS := arch/aarch64/entry.S arch/aarch64/cpu.c arch/aarch64/exceptions.c \
	arch/aarch64/image.c arch/lpae/xlat.c arch/aarch64/cache.c arch/aarch64/ns_walk.c arch/lpae/walk.c
ARCH_LDS := arch/aarch64/firmware.ld
# The VMSA long-descriptor table builder, shared with AArch32 (LPAE).
ARCH_INCLUDES := -Iarch/lpae
