// SPDX-License-Identifier: BSD-3-Clause
/*
 * Dump placement on the dump disk (dump/plan.c): the disk header's checks and
 * where each new dump goes.
 */
#include <stdint.h>
#include <string.h>
#include <dump_plan.h>
#include "unit.h"

#define MiB		(1ULL << 20)
#define DISK		(64 * MiB)

static void reseal(struct tsb_disk_header *h)
{
	h->checksum = dump_disk_header_sum(h);
}

static void test_header_init(void **state)
{
	struct tsb_disk_header h;
	unsigned int i;

	(void)state;
	memset(&h, 0xa5, sizeof(h));
	dump_disk_header_init(&h, DISK);
	assert_int_equal(h.magic, TSB_DISK_MAGIC);
	assert_int_equal(h.version, TSB_FORMAT_VERSION);
	assert_int_equal(h.nslots, TSB_MAX_DUMPS);
	assert_int_equal(h.disk_size, DISK);
	assert_int_equal(h.next_dump_id, 1);
	assert_int_equal(h.checksum, dump_disk_header_sum(&h));
	for (i = 0; i < TSB_MAX_DUMPS; i++) {
		assert_int_equal(h.slot[i].state, TSB_DUMP_EMPTY);
		assert_int_equal(h.slot[i].offset, 0);
		assert_int_equal(h.slot[i].size, 0);
		assert_int_equal(h.slot[i].dump_id, 0);
	}
	assert_true(dump_disk_header_valid(&h, DISK));
	assert_true(dump_disk_header_valid(&h, 4 * MiB));
}

/* One header with dumps in three states, valid for DISK. */
static void populated(struct tsb_disk_header *h)
{
	dump_disk_header_init(h, DISK);
	h->slot[0] = (struct tsb_disk_slot){ 1 * MiB, 10 * MiB, 1, TSB_DUMP_COMPLETE, 0 };
	h->slot[3] = (struct tsb_disk_slot){ 11 * MiB, 5 * MiB, 2, TSB_DUMP_PARTIAL, 0 };
	h->slot[15] = (struct tsb_disk_slot){ 16 * MiB, DISK - 16 * MiB, 3, TSB_DUMP_IN_PROGRESS, 0 };
	h->next_dump_id = 4;
	reseal(h);
}

static void test_header_corruptions(void **state)
{
	struct tsb_disk_header good, h;
	unsigned int i, b;

	(void)state;
	populated(&good);
	assert_true(dump_disk_header_valid(&good, DISK));
	assert_false(dump_disk_header_valid(&good, DISK - 1));	/* slot 15 ends past it */

#define BAD(stmt, what) do {						\
		h = good;						\
		stmt;							\
		reseal(&h);						\
		if (dump_disk_header_valid(&h, DISK))			\
			fail_msg("header with %s accepted", what);	\
	} while (0)

	BAD(h.magic ^= 1, "bad magic");
	BAD(h.magic = TSB_DUMP_MAGIC, "dump magic");
	BAD(h.version = 0, "version 0");
	BAD(h.version = TSB_FORMAT_VERSION + 1, "version 2");
	BAD(h.nslots = 0, "nslots 0");
	BAD(h.nslots = TSB_MAX_DUMPS - 1, "nslots 15");
	BAD(h.nslots = TSB_MAX_DUMPS + 1, "nslots 17");
	BAD(h.slot[3].state = TSB_DUMP_PARTIAL + 1, "slot state 4");
	BAD(h.slot[3].state = 0xffffffffU, "slot state ~0");
	BAD(h.slot[0].offset = 0, "slot over the disk header");
	BAD(h.slot[0].offset = 4096, "slot at 4 KiB");
	BAD(h.slot[0].offset = MiB - 4096, "slot below 1 MiB");
	BAD(h.slot[3].offset = 11 * MiB + 4096, "slot not 1 MiB aligned");
	BAD(h.slot[3].offset = 11 * MiB + 1, "slot at an odd offset");
	BAD((h.slot[3].offset = DISK + MiB, h.slot[3].size = 0), "slot beyond the disk");
	BAD((h.slot[3].offset = 1ULL << 63, h.slot[3].size = 0), "slot at 2^63");
	BAD(h.slot[15].size++, "slot one byte past the end");
	BAD(h.slot[0].size = DISK, "slot larger than the disk");
	BAD(h.slot[0].size = ~0ULL, "slot size ~0 (offset + size wraps)");
	BAD(h.slot[15].size = ~0ULL - 16 * MiB + 2, "slot whose end wraps to 1");
	/* A bad slot counts even when the others are fine, wherever it is. */
	for (i = 0; i < TSB_MAX_DUMPS; i++)
		BAD((h.slot[i].state = TSB_DUMP_COMPLETE, h.slot[i].offset = 0,
		     h.slot[i].size = MiB, h.slot[i].dump_id = 99), "a slot at 0");
#undef BAD

	/* Checksum: stale, or any flipped bit outside the checksum. */
	h = good;
	h.checksum ^= 1;
	assert_false(dump_disk_header_valid(&h, DISK));
	for (b = 0; b < sizeof(h); b++) {
		if (b >= offsetof(struct tsb_disk_header, checksum) &&
		    b < offsetof(struct tsb_disk_header, checksum) + 8)
			continue;
		h = good;
		((uint8_t *)&h)[b] ^= 0x10;
		if (dump_disk_header_valid(&h, DISK))
			fail_msg("flip at byte %u not detected", b);
	}

	/* Empty slots are not checked at all. */
	h = good;
	h.slot[7] = (struct tsb_disk_slot){ 0, ~0ULL, 77, TSB_DUMP_EMPTY, 0 };
	reseal(&h);
	assert_true(dump_disk_header_valid(&h, DISK));
}

static void expect_slot(const struct tsb_disk_header *h, int i, uint64_t off, uint64_t size,
			uint64_t id, uint32_t st)
{
	const struct tsb_disk_slot *s = &h->slot[i];

	if (s->offset != off || s->size != size || s->dump_id != id || s->state != st)
		fail_msg("slot %d: off=%llu MiB size=0x%llx id=%llu state=%u; expected "
			 "off=%llu MiB size=0x%llx id=%llu state=%u", i,
			 (unsigned long long)(s->offset >> 20), (unsigned long long)s->size,
			 (unsigned long long)s->dump_id, s->state,
			 (unsigned long long)(off >> 20), (unsigned long long)size,
			 (unsigned long long)id, st);
}

/* Plan dump next_dump_id of @need bytes; check the result is self-consistent. */
static struct dump_slot_plan plan(struct tsb_disk_header *h, uint64_t disk, uint64_t need)
{
	struct dump_slot_plan p;
	uint64_t id = h->next_dump_id;
	int i;

	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(dump_plan_slot(h, disk, need, id, 0, &p), 0);
	assert_true(p.slot >= 0 && p.slot < TSB_MAX_DUMPS);
	assert_true(p.offset >= MiB && p.offset % MiB == 0);
	assert_true(p.room <= need && p.room <= disk - p.offset);
	assert_true(p.room >= TSB_META_SIZE + TSB_BLOCK || p.room == need);
	expect_slot(h, p.slot, p.offset, p.room, id, TSB_DUMP_IN_PROGRESS);
	assert_int_equal(h->next_dump_id, id + 1);
	assert_int_equal(h->disk_size, disk);
	assert_int_equal(h->checksum, dump_disk_header_sum(h));
	assert_true(dump_disk_header_valid(h, disk));
	/* The new dump overlaps no surviving one. */
	for (i = 0; i < TSB_MAX_DUMPS; i++) {
		const struct tsb_disk_slot *s = &h->slot[i];

		if (i == p.slot || s->state == TSB_DUMP_EMPTY)
			continue;
		if (s->offset < p.offset + p.room && p.offset < s->offset + s->size)
			fail_msg("new dump in slot %d overlaps slot %d", p.slot, i);
	}
	return p;
}

static void complete(struct tsb_disk_header *h, int slot)
{
	h->slot[slot].state = TSB_DUMP_COMPLETE;
	reseal(h);
}

static unsigned int used(const struct tsb_disk_header *h)
{
	unsigned int i, n = 0;

	for (i = 0; i < TSB_MAX_DUMPS; i++)
		n += h->slot[i].state != TSB_DUMP_EMPTY;
	return n;
}

static void test_plan_first_and_next(void **state)
{
	struct tsb_disk_header h;
	struct dump_slot_plan p;

	(void)state;
	dump_disk_header_init(&h, DISK);
	p = plan(&h, DISK, 10 * MiB);
	assert_int_equal(p.slot, 0);
	assert_int_equal(p.offset, MiB);
	assert_int_equal(p.room, 10 * MiB);
	assert_int_equal(p.dropped, 0);
	complete(&h, 0);

	/* Right after it, 1 MiB aligned. */
	p = plan(&h, DISK, 5 * MiB + 1);
	assert_int_equal(p.slot, 1);
	assert_int_equal(p.offset, 11 * MiB);
	assert_int_equal(p.room, 5 * MiB + 1);
	assert_int_equal(p.dropped, 0);
	complete(&h, 1);

	p = plan(&h, DISK, 3 * MiB);
	assert_int_equal(p.offset, 17 * MiB);	/* 16 MiB + 1 rounded up */
	assert_int_equal(p.dropped, 0);
	expect_slot(&h, 0, MiB, 10 * MiB, 1, TSB_DUMP_COMPLETE);
	expect_slot(&h, 1, 11 * MiB, 5 * MiB + 1, 2, TSB_DUMP_COMPLETE);
	assert_int_equal(h.next_dump_id, 4);

	/* An explicit id above next_dump_id moves it; one below does not. */
	assert_int_equal(dump_plan_slot(&h, DISK, 2 * MiB, 10, 0, &p), 0);
	assert_int_equal(h.next_dump_id, 11);
	assert_int_equal(dump_plan_slot(&h, DISK, 2 * MiB, 5, 0, &p), 0);
	assert_int_equal(h.next_dump_id, 11);
	assert_true(dump_disk_header_valid(&h, DISK));
}

/* Exactly fitting the end of the disk is "room after the last one". */
static void test_plan_no_drop_when_room(void **state)
{
	struct tsb_disk_header h;
	struct dump_slot_plan p;
	unsigned int i;

	(void)state;
	dump_disk_header_init(&h, 32 * MiB);
	plan(&h, 32 * MiB, 10 * MiB);
	plan(&h, 32 * MiB, 10 * MiB);
	p = plan(&h, 32 * MiB, 11 * MiB);	/* [21, 32): to the last byte */
	assert_int_equal(p.offset, 21 * MiB);
	assert_int_equal(p.room, 11 * MiB);
	assert_int_equal(p.dropped, 0);
	assert_int_equal(used(&h), 3);

	/* Many small dumps, never dropping while they fit. */
	dump_disk_header_init(&h, DISK);
	for (i = 0; i < TSB_MAX_DUMPS; i++) {
		p = plan(&h, DISK, 2 * MiB);
		assert_int_equal(p.offset, (1 + 2 * i) * MiB);
		assert_int_equal(p.dropped, 0);
		assert_int_equal(used(&h), i + 1);
	}
}

static void test_plan_wrap_drops_overlapped(void **state)
{
	struct tsb_disk_header h;
	struct dump_slot_plan p;

	(void)state;
	/* 32 MiB: [1,11) [11,21) [21,31) -- 1 MiB left at the end. */
	dump_disk_header_init(&h, 32 * MiB);
	plan(&h, 32 * MiB, 10 * MiB);
	plan(&h, 32 * MiB, 10 * MiB);
	plan(&h, 32 * MiB, 10 * MiB);
	p = plan(&h, 32 * MiB, 10 * MiB);
	assert_int_equal(p.offset, MiB);
	assert_int_equal(p.room, 10 * MiB);
	assert_int_equal(p.dropped, 1);
	assert_int_equal(p.slot, 0);		/* dump 1's slot, reused */
	expect_slot(&h, 0, MiB, 10 * MiB, 4, TSB_DUMP_IN_PROGRESS);
	expect_slot(&h, 1, 11 * MiB, 10 * MiB, 2, TSB_DUMP_IN_PROGRESS);
	expect_slot(&h, 2, 21 * MiB, 10 * MiB, 3, TSB_DUMP_IN_PROGRESS);
	assert_int_equal(used(&h), 3);

	/* A bigger one overlapping two older dumps drops both, keeps the third. */
	dump_disk_header_init(&h, 32 * MiB);
	plan(&h, 32 * MiB, 8 * MiB);		/* [1,9) */
	plan(&h, 32 * MiB, 8 * MiB);		/* [9,17) */
	plan(&h, 32 * MiB, 8 * MiB);		/* [17,25) */
	p = plan(&h, 32 * MiB, 12 * MiB);	/* 7 MiB left: [1,13) */
	assert_int_equal(p.offset, MiB);
	assert_int_equal(p.room, 12 * MiB);
	assert_int_equal(p.dropped, 2);
	assert_int_equal(used(&h), 2);
	expect_slot(&h, 2, 17 * MiB, 8 * MiB, 3, TSB_DUMP_IN_PROGRESS);
	/* Touching the next dump (end == its offset) is no overlap. */
	dump_disk_header_init(&h, 32 * MiB);
	plan(&h, 32 * MiB, 8 * MiB);
	plan(&h, 32 * MiB, 8 * MiB);
	plan(&h, 32 * MiB, 8 * MiB);
	p = plan(&h, 32 * MiB, 8 * MiB);
	assert_int_equal(p.offset, MiB);
	assert_int_equal(p.dropped, 1);
	assert_int_equal(used(&h), 3);
}

/*
 * The disk is a ring: after starting over, the next dump goes after the
 * newest one and gives up the oldest -- not the newest.
 */
static void test_plan_wrap_twice_keeps_newest(void **state)
{
	struct tsb_disk_header h;
	struct dump_slot_plan p;
	unsigned int i;

	(void)state;
	dump_disk_header_init(&h, 32 * MiB);
	for (i = 0; i < 4; i++)
		plan(&h, 32 * MiB, 10 * MiB);	/* 1, 2, 3, then 4 over 1 at 1 MiB */
	expect_slot(&h, 0, MiB, 10 * MiB, 4, TSB_DUMP_IN_PROGRESS);
	complete(&h, 0);

	p = plan(&h, 32 * MiB, 10 * MiB);	/* dump 5 */
	for (i = 0; i < TSB_MAX_DUMPS; i++)
		if (h.slot[i].state != TSB_DUMP_EMPTY && h.slot[i].dump_id == 4)
			break;
	if (i == TSB_MAX_DUMPS)
		fail_msg("dump 5 (at %llu MiB) dropped dump 4, the newest, and kept the "
			 "older dumps 2 and 3", (unsigned long long)(p.offset >> 20));
	assert_int_equal(p.offset, 11 * MiB);
	assert_int_equal(p.dropped, 1);
}

static void test_plan_too_small(void **state)
{
	static const uint64_t tiny[] = {
		0, 4096, MiB - 1, MiB, MiB + 4096, 2 * MiB, 2 * MiB + 4095,
		MiB + TSB_META_SIZE + TSB_BLOCK - 1,
	};
	struct tsb_disk_header h, before;
	struct dump_slot_plan p;
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(tiny); i++) {
		dump_disk_header_init(&h, tiny[i]);
		before = h;
		memset(&p, 0xa5, sizeof(p));
		if (dump_plan_slot(&h, tiny[i], 100 * MiB, 1, 0, &p) != -1)
			fail_msg("a %llu byte disk accepted", (unsigned long long)tiny[i]);
		assert_memory_equal(&h, &before, sizeof(h));
	}
	/* Just enough for the metadata and one block. */
	dump_disk_header_init(&h, MiB + TSB_META_SIZE + TSB_BLOCK);
	p = plan(&h, MiB + TSB_META_SIZE + TSB_BLOCK, 100 * MiB);
	assert_int_equal(p.offset, MiB);
	assert_int_equal(p.room, TSB_META_SIZE + TSB_BLOCK);
}

static void test_plan_partial(void **state)
{
	struct tsb_disk_header h;
	struct dump_slot_plan p;

	(void)state;
	dump_disk_header_init(&h, 8 * MiB);
	p = plan(&h, 8 * MiB, 100 * MiB);
	assert_int_equal(p.offset, MiB);
	assert_int_equal(p.room, 7 * MiB);
	assert_int_equal(p.dropped, 0);

	/* Next one: no room after it, starts over and takes its place. */
	p = plan(&h, 8 * MiB, 100 * MiB);
	assert_int_equal(p.offset, MiB);
	assert_int_equal(p.room, 7 * MiB);
	assert_int_equal(p.dropped, 1);
	assert_int_equal(used(&h), 1);
}

static void test_plan_all_slots_used(void **state)
{
	struct tsb_disk_header h;
	struct dump_slot_plan p;
	unsigned int i;

	(void)state;
	dump_disk_header_init(&h, 1024 * MiB);
	/* Ids out of slot order: the oldest (id 3) sits in slot 9. */
	for (i = 0; i < TSB_MAX_DUMPS; i++) {
		h.slot[i] = (struct tsb_disk_slot){ (1 + 2 * i) * MiB, 2 * MiB,
						    i == 9 ? 3 : 10 + i, TSB_DUMP_COMPLETE, 0 };
	}
	h.next_dump_id = 26;
	reseal(&h);
	assert_true(dump_disk_header_valid(&h, 1024 * MiB));
	p = plan(&h, 1024 * MiB, 2 * MiB);
	assert_int_equal(p.slot, 9);
	assert_int_equal(p.offset, 33 * MiB);	/* room after the last: no overlap */
	assert_int_equal(p.dropped, 1);
	expect_slot(&h, 9, 33 * MiB, 2 * MiB, 26, TSB_DUMP_IN_PROGRESS);
	assert_int_equal(used(&h), TSB_MAX_DUMPS);
	assert_int_equal(h.next_dump_id, 27);
	/* Then the next oldest: id 10 in slot 0. */
	p = plan(&h, 1024 * MiB, 2 * MiB);
	assert_int_equal(p.slot, 0);
	assert_int_equal(p.offset, 35 * MiB);
}

static void test_dump_header_sum(void **state)
{
	struct tsb_dump_header hd, t;
	struct tsb_disk_header dk, u;
	uint64_t s0, s;
	unsigned int b;
	size_t cs = offsetof(struct tsb_dump_header, checksum);
	size_t ck = offsetof(struct tsb_disk_header, checksum);

	(void)state;
	memset(&hd, 0, sizeof(hd));
	hd.magic = TSB_DUMP_MAGIC;
	hd.version = TSB_FORMAT_VERSION;
	hd.dump_id = 7;
	hd.ram_size = 1ULL << 30;
	s0 = dump_header_sum(&hd);
	/* The checksum field is taken as 0; the header is not modified. */
	t = hd;
	t.checksum = 0x123456789abcdefULL;
	assert_int_equal(dump_header_sum(&t), s0);
	assert_int_equal(t.checksum, 0x123456789abcdefULL);
	assert_int_equal(s0, tsb_sum64(0, &hd, sizeof(hd)));
	for (b = 0; b < sizeof(hd); b++) {
		if ((b >= cs && b < cs + 8) || (b >= 8 && b < 12))
			continue;	/* the checksum; the version (below) */
		t = hd;
		((uint8_t *)&t)[b] ^= 0x01;
		s = dump_header_sum(&t);
		if (s == s0)
			fail_msg("dump header: flip at byte %u does not change the sum", b);
		((uint8_t *)&t)[b] ^= 0x81;
		assert_int_not_equal(dump_header_sum(&t), s0);
		assert_int_not_equal(dump_header_sum(&t), s);
	}

	dump_disk_header_init(&dk, DISK);
	s0 = dump_disk_header_sum(&dk);
	assert_int_equal(s0, dk.checksum);
	for (b = 0; b < sizeof(dk); b++) {
		if (b >= ck && b < ck + 8)
			continue;
		u = dk;
		((uint8_t *)&u)[b] ^= 0x40;
		if (dump_disk_header_sum(&u) == s0)
			fail_msg("disk header: flip at byte %u does not change the sum", b);
	}
}

/*
 * A panic loop: the first dump of the series is never overwritten, however
 * many dumps follow it on a disk with room for three; a new series moves the
 * protection to its own first dump.
 */
static void test_plan_protects_series_first(void **state)
{
	struct tsb_disk_header h;
	struct dump_slot_plan p;
	uint64_t disk = 1 * MiB + 3 * 10 * MiB;	/* three 10 MiB dumps */
	uint64_t id;
	int first, i, n;

	(void)state;
	dump_disk_header_init(&h, disk);
	assert_int_equal(dump_plan_slot(&h, disk, 10 * MiB, 1, 1, &p), 0);
	first = p.slot;
	assert_int_equal(h.slot[first].flags, TSB_SLOT_PROTECTED);
	h.slot[first].state = TSB_DUMP_COMPLETE;
	for (id = 2; id < 40; id++) {
		assert_int_equal(dump_plan_slot(&h, disk, 10 * MiB, id, 0, &p), 0);
		assert_int_equal(h.slot[p.slot].flags, 0);
		assert_true(p.slot != first);
		assert_true(p.offset + p.room <= h.slot[first].offset ||
			    p.offset >= h.slot[first].offset + h.slot[first].size);
		h.slot[p.slot].state = TSB_DUMP_COMPLETE;
		assert_int_equal(h.slot[first].dump_id, 1);	/* still there */
		assert_int_equal(h.slot[first].state, TSB_DUMP_COMPLETE);
	}
	for (i = 0, n = 0; i < TSB_MAX_DUMPS; i++)
		n += h.slot[i].state != TSB_DUMP_EMPTY;
	assert_int_equal(n, 3);		/* dump 1 and the two newest */
	/* A new series: its first dump is the protected one now. */
	assert_int_equal(dump_plan_slot(&h, disk, 10 * MiB, 40, 1, &p), 0);
	assert_int_equal(h.slot[p.slot].flags, TSB_SLOT_PROTECTED);
	for (i = 0, n = 0; i < TSB_MAX_DUMPS; i++)
		n += !!(h.slot[i].flags & TSB_SLOT_PROTECTED);
	assert_int_equal(n, 1);
	/* A disk with room for one dump only: the new one gets what is left. */
	dump_disk_header_init(&h, 1 * MiB + 12 * MiB);
	assert_int_equal(dump_plan_slot(&h, 13 * MiB, 10 * MiB, 1, 1, &p), 0);
	h.slot[p.slot].state = TSB_DUMP_COMPLETE;
	assert_int_equal(dump_plan_slot(&h, 13 * MiB, 10 * MiB, 2, 0, &p), 0);
	assert_int_equal(p.offset, 11 * MiB);
	assert_int_equal(p.room, 2 * MiB);	/* partial, dump 1 kept */
	assert_int_equal(h.slot[0].dump_id, 1);
}

/* Version 1 headers: the checksum covers the version 1 structure only. */
static void test_version1_headers(void **state)
{
	struct tsb_dump_header hd;
	struct tsb_disk_header dk;
	uint64_t s;

	(void)state;
	memset(&hd, 0, sizeof(hd));
	hd.magic = TSB_DUMP_MAGIC;
	hd.version = 1;
	hd.dump_id = 3;
	s = dump_header_sum(&hd);
	assert_int_equal(s, tsb_sum64(0, &hd, offsetof(struct tsb_dump_header, cause)));
	hd.cause = 9;		/* beyond a version 1 header: not covered */
	assert_int_equal(dump_header_sum(&hd), s);
	hd.version = TSB_FORMAT_VERSION;
	assert_int_not_equal(dump_header_sum(&hd), s);
	hd.version = TSB_FORMAT_VERSION + 1;	/* unknown: no checksum matches */
	assert_int_equal(dump_header_sum(&hd), 0);

	dump_disk_header_init(&dk, DISK);
	dk.version = 1;
	dk.generation = 77;	/* not part of it */
	dk.checksum = dump_disk_header_sum(&dk);
	assert_true(dump_disk_header_valid(&dk, DISK));
	dk.slot[0] = (struct tsb_disk_slot){ MiB, 2 * MiB, 5, TSB_DUMP_COMPLETE, 0 };
	dk.next_dump_id = 2;	/* behind the slots: repaired, not reformatted */
	dk.checksum = dump_disk_header_sum(&dk);
	assert_true(dump_disk_header_valid(&dk, DISK));
	assert_int_equal(dump_disk_header_repair(&dk), 1);
	assert_int_equal(dk.next_dump_id, 6);
	assert_int_equal(dk.version, TSB_FORMAT_VERSION);
	assert_int_equal(dk.generation, 0);
	assert_true(dump_disk_header_valid(&dk, DISK));
	assert_int_equal(dump_disk_header_repair(&dk), 0);
}

/* Two copies, written in turn: the valid one counts, of two the newer. */
static void test_header_copies(void **state)
{
	struct tsb_disk_header c[2], v1;
	uint64_t off;

	(void)state;
	dump_disk_header_init(&c[0], DISK);
	assert_int_equal(c[0].generation, 0);
	memset(&c[1], 0, sizeof(c[1]));
	assert_int_equal(dump_disk_header_pick(&c[0], &c[1], DISK), 0);
	assert_int_equal(dump_disk_header_pick(&c[1], &c[1], DISK), -1);
	/* Generation 1 goes to copy 1, 2 to copy 0, ... */
	off = dump_disk_header_commit(&c[0]);
	assert_int_equal(off, TSB_BLOCK);
	c[1] = c[0];
	c[0].next_dump_id = 9;
	off = dump_disk_header_commit(&c[0]);
	assert_int_equal(off, 0);
	assert_int_equal(c[0].generation, 2);
	assert_int_equal(dump_disk_header_pick(&c[0], &c[1], DISK), 0);
	assert_int_equal(dump_disk_header_pick(&c[1], &c[0], DISK), 1);
	/* A torn copy 0: copy 1 (generation 1) counts. */
	((uint8_t *)&c[0])[100] ^= 0x10;
	assert_int_equal(dump_disk_header_pick(&c[0], &c[1], DISK), 1);
	/* A version 1 copy 1 is no copy: version 1 kept one, at 0. */
	v1 = c[1];
	v1.version = 1;
	v1.checksum = dump_disk_header_sum(&v1);
	assert_int_equal(dump_disk_header_pick(&c[0], &v1, DISK), -1);
	assert_int_equal(dump_disk_header_pick(&v1, &c[0], DISK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_init),
		cmocka_unit_test(test_header_corruptions),
		cmocka_unit_test(test_plan_first_and_next),
		cmocka_unit_test(test_plan_no_drop_when_room),
		cmocka_unit_test(test_plan_wrap_drops_overlapped),
		cmocka_unit_test(test_plan_wrap_twice_keeps_newest),
		cmocka_unit_test(test_plan_too_small),
		cmocka_unit_test(test_plan_partial),
		cmocka_unit_test(test_plan_all_slots_used),
		cmocka_unit_test(test_dump_header_sum),
		cmocka_unit_test(test_plan_protects_series_first),
		cmocka_unit_test(test_version1_headers),
		cmocka_unit_test(test_header_copies),
	};

	unit_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
