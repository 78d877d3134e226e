// SPDX-License-Identifier: BSD-3-Clause
/*
 * The dump reader (firmware/dump/reader.c) against a fake virtio-blk disk in
 * host memory: every read is checked, and nothing on the disk -- a malformed
 * header, a flipped byte, a failing or silent device -- makes it misbehave.
 */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <dump_plan.h>
#include <dump_reader.h>
#include <fw_time.h>
#include <log.h>
#include <virtio_blk.h>
#include <tsubaki/abi.h>
#include <tsubaki/dump_format.h>
#include "unit.h"

#define DISK_SIZE	(16ULL << 20)
#define SLOT_OFF	(1ULL << 20)
#define CHUNK		(1ULL << 20)	/* two reads of TSB_DISK_READ_MAX each */
#define NCHUNKS		4
#define DUMP_ID		7
#define SLOT_SIZE	(TSB_META_SIZE + NCHUNKS * CHUNK)

static uint8_t *disk;			/* the disk image */
static uint8_t *xfer;			/* the NS transfer area */
static struct vblk dev = { .capacity = DISK_SIZE };

/* The fake device: a request completes when reaped, unless told otherwise. */
static struct { int queued, tag, ok; } req;
static int fail_next_read, never_complete, deadline_passed, submit_fails;

int vblk_submit(struct vblk *d, int write, uint64_t off, uint64_t pa, uint32_t len,
		uint32_t tag)
{
	(void)d;
	assert_int_equal(write, 0);	/* the reader never writes */
	assert_true(off + len <= DISK_SIZE);
	assert_ptr_equal((void *)(uintptr_t)pa, xfer);
	assert_true(len <= TSB_META_SIZE);
	if (submit_fails)
		return VBLK_E_BUSY;
	memcpy(xfer, disk + off, len);
	req.queued = 1;
	req.tag = (int)tag;
	req.ok = !fail_next_read;
	fail_next_read = 0;
	return 0;
}

int vblk_reap(struct vblk *d, uint32_t *tag, int *ok)
{
	(void)d;
	if (!req.queued || never_complete)
		return 0;
	req.queued = 0;
	*tag = (uint32_t)req.tag;
	*ok = req.ok;
	return 1;
}

uint64_t fw_deadline_us(uint64_t us)
{
	return us;
}

int fw_deadline_passed(uint64_t deadline)
{
	(void)deadline;
	return deadline_passed;
}

void log_printf(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

/* ---- the disk ---- */

static uint8_t *chunk_data(unsigned int i)
{
	return disk + SLOT_OFF + TSB_META_SIZE + i * CHUNK;
}

static void make_disk(void)
{
	struct tsb_disk_header dh;
	struct tsb_dump_header h;
	struct tsb_chunk *c = (struct tsb_chunk *)(disk + SLOT_OFF + TSB_OFF_CHUNKS);
	unsigned int i;

	memset(disk, 0, DISK_SIZE);
	dump_disk_header_init(&dh, DISK_SIZE);
	dh.slot[0] = (struct tsb_disk_slot){ SLOT_OFF, SLOT_SIZE, DUMP_ID, TSB_DUMP_COMPLETE, 0 };
	dh.checksum = dump_disk_header_sum(&dh);
	memcpy(disk, &dh, sizeof(dh));
	memset(&h, 0, sizeof(h));
	h.magic = TSB_DUMP_MAGIC;
	h.version = TSB_FORMAT_VERSION;
	h.state = TSB_DUMP_COMPLETE;
	h.dump_id = DUMP_ID;
	h.ram_base = 0x40000000;
	h.ram_size = NCHUNKS * CHUNK;
	h.chunk_size = CHUNK;
	h.nchunks = NCHUNKS;
	h.data_offset = TSB_META_SIZE;
	h.ncpus = 1;
	h.checksum = dump_header_sum(&h);
	memcpy(disk + SLOT_OFF, &h, sizeof(h));
	for (i = 0; i < NCHUNKS; i++) {
		for (uint64_t b = 0; b < CHUNK; b++)
			chunk_data(i)[b] = (uint8_t)(b * 7 + i);
		c[i].state = i == 3 ? TSB_CHUNK_FAILED : TSB_CHUNK_OK;
		c[i].checksum = tsb_sum64(0, chunk_data(i), CHUNK);
	}
}

/*
 * A second dump, DUMP_ID + 1 in slot 1, of SMALL_N chunks of TSB_BLOCK: its
 * chunk table spans many blocks, more than the reader keeps.
 */
#define SMALL_ID	(DUMP_ID + 1)
#define SMALL_OFF	(SLOT_OFF + SLOT_SIZE)
#define SMALL_N		2000
#define SMALL_SIZE	(TSB_META_SIZE + (SMALL_N + 1) * TSB_BLOCK)	/* a block of padding */

static uint8_t *small_data(unsigned int i)
{
	return disk + SMALL_OFF + TSB_META_SIZE + (uint64_t)i * TSB_BLOCK;
}

static void make_small_dump(void)
{
	struct tsb_disk_header dh;
	struct tsb_dump_header h;
	struct tsb_chunk *c = (struct tsb_chunk *)(disk + SMALL_OFF + TSB_OFF_CHUNKS);
	unsigned int i;

	assert_true(SMALL_OFF + SMALL_SIZE <= DISK_SIZE);
	memcpy(&dh, disk, sizeof(dh));
	dh.slot[1] = (struct tsb_disk_slot){ SMALL_OFF, SMALL_SIZE, SMALL_ID, TSB_DUMP_COMPLETE,
					     0 };
	dh.checksum = dump_disk_header_sum(&dh);
	memcpy(disk, &dh, sizeof(dh));
	memcpy(&h, disk + SLOT_OFF, sizeof(h));
	h.dump_id = SMALL_ID;
	h.ram_size = SMALL_N * TSB_BLOCK;
	h.chunk_size = TSB_BLOCK;
	h.nchunks = SMALL_N;
	h.checksum = dump_header_sum(&h);
	memcpy(disk + SMALL_OFF, &h, sizeof(h));
	for (i = 0; i < SMALL_N; i++) {
		for (uint64_t b = 0; b < TSB_BLOCK; b++)
			small_data(i)[b] = (uint8_t)(b * 13 + i * 3);
		c[i].state = TSB_CHUNK_OK;
		c[i].checksum = tsb_sum64(0, small_data(i), TSB_BLOCK);
	}
}

static int setup(void **state)
{
	(void)state;
	make_disk();
	memset(&req, 0, sizeof(req));
	fail_next_read = never_complete = deadline_passed = submit_fails = 0;
	reader_reset();
	return 0;
}

/* Start a read and poll it to its end: the TSB_E_* of the start, else of the poll. */
static int64_t do_read(uint64_t id, uint64_t off, uint64_t len, uint64_t x[4])
{
	uint64_t pa = 0;
	int64_t err = reader_start(&dev, (uint64_t)(uintptr_t)xfer, id, off, len, &pa);
	int steps = 0;

	if (err)
		return err;
	assert_ptr_equal((void *)(uintptr_t)pa, xfer);
	do {
		reader_poll(&dev, x);
		assert_true(++steps < 10);	/* a bounded chain of steps */
	} while ((int64_t)x[0] == TSB_E_AGAIN);
	return (int64_t)x[0];
}

/* ---- tests ---- */

static void test_disk_header(void **state)
{
	uint64_t x[4];

	(void)state;
	assert_int_equal(do_read(0, 0, TSB_BLOCK, x), TSB_E_OK);
	assert_int_equal(x[1], TSB_BLOCK);
	assert_int_equal(x[2], TSB_READ_UNCHECKED);
	assert_memory_equal(xfer, disk, TSB_BLOCK);
	/* the disk header is read whole, from its start only */
	assert_int_equal(do_read(0, 0, 2 * TSB_BLOCK, x), TSB_E_INVALID);
	assert_int_equal(do_read(0, TSB_BLOCK, TSB_BLOCK, x), TSB_E_INVALID);
}

static void test_metadata_and_verified_chunks(void **state)
{
	uint64_t x[4], half = TSB_DISK_READ_MAX;

	(void)state;
	assert_int_equal(do_read(DUMP_ID, 0, half, x), TSB_E_OK);
	assert_int_equal(x[2], TSB_READ_UNCHECKED);	/* metadata */
	assert_memory_equal(xfer, disk + SLOT_OFF, half);
	/* chunk 1 in two halves: checked across the reads */
	assert_int_equal(do_read(DUMP_ID, TSB_META_SIZE + CHUNK, half, x), TSB_E_OK);
	assert_int_equal(x[2], TSB_READ_PARTIAL);
	assert_memory_equal(xfer, chunk_data(1), half);
	assert_int_equal(do_read(DUMP_ID, TSB_META_SIZE + CHUNK + half, half, x), TSB_E_OK);
	assert_int_equal(x[2], TSB_READ_OK);
	assert_memory_equal(xfer, chunk_data(1) + half, half);
	/* the second half alone cannot be checked */
	assert_int_equal(do_read(DUMP_ID, TSB_META_SIZE + CHUNK + half, half, x), TSB_E_OK);
	assert_int_equal(x[2], TSB_READ_UNCHECKED);
	/* a chunk that never reached the disk is not checked either */
	assert_int_equal(do_read(DUMP_ID, TSB_META_SIZE + 3 * CHUNK, half, x), TSB_E_OK);
	assert_int_equal(x[2], TSB_READ_UNCHECKED);
}

static void test_flipped_byte_is_found(void **state)
{
	uint64_t x[4], half = TSB_DISK_READ_MAX;

	(void)state;
	chunk_data(2)[half + 12345] ^= 0x10;
	assert_int_equal(do_read(DUMP_ID, TSB_META_SIZE + 2 * CHUNK, half, x), TSB_E_OK);
	assert_int_equal(do_read(DUMP_ID, TSB_META_SIZE + 2 * CHUNK + half, half, x), TSB_E_OK);
	assert_int_equal(x[2], TSB_READ_BAD);
	assert_int_equal(x[3], 2);
	/* the data is passed on as found */
	assert_int_equal(xfer[12345], chunk_data(2)[half + 12345]);
}

static void test_bad_requests(void **state)
{
	uint64_t x[4], pa;

	(void)state;
	assert_int_equal(do_read(DUMP_ID, 1, TSB_BLOCK, x), TSB_E_INVALID);
	assert_int_equal(do_read(DUMP_ID, 0, 100, x), TSB_E_INVALID);
	assert_int_equal(do_read(DUMP_ID, 0, 0, x), TSB_E_INVALID);
	assert_int_equal(do_read(DUMP_ID, 0, TSB_DISK_READ_MAX + TSB_BLOCK, x), TSB_E_INVALID);
	assert_int_equal(do_read(DUMP_ID, SLOT_SIZE, TSB_BLOCK, x), TSB_E_INVALID);
	assert_int_equal(do_read(DUMP_ID, UINT64_MAX & ~0xfffULL, TSB_BLOCK, x), TSB_E_INVALID);
	assert_int_equal(do_read(DUMP_ID + 1, 0, TSB_BLOCK, x), TSB_E_NO_DATA);
	/* polling with nothing started */
	reader_poll(&dev, x);
	assert_int_equal((int64_t)x[0], TSB_E_NO_DATA);
	/* one read at a time */
	assert_int_equal(reader_start(&dev, (uint64_t)(uintptr_t)xfer, DUMP_ID, 0, TSB_BLOCK,
				      &pa), TSB_E_OK);
	assert_true(reader_busy());
	assert_int_equal(reader_start(&dev, (uint64_t)(uintptr_t)xfer, DUMP_ID, 0, TSB_BLOCK,
				      &pa), TSB_E_BUSY);
	do
		reader_poll(&dev, x);
	while ((int64_t)x[0] == TSB_E_AGAIN);
	assert_int_equal((int64_t)x[0], TSB_E_OK);
	assert_false(reader_busy());
}

static void test_malformed_metadata(void **state)
{
	uint64_t x[4];
	struct tsb_dump_header *h = (struct tsb_dump_header *)(disk + SLOT_OFF);

	(void)state;
	h->nchunks = TSB_MAX_CHUNKS + 1;	/* checksum no longer matches either */
	assert_int_equal(do_read(DUMP_ID, TSB_META_SIZE, TSB_BLOCK, x), TSB_E_INVALID);
	h->checksum = dump_header_sum(h);	/* well-summed, still wrong */
	assert_int_equal(do_read(DUMP_ID, TSB_META_SIZE, TSB_BLOCK, x), TSB_E_INVALID);
	/* a bad disk header: no dumps at all */
	setup(NULL);
	disk[100] ^= 1;
	assert_int_equal(do_read(DUMP_ID, 0, TSB_BLOCK, x), TSB_E_NO_DATA);
}

static void test_device_errors(void **state)
{
	uint64_t x[4], pa;

	(void)state;
	fail_next_read = 1;
	assert_int_equal(do_read(0, 0, TSB_BLOCK, x), TSB_E_IO);
	submit_fails = 1;
	assert_int_equal(do_read(0, 0, TSB_BLOCK, x), TSB_E_IO);
	submit_fails = 0;
	/* a device that never answers: given up at the deadline, not waited for */
	never_complete = 1;
	assert_int_equal(reader_start(&dev, (uint64_t)(uintptr_t)xfer, 0, 0, TSB_BLOCK, &pa),
			 TSB_E_OK);
	reader_poll(&dev, x);
	assert_int_equal((int64_t)x[0], TSB_E_AGAIN);
	deadline_passed = 1;
	reader_poll(&dev, x);
	assert_int_equal((int64_t)x[0], TSB_E_IO);
	assert_false(reader_busy());
	/* its completion, arriving late, is not taken for the next read's */
	never_complete = 0;
	deadline_passed = 0;
	reader_complete((uint32_t)req.tag, 1);
	req.queued = 0;
	assert_int_equal(reader_start(&dev, (uint64_t)(uintptr_t)xfer, 0, 0, TSB_BLOCK, &pa),
			 TSB_E_OK);
	reader_complete(READER_TAG | 0x0fffffffU, 1);	/* nobody's */
	reader_poll(&dev, x);
	assert_int_equal((int64_t)x[0], TSB_E_OK);
}

/* Chunks all over a big chunk table are checked, the reader keeping two blocks of it. */
static void test_big_chunk_table(void **state)
{
	uint64_t x[4], max = TSB_DISK_READ_MAX, per = max / TSB_BLOCK;
	static const unsigned int first[] = {
		1500, 10, 1790,		/* far apart; across a block of the table */
		SMALL_N - 128,		/* the table's last entries */
		255, 256, 0,
	};
	unsigned int i;

	(void)state;
	make_small_dump();
	for (i = 0; i < ARRAY_SIZE(first); i++) {
		assert_int_equal(do_read(SMALL_ID, TSB_META_SIZE + first[i] * TSB_BLOCK, max, x),
				 TSB_E_OK);
		assert_int_equal(x[2], TSB_READ_OK);
		assert_memory_equal(xfer, small_data(first[i]), per * TSB_BLOCK);
	}
	/* a read running past the last chunk into the slot's padding: not all checked */
	assert_int_equal(do_read(SMALL_ID, TSB_META_SIZE + (SMALL_N - 1) * TSB_BLOCK, 2 * TSB_BLOCK,
				 x), TSB_E_OK);
	assert_int_equal(x[2], TSB_READ_UNCHECKED);
	assert_memory_equal(xfer, small_data(SMALL_N - 1), TSB_BLOCK);
	/* and past the slot: refused */
	assert_int_equal(do_read(SMALL_ID, TSB_META_SIZE + SMALL_N * TSB_BLOCK, 2 * TSB_BLOCK, x),
			 TSB_E_INVALID);
	/* a flipped byte in the last chunk and one near the start, each found */
	small_data(SMALL_N - 1)[100] ^= 1;
	small_data(3)[7] ^= 0x80;
	assert_int_equal(do_read(SMALL_ID, TSB_META_SIZE + (SMALL_N - per) * TSB_BLOCK, max, x),
			 TSB_E_OK);
	assert_int_equal(x[2], TSB_READ_BAD);
	assert_int_equal(x[3], SMALL_N - 1);
	assert_int_equal(do_read(SMALL_ID, TSB_META_SIZE, max, x), TSB_E_OK);
	assert_int_equal(x[2], TSB_READ_BAD);
	assert_int_equal(x[3], 3);
	/* and the first dump, with its own table, is read right after */
	assert_int_equal(do_read(DUMP_ID, TSB_META_SIZE, max, x), TSB_E_OK);
	assert_int_equal(do_read(DUMP_ID, TSB_META_SIZE + max, max, x), TSB_E_OK);
	assert_int_equal(x[2], TSB_READ_OK);
}

static void test_reset_forgets_the_dump(void **state)
{
	uint64_t x[4];
	struct tsb_chunk *c = (struct tsb_chunk *)(disk + SLOT_OFF + TSB_OFF_CHUNKS);

	(void)state;
	assert_int_equal(do_read(DUMP_ID, TSB_META_SIZE, TSB_BLOCK, x), TSB_E_OK);
	/* a new dump in the same slot (the engine resets the reader) */
	c[0].checksum ^= 1;
	reader_reset();
	assert_int_equal(do_read(DUMP_ID, TSB_META_SIZE, TSB_DISK_READ_MAX, x), TSB_E_OK);
	assert_int_equal(do_read(DUMP_ID, TSB_META_SIZE + TSB_DISK_READ_MAX, TSB_DISK_READ_MAX,
				 x), TSB_E_OK);
	assert_int_equal(x[2], TSB_READ_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_disk_header, setup),
		cmocka_unit_test_setup(test_metadata_and_verified_chunks, setup),
		cmocka_unit_test_setup(test_flipped_byte_is_found, setup),
		cmocka_unit_test_setup(test_bad_requests, setup),
		cmocka_unit_test_setup(test_malformed_metadata, setup),
		cmocka_unit_test_setup(test_device_errors, setup),
		cmocka_unit_test_setup(test_reset_forgets_the_dump, setup),
		cmocka_unit_test_setup(test_big_chunk_table, setup),
	};

	unit_init();
	disk = calloc(1, DISK_SIZE);
	xfer = aligned_alloc(4096, TSB_META_SIZE);
	if (!disk || !xfer)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
