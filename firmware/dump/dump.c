// SPDX-License-Identifier: BSD-3-Clause
/*
 * The crash-dump engine (see dump.h and docs/dump-format.md).
 *
 * A panic SMC asks the restart sequence (restart/restart.c) for a crash
 * restart; with every CPU seized and recorded, it calls dump_on_restart().
 * In the primary-dump mode that writes the boot window to the dump disk and
 * Linux restarts in it with the rest of RAM reserved; in the spare-window
 * mode nothing is written first and Linux restarts at once in the spare
 * window, with all of the crashed kernel's memory reserved. The rest is then
 * written by DMA while Linux runs (secondary dump). Each completion is an
 * FIQ: check the status, mark the chunk durable, queue the next one, tell
 * Linux when a grant unit is ready. Memory is only
 * handed back once its chunk is on disk -- or can never get there (device
 * error, disk full), in which case the dump says so.
 *
 * Everything in non-secure RAM (rings, bounce buffers) is rebuilt for every
 * dump and never read back as truth; the state lives in secure RAM.
 */
#include <stdint.h>
#include <string.h>
#include <arch.h>
#include <boot.h>
#include <cpu.h>
#include <dump.h>
#include <dump_plan.h>
#include <dump_reader.h>
#include <fw_config.h>
#include <fw_time.h>
#include <gic.h>
#include <ledger.h>
#include <log.h>
#include <lz4_compress.h>
#include <pageclass.h>
#include <platform_def.h>
#include <restart.h>
#include <spinlock.h>
#include <sram.h>
#include <stimer.h>
#include <virtio_blk.h>
#include <tsubaki/abi.h>
#include <tsubaki/dump_format.h>
#include <paddr.h>

/* The non-secure scratch area (top of RAM, reserved no-map in the DT). */
#define SCR_RING	0x000000
#define SCR_META	0x010000	/* TSB_META_SIZE: image of the dump metadata */
#define SCR_DISKHDR	0x110000	/* disk header, written */
#define SCR_READ	0x111000	/* both disk header copies, read back */
#define SCR_ZBUF	0x120000	/* compress=1: the blocks of the chunks in flight */
#define ZBUF_SIZE	0x10000		/* one compressed chunk's (a chunk is 64 KiB) */
#define ZBUF_SLOTS	8		/* compressed chunks in flight at most */
_Static_assert(SCR_READ + TSB_DISK_HEADER_COPIES * TSB_BLOCK <= SCR_ZBUF &&
	       SCR_ZBUF + ZBUF_SLOTS * ZBUF_SIZE <= PLAT_SCRATCH_SIZE, "scratch layout");

#define TAG_META	0x80000000U
#define TAG_DISKHDR	0x80000001U
#define TAG_DESCRIBE	0x80000002U	/* the metadata, before a grant */
#define IO_TIMEOUT_US	10000000ULL	/* a request not done in 10 s: device failed */
#define WRITE_TRIES	3		/* a write the device fails is tried this often */
#define PRIO_DISK	0x20
/* Linux is not kept down longer than this by a slow disk (option primary_max_s). */
#define PRIMARY_MAX_S	600U
/* The secondary dump starts when Linux reports itself up, or after this. */
#define SECONDARY_FALLBACK_US	10000000ULL

#define MAX_REGIONS	8
/*
 * A filtered dump classifies at most this many chunks in one refill() call
 * (each a few dozen struct page reads and one pass over its data) before it
 * lets the FIQ return; the dump timer goes on from there.
 */
#define SCAN_PER_CALL	32
#define SCAN_TICK_US	1000ULL

static struct {
	spinlock_t lock;
	/* options */
	uint64_t window, chunk, grant;	/* window: the primary dump, 0 in spare mode */
	int memory;			/* memory=1: no dump disk, the dump stays in RAM */
	uint32_t inflight_max;
	uint32_t filter;		/* option filter=: TSB_FILTER_* to leave out */
	uint32_t filter_audit;		/* option filter_audit=1: TSB_FILTER_AUDIT */
	uint32_t compress;		/* option compress=: TSB_COMPRESS_* */
	uint64_t primary_max_s;		/* the primary dump's overall deadline */
	uint64_t primary_deadline;
	struct boot_windows win;
	/* machine */
	uint64_t ram_base, ram_size, scratch;
	unsigned int live;		/* the window the running kernel booted in */
	unsigned int irq_cpu;		/* where the disk's FIQ goes */
	/* registration */
	int registered;
	uint64_t vmci_pa, vmci_size;
	/* the current (or last) dump */
	int state;			/* TSB_STATE_* */
	uint64_t to_dump;		/* bytes of the crashed kernel's RAM (less LR_NONE) */
	int have_dev;
	int dev_up;			/* the device is set up (vblk_init) and not stopped */
	int failed;			/* the device failed: no more writes */
	int meta_started, meta_left;
	uint32_t meta_len;		/* of the metadata image in flight (TAG_META) */
	uint64_t hdr_off;		/* where the disk header copy in flight goes */
	uint32_t meta_tries[3];		/* failed tries of each metadata write in flight */
	uint32_t chunks_failed;		/* chunks given up after WRITE_TRIES */
	int describing;			/* a TAG_DESCRIBE write is in flight */
	int closing;			/* the dump is being closed: no more TAG_DESCRIBE */
	uint32_t describe_upto;		/* what it puts on record (ledger_done_end()) */
	int sec_started;		/* secondary writes have begun */
	uint32_t cursor;		/* chunks are written in order: none pending below */
	uint64_t last_progress;		/* counter at the last completion */
	uint64_t ready_ns;		/* when the newest grant unit became durable */
	uint64_t crash_ns;		/* last panic, for the downtime of its restart */
	unsigned int last_crash_boot;	/* the boot that crashed last (0: none since power-on) */
	uint64_t fiq_count, fiq_ticks, fiq_ticks_max;	/* cost of the secondary */
	uint64_t table_bytes;		/* secure heap taken by the per-chunk tables */
	/* memory mode */
	uint64_t mem_ids;		/* dumps held in memory since power-on */
	uint32_t summed;		/* chunks [0, summed) have their checksums */
	uint64_t sum_progress;		/* counter at the last checksum step */
	int mem_read;			/* a metadata read is ready for TSB_SMC_DISK_POLL */
	struct vblk dev;
	struct dump_slot_plan plan;
	struct tsb_disk_header disk;
	struct tsb_dump_header hdr;
	struct tsb_cpu_record cpu[TSB_MAX_CPUS];
	uint8_t vmci[TSB_VMCOREINFO_MAX];
	struct tsb_region region[MAX_REGIONS];
	/* a filtered dump: the crashed kernel's struct pages, read through pk */
	struct pc_kernel pk;
	struct pc_mem mem;
	int pk_ok;			/* pk is usable: the scan classifies struct pages */
	uint32_t scanned;		/* chunks [0, scanned) have their struct-page verdicts */
	int skipped_new;		/* chunks were done without a write: describe them */
	/* the chunks whose writes are in flight: one request per run of pages on disk */
	struct {
		uint32_t chunk;
		uint8_t left;		/* requests not yet completed */
		uint8_t bad;		/* one of them failed */
		uint8_t zbuf;		/* 1 + the SCR_ZBUF slot its block is in; 0: none */
		uint16_t zlen;		/* its block's: the chunk table's once it is on disk */
	} fly[VBLK_MAX_REQS];
	uint32_t zbusy;			/* SCR_ZBUF slots in flight, a bit each */
	uint64_t zin_ticks;		/* counter ticks spent compressing (this dump) */
	/* per chunk, from the secure heap at boot (alloc_chunk_tables()) */
	struct tsb_chunk *chunks;	/* the dump's chunk table */
	uint8_t *tries;			/* failed writes of each chunk */
	struct ledger led;
} d;

/*
 * The codec buffers, from the secure heap at boot (CODEC_BYTES). With
 * compress=1 a chunk is gathered in zin (its skipped pages as zeros), after
 * its checksum was taken, and compressed from there, in secure RAM: nothing
 * can change the data while it is compressed, and should the chunk's memory
 * change between the checksum and the copy, readers find the chunk bad, never
 * other data unnoticed. (The copy is a second pass over the chunk, after the
 * checksum's: a plain copy, cheap beside the compression.) The dump reader
 * decodes compressed chunks in the same buffers: each uses them within one
 * call under the engine's lock, and the reader never while a dump is written.
 */
#define CODEC_BYTES	(2 * ZBUF_SIZE)
_Static_assert(LZ4C_TABLE_ENTRIES * sizeof(uint16_t) <= ZBUF_SIZE, "codec layout");
static uint8_t *zin;
static uint16_t *ztable;
static uint64_t codec_bytes;

static uint64_t opt(const char *cfg, uint64_t len, const char *key, uint64_t def)
{
	uint64_t v = def;

	cfg_get_u64(cfg, len, key, &v);
	return v;
}

/*
 * The chunk table holds TSB_MAX_CHUNKS (64000: 62 GiB at 1 MiB chunks). A
 * chunk too small for this RAM is refused at boot, with the smallest one that
 * fits, and not at the first crash.
 */
static void fit_chunk_table(void)
{
	uint64_t ram = d.ram_size - PLAT_SCRATCH_SIZE, c = d.chunk;

	while (c < (4ULL << 20) && (ram + c - 1) / c > TSB_MAX_CHUNKS)
		c <<= 1;
	if ((ram + c - 1) / c > TSB_MAX_CHUNKS) {
		ERROR("dump: %llu MiB of RAM needs more than %llu chunks even at 4 MiB: the "
		      "chunk table cannot describe it, crashes restart without a dump",
		      (unsigned long long)(ram >> 20), (unsigned long long)TSB_MAX_CHUNKS);
		return;
	}
	if (c == d.chunk)
		return;
	ERROR("dump: chunk=%llu KiB refused: %llu MiB of RAM would need %llu chunks, the chunk "
	      "table holds %llu; using %llu KiB", (unsigned long long)(d.chunk >> 10),
	      (unsigned long long)(ram >> 20), (unsigned long long)((ram + d.chunk - 1) / d.chunk),
	      (unsigned long long)TSB_MAX_CHUNKS, (unsigned long long)(c >> 10));
	log_event("option-refused", "key=chunk value=%llu min=%llu", (unsigned long long)d.chunk,
		  (unsigned long long)c);
	d.chunk = c;
}

/*
 * The chunk table and the ledger, sized for this machine's RAM at this chunk
 * size: DUMP_CHUNK_BYTES per chunk (19 KiB per GiB at 1 MiB chunks), from the
 * secure heap. Without them crashes restart without a dump.
 */
static void alloc_chunk_tables(void)
{
	uint64_t ram = d.ram_size - PLAT_SCRATCH_SIZE;
	uint64_t n = (ram + d.chunk - 1) / d.chunk;
	uint8_t *p;

	if (n > TSB_MAX_CHUNKS)
		n = TSB_MAX_CHUNKS;	/* fit_chunk_table() said so already */
	p = sram_alloc(n * DUMP_CHUNK_BYTES, 8);
	if (!p) {
		ERROR("dump: no secure memory for the chunk table of %llu chunks (%llu KiB; "
		      "%llu KiB of the secure heap left): crashes restart without a dump",
		      (unsigned long long)n, (unsigned long long)(n * DUMP_CHUNK_BYTES >> 10),
		      (unsigned long long)((sram_size() - sram_used()) >> 10));
		ledger_attach(&d.led, NULL, NULL, 0);
		return;
	}
	/* One allocation: the table (8-byte aligned first), then 3 bytes a chunk. */
	d.chunks = (struct tsb_chunk *)p;
	d.tries = p + n * sizeof(*d.chunks);
	ledger_attach(&d.led, d.tries + n, d.tries + 2 * n, (uint32_t)n);
	d.table_bytes = n * DUMP_CHUNK_BYTES;
}

uint64_t dump_table_bytes(void)
{
	return d.table_bytes;
}

uint64_t dump_codec_bytes(void)
{
	return codec_bytes;
}

/*
 * The codec buffers: for compress=1, and for the reader, which reads
 * compressed dumps whatever this boot's option says. Without them no dump is
 * compressed, and the reader reports compressed chunks as bad.
 */
static void alloc_codec(void)
{
	uint8_t *p = sram_alloc(CODEC_BYTES, 16);

	if (!p) {
		ERROR("dump: no secure memory for the codec buffers (%u KiB): no compression, and "
		      "compressed dumps read back as bad chunks", CODEC_BYTES >> 10);
		d.compress = 0;
		return;
	}
	zin = p;
	ztable = (uint16_t *)(p + ZBUF_SIZE);
	codec_bytes = CODEC_BYTES;
	reader_codec(p, CODEC_BYTES);
}

/*
 * Option filter=: makedumpfile's dump level (TSB_FILTER_*). A filtered dump
 * has chunks of TSB_SKIP_PAGES pages, each page's fate in its chunk table
 * entry.
 */
#define FILTER_CHUNK	(TSB_SKIP_PAGES * TSB_PAGE)

static void plan_filter(const char *cfg, uint64_t cfg_len)
{
	uint64_t v = 0, c;

	cfg_get_u64(cfg, cfg_len, "filter", &v);
	if (v > TSB_FILTER_ALL) {
		ERROR("dump: filter=%llu refused: a dump level is 0..%u (1 zero pages, 2 and 4 page "
		      "cache, 8 user pages, 16 free pages); every page is dumped",
		      (unsigned long long)v, TSB_FILTER_ALL);
		log_event("option-refused", "key=filter value=%llu", (unsigned long long)v);
		v = 0;
	}
	d.filter = (uint32_t)v;
	d.filter_audit = opt(cfg, cfg_len, "filter_audit", 0) ? TSB_FILTER_AUDIT : 0;
	if (!d.filter)
		return;
	if (d.memory) {
		WARN("dump: filter=%u ignored in memory mode: the dump stays whole in RAM until "
		     "Linux saves it", d.filter);
		d.filter = 0;
		return;
	}
	if (!cfg_get_u64(cfg, cfg_len, "chunk", &c) && c != FILTER_CHUNK)
		ERROR("dump: chunk=%llu KiB refused with filter=%u: a filtered dump has chunks of "
		      "%llu KiB", (unsigned long long)(c >> 10), d.filter,
		      (unsigned long long)(FILTER_CHUNK >> 10));
	d.chunk = FILTER_CHUNK;
}

/*
 * Option compress=: 1 stores each chunk as an LZ4 block when that takes
 * fewer disk sectors (TSB_COMPRESS_LZ4). Compressed chunks are 64 KiB, as
 * filtered ones: the block of each is built in a 64 KiB bounce buffer.
 */
static void plan_compress(const char *cfg, uint64_t cfg_len)
{
	uint64_t v = 0, c;

	cfg_get_u64(cfg, cfg_len, "compress", &v);
	if (v > TSB_COMPRESS_LZ4) {
		ERROR("dump: compress=%llu refused: 0 (none) or 1 (LZ4); chunks are stored as they are",
		      (unsigned long long)v);
		log_event("option-refused", "key=compress value=%llu", (unsigned long long)v);
		v = 0;
	}
	d.compress = (uint32_t)v;
	if (!d.compress)
		return;
	if (d.memory) {
		WARN("dump: compress=%u ignored in memory mode: the dump stays in RAM as it is",
		     d.compress);
		d.compress = 0;
		return;
	}
	if (!d.filter && !cfg_get_u64(cfg, cfg_len, "chunk", &c) && c != FILTER_CHUNK)
		ERROR("dump: chunk=%llu KiB refused with compress=%u: a compressed dump has chunks "
		      "of %llu KiB", (unsigned long long)(c >> 10), d.compress,
		      (unsigned long long)(FILTER_CHUNK >> 10));
	d.chunk = FILTER_CHUNK;
}

/*
 * Option @key=@v needs 64 KiB chunks; a RAM that needs bigger ones (to fit
 * the chunk table) refuses it, saying @then. Return what stays of @v.
 */
static uint32_t small_chunks_or_refuse(const char *key, uint32_t v, const char *then)
{
	if (!v || d.chunk == FILTER_CHUNK)
		return v;
	ERROR("dump: %s=%u refused: %llu MiB of RAM need chunks over %llu KiB, %s", key, v,
	      (unsigned long long)((d.ram_size - PLAT_SCRATCH_SIZE) >> 20),
	      (unsigned long long)(FILTER_CHUNK >> 10), then);
	log_event("option-refused", "key=%s value=%u", key, v);
	return 0;
}

void dump_setup(const char *cfg, uint64_t cfg_len, uint64_t ram_base, uint64_t ram_size,
		uint64_t scratch, const struct boot_windows *win)
{
	d.ram_base = ram_base;
	d.ram_size = ram_size;
	d.scratch = scratch;
	d.win = *win;
	d.window = win->mode == BOOT_MODE_PRIMARY || win->mode == BOOT_MODE_ALL ? win->size : 0;
	d.chunk = opt(cfg, cfg_len, "chunk", 1ULL << 20);
	d.grant = opt(cfg, cfg_len, "grant", 8ULL << 20);
	d.inflight_max = (uint32_t)opt(cfg, cfg_len, "inflight", 4);
	d.memory = opt(cfg, cfg_len, "memory", 0) != 0;
	d.primary_max_s = opt(cfg, cfg_len, "primary_max_s", PRIMARY_MAX_S);
	if (d.primary_max_s < 1 || d.primary_max_s > 86400) {
		WARN("dump: primary_max_s=%llu is not 1..86400 s, using %u",
		     (unsigned long long)d.primary_max_s, PRIMARY_MAX_S);
		d.primary_max_s = PRIMARY_MAX_S;
	}
	if (d.memory && win->mode != BOOT_MODE_SPARE)
		ERROR("dump: memory=1 needs the spare-window mode (spare=1 and room for two "
		      "windows): crashes restart without a dump");
	if (d.chunk < 65536 || d.chunk > (4ULL << 20) || (d.chunk & (d.chunk - 1))) {
		WARN("dump: chunk=%llu is not a power of two in 64 KiB..4 MiB, using 1 MiB",
		     (unsigned long long)d.chunk);
		d.chunk = 1ULL << 20;
	}
	plan_filter(cfg, cfg_len);
	plan_compress(cfg, cfg_len);
	fit_chunk_table();
	d.filter = small_chunks_or_refuse("filter", d.filter, "whose pages the chunk table "
					  "cannot tell apart; every page is dumped");
	d.compress = small_chunks_or_refuse("compress", d.compress, "more than a compressed "
					    "chunk's; chunks are stored as they are");
	alloc_chunk_tables();
	alloc_codec();
	if (d.inflight_max < 1 || d.inflight_max > VBLK_MAX_REQS)
		d.inflight_max = 4;
	if (d.grant < d.chunk)
		d.grant = d.chunk;
	if (!d.memory)
		gic_spi_make_secure(PLAT_DUMP_INTID, PRIO_DISK, 0);
	NOTICE("dump: %s, window %llu MiB, chunk %llu KiB, grant %llu MiB, %u in flight, "
	       "filter %u, compress %u", d.memory ? "memory mode (no dump disk: Linux saves the dump)" :
	       "dump disk", (unsigned long long)(win->size >> 20),
	       (unsigned long long)(d.chunk >> 10), (unsigned long long)(d.grant >> 20),
	       d.inflight_max, d.filter, d.compress);
}

int dump_has_disk(void)
{
	return !d.memory;
}

/* The disk's FIQ goes to a CPU that is surely running Linux: the caller's. */
static void follow_cpu(void)
{
	struct pcpu *p = this_cpu();

	if (d.irq_cpu != p->index) {
		d.irq_cpu = p->index;
		gic_spi_route(PLAT_DUMP_INTID, p->index);
	}
}

/* ---- CPU records ---- */

/* Every CPU recorded itself when it was seized: take the records of this restart. */
static void take_records(const struct restart_info *ri)
{
	unsigned int i;

	memset(d.cpu, 0, sizeof(d.cpu));
	for (i = 0; i < TSB_MAX_CPUS; i++) {
		const struct tsb_cpu_record *r = restart_record(i, ri->epoch, NULL);

		if (r)
			d.cpu[i] = *r;
	}
}

/* ---- I/O ---- */

static uint64_t dump_off(void)
{
	return d.plan.offset;
}

static void set_time(enum tsb_time t)
{
	d.hdr.t_ns[t] = fw_now_ns();
}

/* Lay the metadata out in the NS bounce image; return its length. */
static uint64_t build_meta(void)
{
	uint64_t img = d.scratch + SCR_META;
	uint64_t len = TSB_OFF_CHUNKS + (uint64_t)d.led.nchunks * sizeof(struct tsb_chunk);

	len = (len + TSB_BLOCK - 1) & ~(TSB_BLOCK - 1);
	d.hdr.checksum = dump_header_sum(&d.hdr);
	memset(pa_ptr(img), 0, TSB_OFF_CHUNKS);
	memcpy(pa_ptr(img + TSB_OFF_HEADER), &d.hdr, sizeof(d.hdr));
	memcpy(pa_ptr(img + TSB_OFF_CPUS), d.cpu, sizeof(d.cpu));
	memcpy(pa_ptr(img + TSB_OFF_VMCOREINFO), d.vmci, sizeof(d.vmci));
	memcpy(pa_ptr(img + TSB_OFF_REGIONS), d.region, sizeof(d.region));
	memcpy(pa_ptr(img + TSB_OFF_CHUNKS), d.chunks,
	       (uint64_t)d.led.nchunks * sizeof(struct tsb_chunk));
	return len;
}

/* The next copy of the disk header in the NS bounce block; return its disk offset. */
static uint64_t build_disk_header(void)
{
	uint64_t off = dump_disk_header_commit(&d.disk);

	memset(pa_ptr(d.scratch + SCR_DISKHDR), 0, TSB_BLOCK);
	memcpy(pa_ptr(d.scratch + SCR_DISKHDR), &d.disk, sizeof(d.disk));
	return off;
}

static void device_failed(const char *why)
{
	uint32_t i;

	if (d.failed)
		return;
	d.failed = 1;
	ERROR("dump: %s: giving up on the disk, the dump is partial", why);
	log_event("dump-disk-failed", "dump=%llu", (unsigned long long)d.hdr.dump_id);
	vblk_stop(&d.dev);
	d.dev_up = 0;
	d.describing = 0;
	memset(d.fly, 0, sizeof(d.fly));
	d.zbusy = 0;
	for (i = 0; i < d.led.nchunks; i++)
		if (d.led.st[i] == LG_PENDING || d.led.st[i] == LG_INFLIGHT)
			ledger_set(&d.led, i, LG_LOST);
	/* Nothing more can be put on record: Linux still gets all its memory. */
	ledger_describe(&d.led, d.led.nchunks);
}

/*
 * Put the chunks done so far on record on disk -- the whole metadata image,
 * one request -- before any of them is handed back. Not while a grant is
 * announced and not fetched yet (nothing would go back sooner, and the check
 * walks the done chunks).
 */
static void describe(void)
{
	uint64_t len;

	if (d.describing || d.closing || d.failed || d.meta_started || d.ready_ns ||
	    d.state != TSB_STATE_SECONDARY || d.scanned < d.led.nchunks ||
	    !ledger_describe_wanted(&d.led))
		return;
	d.describe_upto = ledger_done_end(&d.led);
	len = build_meta();
	if (vblk_submit(&d.dev, 1, dump_off(), d.scratch + SCR_META, (uint32_t)len,
			TAG_DESCRIBE)) {
		device_failed("cannot queue the metadata");
		return;
	}
	d.describing = 1;
}

/* A grant became possible: tell Linux (return 1), once per announced grant. */
static int grant_news(void)
{
	if (d.state != TSB_STATE_SECONDARY || d.ready_ns || !ledger_grant_ready(&d.led))
		return d.failed;
	d.ready_ns = fw_now_ns();
	return 1;
}

/* A metadata write failed: 1 if it may be tried again, else the device is given up. */
static int meta_retry(uint32_t tag)
{
	uint32_t *tries = &d.meta_tries[tag & 3];

	if (++*tries < WRITE_TRIES) {
		WARN("dump: metadata write (tag 0x%x) failed: trying again (%u of %u)", tag,
		     *tries + 1, WRITE_TRIES);
		log_event("write-retry", "dump=%llu what=%s try=%u", (unsigned long long)d.hdr.dump_id,
			  tag == TAG_DISKHDR ? "disk-header" : "metadata", *tries + 1);
		return 1;
	}
	device_failed("the metadata cannot be written");
	return 0;
}

/* The in-flight entry of chunk @i, or -1. */
static int fly_find(uint32_t i)
{
	int k;

	for (k = 0; k < VBLK_MAX_REQS; k++)
		if (d.fly[k].left && d.fly[k].chunk == i)
			return k;
	return -1;
}

/* Bytes of chunk @i the filter left out. */
static uint64_t skipped_bytes(uint32_t i)
{
	return tsb_skip_pages(tsb_chunk_skip(d.hdr.filter, &d.chunks[i]), TSB_SKIP_PAGES) * TSB_PAGE;
}

/* Chunk @i is on disk, the pages the filter left out aside. */
static void chunk_done(uint32_t i)
{
	uint64_t skipped = skipped_bytes(i), kept = ledger_chunk_len(&d.led, i) - skipped;

	ledger_set(&d.led, i, LG_DURABLE);
	d.chunks[i].state = TSB_CHUNK_OK;
	d.hdr.bytes_written += kept;
	d.hdr.bytes_skipped += skipped;
	d.hdr.bytes_stored += d.chunks[i].zlen ? tsb_zlen_stored(d.chunks[i].zlen) : kept;
}

/*
 * The device failed a chunk's write: write it again, up to WRITE_TRIES
 * times; then record it as failed and go on with the others (its memory
 * goes back to Linux undumped, and the chunk table says so).
 */
static void chunk_write_failed(uint32_t i)
{
	if (++d.tries[i] < WRITE_TRIES) {
		log_event("write-retry", "dump=%llu chunk=%u try=%u", (unsigned long long)d.hdr.dump_id,
			  i, d.tries[i] + 1);
		ledger_set(&d.led, i, LG_PENDING);
		if (d.cursor > i)
			d.cursor = i;	/* refill() finds it again */
		return;
	}
	ledger_set(&d.led, i, LG_LOST);
	d.chunks[i].state = TSB_CHUNK_FAILED;
	d.chunks_failed++;
	ERROR("dump: chunk %u (0x%llx) failed %u writes: left out of dump %llu", i,
	      (unsigned long long)ledger_chunk_addr(&d.led, i), WRITE_TRIES,
	      (unsigned long long)d.hdr.dump_id);
	log_event("chunk-failed", "dump=%llu chunk=%u paddr=0x%llx", (unsigned long long)d.hdr.dump_id,
		  i, (unsigned long long)ledger_chunk_addr(&d.led, i));
}

/* One completed request. Return 1 if Linux should be told about a grant. */
static int complete(uint32_t tag, int ok)
{
	int k;

	if ((tag & READER_TAG_MASK) == READER_TAG) {
		reader_complete(tag, ok);
		return 0;
	}
	d.last_progress = arch_counter();
	if (tag == TAG_DESCRIBE) {
		if (!d.describing)
			return 0;	/* the device was given up meanwhile */
		d.describing = 0;
		if (!ok) {
			if (!meta_retry(tag))
				return 1;
			describe();	/* the same record, written again */
			return 0;
		}
		d.meta_tries[TAG_DESCRIBE & 3] = 0;
		ledger_describe(&d.led, d.describe_upto);
		describe();
		return grant_news();
	}
	if (tag == TAG_META || tag == TAG_DISKHDR) {
		if (!ok) {
			if (meta_retry(tag) &&
			    !vblk_submit(&d.dev, 1, tag == TAG_META ? dump_off() : d.hdr_off,
					 d.scratch + (tag == TAG_META ? SCR_META : SCR_DISKHDR),
					 tag == TAG_META ? d.meta_len : (uint32_t)TSB_BLOCK, tag))
				return 0;
			device_failed("cannot write the metadata");
		} else {
			d.meta_tries[tag & 3] = 0;
		}
		if (d.meta_left)
			d.meta_left--;
		return 0;
	}
	k = tag < d.led.nchunks && d.led.st[tag] == LG_INFLIGHT ? fly_find(tag) : -1;
	if (k < 0) {
		device_failed("completion for no request");
		return 1;
	}
	if (!ok)
		d.fly[k].bad = 1;
	if (--d.fly[k].left)
		return 0;	/* more runs of this chunk to come */
	if (d.fly[k].zbuf)
		d.zbusy &= ~(1U << (d.fly[k].zbuf - 1));
	if (d.fly[k].bad) {
		chunk_write_failed(tag);
	} else {
		/* a zlen is on record only with the chunk OK: never for a block not on disk */
		d.chunks[tag].zlen = d.fly[k].zlen;
		chunk_done(tag);
	}
	/*
	 * A grant already announced and not yet fetched: no rescan (this runs
	 * in the FIQ handler; with no module fetching, every completion would
	 * walk all durable chunks). Linux's poll picks up a lost notification.
	 */
	describe();
	return grant_news();
}

/* ---- the filter (filter=): which pages stay off the disk ---- */

/*
 * The crashed kernel's RAM as the page-data reader may read it: the dumped
 * range only (reads are at most a struct page or a descriptor: one chunk or two).
 */
static int ram_read(void *ctx, uint64_t pa, void *buf, uint32_t len)
{
	uint64_t off = pa - d.led.base;

	(void)ctx;
	if (pa < d.led.base || off >= d.led.size || len > d.led.size - off)
		return -1;
	/* never the restarted kernel's window: none of the crashed kernel's data is there */
	if (d.led.role[off / d.led.chunk] == LR_NONE ||
	    d.led.role[(off + len - 1) / d.led.chunk] == LR_NONE)
		return -1;
	memcpy(buf, pa_ptr(pa), len);
	return 0;
}

/*
 * A new dump: the filter it applies. Leaving out page cache, user or free
 * pages needs the crashed kernel's struct pages, found through its
 * VMCOREINFO (the ELF note Linux registered, copied at the crash); without a
 * usable one only zero pages are left out, and the dump says so.
 */
static void filter_start(void)
{
	uint32_t namesz = 0, descsz = 0, size = d.hdr.vmcoreinfo_size;
	const char *bad = NULL;
	uint64_t off;

	d.pk_ok = 0;
	d.scanned = d.led.nchunks;
	d.skipped_new = 0;
	d.hdr.filter = d.filter ? d.filter | d.filter_audit : 0;
	if (!(d.filter & ~TSB_FILTER_ZERO))
		return;
	if (size >= 12) {
		memcpy(&namesz, d.vmci, 4);
		memcpy(&descsz, d.vmci + 4, 4);
	}
	off = 12 + (((uint64_t)namesz + 3) & ~3ULL);
	d.mem = (struct pc_mem){ d.led.base, d.led.size, ram_read, NULL };
	if (size >= 12 && namesz <= 16 && off <= size && descsz <= size - off &&
	    !pc_init(&d.pk, (const char *)d.vmci + off, descsz, &bad)) {
		d.pk_ok = 1;
		d.scanned = 0;
		return;
	}
	d.hdr.filter &= TSB_FILTER_ZERO | TSB_FILTER_AUDIT;
	WARN("dump %llu: filter=%u: the crashed kernel's VMCOREINFO %s%s: its page cache, user "
	     "and free pages are dumped", (unsigned long long)d.hdr.dump_id, d.filter,
	     size ? "has no usable " : "is missing", size && bad ? bad : "");
	log_event("filter-degraded", "dump=%llu filter=%u applied=%u", (unsigned long long)d.hdr.dump_id,
		  d.filter, d.hdr.filter);
}

/*
 * Classify the next chunks by the crashed kernel's struct pages, at most
 * @max of them: their pages' verdicts go to the chunk table, and a chunk
 * left out whole is done at once. The struct pages and the tables that map
 * them lie in the crashed kernel's memory, which is only handed back once
 * the scan is over (describe()). Return 1 while chunks are left.
 */
static int scan_step(uint32_t max)
{
	uint8_t code[TSB_SKIP_PAGES];

	while (d.scanned < d.led.nchunks && max--) {
		uint32_t i = d.scanned++, skip = 0;
		unsigned int p, n = (unsigned int)(ledger_chunk_len(&d.led, i) / TSB_PAGE), nskip;

		if (d.led.st[i] != LG_PENDING)
			continue;
		nskip = pc_classify(&d.pk, &d.mem, d.hdr.filter & TSB_FILTER_ALL,
				    ledger_chunk_addr(&d.led, i) / TSB_PAGE, n, code);
		for (p = 0; p < n; p++)
			skip |= (uint32_t)(code[p] & 3) << (2 * p);
		d.chunks[i].skip = skip;
		if (nskip == n && !(d.hdr.filter & TSB_FILTER_AUDIT)) {
			d.chunks[i].checksum = tsb_sum64_start(0, ledger_chunk_len(&d.led, i));
			d.chunks[i].checksum = tsb_sum64_zeros(d.chunks[i].checksum,
							       ledger_chunk_len(&d.led, i) / 8);
			chunk_done(i);
			d.skipped_new = 1;
		}
	}
	return d.scanned < d.led.nchunks;
}

/*
 * The checksum of chunk @i with its left-out pages as zeros; pages of zeros
 * are left out too when the filter says so. Return the chunk's verdicts.
 */
static uint32_t sum_filtered(uint32_t i, uint64_t pa, uint64_t len)
{
	uint32_t skip = d.chunks[i].skip;
	uint64_t h = tsb_sum64_start(0, len);
	unsigned int p, n = (unsigned int)(len / TSB_PAGE);

	for (p = 0; p < n; p++) {
		const uint64_t *w = (const uint64_t *)pa_ptr(pa + p * TSB_PAGE);
		uint64_t any = 0;
		unsigned int k;

		if (tsb_skip_code(skip, p) != TSB_SKIP_NONE) {
			h = tsb_sum64_zeros(h, TSB_PAGE / 8);
			continue;
		}
		for (k = 0; k < TSB_PAGE / 8; k += 4) {
			any |= w[k] | w[k + 1] | w[k + 2] | w[k + 3];
			h = tsb_sum64_words(h, w + k, 4);
		}
		if (!any && (d.hdr.filter & TSB_FILTER_ZERO))
			skip |= (uint32_t)TSB_SKIP_ZERO << (2 * p);
	}
	d.chunks[i].checksum = h;
	return skip;
}

/* A free in-flight entry for a chunk of @reqs requests, or -1 if the device has no room. */
static int fly_slot(unsigned int reqs)
{
	int k;

	if (d.dev.inflight && d.dev.inflight + reqs > d.inflight_max)
		return -1;
	for (k = 0; k < VBLK_MAX_REQS && d.fly[k].left; k++)
		;
	if (k == VBLK_MAX_REQS || d.dev.inflight + reqs > VBLK_MAX_REQS)
		return -1;
	return k;
}

/*
 * compress=1: a chunk (@len bytes at @pa, the pages of @skip left out, @kept
 * bytes kept) as one LZ4 block in SCR_ZBUF slot @z. Return the block's
 * length, or 0 when it would not take fewer sectors than the pages as they are.
 */
static uint32_t compress_chunk(uint64_t pa, uint64_t len, uint32_t skip, uint64_t kept,
			       unsigned int z)
{
	uint8_t *out = (uint8_t *)pa_ptr(d.scratch + SCR_ZBUF + (uint64_t)z * ZBUF_SIZE);
	unsigned int p, n = (unsigned int)(len / TSB_PAGE);
	uint64_t t0 = arch_counter();
	size_t zlen;

	for (p = 0; p < n; p++) {
		if (tsb_skip_code(skip, p) == TSB_SKIP_NONE)
			memcpy(zin + p * TSB_PAGE, pa_ptr(pa + p * TSB_PAGE), TSB_PAGE);
		else
			memset(zin + p * TSB_PAGE, 0, TSB_PAGE);
	}
	/* whole sectors: a block of at most kept - 512 bytes saves at least one */
	zlen = kept > 512 ? lz4_compress(zin, len, out, kept - 512, ztable) : 0;
	if (zlen)
		memset(out + zlen, 0, tsb_zlen_stored((uint32_t)zlen) - zlen);
	d.zin_ticks += arch_counter() - t0;
	return (uint32_t)zlen;
}

/*
 * compress=1: queue chunk @i as one LZ4 block if that is smaller. Return 0
 * when queued, 1 when the device or the bounce buffers have no room now, -1
 * when the device failed, 2 when the chunk goes as it is (submit_chunk()).
 */
static int submit_compressed(uint32_t i, uint64_t pa, uint64_t len, uint32_t skip,
			     uint64_t disk)
{
	uint64_t kept = len - (uint64_t)tsb_skip_pages(skip, (unsigned int)(len / TSB_PAGE)) *
			      TSB_PAGE;
	unsigned int z;
	uint32_t zlen;
	int k = fly_slot(1);

	d.chunks[i].zlen = 0;
	for (z = 0; z < ZBUF_SLOTS && (d.zbusy & (1U << z)); z++)
		;
	if (k < 0 || z == ZBUF_SLOTS)
		return d.dev.inflight ? 1 : 2;	/* a completion frees them */
	zlen = compress_chunk(pa, len, skip, kept, z);
	if (!zlen)
		return 2;
	d.fly[k].chunk = i;
	d.fly[k].left = 1;
	d.fly[k].bad = 0;
	d.fly[k].zbuf = (uint8_t)(z + 1);
	d.fly[k].zlen = (uint16_t)zlen;
	d.zbusy |= 1U << z;
	ledger_set(&d.led, i, LG_INFLIGHT);
	return vblk_submit(&d.dev, 1, disk, d.scratch + SCR_ZBUF + (uint64_t)z * ZBUF_SIZE,
			   (uint32_t)tsb_zlen_stored(zlen), i) ? -1 : 0;
}

/*
 * Queue chunk @i's pages that go to disk: one request per run of them, or
 * with compress=1 one for its block. Return 0 when queued (or done: nothing
 * of it goes to disk), 1 when the device has no room for it now, -1 when the
 * device failed.
 */
static int submit_chunk(uint32_t i)
{
	uint64_t pa = ledger_chunk_addr(&d.led, i), len = ledger_chunk_len(&d.led, i);
	uint64_t disk = dump_off() + d.hdr.data_offset + (uint64_t)i * d.led.chunk;
	unsigned int p, q, n = (unsigned int)(len / TSB_PAGE), runs = 0;
	uint32_t skip = 0;
	int k;

	if (!d.hdr.filter) {
		d.chunks[i].checksum = tsb_sum64(0, pa_ptr(pa), len);
		runs = 1;
	} else if (d.hdr.filter & TSB_FILTER_AUDIT) {
		/* the verdicts on record, every page on disk */
		d.chunks[i].skip = sum_filtered(i, pa, len);
		d.chunks[i].checksum = tsb_sum64(0, pa_ptr(pa), len);
		runs = 1;
	} else {
		skip = d.chunks[i].skip = sum_filtered(i, pa, len);
		for (p = 0; p < n; p++)
			runs += tsb_skip_code(skip, p) == TSB_SKIP_NONE &&
				(!p || tsb_skip_code(skip, p - 1) != TSB_SKIP_NONE);
	}
	d.chunks[i].zlen = 0;
	if (!runs) {
		chunk_done(i);
		d.skipped_new = 1;
		return 0;
	}
	if (d.hdr.compress) {
		int err = submit_compressed(i, pa, len, skip, disk);

		if (err != 2)
			return err;
	}
	k = fly_slot(runs);
	if (k < 0)
		return 1;
	d.fly[k].chunk = i;
	d.fly[k].left = (uint8_t)runs;
	d.fly[k].bad = 0;
	d.fly[k].zbuf = 0;
	d.fly[k].zlen = 0;
	ledger_set(&d.led, i, LG_INFLIGHT);
	if (!skip)
		return vblk_submit(&d.dev, 1, disk, pa, (uint32_t)len, i) ? -1 : 0;
	for (p = 0; p < n; p = q) {
		for (; p < n && tsb_skip_code(skip, p) != TSB_SKIP_NONE; p++)
			;
		for (q = p; q < n && tsb_skip_code(skip, q) == TSB_SKIP_NONE; q++)
			;
		if (q > p && vblk_submit(&d.dev, 1, disk + p * TSB_PAGE, pa + p * TSB_PAGE,
					 (uint32_t)((q - p) * TSB_PAGE), i))
			return -1;
	}
	return 0;
}

/*
 * Queue the next pending chunks in [from, to) up to the in-flight limit. The
 * cursor keeps this O(1) per completion: it runs in the FIQ handler. A
 * filtered dump goes no further than its scan, which it moves on a bounded
 * step at a time, and looks at SCAN_PER_CALL chunks at most in one call.
 */
static void refill(uint32_t from, uint32_t to)
{
	uint32_t looked = 0;
	int stepped = 0;

	while (!d.failed && d.dev.inflight < d.inflight_max) {
		int64_t i = ledger_find(&d.led, from > d.cursor ? from : d.cursor,
					to < d.scanned ? to : d.scanned, LG_PENDING);
		int err;

		if (i < 0) {
			if (d.scanned >= to || stepped)
				return;
			scan_step(SCAN_PER_CALL);
			stepped = 1;
			continue;
		}
		if (d.hdr.filter && looked++ == SCAN_PER_CALL)
			return;
		err = submit_chunk((uint32_t)i);
		if (err > 0)
			return;
		d.cursor = (uint32_t)i + 1;
		if (err < 0) {
			ledger_set(&d.led, (uint32_t)i, LG_PENDING);
			d.cursor = (uint32_t)i;
			device_failed("cannot queue a write");
			return;
		}
	}
}

/*
 * A filtered dump can finish a call with nothing in flight and chunks left
 * (left out whole, or SCAN_PER_CALL reached), or with its scan unfinished:
 * no completion would come to go on, so the dump timer does. No chunk below
 * the cursor is pending in the secondary dump (the primary one, from chunk 0,
 * leaves none behind it), so the look for one starts there, not at chunk 0.
 */
static void arm_filter_tick(void)
{
	if (d.hdr.filter && d.state == TSB_STATE_SECONDARY && d.sec_started && !d.failed &&
	    (d.scanned < d.led.nchunks ||
	     (!d.dev.inflight && ledger_find(&d.led, d.cursor, d.led.nchunks, LG_PENDING) >= 0)))
		stimer_arm(STIMER_DUMP, SCAN_TICK_US);
}

/* Poll until @cond() holds or the device stops making progress. */
static void poll_until(int (*cond)(void), uint32_t from, uint32_t to)
{
	d.last_progress = arch_counter();
	while (!cond() && !d.failed) {
		uint32_t tag;
		int ok;

		refill(from, to);
		while (vblk_reap(&d.dev, &tag, &ok))
			complete(tag, ok);
		if (arch_counter() - d.last_progress >
		    IO_TIMEOUT_US * arch_counter_freq() / 1000000ULL)
			device_failed("the disk stopped answering");
	}
}

static int no_meta_left(void)
{
	return d.meta_left == 0;
}

static uint32_t window_end;

static int primary_done(void)
{
	return ledger_find(&d.led, 0, window_end, LG_PENDING) < 0 &&
	       ledger_find(&d.led, 0, window_end, LG_INFLIGHT) < 0;
}

/* Queue the metadata and the disk header; return 0 if the device cannot take them. */
static int submit_meta(void)
{
	uint64_t len, hdr_off;

	if (d.failed)
		return 0;
	len = build_meta();
	hdr_off = build_disk_header();
	d.meta_len = (uint32_t)len;
	d.hdr_off = hdr_off;
	d.meta_left = 2;
	if (vblk_submit(&d.dev, 1, dump_off(), d.scratch + SCR_META, (uint32_t)len, TAG_META) ||
	    vblk_submit(&d.dev, 1, hdr_off, d.scratch + SCR_DISKHDR, TSB_BLOCK, TAG_DISKHDR)) {
		device_failed("cannot queue the metadata");
		return 0;
	}
	return 1;
}

/* Write the metadata (and the disk header) and wait for them. */
static void write_meta_sync(void)
{
	if (submit_meta())
		poll_until(no_meta_left, 0, 0);
}

/* The dump has all of the crashed kernel's memory: every chunk OK or excluded. */
static int all_chunks_ok(void)
{
	uint32_t i;

	for (i = 0; i < d.led.nchunks; i++)
		if (d.chunks[i].state != TSB_CHUNK_OK && d.chunks[i].state != TSB_CHUNK_EXCLUDED)
			return 0;
	return 1;
}

static void finish_state(void)
{
	int complete_dump = !d.failed && ledger_count(&d.led, LG_LOST) == 0 && all_chunks_ok();
	uint32_t st = complete_dump ? TSB_DUMP_COMPLETE : TSB_DUMP_PARTIAL;

	d.hdr.state = st;
	d.disk.slot[d.plan.slot].state = st;
	d.state = complete_dump ? TSB_STATE_COMPLETE : TSB_STATE_PARTIAL;
}

/* ---- the crash path ---- */

static int read_disk_header(void)
{
	struct tsb_disk_header c[TSB_DISK_HEADER_COPIES];
	uint32_t tag;
	int ok = 0, pick;
	uint64_t deadline;

	if (vblk_submit(&d.dev, 0, 0, d.scratch + SCR_READ,
			(uint32_t)(TSB_DISK_HEADER_COPIES * TSB_BLOCK), TAG_DISKHDR))
		return -1;
	deadline = fw_deadline_us(IO_TIMEOUT_US);
	while (!vblk_reap(&d.dev, &tag, &ok))
		if (fw_deadline_passed(deadline))
			return -1;
	if (!ok)
		return -1;
	memcpy(&c[0], pa_ptr(d.scratch + SCR_READ), sizeof(c[0]));
	memcpy(&c[1], pa_ptr(d.scratch + SCR_READ + TSB_BLOCK), sizeof(c[1]));
	pick = dump_disk_header_pick(&c[0], &c[1], d.dev.capacity);
	if (pick < 0) {
		NOTICE("dump: no valid disk header: formatting the dump disk");
		dump_disk_header_init(&d.disk, d.dev.capacity);
		return 0;
	}
	d.disk = c[pick];
	if (c[!pick].magic == TSB_DISK_MAGIC && !dump_disk_header_valid(&c[!pick], d.dev.capacity))
		WARN("dump: disk header copy %d is damaged (a torn write?): using copy %d",
		     !pick, pick);
	if (dump_disk_header_repair(&d.disk))
		NOTICE("dump: disk header repaired (next dump id %llu, format %u)",
		       (unsigned long long)d.disk.next_dump_id, TSB_FORMAT_VERSION);
	return 0;
}

static void copy_vmcoreinfo(void)
{
	uint64_t end = d.ram_base + d.ram_size;

	memset(d.vmci, 0, sizeof(d.vmci));
	d.hdr.vmcoreinfo_size = 0;
	if (!d.registered)
		return;
	/* Registered values were checked; the note itself is just bytes. */
	if (d.vmci_pa >= d.ram_base && d.vmci_pa < end && d.vmci_size <= end - d.vmci_pa) {
		memcpy(d.vmci, pa_ptr(d.vmci_pa), d.vmci_size);
		d.hdr.vmcoreinfo_size = (uint32_t)d.vmci_size;
	}
}

/*
 * Close a running secondary dump (a new crash, or power off): wait for the
 * writes in flight, give up the rest, and put the exact extent on record.
 */
static void abort_previous(const char *why)
{
	uint32_t tag, i;
	int ok;
	uint64_t deadline = fw_deadline_us(IO_TIMEOUT_US);

	if (d.state != TSB_STATE_SECONDARY)
		return;
	WARN("dump: %s during the secondary dump %llu: closing it with what is on disk",
	     why, (unsigned long long)d.hdr.dump_id);
	d.closing = 1;
	while (d.dev.inflight && !fw_deadline_passed(deadline))
		while (vblk_reap(&d.dev, &tag, &ok))
			complete(tag, ok);
	for (i = 0; i < d.led.nchunks; i++)
		if (d.led.st[i] == LG_PENDING || d.led.st[i] == LG_INFLIGHT)
			ledger_set(&d.led, i, LG_LOST);
	set_time(TSB_T_SECONDARY_DONE);
	finish_state();
	write_meta_sync();
}

static int nothing_pending(void)
{
	return ledger_find(&d.led, 0, d.led.nchunks, LG_PENDING) < 0 &&
	       ledger_find(&d.led, 0, d.led.nchunks, LG_INFLIGHT) < 0;
}

static int previous_done_or_late(void)
{
	return nothing_pending() || fw_deadline_passed(d.primary_deadline);
}

/*
 * A crash during a secondary dump. What that dump has not written yet still
 * lies untouched in reserved RAM, and it holds the first crash's state --
 * often the root cause, which the new crash may only be a consequence of.
 * So it is finished first, with Linux down (polled, bounded by
 * primary_max_s like a primary dump), and closed complete; only then is the
 * new crash dumped. The restarted kernel may boot in memory that dump had
 * kept (the spare-window mode's window), which is why it cannot wait.
 */
static void finish_previous(void)
{
	uint64_t t0 = fw_now_ns();

	if (d.state != TSB_STATE_SECONDARY)
		return;
	if (!d.dev_up || d.failed) {
		abort_previous("crash");
		return;
	}
	WARN("dump: crash during the secondary dump %llu: finishing it first (%llu of %llu MiB "
	     "on disk)", (unsigned long long)d.hdr.dump_id, (unsigned long long)(d.hdr.bytes_written >> 20),
	     (unsigned long long)(d.to_dump >> 20));
	d.sec_started = 1;
	d.closing = 1;		/* one metadata write at the end, not one per grant */
	d.primary_deadline = fw_deadline_us(d.primary_max_s * 1000000ULL);
	poll_until(previous_done_or_late, 0, d.led.nchunks);
	log_event("previous-finished", "dump=%llu bytes=%llu ms=%llu", (unsigned long long)d.hdr.dump_id,
		  (unsigned long long)d.hdr.bytes_written,
		  (unsigned long long)((fw_now_ns() - t0) / 1000000));
	abort_previous("crash");	/* closes it: complete unless the deadline passed */
}

/* Chunk range of window @w. */
static void window_chunks(unsigned int w, uint32_t *from, uint32_t *to)
{
	*from = (uint32_t)((d.win.base[w] - d.ram_base) / d.led.chunk);
	*to = *from + (uint32_t)(d.win.size / d.led.chunk);
}

static void add_region(uint64_t paddr, uint64_t size, uint32_t kind)
{
	if (!size || d.hdr.nregions >= MAX_REGIONS)
		return;
	d.region[d.hdr.nregions++] = (struct tsb_region){
		paddr, size, (paddr - d.ram_base) / d.led.chunk, kind, 0 };
}

/*
 * The roles of the crashed kernel's memory. Primary mode: the window first,
 * then the rest. Spare mode: the window @crashed booted in is dumped like the
 * rest but kept (the next spare); the other one, where Linux restarts, was
 * never the crashed kernel's and is left out.
 */
static void plan_roles(unsigned int crashed)
{
	uint32_t from, to, i, run;
	uint64_t kpa, ksize;

	d.hdr.nregions = 0;
	boot_kernel_range(crashed, &kpa, &ksize);
	add_region(kpa, ksize, TSB_REGION_KERNEL);
	if (d.win.mode != BOOT_MODE_SPARE) {
		add_region(d.ram_base, d.hdr.window, TSB_REGION_PRIMARY);
		add_region(d.ram_base + d.hdr.window, d.hdr.ram_size - d.hdr.window,
			   TSB_REGION_SECONDARY);
		return;
	}
	window_chunks(!crashed, &from, &to);
	ledger_set_role(&d.led, from, to, LR_NONE);
	for (i = from; i < to; i++)
		d.chunks[i].state = TSB_CHUNK_EXCLUDED;
	add_region(ledger_chunk_addr(&d.led, from), (uint64_t)(to - from) * d.led.chunk,
		   TSB_REGION_EXCLUDED);
	window_chunks(crashed, &from, &to);
	ledger_set_role(&d.led, from, to, LR_KEEP);
	add_region(ledger_chunk_addr(&d.led, from), (uint64_t)(to - from) * d.led.chunk,
		   TSB_REGION_WINDOW);
	/* Everything else, in runs. */
	for (i = 0; i < d.led.nchunks; i = run) {
		for (run = i; run < d.led.nchunks && d.led.role[run] == LR_SECONDARY; run++)
			;
		add_region(ledger_chunk_addr(&d.led, i),
			   ledger_chunk_addr(&d.led, run) - ledger_chunk_addr(&d.led, i),
			   TSB_REGION_SECONDARY);
		if (run == i)
			run++;
	}
}

/* The dump header and the roles of the crashed kernel's memory (the ledger is set up). */
static void init_header(unsigned int crashed, uint64_t dump_id)
{
	memset(&d.hdr, 0, sizeof(d.hdr));
	memset(d.chunks, 0, sizeof(d.chunks[0]) * d.led.nchunks);
	memset(d.tries, 0, d.led.nchunks);
	d.closing = 0;
	d.chunks_failed = 0;
	memset(d.meta_tries, 0, sizeof(d.meta_tries));
	d.cursor = 0;
	d.hdr.magic = TSB_DUMP_MAGIC;
	d.hdr.version = TSB_FORMAT_VERSION;
	d.hdr.arch = ARCH_DUMP_ARCH;
	d.hdr.state = TSB_DUMP_IN_PROGRESS;
	d.hdr.dump_id = dump_id;
	d.hdr.ram_base = d.ram_base;
	d.hdr.ram_size = d.led.size;	/* the last chunk may be short */
	d.hdr.window = ledger_chunk_addr(&d.led, d.led.window_chunks) - d.led.base;
	d.hdr.chunk_size = d.led.chunk;
	d.hdr.nchunks = d.led.nchunks;
	d.hdr.data_offset = TSB_META_SIZE;
	d.hdr.boot_count = boot_count();
	d.hdr.compress = d.compress;
	d.zin_ticks = 0;
	plan_roles(crashed);
	d.to_dump = d.hdr.ram_size - (uint64_t)ledger_count(&d.led, LG_EXCLUDED) * d.led.chunk;
}

/*
 * This crash starts a crash series unless the kernel that crashed is the one
 * the last crash restarted (a panic loop, a crash during the recovery):
 * then the series' first dump, which holds the root cause, stays protected.
 */
static int series_start(void)
{
	return !d.last_crash_boot || boot_count() != d.last_crash_boot + 1;
}

static int start_dump(unsigned int crashed)
{
	uint64_t dumped = d.ram_size - PLAT_SCRATCH_SIZE, room, need;
	uint32_t i, nroom;

	if (ledger_init(&d.led, d.ram_base, dumped, d.chunk, d.window, d.grant)) {
		ERROR("dump: RAM layout not supported");
		return -1;
	}
	reader_reset();
	memset(d.fly, 0, sizeof(d.fly));
	d.zbusy = 0;
	d.scanned = d.led.nchunks;	/* no scan unless filter_start() wants one */
	d.dev_up = 0;
	if (vblk_init(&d.dev, PLAT_VIRTIO_BASE + PLAT_DUMP_SLOT * PLAT_VIRTIO_STRIDE,
		      d.scratch + SCR_RING)) {
		WARN("dump: no usable dump disk");
		return -1;
	}
	d.dev_up = 1;
	if (read_disk_header()) {
		WARN("dump: cannot read the dump disk");
		vblk_stop(&d.dev);
		d.dev_up = 0;
		return -1;
	}
	need = TSB_META_SIZE + (uint64_t)d.led.nchunks * d.led.chunk;
	if (dump_plan_slot(&d.disk, d.dev.capacity, need, d.disk.next_dump_id, series_start(),
			   &d.plan)) {
		WARN("dump: the disk (%llu MiB) is too small for any dump",
		     (unsigned long long)(d.dev.capacity >> 20));
		vblk_stop(&d.dev);
		d.dev_up = 0;
		return -1;
	}
	room = d.plan.room - TSB_META_SIZE;
	nroom = (uint32_t)(room / d.led.chunk);
	init_header(crashed, d.disk.slot[d.plan.slot].dump_id);
	for (i = nroom; i < d.led.nchunks; i++) {
		if (d.led.st[i] == LG_EXCLUDED)
			continue;
		ledger_set(&d.led, i, LG_LOST);
		d.chunks[i].state = TSB_CHUNK_NO_ROOM;
	}
	if (nroom < d.led.nchunks)
		WARN("dump: disk room for %u of %u MiB: the dump will be partial",
		     (unsigned int)((uint64_t)nroom * d.led.chunk >> 20),
		     (unsigned int)(d.hdr.ram_size >> 20));
	if (d.plan.dropped)
		WARN("dump: %u older dump(s) overwritten for room", d.plan.dropped);
	return 0;
}

static int primary_done_or_late(void)
{
	return primary_done() || fw_deadline_passed(d.primary_deadline);
}

/*
 * The primary dump ran out of time (a disk that answers, but slowly): wait
 * for the writes in flight, give up the rest of the window, restart.
 */
static void primary_give_up(void)
{
	uint64_t deadline = fw_deadline_us(IO_TIMEOUT_US);
	uint32_t tag, i;
	int ok;

	WARN("dump: the primary dump did not end within %llu s: restarting Linux with %llu of %llu "
	     "MiB of the window on disk", (unsigned long long)d.primary_max_s,
	     (unsigned long long)(d.hdr.bytes_written >> 20), (unsigned long long)(d.hdr.window >> 20));
	log_event("primary-deadline", "dump=%llu bytes=%llu", (unsigned long long)d.hdr.dump_id,
		  (unsigned long long)d.hdr.bytes_written);
	while (d.dev.inflight && !d.failed && !fw_deadline_passed(deadline))
		while (vblk_reap(&d.dev, &tag, &ok))
			complete(tag, ok);
	for (i = 0; i < window_end; i++)
		if (d.led.st[i] == LG_PENDING || d.led.st[i] == LG_INFLIGHT)
			ledger_set(&d.led, i, LG_LOST);
}

static void run_primary(void)
{
	copy_vmcoreinfo();
	filter_start();
	/*
	 * Linux restarts in the boot window, which may hold struct pages or
	 * the tables that map them: the scan is done first. In the spare-window
	 * mode nothing of the crashed kernel's is touched before it is handed
	 * back, and the scan runs while Linux does.
	 */
	if (d.win.mode != BOOT_MODE_SPARE)
		while (scan_step(~0U))
			;
	write_meta_sync();	/* the dump exists (in progress) before any data */
	window_end = d.led.window_chunks;
	d.primary_deadline = fw_deadline_us(d.primary_max_s * 1000000ULL);
	poll_until(primary_done_or_late, 0, window_end);
	if (!primary_done())
		primary_give_up();
	set_time(TSB_T_PRIMARY_DONE);
	log_event("primary-done", "dump=%llu bytes=%llu", (unsigned long long)d.hdr.dump_id,
		  (unsigned long long)d.hdr.bytes_written);
	if (ledger_secondary_done(&d.led)) {
		set_time(TSB_T_SECONDARY_DONE);
		finish_state();
		write_meta_sync();
		return;
	}
	if (window_end)
		write_meta_sync();	/* the primary part is on record */
	/* From here on a grant waits for the metadata that describes it. */
	d.led.described = ledger_done_end(&d.led);
	d.describing = 0;
	d.state = TSB_STATE_SECONDARY;
	d.meta_started = 0;
	/*
	 * The secondary dump waits for the restarted kernel to report itself
	 * up (TSB_SMC_BOOT_DONE), so its interrupts do not slow the boot down;
	 * the secure timer starts it anyway if that report never comes.
	 */
	d.sec_started = 0;
}

static void start_secondary(const char *why)
{
	stimer_arm(STIMER_DUMP, 0);
	if (d.state != TSB_STATE_SECONDARY || d.sec_started)
		return;
	d.sec_started = 1;
	d.last_progress = arch_counter();
	log_event("secondary-start", "dump=%llu by=%s", (unsigned long long)d.hdr.dump_id, why);
	refill(0, d.led.nchunks);
	arm_filter_tick();
}

/* ---- the memory mode: no disk, Linux saves the dump ---- */

#define SUM_TICK_US	1000ULL		/* between two chunk checksums */
#define SUM_STALL_US	200000ULL	/* no checksum step for this long: the timer is lost */

static void skip_excluded(void)
{
	while (d.summed < d.led.nchunks && d.led.st[d.summed] == LG_EXCLUDED)
		d.summed++;
}

/* Checksum the next chunk (one bounded step); 1 while more are to come. */
static int sum_step(void)
{
	if (d.summed >= d.led.nchunks)
		return 0;
	d.chunks[d.summed].checksum =
		tsb_sum64(0, pa_ptr(ledger_chunk_addr(&d.led, d.summed)),
			  ledger_chunk_len(&d.led, d.summed));
	d.summed++;
	skip_excluded();
	d.sum_progress = arch_counter();
	if (d.summed < d.led.nchunks)
		return 1;
	set_time(TSB_T_PRIMARY_DONE);	/* memory mode: every chunk checksummed */
	log_event("sums-done", "dump=%llu ms=%llu", (unsigned long long)d.hdr.dump_id,
		  (unsigned long long)((d.hdr.t_ns[TSB_T_PRIMARY_DONE] - d.hdr.t_ns[TSB_T_FAULT]) /
				  1000000));
	return 0;
}

/* Every chunk of the dump is saved: it is complete. */
static void memory_done(void)
{
	set_time(TSB_T_SECONDARY_DONE);
	finish_state();
	log_event("dump-done", "dump=%llu state=%s bytes=%llu sink=memory",
		  (unsigned long long)d.hdr.dump_id,
		  d.hdr.state == TSB_DUMP_COMPLETE ? "complete" : "partial",
		  (unsigned long long)d.hdr.bytes_written);
}

/*
 * A crash with a dump still held in memory: nothing of it may be lost, so it
 * stays, and the new crash is only logged. Linux restarts in the old dump's
 * window once that is saved (the spare it would be), else again in the
 * window of the kernel that just crashed, which no dump needs.
 */
static void memory_crash_during_save(const struct restart_info *ri)
{
	uint32_t from, to;
	unsigned int old = !d.live;
	int saved;

	window_chunks(old, &from, &to);
	saved = ledger_find(&d.led, from, to, LG_PENDING) < 0;
	if (saved)
		d.live = old;
	WARN("dump: crash during the save of dump %llu: the dump is kept (%llu of %llu MiB saved); "
	     "this crash's memory is not dumped", (unsigned long long)d.hdr.dump_id,
	     (unsigned long long)(d.hdr.bytes_written >> 20), (unsigned long long)(d.to_dump >> 20));
	log_event("crash-during-save", "dump=%llu panic_cpu=%d window=%u", (unsigned long long)d.hdr.dump_id,
		  ri->panic_cpu, d.live);
}

static void memory_crash(const struct restart_info *ri, unsigned int crashed)
{
	uint32_t i;

	if (d.state == TSB_STATE_MEMORY) {
		memory_crash_during_save(ri);
		return;
	}
	if (d.win.mode != BOOT_MODE_SPARE) {
		NOTICE("dump: memory mode without a spare window: restarting without a dump");
		d.state = TSB_STATE_IDLE;
		return;
	}
	if (ledger_init(&d.led, d.ram_base, d.ram_size - PLAT_SCRATCH_SIZE, d.chunk, 0, d.grant)) {
		ERROR("dump: RAM layout not supported");
		d.state = TSB_STATE_IDLE;
		return;
	}
	take_records(ri);
	d.live = !crashed;
	init_header(crashed, ++d.mem_ids);
	for (i = 0; i < d.led.nchunks; i++)
		if (d.led.st[i] != LG_EXCLUDED)
			d.chunks[i].state = TSB_CHUNK_OK;	/* in the dump: in RAM */
	d.hdr.t_ns[TSB_T_FAULT] = ri->t_request_ns;
	d.hdr.panic_cpu = ri->panic_cpu < 0 ? ri->owner : (uint32_t)ri->panic_cpu;
	d.hdr.ncpus = ri->ncpus;
	d.hdr.cause = ri->cause;
	d.hdr.cause_cpus = ri->cause_cpus;
	copy_vmcoreinfo();
	d.summed = 0;
	skip_excluded();
	d.sec_started = 0;
	d.state = TSB_STATE_MEMORY;
	NOTICE("dump %llu: memory mode: restarting in window %u at once; the crashed kernel's "
	       "%llu MiB stay in RAM until Linux saves them", (unsigned long long)d.hdr.dump_id, d.live,
	       (unsigned long long)(d.to_dump >> 20));
}

/* Checksumming starts when Linux is up (or at the fallback timer). */
static void memory_start(const char *why)
{
	if (d.state != TSB_STATE_MEMORY || d.sec_started)
		return;
	d.sec_started = 1;
	if (d.summed >= d.led.nchunks)
		return;		/* all checksummed before a plain reboot */
	log_event("secondary-start", "dump=%llu by=%s sink=memory", (unsigned long long)d.hdr.dump_id,
		  why);
	if (sum_step())
		stimer_arm(STIMER_DUMP, SUM_TICK_US);
}

/* TSB_SMC_MEM_RELEASE: [base, base + size) is saved. */
static int64_t memory_release(uint64_t base, uint64_t size)
{
	uint64_t end = d.ram_base + d.hdr.ram_size;
	uint32_t first, last, i;

	if (d.state != TSB_STATE_MEMORY)
		return TSB_E_DENIED;
	if (!size || base < d.ram_base || base >= end || size > end - base ||
	    (base - d.ram_base) % d.led.chunk || (size % d.led.chunk && base + size != end))
		return TSB_E_INVALID;
	first = (uint32_t)((base - d.ram_base) / d.led.chunk);
	last = (uint32_t)((base + size - 1 - d.ram_base) / d.led.chunk);
	for (i = first; i <= last; i++) {
		if (d.led.st[i] == LG_EXCLUDED)
			return TSB_E_INVALID;
		if (d.led.st[i] != LG_PENDING)
			return TSB_E_DENIED;
	}
	if (last >= d.summed)
		return TSB_E_AGAIN;
	for (i = first; i <= last; i++)
		ledger_set(&d.led, i, LG_DURABLE);
	d.hdr.bytes_written += ledger_chunk_addr(&d.led, last + 1) - ledger_chunk_addr(&d.led, first);
	if (ledger_secondary_done(&d.led))
		memory_done();
	return TSB_E_OK;
}

/* TSB_SMC_DISK_READ of the dump in memory: its metadata, from the NS image. */
static int64_t memory_read(uint64_t id, uint64_t off, uint64_t len, uint64_t *pa)
{
	if (d.state != TSB_STATE_MEMORY || id != d.hdr.dump_id)
		return TSB_E_NO_DATA;
	if (!reader_range_ok(off, len) || off >= TSB_META_SIZE || len > TSB_META_SIZE - off)
		return TSB_E_INVALID;
	if (d.summed < d.led.nchunks)
		return TSB_E_BUSY;	/* the checksums are not all there yet */
	build_meta();
	*pa = d.scratch + SCR_META + off;
	d.mem_read = (int)len;
	return TSB_E_OK;
}

static int service_disk(void);

/* The secondary dump's cost on Linux's CPUs: an FIQ's time from @t0 on. Lock held. */
static void account_fiq(uint64_t t0)
{
	uint64_t dt = arch_counter() - t0;

	d.fiq_count++;
	d.fiq_ticks += dt;
	if (dt > d.fiq_ticks_max)
		d.fiq_ticks_max = dt;
}

void dump_timer_fiq(void)
{
	int notify = 0;

	spin_lock(&d.lock);
	if (d.memory && d.state == TSB_STATE_MEMORY) {
		stimer_arm(STIMER_DUMP, 0);
		if (!d.sec_started)
			memory_start("timer");
		else if (sum_step())
			stimer_arm(STIMER_DUMP, SUM_TICK_US);
	} else if (d.state == TSB_STATE_SECONDARY && d.sec_started) {
		/* a filtered dump's scan, a step a tick, whatever the disk does */
		uint64_t t0 = arch_counter();

		stimer_arm(STIMER_DUMP, 0);
		scan_step(SCAN_PER_CALL);
		d.skipped_new = 1;
		notify = service_disk();
		account_fiq(t0);
	} else {
		start_secondary("timer");
	}
	spin_unlock(&d.lock);
	if (notify)
		gic_spi_set_pending(PLAT_NOTIFY_INTID);
}

/* The crash path, on the restart's owner with every CPU seized and recorded. */
static void crash_dump(const struct restart_info *ri)
{
	unsigned int crashed = d.live;

	d.crash_ns = ri->t_request_ns;
	d.fiq_count = d.fiq_ticks = d.fiq_ticks_max = 0;
	d.ready_ns = 0;
	if (d.memory) {
		memory_crash(ri, crashed);
		return;
	}
	finish_previous();
	take_records(ri);
	d.state = TSB_STATE_PRIMARY;
	d.failed = 0;
	d.have_dev = 0;
	if (d.win.mode == BOOT_MODE_SPARE)
		d.live = !crashed;	/* Linux restarts in the spare: no dump to wait for */
	if (d.win.mode == BOOT_MODE_NONE) {
		NOTICE("dump: window=0: restarting without a dump");
		d.state = TSB_STATE_IDLE;
	} else if (start_dump(crashed)) {
		d.state = TSB_STATE_NO_DISK;
	} else {
		d.have_dev = 1;
		d.hdr.t_ns[TSB_T_FAULT] = ri->t_request_ns;
		d.hdr.panic_cpu = ri->panic_cpu < 0 ? ri->owner : (uint32_t)ri->panic_cpu;
		d.hdr.ncpus = ri->ncpus;
		d.hdr.cause = ri->cause;
		d.hdr.cause_cpus = ri->cause_cpus;
		if (d.win.mode == BOOT_MODE_SPARE)
			NOTICE("dump %llu: restarting in window %u at once; window %u (the crashed "
			       "kernel's) and the rest are dumped while Linux runs",
			       (unsigned long long)d.hdr.dump_id, d.live, crashed);
		else
			NOTICE("dump %llu: primary dump of %llu MiB to disk offset %llu MiB",
			       (unsigned long long)d.hdr.dump_id, (unsigned long long)(d.hdr.window >> 20),
			       (unsigned long long)(d.plan.offset >> 20));
		run_primary();
	}
	d.last_crash_boot = boot_count();
}

void dump_on_restart(const struct restart_info *ri)
{
	spin_lock(&d.lock);
	if (ri->why == RESTART_CRASH)
		crash_dump(ri);
	spin_unlock(&d.lock);
}

void dump_on_system_off(void)
{
	spin_lock(&d.lock);
	abort_previous("power off");
	spin_unlock(&d.lock);
}

/* ---- while Linux runs ---- */

/*
 * Take what the disk finished and queue more: the disk's FIQ, or a poll from
 * Linux when that FIQ went missing (it can land on a CPU that was just
 * parked). Lock held. Return 1 if Linux should be told about a grant.
 */
static int service_disk(void)
{
	int notify = 0;
	uint32_t tag;
	int ok;

	while (vblk_reap(&d.dev, &tag, &ok))
		notify |= complete(tag, ok);
	if (d.state == TSB_STATE_SECONDARY && d.sec_started) {
		refill(0, d.led.nchunks);
		if (d.skipped_new) {	/* chunks left out whole: on record, then handed back */
			d.skipped_new = 0;
			describe();
			notify |= grant_news();
		}
		arm_filter_tick();
		/* The full scan only once nothing is in flight: at the end. */
		if (!d.meta_started && !d.dev.inflight && ledger_secondary_done(&d.led)) {
			set_time(TSB_T_SECONDARY_DONE);
			finish_state();
			d.meta_started = 1;
			submit_meta();
			d.state = TSB_STATE_SECONDARY;	/* until the metadata is down */
		}
		if (d.meta_started && (d.meta_left == 0 || d.failed)) {
			ledger_describe(&d.led, d.led.nchunks);	/* the final metadata is down */
			finish_state();
			log_event("dump-done", "dump=%llu state=%s bytes=%llu skipped=%llu filter=%u "
				  "stored=%llu compress=%u compress_ns=%llu "
				  "failed=%u fiq=%llu fiq_ns=%llu fiq_ns_max=%llu",
				  (unsigned long long)d.hdr.dump_id,
				  d.hdr.state == TSB_DUMP_COMPLETE ? "complete" : "partial",
				  (unsigned long long)d.hdr.bytes_written,
				  (unsigned long long)d.hdr.bytes_skipped, d.hdr.filter,
				  (unsigned long long)d.hdr.bytes_stored, d.hdr.compress,
				  (unsigned long long)ticks_to_ns(d.zin_ticks, arch_counter_freq()),
				  d.chunks_failed, (unsigned long long)d.fiq_count,
				  (unsigned long long)ticks_to_ns(d.fiq_ticks, arch_counter_freq()),
				  (unsigned long long)ticks_to_ns(d.fiq_ticks_max, arch_counter_freq()));
			notify = 1;
		}
	}
	return notify;
}

void dump_fiq(void)
{
	uint64_t t0 = arch_counter();
	int notify;

	spin_lock(&d.lock);
	vblk_ack_irq(&d.dev);
	notify = service_disk();
	account_fiq(t0);
	spin_unlock(&d.lock);
	if (notify)
		gic_spi_set_pending(PLAT_NOTIFY_INTID);
}

/* Linux polls: a device that stopped answering must not strand memory. */
static void check_stalled(void)
{
	if (d.state == TSB_STATE_MEMORY) {
		/* the checksum timer's CPU may be gone (CPU_OFF): go on from here */
		if (!d.sec_started)
			memory_start("poll");
		else if (d.summed < d.led.nchunks && arch_counter() - d.sum_progress >
			 SUM_STALL_US * arch_counter_freq() / 1000000ULL)
			sum_step();
		return;
	}
	if (d.state == TSB_STATE_SECONDARY && !d.sec_started)
		start_secondary("poll");
	/* A completion whose FIQ never came is taken here before anything is declared. */
	if (d.state == TSB_STATE_SECONDARY && d.dev_up && service_disk())
		gic_spi_set_pending(PLAT_NOTIFY_INTID);
	if (d.state == TSB_STATE_SECONDARY && d.dev.inflight &&
	    arch_counter() - d.last_progress >
	    IO_TIMEOUT_US * arch_counter_freq() / 1000000ULL) {
		device_failed("the disk stopped answering");
		d.meta_started = 1;
		set_time(TSB_T_SECONDARY_DONE);
		finish_state();
	}
}

void dump_boot_info(struct dump_boot_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	spin_lock(&d.lock);
	bi->live = d.live;
	bi->sink = d.memory ? "memory" : "disk";
	follow_cpu();
	switch (d.state) {
	case TSB_STATE_SECONDARY:
	case TSB_STATE_MEMORY:
		bi->state = "in-progress";
		bi->npending = ledger_pending_ranges(&d.led, bi->pending,
						     DUMP_MAX_PENDING_RANGES);
		d.sec_started = d.state == TSB_STATE_MEMORY ? 0 : d.sec_started;
		if (!d.sec_started)
			stimer_arm(STIMER_DUMP, SECONDARY_FALLBACK_US);
		if (!d.hdr.t_ns[TSB_T_RESTART_START])
			set_time(TSB_T_RESTART_START);
		break;
	case TSB_STATE_COMPLETE:
	case TSB_STATE_PARTIAL:
		bi->state = d.state == TSB_STATE_COMPLETE ? "complete" : "partial";
		if (d.have_dev && !d.hdr.t_ns[TSB_T_RESTART_START])
			set_time(TSB_T_RESTART_START);
		break;
	case TSB_STATE_NO_DISK:
		bi->state = "no-disk";
		break;
	default:
		bi->state = "none";
		break;
	}
	spin_unlock(&d.lock);
}

/* ---- the SiP service ---- */

static int64_t smc_register(uint64_t ver, uint64_t pa, uint64_t size)
{
	uint64_t end = d.ram_base + d.ram_size;

	if ((ver >> 16) != TSB_ABI_MAJOR)
		return TSB_E_VERSION;
	if (size == 0 || size > TSB_VMCOREINFO_MAX || pa < d.ram_base || pa >= end ||
	    size > end - pa || (pa & 3))
		return TSB_E_INVALID;
	spin_lock(&d.lock);
	d.registered = 1;
	d.vmci_pa = pa;
	d.vmci_size = size;
	spin_unlock(&d.lock);
	INFO("dump: Linux registered, VMCOREINFO at 0x%llx (%llu bytes)",
	     (unsigned long long)pa, (unsigned long long)size);
	return TSB_E_OK;
}

static void set_results(uint64_t *res, uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3)
{
	res[0] = r0;
	res[1] = r1;
	res[2] = r2;
	res[3] = r3;
}

static void smc_get_grant(uint64_t *res)
{
	struct ledger_range r = { 0, 0 };
	int last = 0, got = 0;
	uint64_t ready = 0;

	spin_lock(&d.lock);
	follow_cpu();
	check_stalled();
	if (d.state == TSB_STATE_SECONDARY || d.state == TSB_STATE_COMPLETE ||
	    d.state == TSB_STATE_PARTIAL || d.state == TSB_STATE_MEMORY)
		got = ledger_take_grant(&d.led, &r, &last);
	if (got && d.ready_ns) {
		ready = fw_now_ns() - d.ready_ns;
		d.ready_ns = 0;
	}
	if ((d.state == TSB_STATE_SECONDARY || d.state == TSB_STATE_MEMORY) && last)
		last = 0;	/* the final metadata is not down yet, or not all saved */
	spin_unlock(&d.lock);
	if (got)	/* wait_ns: from the newest unit being durable to Linux fetching it. */
		log_event("grant", "base=0x%llx size=%llu wait_ns=%llu", (unsigned long long)r.base,
			  (unsigned long long)r.size, (unsigned long long)ready);
	set_results(res, got ? TSB_E_OK : (uint64_t)TSB_E_NO_DATA, r.base, r.size,
		    last ? TSB_GRANT_LAST : 0);
}

/* The disk for the reader: idle, set up now if no dump has used it yet. */
static int64_t disk_for_reader(void)
{
	if (d.state == TSB_STATE_PRIMARY || d.state == TSB_STATE_SECONDARY || d.meta_left)
		return TSB_E_BUSY;
	if (d.failed)
		return TSB_E_IO;
	if (!d.dev_up) {
		reader_reset();
		if (vblk_init(&d.dev, PLAT_VIRTIO_BASE + PLAT_DUMP_SLOT * PLAT_VIRTIO_STRIDE,
			      d.scratch + SCR_RING))
			return TSB_E_NOT_SUPPORTED;
		d.dev_up = 1;
	}
	return TSB_E_OK;
}

/* The reader's calls in memory mode: the dump's metadata, no disk. */
static void memory_disk(uint32_t fid, const uint64_t *a, uint64_t *res)
{
	uint64_t pa = 0;

	int64_t ret;

	if (fid == TSB_SMC_DISK_POLL) {
		set_results(res, d.mem_read ? TSB_E_OK : (uint64_t)TSB_E_NO_DATA,
			    (uint64_t)d.mem_read, TSB_READ_UNCHECKED, 0);
		d.mem_read = 0;
		return;
	}
	d.mem_read = 0;
	ret = a[1] ? memory_read(a[1], a[2], a[3], &pa) :
	      TSB_E_NOT_SUPPORTED;	/* no disk header: no disk */
	set_results(res, (uint64_t)ret, pa, 0, 0);
}

static void smc_disk(uint32_t fid, const uint64_t *a, uint64_t *res)
{
	uint64_t pa = 0;
	int64_t ret;

	spin_lock(&d.lock);
	if (d.memory) {
		memory_disk(fid, a, res);
		spin_unlock(&d.lock);
		return;
	}
	ret = disk_for_reader();
	if (fid == TSB_SMC_DISK_POLL) {
		set_results(res, (uint64_t)ret, 0, 0, 0);
		if (!ret || ret == TSB_E_BUSY)
			reader_poll(&d.dev, res);
	} else {
		if (!ret)
			ret = reader_start(&d.dev, d.scratch + SCR_META, a[1], a[2], a[3], &pa);
		set_results(res, (uint64_t)ret, pa, 0, 0);
	}
	spin_unlock(&d.lock);
}

void dump_smc(uint32_t fid, const uint64_t *a, uint64_t *res, struct cpu_ctx *ctx,
	      unsigned int self)
{
	int64_t ret = TSB_E_OK;

	switch (fid) {
	case TSB_SMC_VERSION:
		ret = TSB_ABI_VERSION;
		break;
	case TSB_SMC_REGISTER:
		ret = smc_register(a[1], a[2], a[3]);
		break;
	case TSB_SMC_PANIC:
		log_event("panic", "cpu=%u boot=%u", self, boot_count());
		restart_crash(TSB_CAUSE_PANIC, 1U << self, ctx);
	case TSB_SMC_BOOT_DONE:
		spin_lock(&d.lock);
		follow_cpu();
		log_event("linux-up", "boot=%u downtime_ns=%llu", boot_count(),
			  (unsigned long long)(d.crash_ns ? fw_now_ns() - d.crash_ns : 0));
		d.crash_ns = 0;
		if (d.state == TSB_STATE_MEMORY) {
			if (!d.hdr.t_ns[TSB_T_RESTART_DONE])
				set_time(TSB_T_RESTART_DONE);
			memory_start("linux-up");
		} else if (d.have_dev && !d.hdr.t_ns[TSB_T_RESTART_DONE]) {
			set_time(TSB_T_RESTART_DONE);
			/* Finished before Linux was up: put the time on record too. */
			start_secondary("linux-up");
			if (d.state != TSB_STATE_SECONDARY && !d.failed) {
				d.meta_len = (uint32_t)build_meta();
				if (!vblk_submit(&d.dev, 1, dump_off(), d.scratch + SCR_META,
						 d.meta_len, TAG_META))
					d.meta_left++;
			}
		}
		spin_unlock(&d.lock);
		break;
	case TSB_SMC_GET_GRANT:
		smc_get_grant(res);
		return;
	case TSB_SMC_DISK_READ:
	case TSB_SMC_DISK_POLL:
		smc_disk(fid, a, res);
		return;
	case TSB_SMC_MEM_RELEASE:
		spin_lock(&d.lock);
		check_stalled();
		ret = d.memory ? memory_release(a[1], a[2]) :
		      TSB_E_NOT_SUPPORTED;
		spin_unlock(&d.lock);
		break;
	case TSB_SMC_STATUS:
		spin_lock(&d.lock);
		follow_cpu();
		check_stalled();
		if (d.have_dev || d.mem_ids)
			/* done: on disk, or left out by the filter */
			set_results(res, d.state, d.hdr.bytes_written + d.hdr.bytes_skipped,
				    d.to_dump, d.hdr.dump_id);
		else
			set_results(res, d.state, 0, 0, 0);
		spin_unlock(&d.lock);
		return;
	default:
		ret = TSB_E_NOT_SUPPORTED;
		break;
	}
	set_results(res, (uint64_t)ret, 0, 0, 0);
}
