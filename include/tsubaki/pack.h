/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The image pack: the kernel Image, initramfs, command line and run-time
 * configuration stored in secure flash after the firmware, where the normal
 * world cannot reach them. Written by tools/tsubaki-pack, read by the
 * firmware at every boot. All fields little-endian.
 */
#ifndef TSUBAKI_PACK_H
#define TSUBAKI_PACK_H
#include <stdint.h>
#include <stddef.h>

#define TSB_PACK_MAGIC		0x4b434150424b5354ULL	/* "TSBKPACK" */
#define TSB_PACK_VERSION	1
#define TSB_PACK_MAX_ENTRIES	8
#define TSB_PACK_ALIGN		4096

enum tsb_pack_type {
	TSB_PACK_KERNEL = 1,	/* arm64 Image or ARM zImage */
	TSB_PACK_INITRD = 2,	/* initramfs (cpio) */
	TSB_PACK_CMDLINE = 3,	/* kernel command line, NUL-terminated */
	TSB_PACK_CONFIG = 4,	/* "key=value" lines, NUL-terminated */
};

struct tsb_pack_entry {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;	/* from the start of the header */
	uint64_t size;
	uint32_t crc32;
	uint32_t reserved;
};

struct tsb_pack_header {
	uint64_t magic;
	uint32_t version;
	uint32_t count;
	uint64_t total_size;	/* header + all blobs */
	uint32_t hdr_crc32;	/* over the header with this field zero */
	uint32_t reserved;
	struct tsb_pack_entry entry[TSB_PACK_MAX_ENTRIES];
};

struct tsb_pack_view {
	const uint8_t *base;
	const struct tsb_pack_header *hdr;
};

/* Error codes of pack_parse() (negative). */
#define PACK_E_SHORT	-1
#define PACK_E_MAGIC	-2
#define PACK_E_VERSION	-3
#define PACK_E_CRC	-4
#define PACK_E_RANGE	-5
#define PACK_E_DUP	-6

uint32_t tsb_crc32(uint32_t crc, const void *buf, size_t len);
/* Validate a pack of at most @avail bytes at @base. Return 0 or PACK_E_*. */
int pack_parse(const void *base, size_t avail, struct tsb_pack_view *view);
/* Find an entry by type; NULL when absent. */
const struct tsb_pack_entry *pack_find(const struct tsb_pack_view *view, uint32_t type);
/* Check a blob's CRC. Return 0 or PACK_E_CRC. */
int pack_verify_entry(const struct tsb_pack_view *view, const struct tsb_pack_entry *e);
/* Header CRC as stored in hdr_crc32. */
uint32_t pack_header_crc(const struct tsb_pack_header *hdr);
const char *pack_strerror(int err);

#endif
