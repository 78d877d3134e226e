// SPDX-License-Identifier: BSD-3-Clause
/*
 * Image pack parsing. Shared by the firmware, tools/tsubaki-pack and the host
 * unit tests; everything in a pack is checked before use.
 */
#include <stdint.h>
#include <string.h>
#include <tsubaki/pack.h>

uint32_t pack_header_crc(const struct tsb_pack_header *hdr)
{
	struct tsb_pack_header tmp;

	memcpy(&tmp, hdr, sizeof(tmp));
	tmp.hdr_crc32 = 0;
	return tsb_crc32(0, &tmp, sizeof(tmp));
}

int pack_parse(const void *base, size_t avail, struct tsb_pack_view *view)
{
	const struct tsb_pack_header *h = base;
	uint32_t seen = 0;
	uint32_t i;

	if (avail < sizeof(*h))
		return PACK_E_SHORT;
	if (h->magic != TSB_PACK_MAGIC)
		return PACK_E_MAGIC;
	if (h->version != TSB_PACK_VERSION)
		return PACK_E_VERSION;
	if (pack_header_crc(h) != h->hdr_crc32)
		return PACK_E_CRC;
	if (h->count > TSB_PACK_MAX_ENTRIES || h->total_size > avail ||
	    h->total_size < sizeof(*h))
		return PACK_E_RANGE;
	for (i = 0; i < h->count; i++) {
		const struct tsb_pack_entry *e = &h->entry[i];

		if (e->type == 0 || e->type >= 32)
			return PACK_E_RANGE;
		if (seen & (1U << e->type))
			return PACK_E_DUP;
		seen |= 1U << e->type;
		if (e->offset < sizeof(*h) || e->offset > h->total_size ||
		    e->size > h->total_size - e->offset)
			return PACK_E_RANGE;
	}
	view->base = base;
	view->hdr = h;
	return 0;
}

const struct tsb_pack_entry *pack_find(const struct tsb_pack_view *view, uint32_t type)
{
	uint32_t i;

	for (i = 0; i < view->hdr->count; i++)
		if (view->hdr->entry[i].type == type)
			return &view->hdr->entry[i];
	return NULL;
}

int pack_verify_entry(const struct tsb_pack_view *view, const struct tsb_pack_entry *e)
{
	return tsb_crc32(0, view->base + e->offset, e->size) == e->crc32 ? 0 : PACK_E_CRC;
}

const char *pack_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case PACK_E_SHORT:
		return "truncated pack";
	case PACK_E_MAGIC:
		return "bad magic";
	case PACK_E_VERSION:
		return "unknown version";
	case PACK_E_CRC:
		return "checksum mismatch";
	case PACK_E_RANGE:
		return "entry out of range";
	case PACK_E_DUP:
		return "duplicate entry";
	default:
		return "unknown error";
	}
}
