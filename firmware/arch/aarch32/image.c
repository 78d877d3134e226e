// SPDX-License-Identifier: BSD-3-Clause
/*
 * The kernel image format of this architecture: the ARM zImage header
 * (Linux's Documentation/arm/booting.rst, arch/arm/boot/compressed/head.S
 * and vmlinux.lds.S): the magic 0x016f2818 at 0x24, the image's start and
 * end addresses at 0x28 and 0x2c, little-endian; and, where the word at 0x34
 * is 0x45454545, the offset of a table at 0x38 whose "KLSZ" entry gives where
 * the decompressed kernel's size is stored and its bss size.
 *
 * A zImage decompresses its kernel to the start of the RAM it runs in (the
 * 128 MiB-aligned base below it) + 0x8000, so it is placed above the room
 * that needs, and the DTB goes after it (boot_plan_layout()).
 */
#include <stdint.h>
#include <string.h>
#include <boot.h>

#define ZIMAGE_MAGIC		0x016f2818U
#define ZIMAGE_TABLE_MAGIC	0x45454545U
#define ZIMAGE_KLSZ		0x5a534c4bU	/* "KLSZ" */
#define TEXT_OFFSET		0x8000U		/* the kernel's place above PHYS_OFFSET */
#define SZ_2M			0x200000ULL
/* The booting guide's advice: the zImage 32 MiB or more above the start of RAM. */
#define ZIMAGE_PLACE_MIN	(32ULL << 20)
#define ZIMAGE_MAX		(64U << 20)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * The decompressed kernel's size, text to bss end, from the KLSZ table; 0 if
 * the image has none or it is out of bounds.
 */
static uint64_t inflated_size(const uint8_t *h, uint32_t size, uint32_t start)
{
	uint32_t table, words, i, at;

	if (size < 0x3c || le32(h + 0x34) != ZIMAGE_TABLE_MAGIC)
		return 0;
	table = le32(h + 0x38) - start;
	if (table > size - 8 || table & 3)
		return 0;
	words = le32(h + table);
	if (words < 4 || words > (size - table) / 4)
		return 0;
	for (i = 1; i + 2 < words; i++) {
		if (le32(h + table + 4 * i) != ZIMAGE_KLSZ)
			continue;
		at = le32(h + table + 4 * i + 4);
		if (at > size - 4)
			return 0;
		return (uint64_t)le32(h + at) + le32(h + table + 4 * i + 8);
	}
	return 0;
}

int boot_image_info(const void *hdr, uint64_t len, struct boot_image *img)
{
	const uint8_t *h = hdr;
	uint32_t start, end, size;
	uint64_t run_size, place;

	if (len < 0x30)
		return BOOT_E_IMAGE;
	start = le32(h + 0x28);
	end = le32(h + 0x2c);
	if (le32(h + 0x24) != ZIMAGE_MAGIC || end <= start || end - start > len ||
	    end - start > ZIMAGE_MAX)
		return BOOT_E_IMAGE;
	size = end - start;
	run_size = inflated_size(h, size, start);
	if (!run_size)
		run_size = 4ULL * size;	/* no table: gzip's ratio on a kernel, with room */
	if (run_size > 4ULL * ZIMAGE_MAX)
		return BOOT_E_IMAGE;
	place = (TEXT_OFFSET + run_size + SZ_2M - 1) & ~(SZ_2M - 1);
	img->place = place + SZ_2M > ZIMAGE_PLACE_MIN ? place + SZ_2M : ZIMAGE_PLACE_MIN;
	img->size = size;
	img->dtb_after = 1;
	img->run = TEXT_OFFSET;
	img->run_size = run_size;
	img->can = 0;		/* no memory hot-add on 32-bit ARM; nothing below PHYS_OFFSET */
	img->name = "ARM zImage";
	return 0;
}
