/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where on the dump disk a new dump goes. Plain C, host-tested.
 */
#ifndef DUMP_PLAN_H
#define DUMP_PLAN_H
#include <stdint.h>
#include <tsubaki/dump_format.h>

struct dump_slot_plan {
	int slot;		/* index in the disk header */
	uint64_t offset;	/* of the dump on disk */
	uint64_t room;		/* bytes available from offset (<= need) */
	uint32_t dropped;	/* older dumps given up to make room */
};

/* Checksum the disk header as stored (checksum field taken as 0). */
uint64_t dump_disk_header_sum(const struct tsb_disk_header *h);
/* 1 if @h is a well-formed header for a disk of @disk_size bytes. */
int dump_disk_header_valid(const struct tsb_disk_header *h, uint64_t disk_size);
void dump_disk_header_init(struct tsb_disk_header *h, uint64_t disk_size);
/*
 * The disk header is kept twice (copies at 0 and TSB_BLOCK), written in turn,
 * so a torn write leaves the other one whole. dump_disk_header_pick(): the
 * copy to trust -- the valid one, or of two the higher generation -- as 0 or
 * 1, or -1 if neither is valid (an unformatted disk).
 */
int dump_disk_header_pick(const struct tsb_disk_header *c0, const struct tsb_disk_header *c1,
			  uint64_t disk_size);
/*
 * Make a header that passed dump_disk_header_valid() safe to build on:
 * next_dump_id above every slot's id (ids never repeat), version 1 upgraded.
 * Return 1 if anything changed.
 */
int dump_disk_header_repair(struct tsb_disk_header *h);
/* Before writing @h: next generation, checksum. Return the disk offset of its copy. */
uint64_t dump_disk_header_commit(struct tsb_disk_header *h);
/*
 * dump_plan_slot() - choose where a dump of @need bytes goes: after the last
 * dump if it fits there; otherwise from the start of the disk, giving up the
 * older dumps it overlaps; otherwise after the protected dump. Never
 * overwrites a dump while there is room elsewhere, and never the protected
 * one (TSB_SLOT_PROTECTED): with no room for all of it, the place with the
 * most. @series_start: this crash begins a new series -- its dump becomes
 * the protected one, and the old series' first dump an ordinary one. Updates
 * @h (dropped slots emptied, the new slot in progress). Return 0, or -1 when
 * not even the metadata fits.
 */
int dump_plan_slot(struct tsb_disk_header *h, uint64_t disk_size, uint64_t need,
		   uint64_t dump_id, int series_start, struct dump_slot_plan *p);
uint64_t dump_header_sum(const struct tsb_dump_header *h);

#endif
