// SPDX-License-Identifier: BSD-3-Clause
/*
 * Where the DTB, kernel and initramfs go in the boot window.
 */
#include <stdint.h>
#include <string.h>
#include <boot.h>

#define SZ_2M		0x200000ULL
#define DTB_OFFSET	0x100000ULL	/* QEMU's own DTB occupies the first 1 MiB */
#define DTB_ROOM	0x100000ULL	/* the most the DT for Linux takes (PLAT_DTB_MAX) */
#define KERNEL_OFFSET	0x200000ULL	/* the low end of a window the kernel may take */

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int boot_plan_layout(uint64_t ram_base, uint64_t ram_size, uint64_t window,
		     const struct boot_image *img, uint64_t initrd_size,
		     struct boot_layout *out)
{
	uint64_t end, above;

	if (window > ram_size || window < KERNEL_OFFSET || img->place < KERNEL_OFFSET ||
	    img->place > window || img->size > window)
		return BOOT_E_NOFIT;
	memset(out, 0, sizeof(*out));
	out->kernel = ram_base + img->place;
	out->kernel_end = out->kernel + img->size;
	above = align_up(out->kernel_end, SZ_2M);
	if (img->dtb_after) {
		out->dtb = above;
		above += align_up(DTB_ROOM, SZ_2M);
	} else {
		out->dtb = ram_base + DTB_OFFSET;
	}
	out->initrd = above;
	out->initrd_end = out->initrd + initrd_size;
	out->window_end = ram_base + window;
	end = initrd_size ? out->initrd_end : img->dtb_after ? out->dtb + DTB_ROOM :
	      out->kernel_end;
	if (initrd_size > window || end > out->window_end || out->initrd_end < out->initrd)
		return BOOT_E_NOFIT;
	return 0;
}

uint64_t boot_image_span(const struct boot_image *img)
{
	uint64_t end = align_up(img->place + img->size, SZ_2M);

	if (img->dtb_after)
		end += align_up(DTB_ROOM, SZ_2M);
	return end > KERNEL_OFFSET ? end - KERNEL_OFFSET : 0;
}

uint64_t boot_window_min(uint64_t ram_end, uint64_t ram_size, uint64_t kernel_bytes,
			 uint64_t initrd_size, uint64_t hotplug_block)
{
	uint64_t memmap = (ram_size >> 12) * BOOT_STRUCT_PAGE, fixed, w, need, blocks;
	unsigned int i;

	fixed = KERNEL_OFFSET + align_up(kernel_bytes, SZ_2M) + 2 * align_up(initrd_size, SZ_2M) +
		memmap / 4 + (ram_end > BOOT_DMA_LIMIT ? BOOT_SWIOTLB : 0) + BOOT_WINDOW_SLACK;
	if (!hotplug_block)
		return fixed + memmap;
	/*
	 * The restarted kernel boots with the blocks that hold the two windows,
	 * one for an unaligned start of RAM and the one with the scratch area at
	 * the top; the first block it hot-adds takes its struct pages from
	 * there too. The window is part of that, so iterate to a fixed point.
	 */
	for (w = fixed, i = 0; i < 8; i++, w = need) {
		blocks = (2 * w + hotplug_block - 1) / hotplug_block + 3;
		need = fixed + (blocks * hotplug_block < ram_size ? blocks * hotplug_block : ram_size) /
			       4096 * BOOT_STRUCT_PAGE;
		if (need <= w)
			break;
	}
	return w < fixed + memmap ? w : fixed + memmap;
}
