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
#include <tsubaki/lz4.h>
#include <paddr.h>

#define READ_TIMEOUT_US	10000000ULL	/* a request not done in 10 s: the disk failed */

enum stage { R_IDLE, R_DISKHDR, R_META, R_CHUNKS, R_DATA, R_ZDATA };

/*
 * A compressed chunk (tsb_chunk.zlen) reads as its decoded data. A read that
 * holds the chunk's block is decoded in place; one that has only part of the
 * chunk, without the whole block -- at most its first and its last chunk --
 * reads the block again, into the transfer area past the data (R_ZDATA).
 */
#define ZCHUNK		(TSB_SKIP_PAGES * TSB_PAGE)
#define ZQ_MAX		2
_Static_assert(TSB_DISK_READ_MAX + ZCHUNK <= TSB_META_SIZE, "block reads fit the transfer area");

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
	/* the data read's verdict so far (check_data(), then the R_ZDATA reads) */
	int any, unchecked, partial, nbad;
	uint64_t bad;
	/* compressed chunks whose blocks are still to be read: chunk, offset in it, bytes, at */
	unsigned int nzq, zq_next;
	struct {
		uint64_t chunk, co, n, at;
	} zq[ZQ_MAX];
} r;

/*
 * What a compressed chunk decodes to, and its block, copied from the transfer
 * area first: the engine's codec buffers (reader_codec()); NULL without them.
 */
static uint8_t *zdst, *zsrc;

void reader_codec(uint8_t *buf, uint64_t size)
{
	if (size < ZCHUNK + TSB_ZLEN_MAX)
		return;
	zdst = buf;
	zsrc = buf + ZCHUNK;
}

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
	/* a compressed chunk's block goes past the data read it is for */
	if (vblk_submit(dev, 0, disk_off, st == R_ZDATA ? r.xfer + TSB_DISK_READ_MAX : r.xfer,
			(uint32_t)len,
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
	       h->data_offset == TSB_META_SIZE && h->data_offset <= slot_size &&
	       (h->version < 4 ? !h->compress : h->compress <= TSB_COMPRESS_LZ4);
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
			memset(pa_ptr(buf + (pos - co)), 0, next - pos);
		pos = next;
	}
}

static void mark_bad(uint64_t i)
{
	if (!r.nbad++)
		r.bad = i;
}

/*
 * Decode compressed chunk @i (entry @c, @clen bytes) from its block at @blk
 * in the transfer area, check it, and put bytes [@co, @co + @n) of it at
 * @at. A block that does not decode, or decodes to data the checksum does
 * not match, makes the chunk bad; its bytes then read as zeros.
 */
static void decode_chunk(uint64_t i, const struct tsb_chunk *c, uint64_t clen, uint64_t blk,
			 uint64_t co, uint64_t n, uint64_t at)
{
	uint32_t zlen = c->zlen;

	r.any = 1;
	if (!zdst) {
		memset(pa_ptr(at), 0, n);
		mark_bad(i);
		return;
	}
	memcpy(zsrc, pa_ptr(blk), zlen);	/* once, into secure RAM: then decoded */
	if (tsb_lz4_decode(zsrc, zlen, zdst, clen) ||
	    tsb_sum64(0, zdst, clen) != c->checksum) {
		memset(zdst, 0, clen);
		mark_bad(i);
	}
	memcpy(pa_ptr(at), zdst + co, n);
}

/* Chunk @i (entry @c, @clen bytes) may be stored compressed: 1 if so, -1 if its entry is bad. */
static int compressed(const struct tsb_chunk *c, uint64_t clen)
{
	if (!c->zlen)
		return 0;
	if (r.hdr.version < 4 || r.hdr.compress != TSB_COMPRESS_LZ4 || c->state != TSB_CHUNK_OK ||
	    r.hdr.chunk_size != ZCHUNK || c->zlen > TSB_ZLEN_MAX || c->zlen >= clen)
		return -1;
	return 1;
}

/*
 * Check what the data read brought against the chunk table: each chunk from
 * its start on, also across consecutive reads. The verdict goes to r.any,
 * r.unchecked, r.partial, r.nbad; compressed chunks whose blocks the read
 * does not hold go to r.zq.
 */
static void check_data(void)
{
	uint64_t pos = r.off > r.hdr.data_offset ? r.off : r.hdr.data_offset;
	uint64_t end = r.off + r.len, cs = r.hdr.chunk_size;

	r.any = r.partial = r.nbad = 0;
	r.unchecked = pos > r.off;
	r.nzq = r.zq_next = 0;
	while (pos < end) {
		uint64_t rel = pos - r.hdr.data_offset, i = rel / cs, co = rel % cs;
		uint64_t at = r.xfer + (pos - r.off);
		const struct tsb_chunk *c;
		uint64_t clen, n;
		int z;

		if (i >= r.hdr.nchunks) {
			r.unchecked = 1;	/* past the data: slot padding */
			break;
		}
		clen = r.hdr.ram_size - i * cs < cs ? r.hdr.ram_size - i * cs : cs;
		if (co >= clen) {
			r.unchecked = 1;
			pos += cs - co;
			continue;
		}
		n = end - pos < clen - co ? end - pos : clen - co;
		c = cached(i);
		z = c ? compressed(c, clen) : 0;
		if (z < 0) {
			memset(pa_ptr(at), 0, n);
			mark_bad(i);
			r.sum_on = 0;
		} else if (z && !co && n >= tsb_zlen_stored(c->zlen)) {
			decode_chunk(i, c, clen, at, co, n, at);
			r.sum_on = 0;
		} else if (z) {
			/* never more than the first and the last chunk of a read */
			if (r.nzq < ZQ_MAX) {
				r.zq[r.nzq].chunk = i;
				r.zq[r.nzq].co = co;
				r.zq[r.nzq].n = n;
				r.zq[r.nzq++].at = at;
			} else {
				mark_bad(i);
			}
			r.sum_on = 0;
		} else if (!c || c->state != TSB_CHUNK_OK) {
			r.unchecked = 1;
			r.sum_on = 0;
		} else if (co == 0 || (r.sum_on && r.sum_chunk == i && r.sum_next == co)) {
			if (tsb_chunk_skip(r.hdr.filter, c))
				zero_skipped(tsb_chunk_skip(r.hdr.filter, c), co, at, n);
			if (co == 0)
				r.sum = tsb_sum64_start(0, clen);
			r.sum = tsb_sum64_words(r.sum, (const uint64_t *)pa_ptr(at), n / 8);
			r.sum_on = 1;
			r.sum_chunk = i;
			r.sum_next = co + n;
			if (r.sum_next == clen) {
				if (r.sum != c->checksum)
					mark_bad(i);
				r.any = 1;
				r.sum_on = 0;
			} else {
				r.partial = 1;
			}
		} else {
			if (c && tsb_chunk_skip(r.hdr.filter, c))
				zero_skipped(tsb_chunk_skip(r.hdr.filter, c), co, at, n);
			r.unchecked = 1;
			r.sum_on = 0;
		}
		pos += n;
	}
}

/* The verdict of the data read (TSB_READ_*), *@bad the first bad chunk. */
static uint64_t verdict(uint64_t *bad)
{
	if (r.nbad) {
		*bad = r.bad;
		return TSB_READ_BAD;
	}
	if (r.unchecked)
		return TSB_READ_UNCHECKED;
	if (r.partial)
		return TSB_READ_PARTIAL;
	return r.any ? TSB_READ_OK : TSB_READ_UNCHECKED;
}

/* Read the block of the next compressed chunk of r.zq, past the data in the transfer area. */
static int64_t submit_zq(struct vblk *dev)
{
	const struct tsb_chunk *c = cached(r.zq[r.zq_next].chunk);
	uint64_t off = r.hdr.data_offset + r.zq[r.zq_next].chunk * r.hdr.chunk_size;
	uint64_t len = tsb_zlen_stored(c->zlen);

	if (off > r.slot_size || len > r.slot_size - off)
		return TSB_E_INVALID;
	return submit(dev, R_ZDATA, r.slot_off + off, len);
}

static int64_t step(struct vblk *dev, uint64_t res[4])
{
	switch (r.stage) {
	case R_DISKHDR: {
		const struct tsb_disk_header *c0 = pa_ptr(r.xfer);
		const struct tsb_disk_header *c1 = pa_ptr(r.xfer + TSB_BLOCK);
		int pick = dump_disk_header_pick(c0, c1, dev->capacity);

		/* The copy that counts goes first in the transfer area. */
		if (pick == 1)
			memcpy(pa_ptr(r.xfer), pa_ptr(r.xfer + TSB_BLOCK), TSB_BLOCK);
		memcpy(&r.disk, pa_ptr(r.xfer), sizeof(r.disk));
		r.have_disk = pick >= 0;
		if (!r.id) {
			res[1] = TSB_BLOCK;	/* Linux checks it itself */
			return 0;
		}
		return after_disk_header(dev) ?: TSB_E_AGAIN;
	}
	case R_META:
		memcpy(&r.hdr, pa_ptr(r.xfer), sizeof(r.hdr));
		if (!header_valid(&r.hdr, r.id, r.slot_size)) {
			WARN("dump reader: dump %llu has malformed metadata", (unsigned long long)r.id);
			return TSB_E_INVALID;
		}
		r.have_dump = 1;
		return submit_next(dev) ?: TSB_E_AGAIN;
	case R_CHUNKS:
		memcpy(r.cache, pa_ptr(r.xfer), r.cache_len);
		r.have_cache = 1;
		return submit_data(dev) ?: TSB_E_AGAIN;
	case R_DATA:
		check_data();
		if (r.nzq)
			return submit_zq(dev) ?: TSB_E_AGAIN;
		res[1] = r.len;
		res[2] = verdict(&res[3]);
		return 0;
	case R_ZDATA: {
		uint64_t i = r.zq[r.zq_next].chunk, cs = r.hdr.chunk_size;
		uint64_t clen = r.hdr.ram_size - i * cs < cs ? r.hdr.ram_size - i * cs : cs;

		decode_chunk(i, cached(i), clen, r.xfer + TSB_DISK_READ_MAX, r.zq[r.zq_next].co,
			     r.zq[r.zq_next].n, r.zq[r.zq_next].at);
		if (++r.zq_next < r.nzq)
			return submit_zq(dev) ?: TSB_E_AGAIN;
		res[1] = r.len;
		res[2] = verdict(&res[3]);
		return 0;
	}
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
