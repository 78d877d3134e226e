/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Booting Linux: the image pack in secure flash, the boot window layout, the
 * DT handed to Linux, and the entry on the boot CPU.
 */
#ifndef BOOT_H
#define BOOT_H
#include <stddef.h>
#include <stdint.h>

struct boot_layout {
	uint64_t dtb;
	uint64_t kernel;
	uint64_t kernel_end;	/* kernel + the image's size from its header */
	uint64_t initrd;
	uint64_t initrd_end;
	uint64_t window_end;
};

#define BOOT_E_NOFIT	-1
#define BOOT_E_IMAGE	-2

/* A kernel image, as its header says it is to be placed (arch/<arch>/image.c). */
struct boot_image {
	uint64_t place;		/* where it goes, from the boot window's base */
	uint64_t size;		/* the bytes it takes there */
	int dtb_after;		/* the kernel overwrites what lies below it: DTB above */
	uint64_t run, run_size;	/* where the kernel runs once started, from the base */
	unsigned int can;	/* BOOT_CAN_*: what this architecture's Linux can do */
	const char *name;	/* the format, for messages */
};

/* The kernel can hot-add memory (the option hotplug=). */
#define BOOT_CAN_HOTPLUG	(1U << 0)
/*
 * It can use RAM below the window it boots in (a spare window below a live
 * one comes back to it). 32-bit ARM cannot: RAM below its PHYS_OFFSET, where
 * its zImage decompresses it, is lost to it.
 */
#define BOOT_CAN_LOW_RAM	(1U << 1)

/*
 * boot_plan_layout() - place DTB, kernel and initrd inside the boot window
 * [ram_base, ram_base + window) that must also fit in RAM: the kernel at
 * its place, the initrd above it (2 MiB aligned); the DTB at 1 MiB (below the
 * kernel: QEMU's own DTB occupies the first 1 MiB) or, for an image that
 * overwrites what lies below it, 2 MiB aligned above the kernel.
 */
int boot_plan_layout(uint64_t ram_base, uint64_t ram_size, uint64_t window,
		     const struct boot_image *img, uint64_t initrd_size,
		     struct boot_layout *out);
/*
 * The bytes of a window above its low 2 MiB that the kernel image (and a DTB
 * placed above it) take: boot_window_min()'s @kernel_bytes.
 */
uint64_t boot_image_span(const struct boot_image *img);
/* Read the kernel image header (arch/<arch>/image.c): 0, or BOOT_E_IMAGE. */
int boot_image_info(const void *hdr, uint64_t len, struct boot_image *img);

/*
 * boot_window_min() - the smallest boot window a kernel can restart in: what
 * it touches before the hand-back starts. The low 2 MiB (DTB), the kernel
 * image, the initramfs twice (packed, and unpacked into the page cache), the
 * struct page array of the memory it boots with, a quarter of the struct
 * page array of all of @ram_size for the other RAM-sized early tables (the
 * dentry and inode hashes alone are 0.2 % of RAM), the SWIOTLB bounce buffer
 * when RAM reaches above 4 GiB (@ram_end), and slack for what runs until the
 * module takes its first grant. The memory it boots with is all of RAM when
 * @hotplug_block is 0 (pending RAM reserved in its memory map), else the few
 * memory blocks that are not wholly pending (docs/design.md, "Memory
 * hot-add"), plus the first block it hot-adds.
 * Measured at 6 GiB: without the SWIOTLB term and with less slack the
 * restarted kernel came up with 9.9 MB free and could not unpack its initramfs.
 */
uint64_t boot_window_min(uint64_t ram_end, uint64_t ram_size, uint64_t kernel_bytes,
			 uint64_t initrd_size, uint64_t hotplug_block);
#define BOOT_STRUCT_PAGE	64ULL		/* sizeof(struct page), arm64 6.1 */
#define BOOT_SWIOTLB		(64ULL << 20)	/* Linux's default, arm64 */
#define BOOT_DMA_LIMIT		(1ULL << 32)	/* RAM above it: the SWIOTLB is set up */
#define BOOT_WINDOW_SLACK	(16ULL << 20)
#define BOOT_WINDOW_ALIGN	(4ULL << 20)	/* the largest chunk */
/*
 * Linux's memory block on arm64 with 4 KiB pages (SECTION_SIZE_BITS 27): the
 * granule in which pending RAM is left out of /memory and hot-added by
 * tsubaki.ko (option hotplug=, 0 turns it off).
 */
#define BOOT_HOTPLUG_BLOCK	(128ULL << 20)
#define BOOT_HOTPLUG_MIN	(4ULL << 20)	/* a MAX_ORDER block of 4 KiB pages */

enum boot_mode {
	BOOT_MODE_NONE = 0,	/* window=0: restart without a dump */
	BOOT_MODE_PRIMARY,	/* dump the window, restart in it (the paper) */
	BOOT_MODE_ALL,		/* window=all: dump everything, then restart */
	BOOT_MODE_SPARE,	/* restart at once in a spare window */
};

/* The boot windows: window 0 at the start of RAM, window 1 (spare mode) after it. */
struct boot_windows {
	enum boot_mode mode;
	uint64_t base[2];
	uint64_t size;		/* of each window (the primary dump in PRIMARY mode) */
	uint64_t min;		/* boot_window_min() for this machine */
};

struct dump_boot_info;

/* Firmware: cold-boot set-up (pack, DTB, platform, options); fails hard on a bad pack. */
int boot_init(void);
const struct dt_platform *boot_platform(void);
/* Bytes of the secure heap the pristine DT copy takes. */
size_t boot_pristine_dt_size(void);
const struct boot_windows *boot_windows(void);
/* The options text of the pack (key=value lines, docs/options.md) and its length. */
const char *boot_config(size_t *len);
unsigned int boot_count(void);
/* Where the kernel image lies in RAM ([_text, _end)) when booted in window @w. */
void boot_kernel_range(unsigned int w, uint64_t *pa, uint64_t *size);
/*
 * boot_linux() - copy the pristine images into window @bi->live, build the
 * DT from @bi and enter Linux on this CPU. The caller has reset the rest of
 * the normal world. Never returns.
 */
void __attribute__((noreturn)) boot_linux(const struct dump_boot_info *bi);

#endif
