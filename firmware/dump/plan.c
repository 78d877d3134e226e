// SPDX-License-Identifier: BSD-3-Clause
/*
 * Dump placement on the disk (see dump_plan.h).
 */
#include <stdint.h>
#include <string.h>
#include <dump_plan.h>

#define FIRST_DUMP	TSB_DUMP_ALIGN	/* the disk header owns the first 1 MiB */

uint64_t dump_disk_header_sum(const struct tsb_disk_header *h)
{
	return tsb_disk_header_sum(h);
}

uint64_t dump_header_sum(const struct tsb_dump_header *h)
{
	return tsb_dump_header_sum(h);
}

static int overlaps(const struct tsb_disk_slot *s, uint64_t off, uint64_t len)
{
	return s->state != TSB_DUMP_EMPTY && s->offset < off + len &&
	       off < s->offset + s->size;
}

int dump_disk_header_valid(const struct tsb_disk_header *h, uint64_t disk_size)
{
	uint32_t i, j;

	if (h->magic != TSB_DISK_MAGIC || !tsb_disk_header_len(h->version) ||
	    h->nslots != TSB_MAX_DUMPS || h->checksum != dump_disk_header_sum(h))
		return 0;
	for (i = 0; i < TSB_MAX_DUMPS; i++) {
		const struct tsb_disk_slot *s = &h->slot[i];

		if (s->state == TSB_DUMP_EMPTY)
			continue;
		if (s->state > TSB_DUMP_PARTIAL || s->offset < FIRST_DUMP ||
		    s->offset % TSB_DUMP_ALIGN || s->offset >= disk_size ||
		    s->size == 0 || s->size > disk_size - s->offset)
			return 0;
		for (j = 0; j < i; j++)
			if (overlaps(&h->slot[j], s->offset, s->size) ||
			    (h->slot[j].state != TSB_DUMP_EMPTY &&
			     h->slot[j].dump_id == s->dump_id))
				return 0;
	}
	return 1;
}

void dump_disk_header_init(struct tsb_disk_header *h, uint64_t disk_size)
{
	memset(h, 0, sizeof(*h));
	h->magic = TSB_DISK_MAGIC;
	h->version = TSB_FORMAT_VERSION;
	h->nslots = TSB_MAX_DUMPS;
	h->disk_size = disk_size;
	h->next_dump_id = 1;
	h->checksum = dump_disk_header_sum(h);
}

static uint64_t generation(const struct tsb_disk_header *h)
{
	return h->version == 1 ? 0 : h->generation;	/* version 1 had one copy */
}

int dump_disk_header_pick(const struct tsb_disk_header *c0, const struct tsb_disk_header *c1,
			  uint64_t disk_size)
{
	int v0 = dump_disk_header_valid(c0, disk_size);
	int v1 = dump_disk_header_valid(c1, disk_size) && c1->version != 1;

	if (v0 && v1)
		return generation(c1) > generation(c0) ? 1 : 0;
	return v0 ? 0 : v1 ? 1 : -1;
}

int dump_disk_header_repair(struct tsb_disk_header *h)
{
	uint64_t next = 1;
	int changed = 0;
	uint32_t i;

	for (i = 0; i < TSB_MAX_DUMPS; i++)
		if (h->slot[i].state != TSB_DUMP_EMPTY && h->slot[i].dump_id >= next)
			next = h->slot[i].dump_id + 1;
	if (h->next_dump_id < next) {
		h->next_dump_id = next;
		changed = 1;
	}
	if (h->version == 1) {
		h->version = TSB_FORMAT_VERSION;	/* the next write upgrades the disk */
		h->generation = 0;
		h->reserved2 = 0;
		changed = 1;
	}
	h->checksum = dump_disk_header_sum(h);
	return changed;
}

uint64_t dump_disk_header_commit(struct tsb_disk_header *h)
{
	h->version = TSB_FORMAT_VERSION;
	h->generation++;
	h->checksum = dump_disk_header_sum(h);
	return (h->generation % TSB_DISK_HEADER_COPIES) * TSB_BLOCK;
}

static uint64_t align_up(uint64_t v)
{
	return (v + TSB_DUMP_ALIGN - 1) & ~(TSB_DUMP_ALIGN - 1);
}


/* The protected slot (the first dump of the current crash series), or -1. */
static int protected_slot(const struct tsb_disk_header *h)
{
	int i;

	for (i = 0; i < TSB_MAX_DUMPS; i++)
		if (h->slot[i].state != TSB_DUMP_EMPTY && (h->slot[i].flags & TSB_SLOT_PROTECTED))
			return i;
	return -1;
}

/* Bytes free for a dump at @off: up to the protected slot or the disk's end; 0 inside it. */
static uint64_t room_at(const struct tsb_disk_header *h, int prot, uint64_t off,
			uint64_t disk_size)
{
	uint64_t end = disk_size;

	if (off >= disk_size || disk_size - off < TSB_META_SIZE + TSB_BLOCK)
		return 0;
	if (prot >= 0) {
		const struct tsb_disk_slot *s = &h->slot[prot];

		if (off >= s->offset && off < s->offset + s->size)
			return 0;
		if (s->offset > off && s->offset < end)
			end = s->offset;
	}
	return end - off >= TSB_META_SIZE + TSB_BLOCK ? end - off : 0;
}

int dump_plan_slot(struct tsb_disk_header *h, uint64_t disk_size, uint64_t need,
		   uint64_t dump_id, int series_start, struct dump_slot_plan *p)
{
	uint64_t cand[3], room = 0, off = 0;
	int i, slot = -1, oldest, newest = -1, prot;

	memset(p, 0, sizeof(*p));
	if (series_start)	/* a new series: the old one's first dump is an old dump */
		for (i = 0; i < TSB_MAX_DUMPS; i++)
			h->slot[i].flags &= ~TSB_SLOT_PROTECTED;
	prot = protected_slot(h);
	/* The disk is a ring: a new dump goes after the newest one. */
	for (i = 0; i < TSB_MAX_DUMPS; i++) {
		const struct tsb_disk_slot *s = &h->slot[i];

		if (s->state == TSB_DUMP_EMPTY)
			continue;
		if (newest < 0 || s->dump_id > h->slot[newest].dump_id)
			newest = i;
	}
	/*
	 * Where it may go, in order: after the newest dump; from the start
	 * again; after the protected dump, which is never overwritten. The
	 * first place with room for all of it, else the one with the most.
	 */
	cand[0] = newest >= 0 ? align_up(h->slot[newest].offset + h->slot[newest].size) :
		  FIRST_DUMP;
	cand[1] = FIRST_DUMP;
	cand[2] = prot >= 0 ? align_up(h->slot[prot].offset + h->slot[prot].size) : FIRST_DUMP;
	for (i = 0; i < 3; i++) {
		uint64_t r = room_at(h, prot, cand[i], disk_size);

		if (r >= need) {
			off = cand[i];
			room = need;
			break;
		}
		if (r > room) {
			off = cand[i];
			room = r;
		}
	}
	if (!room)
		return -1;

	for (i = 0; i < TSB_MAX_DUMPS; i++) {
		if (i != prot && overlaps(&h->slot[i], off, room)) {
			memset(&h->slot[i], 0, sizeof(h->slot[i]));
			p->dropped++;
		}
	}
	for (i = 0; i < TSB_MAX_DUMPS && slot < 0; i++)
		if (h->slot[i].state == TSB_DUMP_EMPTY)
			slot = i;
	if (slot < 0) {
		/* All 16 in use: give up the oldest (never the protected one). */
		oldest = prot == 0 ? 1 : 0;
		for (i = 0; i < TSB_MAX_DUMPS; i++)
			if (i != prot && h->slot[i].dump_id < h->slot[oldest].dump_id)
				oldest = i;
		slot = oldest;
		p->dropped++;
	}
	h->slot[slot].offset = off;
	h->slot[slot].size = room;
	h->slot[slot].dump_id = dump_id;
	h->slot[slot].state = TSB_DUMP_IN_PROGRESS;
	h->slot[slot].flags = series_start ? TSB_SLOT_PROTECTED : 0;
	h->disk_size = disk_size;
	if (h->next_dump_id <= dump_id)
		h->next_dump_id = dump_id + 1;
	h->checksum = dump_disk_header_sum(h);
	p->slot = slot;
	p->offset = off;
	p->room = room;
	return 0;
}
