// SPDX-License-Identifier: BSD-3-Clause
/*
 * The kernel image format of this architecture: the arm64 Image header
 * (Linux's Documentation/arm64/booting.rst): text_offset at 8, image_size
 * at 16, the magic "ARM\x64" at 56, all little-endian.
 */
#include <stdint.h>
#include <string.h>
#include <boot.h>

/* Where the Image goes: text_offset above a 2 MiB-aligned base, 2 MiB into the window. */
#define IMAGE_BASE	0x200000ULL

int boot_image_info(const void *hdr, uint64_t len, struct boot_image *img)
{
	const uint8_t *h = hdr;
	uint64_t to, sz;

	if (len < 64 || memcmp(h + 56, "ARM\x64", 4))
		return BOOT_E_IMAGE;
	memcpy(&to, h + 8, 8);
	memcpy(&sz, h + 16, 8);
	if (sz == 0 || sz > (1ULL << 31) || to >= (2ULL << 20))
		return BOOT_E_IMAGE;
	img->place = IMAGE_BASE + to;
	img->size = sz;
	img->dtb_after = 0;
	img->run = img->place;		/* it runs where it is put */
	img->run_size = sz;
	img->can = BOOT_CAN_HOTPLUG | BOOT_CAN_LOW_RAM;
	img->name = "arm64 Image";
	return 0;
}
