/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QEMU "virt" machine with secure=on: constants only.
 */
#ifndef PLATFORM_DEF_H
#define PLATFORM_DEF_H

/* Constants usable from C, assembly and the linker script. */
#ifdef __ASSEMBLER__
#define UL(x)		x
#else
#define UL(x)		x##UL
#endif

#define PLAT_MAX_CPUS		8
#define PLAT_CLUSTER_SIZE	8	/* QEMU virt + GICv3: Aff0 = cpu % 8 */

/* Secure flash: the firmware runs in place; the image pack follows it. */
#define PLAT_FLASH_BASE		UL(0x00000000)
#define PLAT_FLASH_SIZE		UL(0x04000000)
#define PLAT_PACK_OFFSET	UL(0x00200000)	/* firmware must fit below this */

/* Secure-only RAM: data, bss, stacks, pristine DTB copy. */
#define PLAT_SRAM_BASE		UL(0x0e000000)
#define PLAT_SRAM_SIZE		UL(0x01000000)
#define PLAT_STACK_SIZE		UL(0x4000)

/* Non-secure RAM and the boot window layout. */
#define PLAT_NS_RAM_BASE	UL(0x40000000)
#define PLAT_QEMU_DTB		UL(0x40000000)	/* where QEMU leaves its DTB */
#define PLAT_DTB_MAX		UL(0x00100000)
#define PLAT_LINUX_DTB		UL(0x40100000)
#define PLAT_KERNEL_BASE	UL(0x40200000)
#define PLAT_SCRATCH_SIZE	UL(0x00200000)	/* NS scratch at the top of RAM */

/* Devices. */
#define PLAT_UART_SECURE	UL(0x09040000)
#define PLAT_GPIO_SECURE	UL(0x090b0000)
#define PLAT_GPIO_POWEROFF_PIN	0
#define PLAT_GICD_BASE		UL(0x08000000)
#define PLAT_GICC_BASE		UL(0x08010000)	/* GICv2: the CPU interface */
#define PLAT_GICR_BASE		UL(0x080a0000)	/* GICv3: the redistributors */
#define PLAT_GICR_STRIDE	UL(0x20000)
#define PLAT_VIRTIO_BASE	UL(0x0a000000)
#define PLAT_VIRTIO_STRIDE	UL(0x200)
#define PLAT_VIRTIO_SLOTS	32
#define PLAT_VIRTIO_SPI_BASE	16
#define PLAT_DUMP_SLOT		31		/* the first -device lands on top */

/* Interrupts (GIC INTIDs). */
#define PLAT_SGI_PULL		15		/* group 0: pull a CPU into EL3 */
#define PLAT_SEC_TIMER_PPI	29		/* group 0: EL3 secure physical timer */
#define PLAT_DUMP_INTID		(32 + PLAT_VIRTIO_SPI_BASE + PLAT_DUMP_SLOT)
#define PLAT_NOTIFY_SPI		13		/* group 1: collector -> Linux */
#define PLAT_NOTIFY_INTID	(32 + PLAT_NOTIFY_SPI)

#endif /* PLATFORM_DEF_H */
