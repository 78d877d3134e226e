// SPDX-License-Identifier: BSD-3-Clause
/*
 * The dump reader (see dump_reader.h): Linux reads dumps back from the dump
 * disk through the collector, one bounded step per SMC.
 */
#include <stdint.h>
#include <string.h>
#include <dump_plan.h>
#include <dump_reader.h>
#include <fw_time.h>
#include <log.h>
#include <tsubaki/abi.h>
#include <tsubaki/dump_format.h>

#define READ_TIMEOUT_US	10000000ULL	/* a request not done in 10 s: the disk failed */

enum stage { R_IDLE, R_DISKHDR, R_META, R_CHUNKS, R_DATA };

/*
 * The reader keeps two disk blocks of the open dump's chunk table, not all of
 * it: a read (at most TSB_DISK_READ_MAX, chunks of at least TSB_BLOCK) touches
 * at most 129 chunks, which always lie within the two blocks starting at the
 * block of its first chunk.
 */
#define CACHE_BLOCKS	2U
#define BLOCK_ENTRIES	(TSB_BLOCK / sizeof(struct tsb_chunk))
#define CACHE_ENTRIES	(CACHE_BLOCKS * BLOCK_ENTRIES)
_Static_assert(TSB_DISK_READ_MAX / TSB_BLOCK + 1 <= CACHE_ENTRIES - BLOCK_ENTRIES + 1,
	       "a read's chunks fit the cached blocks");

static struct {
	enum stage stage;
	uint32_t seq;		/* tag of the request in flight */
	int done, ok;		/* its completion */
	uint64_t deadline;
	uint64_t xfer;		/* NS transfer area */
	/* what was asked for */
	uint64_t id, off, len;
	/* the disk header, read once after every reset */
	int have_disk;
	struct tsb_disk_header disk;
	/* the dump reads go to: its slot, header and part of its chunk table */
	int have_dump;
	uint64_t slot_off, slot_size;
	struct tsb_dump_header hdr;
	int have_cache;
	uint64_t cache_first;	/* chunk of cache[0] */
	uint64_t cache_len;	/* bytes of cache[] read */
	struct tsb_chunk cache[CACHE_ENTRIES];
	/* the chunk being checksummed across reads, if sum_on */
	int sum_on;
	uint64_t sum_chunk, sum_next, sum;
} r;

void reader_reset(void)
{
	r.stage = R_IDLE;
	r.have_disk = 0;
	r.have_dump = 0;
	r.have_cache = 0;
	r.sum_on = 0;
}

int reader_busy(void)
{
	return r.stage != R_IDLE;
}

void reader_complete(uint32_t tag, int ok)
{
	if (r.stage == R_IDLE || tag != (READER_TAG | (r.seq & ~READER_TAG_MASK)))
		return;		/* a request of before a reset: nothing waits for it */
	r.done = 1;
	r.ok = ok;
}

static int64_t submit(struct vblk *dev, enum stage st, uint64_t disk_off, uint64_t len)
{
	if (disk_off > dev->capacity || len > dev->capacity - disk_off)
		return TSB_E_INVALID;
	r.seq++;
	r.done = 0;
	if (vblk_submit(dev, 0, disk_off, r.xfer, (uint32_t)len,
			READER_TAG | (r.seq & ~READER_TAG_MASK)))
		return TSB_E_IO;
	r.stage = st;
	r.deadline = fw_deadline_us(READ_TIMEOUT_US);
	return TSB_E_OK;
}

/* The slot of dump @id on the disk, or -1. */
static int find_slot(uint64_t id)
{
	uint32_t i;

	for (i = 0; i < r.disk.nslots && i < TSB_MAX_DUMPS; i++)
		if (r.disk.slot[i].state != TSB_DUMP_EMPTY && r.disk.slot[i].dump_id == id)
			return (int)i;
	return -1;
}

static int header_valid(const struct tsb_dump_header *h, uint64_t id, uint64_t slot_size)
{
	uint64_t cs = h->chunk_size;

	return h->magic == TSB_DUMP_MAGIC && tsb_dump_header_len(h->version) &&
	       h->checksum == dump_header_sum(h) && h->dump_id == id &&
	       cs >= TSB_BLOCK && cs <= (4ULL << 20) && !(cs & (cs - 1)) &&
	       h->nchunks && h->nchunks <= TSB_MAX_CHUNKS &&
	       h->ram_size <= h->nchunks * cs && h->ram_size > (h->nchunks - 1) * cs &&
	       h->data_offset == TSB_META_SIZE && h->data_offset <= slot_size;
}

/* The data read [r.off, r.off + r.len) is in range of the open dump. */
static int data_in_slot(void)
{
	return r.off <= r.slot_size && r.len <= r.slot_size - r.off;
}

static int64_t submit_data(struct vblk *dev)
{
	if (!data_in_slot())
		return TSB_E_INVALID;
	return submit(dev, R_DATA, r.slot_off + r.off, r.len);
}

/* The chunk table entry of chunk @i, if cached; else NULL. */
static const struct tsb_chunk *cached(uint64_t i)
{
	if (!r.have_cache || i < r.cache_first ||
	    (i - r.cache_first + 1) * sizeof(struct tsb_chunk) > r.cache_len)
		return NULL;
	return &r.cache[i - r.cache_first];
}

/*
 * The chunks the data read [r.off, r.off + r.len) touches: [*@first, *@last].
 * Return 0 when it touches none (metadata, or slot padding past the data).
 */
static int touched_chunks(uint64_t *first, uint64_t *last)
{
	uint64_t start = r.off > r.hdr.data_offset ? r.off : r.hdr.data_offset;
	uint64_t end = r.off + r.len, cs = r.hdr.chunk_size, n = r.hdr.nchunks;

	if (start >= end || (start - r.hdr.data_offset) / cs >= n)
		return 0;
	*first = (start - r.hdr.data_offset) / cs;
	*last = (end - 1 - r.hdr.data_offset) / cs;
	if (*last >= n)
		*last = n - 1;
	return 1;
}

/* The data next, after the blocks of the chunk table it needs if they are not cached. */
static int64_t submit_next(struct vblk *dev)
{
	uint64_t first, last, off;

	if (!data_in_slot())
		return TSB_E_INVALID;
	if (!touched_chunks(&first, &last) || (cached(first) && cached(last)))
		return submit_data(dev);
	r.have_cache = 0;
	r.cache_first = first - first % BLOCK_ENTRIES;
	off = TSB_OFF_CHUNKS + r.cache_first * sizeof(struct tsb_chunk);
	r.cache_len = TSB_META_SIZE - off < sizeof(r.cache) ? TSB_META_SIZE - off : sizeof(r.cache);
	return submit(dev, R_CHUNKS, r.slot_off + off, r.cache_len);
}

/* The disk header is in; go on to the dump's metadata or its data. */
static int64_t after_disk_header(struct vblk *dev)
{
	int slot;

	if (!r.have_disk)
		return TSB_E_NO_DATA;
	slot = find_slot(r.id);
	if (slot < 0)
		return TSB_E_NO_DATA;
	if (r.have_dump && r.hdr.dump_id == r.id)
		return submit_next(dev);
	r.have_dump = 0;
	r.have_cache = 0;
	r.sum_on = 0;
	r.slot_off = r.disk.slot[slot].offset;
	r.slot_size = r.disk.slot[slot].size;
	if (r.slot_size < TSB_META_SIZE)
		return TSB_E_INVALID;
	return submit(dev, R_META, r.slot_off + TSB_OFF_HEADER, TSB_BLOCK);
}

int reader_range_ok(uint64_t off, uint64_t len)
{
	return len && len <= TSB_DISK_READ_MAX && !(len % TSB_DISK_READ_ALIGN) &&
	       !(off % TSB_DISK_READ_ALIGN);
}

int64_t reader_start(struct vblk *dev, uint64_t xfer, uint64_t id, uint64_t off, uint64_t len,
		     uint64_t *pa)
{
	int64_t err;

	if (r.stage != R_IDLE)
		return TSB_E_BUSY;
	if (!reader_range_ok(off, len) || (!id && (off || len != TSB_BLOCK)))
		return TSB_E_INVALID;
	r.xfer = xfer;
	r.id = id;
	r.off = off;
	r.len = len;
	if (!id || !r.have_disk)
		err = submit(dev, R_DISKHDR, 0, TSB_DISK_HEADER_COPIES * TSB_BLOCK);
	else
		err = after_disk_header(dev);
	if (err)
		r.stage = R_IDLE;
	else
		*pa = xfer;
	return err;
}

/*
 * The pages a filtered dump left out read as zeros, whatever the disk holds
 * there: @buf holds @n bytes of a chunk from offset @co on.
 */
static void zero_skipped(uint32_t skip, uint64_t co, uint64_t buf, uint64_t n)
{
	uint64_t pos = co, end = co + n;

	while (pos < end) {
		uint64_t page = pos / TSB_PAGE, next = (page + 1) * TSB_PAGE;

		if (next > end)
			next = end;
		if (tsb_skip_code(skip, (unsigned int)page) != TSB_SKIP_NONE)
			memset((void *)(buf + (pos - co)), 0, next - pos);
		pos = next;
	}
}

/*
 * Check what the data read brought against the chunk table: each chunk from
 * its start on, also across consecutive reads. Return TSB_READ_*.
 */
static uint64_t check_data(uint64_t *bad)
{
	uint64_t pos = r.off > r.hdr.data_offset ? r.off : r.hdr.data_offset;
	uint64_t end = r.off + r.len, cs = r.hdr.chunk_size;
	int any = 0, unchecked = pos > r.off, partial = 0, nbad = 0;

	while (pos < end) {
		uint64_t rel = pos - r.hdr.data_offset, i = rel / cs, co = rel % cs;
		const struct tsb_chunk *c;
		uint64_t clen, n;

		if (i >= r.hdr.nchunks) {
			unchecked = 1;	/* past the data: slot padding */
			break;
		}
		clen = r.hdr.ram_size - i * cs < cs ? r.hdr.ram_size - i * cs : cs;
		if (co >= clen) {
			unchecked = 1;
			pos += cs - co;
			continue;
		}
		n = end - pos < clen - co ? end - pos : clen - co;
		c = cached(i);
		if (c && c->state == TSB_CHUNK_OK && tsb_chunk_skip(r.hdr.filter, c))
			zero_skipped(tsb_chunk_skip(r.hdr.filter, c), co, r.xfer + (pos - r.off), n);
		if (!c || c->state != TSB_CHUNK_OK) {
			unchecked = 1;
			r.sum_on = 0;
		} else if (co == 0 || (r.sum_on && r.sum_chunk == i && r.sum_next == co)) {
			if (co == 0)
				r.sum = tsb_sum64_start(0, clen);
			r.sum = tsb_sum64_words(r.sum, (const uint64_t *)(r.xfer + (pos - r.off)),
						n / 8);
			r.sum_on = 1;
			r.sum_chunk = i;
			r.sum_next = co + n;
			if (r.sum_next == clen) {
				if (r.sum != c->checksum && !nbad++)
					*bad = i;
				any = 1;
				r.sum_on = 0;
			} else {
				partial = 1;
			}
		} else {
			unchecked = 1;
			r.sum_on = 0;
		}
		pos += n;
	}
	if (nbad)
		return TSB_READ_BAD;
	if (unchecked)
		return TSB_READ_UNCHECKED;
	if (partial)
		return TSB_READ_PARTIAL;
	return any ? TSB_READ_OK : TSB_READ_UNCHECKED;
}

static int64_t step(struct vblk *dev, uint64_t res[4])
{
	switch (r.stage) {
	case R_DISKHDR: {
		const struct tsb_disk_header *c0 = (const void *)r.xfer;
		const struct tsb_disk_header *c1 = (const void *)(r.xfer + TSB_BLOCK);
		int pick = dump_disk_header_pick(c0, c1, dev->capacity);

		/* The copy that counts goes first in the transfer area. */
		if (pick == 1)
			memcpy((void *)r.xfer, (const void *)(r.xfer + TSB_BLOCK), TSB_BLOCK);
		memcpy(&r.disk, (const void *)r.xfer, sizeof(r.disk));
		r.have_disk = pick >= 0;
		if (!r.id) {
			res[1] = TSB_BLOCK;	/* Linux checks it itself */
			return 0;
		}
		return after_disk_header(dev) ?: TSB_E_AGAIN;
	}
	case R_META:
		memcpy(&r.hdr, (const void *)r.xfer, sizeof(r.hdr));
		if (!header_valid(&r.hdr, r.id, r.slot_size)) {
			WARN("dump reader: dump %llu has malformed metadata", (unsigned long long)r.id);
			return TSB_E_INVALID;
		}
		r.have_dump = 1;
		return submit_next(dev) ?: TSB_E_AGAIN;
	case R_CHUNKS:
		memcpy(r.cache, (const void *)r.xfer, r.cache_len);
		r.have_cache = 1;
		return submit_data(dev) ?: TSB_E_AGAIN;
	case R_DATA:
		res[1] = r.len;
		res[2] = check_data(&res[3]);
		return 0;
	default:
		return TSB_E_NO_DATA;
	}
}

void reader_poll(struct vblk *dev, uint64_t res[4])
{
	uint32_t tag;
	int ok;
	int64_t ret;

	res[1] = res[2] = res[3] = 0;
	if (r.stage == R_IDLE) {
		res[0] = (uint64_t)TSB_E_NO_DATA;
		return;
	}
	while (!r.done && vblk_reap(dev, &tag, &ok))
		reader_complete(tag, ok);
	if (!r.done) {
		if (!fw_deadline_passed(r.deadline)) {
			res[0] = (uint64_t)TSB_E_AGAIN;
			return;
		}
		WARN("dump reader: the disk stopped answering");
		ret = TSB_E_IO;
	} else if (!r.ok) {
		WARN("dump reader: the disk reported a read error");
		ret = TSB_E_IO;
	} else {
		ret = step(dev, res);
	}
	if (ret != TSB_E_AGAIN) {
		r.stage = R_IDLE;
		if (ret == TSB_E_IO)
			reader_reset();
	}
	res[0] = (uint64_t)ret;
}
