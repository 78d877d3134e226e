# SPDX-License-Identifier: BSD-3-Clause
# ARMv7-A (Cortex-A15: Security, Virtualization and Large Physical Address
# Extensions) in Monitor mode: the toolchain, flags, sources and linker script
# arch/aarch32/ gives the firmware's Makefile (docs/porting.md).
CROSS_COMPILE ?= arm-linux-gnueabihf-
# ARM state (Debian's armhf gcc defaults to Thumb-2); the hard-float ABI of
# Debian's libgcc, but no FP/SIMD register used (-mgeneral-regs-only: the
# monitor never touches the normal world's VFP state); no unaligned accesses
# while the MMU is off; 32-bit VAs for the shared long-descriptor tables.
ARCH_CFLAGS := -march=armv7ve+fp -mfpu=vfpv3-d16 -mfloat-abi=hard -mgeneral-regs-only -marm \
	-mno-unaligned-access -DXLAT_VA_BITS=32
ARCH_SRCS := arch/aarch32/entry.S arch/aarch32/cpu.c arch/aarch32/exceptions.c \
	arch/aarch32/image.c arch/lpae/xlat.c arch/aarch32/cache.c arch/aarch32/ns_walk.c arch/lpae/walk.c
ARCH_LDS := arch/aarch32/firmware.ld
ARCH_INCLUDES := -Iarch/lpae
# Helpers gcc calls for 64-bit division and shifts on a 32-bit CPU.
ARCH_LIBS := $(shell $(CROSS_COMPILE)gcc -print-libgcc-file-name 2>/dev/null)
