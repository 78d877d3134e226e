/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Booting Linux: the image pack in secure flash, the boot window layout, the
 * DT handed to Linux, and the entry on the boot CPU.
 */
#ifndef BOOT_H
#define BOOT_H
#include <stdint.h>

struct boot_layout {
	uint64_t dtb;
	uint64_t kernel;
	uint64_t kernel_end;	/* kernel + image_size from the Image header */
	uint64_t initrd;
	uint64_t initrd_end;
	uint64_t window_end;
};

#define BOOT_E_NOFIT	-1
#define BOOT_E_IMAGE	-2

/*
 * boot_plan_layout() - place DTB, kernel and initrd inside the boot window
 * [ram_base, ram_base + window) that must also fit in RAM.
 */
int boot_plan_layout(uint64_t ram_base, uint64_t ram_size, uint64_t window,
		     uint64_t image_size, uint64_t initrd_size,
		     struct boot_layout *out);
/* Read text_offset/image_size from an arm64 Image header. */
int boot_image_info(const void *hdr, uint64_t len, uint64_t *text_offset,
		    uint64_t *image_size);

/* Firmware: cold-boot set-up (pack, DTB, platform); returns 0 or fails hard. */
int boot_init(void);
const struct dt_platform *boot_platform(void);
unsigned int boot_count(void);
/* Where the kernel image lives in RAM: [_text, _end). */
void boot_kernel_range(uint64_t *pa, uint64_t *size);
/* Enter Linux on this CPU (CPU0). Never returns. */
void __attribute__((noreturn)) boot_linux(void);
/* Reset the normal world's state, then boot_linux(). */
void __attribute__((noreturn)) boot_restart(void);

#endif
