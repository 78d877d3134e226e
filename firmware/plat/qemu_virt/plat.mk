# SPDX-License-Identifier: BSD-3-Clause
# QEMU virt: the board's sources. Its GIC is the machine option gic-version=;
# the runner gives AArch64 a GICv3 and ARMv7-A (Cortex-A15) a GICv2.
PLAT_GIC ?= $(if $(filter aarch32,$(ARCH)),gicv2,gicv3)
PLAT_SRCS := plat/qemu_virt/plat.c plat/qemu_virt/sram.c drivers/$(PLAT_GIC).c
