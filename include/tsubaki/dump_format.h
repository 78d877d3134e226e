/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * The dump disk format (docs/dump-format.md). Written by the firmware, read
 * by host tools and by the Linux module (/dev/tsubaki/vmcore). All integers
 * little-endian; every structure is a multiple of 8 bytes with naturally
 * aligned fields.
 *
 * Disk:  [disk header copy 0, 4 KiB at 0][copy 1 at 4 KiB] [dump 0] [dump 1] ...
 *        (dumps 1 MiB aligned; the copies alternate, the valid one with the
 *        higher generation is the header)
 * Dump:  [dump header 4 KiB][CPU records 8 KiB][VMCOREINFO 8 KiB][regions 4 KiB]
 *        [chunk table ... up to TSB_META_SIZE][data: RAM image, chunk by chunk]
 */
#ifndef TSUBAKI_DUMP_FORMAT_H
#define TSUBAKI_DUMP_FORMAT_H
#ifdef __KERNEL__
#include <linux/types.h>	/* the Linux module reads dumps through the collector */
#else
#include <stdint.h>
#include <stddef.h>
#endif

#define TSB_DISK_MAGIC		0x4b5349444b425354ULL	/* "TSBKDISK" */
#define TSB_DUMP_MAGIC		0x504d55444b425354ULL	/* "TSBKDUMP" */
#define TSB_FORMAT_VERSION	5	/* what the firmware writes */
#define TSB_FORMAT_OLDEST	1	/* the oldest readers still take */

#define TSB_BLOCK		4096ULL
#define TSB_DISK_HEADER_COPIES	2	/* at 0 and TSB_BLOCK (version 2 on) */
#define TSB_DUMP_ALIGN		(1ULL << 20)
#define TSB_META_SIZE		(1ULL << 20)	/* per-dump metadata before the data */
#define TSB_MAX_DUMPS		16
#define TSB_MAX_CPUS		8
#define TSB_MAX_REGIONS		64

#define TSB_OFF_HEADER		0x0000
#define TSB_OFF_CPUS		0x1000
#define TSB_OFF_VMCOREINFO	0x3000
#define TSB_VMCOREINFO_MAX	0x2000
#define TSB_OFF_REGIONS		0x5000
#define TSB_OFF_CHUNKS		0x6000
#define TSB_MAX_CHUNKS		((TSB_META_SIZE - TSB_OFF_CHUNKS) / sizeof(struct tsb_chunk))

/* Dump states (tsb_dump_header.state and tsb_disk_slot.state). */
#define TSB_DUMP_EMPTY		0
#define TSB_DUMP_IN_PROGRESS	1
#define TSB_DUMP_COMPLETE	2
#define TSB_DUMP_PARTIAL	3	/* stopped early: see the chunk table */

/* The paper's measurement points (+ the end of the secondary dump), in ns. */
enum tsb_time {
	TSB_T_FAULT = 0,	/* panic notified to the collector */
	TSB_T_PRIMARY_DONE,	/* boot window on disk */
	TSB_T_RESTART_START,	/* firmware enters the restarted kernel */
	TSB_T_RESTART_DONE,	/* the module reports the kernel up */
	TSB_T_SECONDARY_DONE,	/* all memory on disk (or given up) */
	TSB_T_COUNT
};

struct tsb_disk_slot {
	uint64_t offset;	/* of the dump, from the start of the disk */
	uint64_t size;		/* bytes reserved for it */
	uint64_t dump_id;
	uint32_t state;
	uint32_t flags;		/* TSB_SLOT_* (version 1: 0) */
};

/*
 * The first dump of a crash series -- crashes of each restarted kernel in a
 * row, a panic loop at boot -- holds the root cause: newer dumps never
 * overwrite it. A new series moves the flag to its own first dump.
 */
#define TSB_SLOT_PROTECTED	1

struct tsb_disk_header {
	uint64_t magic;		/* TSB_DISK_MAGIC */
	uint32_t version;
	uint32_t nslots;	/* <= TSB_MAX_DUMPS */
	uint64_t disk_size;
	uint64_t next_dump_id;
	uint64_t checksum;	/* tsb_sum64 of this struct with checksum = 0 */
	struct tsb_disk_slot slot[TSB_MAX_DUMPS];
	/* version 2 on (version 1 ends here, and its checksum with it) */
	uint64_t generation;	/* bumped by every write; written to copy generation % 2 */
	uint64_t reserved2;
};

/*
 * The architecture of the crashed machine (tsb_dump_header.arch, version 5
 * on; every dump of versions 1-4 is AArch64). It says which view of a CPU
 * record's registers holds, and which ELF a vmcore of it is (ELF64 EM_AARCH64
 * or ELF32 EM_ARM).
 */
#define TSB_ARCH_AARCH64	0
#define TSB_ARCH_AARCH32	1	/* ARMv7-A, LPAE: physical addresses up to 40 bits */

struct tsb_dump_header {
	uint64_t magic;		/* TSB_DUMP_MAGIC */
	uint32_t version;
	uint32_t state;		/* TSB_DUMP_* */
	uint64_t dump_id;
	uint64_t t_ns[TSB_T_COUNT];
	uint64_t ram_base;	/* the dumped physical range */
	uint64_t ram_size;
	uint64_t window;	/* primary dump: [ram_base, ram_base + window) */
	uint64_t chunk_size;
	uint64_t nchunks;
	uint64_t data_offset;	/* of chunk 0, from the dump's start */
	uint64_t bytes_written;	/* data durable on disk (chunks with TSB_CHUNK_OK) */
	uint32_t ncpus;
	uint32_t panic_cpu;
	uint32_t vmcoreinfo_size;
	uint32_t nregions;
	uint64_t boot_count;	/* of the kernel that crashed */
	uint64_t checksum;	/* tsb_sum64 of this struct with checksum = 0 */
	/* version 2 on (version 1 ends here, and its checksum with it) */
	uint32_t cause;		/* TSB_CAUSE_*: why the collector took this dump */
	uint32_t cause_cpus;	/* CPUs the cause names (bit = CPU index) */
	/* version 3 on (0 in version 2, whose checksum covers them too) */
	uint32_t filter;	/* TSB_FILTER_*: pages of these kinds are left out */
	/* version 4 on (0 in version 3) */
	uint32_t compress;	/* TSB_COMPRESS_*: how chunks with a zlen are stored */
	/* version 3 on */
	uint64_t bytes_skipped;	/* of the chunks on disk, bytes left out by the filter */
	/* version 4 on (0 in version 3) */
	uint64_t bytes_stored;	/* the disk bytes the OK chunks take (bytes_written less compression) */
	/* version 5 on (version 4 ends here, and its checksum with it) */
	uint32_t arch;		/* TSB_ARCH_*: which view of the CPU records holds */
	uint32_t reserved5;
};

/* A dump's architecture: version 5 says; every older dump is AArch64. */
static inline uint32_t tsb_dump_arch(const struct tsb_dump_header *h)
{
	return h->version >= 5 ? h->arch : TSB_ARCH_AARCH64;
}

/*
 * Compression (tsb_dump_header.compress, the firmware option compress=,
 * version 4 on). A chunk whose tsb_chunk.zlen is not 0 is stored compressed:
 * the first zlen bytes at its place on disk are one LZ4 block (the LZ4 block
 * format, no frame; include/tsubaki/lz4.h) that decodes to exactly the
 * chunk's data, its skipped pages as zeros -- what the checksum is over. The
 * rest of the chunk's place is not written. A chunk with zlen 0 is stored as
 * ever. A compressed dump has chunks of TSB_SKIP_PAGES pages, as a filtered
 * one.
 */
#define TSB_COMPRESS_NONE	0
#define TSB_COMPRESS_LZ4	1

/* Dump causes (tsb_dump_header.cause; version 1 dumps: unknown). */
#define TSB_CAUSE_UNKNOWN	0
#define TSB_CAUSE_PANIC		1	/* the kernel panicked (TSB_SMC_PANIC): cause_cpus = it */
#define TSB_CAUSE_HARD_LOCKUP	2	/* a CPU kept IRQs masked past the limit: the stuck ones */
#define TSB_CAUSE_WATCHDOG	3	/* the watchdog was not pinged in time: the CPUs online */

/* One CPU's normal-world state when the collector seized it. */
/*
 * An AArch32 CPU's normal-world state: the registers of the mode it was in
 * (r[13], r[14] are that mode's SP and LR; r[15] where it was), then every
 * mode's banked registers and the CP15 state of the normal world.
 */
struct tsb_a32_regs {
	uint32_t r[16];
	uint32_t cpsr;		/* SPSR_mon: the interrupted mode's CPSR */
	uint32_t sp_usr, lr_usr;
	uint32_t sp_svc, lr_svc, spsr_svc;
	uint32_t sp_abt, lr_abt, spsr_abt;
	uint32_t sp_und, lr_und, spsr_und;
	uint32_t sp_irq, lr_irq, spsr_irq;
	uint32_t r8_fiq[5];	/* r8_fiq..r12_fiq */
	uint32_t sp_fiq, lr_fiq, spsr_fiq;
	uint32_t sctlr, ttbcr, dacr, contextidr;
	uint64_t ttbr0, ttbr1;	/* 64-bit (LPAE) */
	uint32_t mair0, mair1, vbar;
	uint32_t dfsr, dfar, ifsr, ifar;
	uint32_t tpidrurw, tpidruro, tpidrprw;
};

struct tsb_cpu_record {
	uint32_t valid;
	uint32_t cpu;
	uint64_t mpidr;
	union {
		struct {	/* TSB_ARCH_AARCH64 */
			uint64_t x[31];
			uint64_t sp_el0;
			uint64_t sp_el1;
			uint64_t pc;		/* ELR_EL3: where the CPU was */
			uint64_t pstate;	/* SPSR_EL3 */
			uint64_t elr_el1;
			uint64_t spsr_el1;
			uint64_t sctlr_el1;
			uint64_t ttbr0_el1;
			uint64_t ttbr1_el1;
			uint64_t tcr_el1;
			uint64_t mair_el1;
			uint64_t vbar_el1;
			uint64_t esr_el1;
			uint64_t far_el1;
			uint64_t tpidr_el1;
			uint64_t tpidr_el0;
			uint64_t reserved[6];
		};
		struct tsb_a32_regs a32;	/* TSB_ARCH_AARCH32 */
	};
};

#define TSB_REGION_PRIMARY	1	/* dumped before the restart */
#define TSB_REGION_SECONDARY	2	/* dumped while the new kernel ran */
#define TSB_REGION_KERNEL	3	/* where the crashed kernel's image is (_text.._end) */
#define TSB_REGION_WINDOW	4	/* spare mode: the boot window the crashed kernel ran in */
#define TSB_REGION_EXCLUDED	5	/* spare mode: never the crashed kernel's (its spare) */

struct tsb_region {
	uint64_t paddr;
	uint64_t size;
	uint64_t first_chunk;	/* index into the chunk table */
	uint32_t kind;		/* TSB_REGION_* */
	uint32_t reserved;
};

#define TSB_CHUNK_MISSING	0	/* not on disk */
#define TSB_CHUNK_OK		1	/* on disk, checksum valid */
#define TSB_CHUNK_FAILED	2	/* the device reported an error */
#define TSB_CHUNK_NO_ROOM	3	/* beyond the disk's end */
#define TSB_CHUNK_EXCLUDED	4	/* not dumped: not the crashed kernel's memory */

/*
 * Dump levels (tsb_dump_header.filter, the firmware option filter=): the bits
 * of makedumpfile's -d. A filtered dump leaves such pages off the disk.
 */
#define TSB_FILTER_ZERO		1	/* pages of zeros */
#define TSB_FILTER_CACHE	2	/* page cache without private data */
#define TSB_FILTER_CACHE_PRI	4	/* page cache with private data */
#define TSB_FILTER_USER		8	/* user (anonymous) pages */
#define TSB_FILTER_FREE		16	/* free pages: the buddy allocator's */
#define TSB_FILTER_ALL		31
/*
 * In tsb_dump_header.filter only (option filter_audit=1): the pages were
 * classified as the level says, but all of them written -- a full dump with
 * the filter's verdicts, to check them against. Readers then take every
 * page from the disk.
 */
#define TSB_FILTER_AUDIT	0x100

/*
 * Why a page of a chunk is not on disk: 2 bits a 4 KiB page in
 * tsb_chunk.skip, page p of the chunk at bits 2p and 2p + 1 (version 3 on).
 * A skipped page reads as zeros, and the chunk's checksum is over its data
 * with the skipped pages taken as zeros. A filtered dump has chunks of at
 * most TSB_SKIP_PAGES pages.
 */
#define TSB_SKIP_NONE		0	/* on disk */
#define TSB_SKIP_ZERO		1	/* all zeros (level 1) */
#define TSB_SKIP_FREE		2	/* free in the crashed kernel (level 16) */
#define TSB_SKIP_OTHER		3	/* page cache or user data (levels 2, 4, 8) */
#define TSB_SKIP_PAGES		16
#define TSB_PAGE		4096ULL

struct tsb_chunk {
	uint64_t checksum;	/* tsb_sum64 of the chunk's data */
	uint16_t state;		/* TSB_CHUNK_* */
	uint16_t zlen;		/* stored compressed in this many bytes; 0: as is (version 1-3: 0) */
	uint32_t skip;		/* TSB_SKIP_* of each page (version 1, 2: 0) */
};

/* Where a compressed chunk's block must fit: it is only stored so if smaller. */
#define TSB_ZLEN_MAX		(TSB_SKIP_PAGES * TSB_PAGE - 512)
/* The disk bytes a compressed chunk's block takes (whole 512-byte sectors). */
static inline uint64_t tsb_zlen_stored(uint32_t zlen)
{
	return ((uint64_t)zlen + 511) & ~511ULL;
}

static inline unsigned int tsb_skip_code(uint32_t skip, unsigned int page)
{
	return page < TSB_SKIP_PAGES ? (skip >> (2 * page)) & 3 : TSB_SKIP_NONE;
}

/* How many of the first @n pages of a chunk @skip leaves out. */
static inline unsigned int tsb_skip_pages(uint32_t skip, unsigned int n)
{
	unsigned int p, k = 0;

	for (p = 0; p < n; p++)
		k += tsb_skip_code(skip, p) != TSB_SKIP_NONE;
	return k;
}

/* The pages of a chunk that are not on disk (0 when every page is). */
static inline uint32_t tsb_chunk_skip(uint32_t filter, const struct tsb_chunk *c)
{
	return filter & TSB_FILTER_AUDIT ? 0 : c->skip;
}

_Static_assert(sizeof(struct tsb_disk_header) <= TSB_BLOCK, "disk header");
_Static_assert(sizeof(struct tsb_dump_header) <= TSB_BLOCK, "dump header");
_Static_assert(sizeof(struct tsb_cpu_record) * TSB_MAX_CPUS <= 0x2000, "cpu records");
_Static_assert(sizeof(struct tsb_cpu_record) == 440, "cpu record: the same size in every version");
_Static_assert(sizeof(struct tsb_a32_regs) <= sizeof(struct tsb_cpu_record) - 16, "a32 view");
_Static_assert(sizeof(struct tsb_region) * TSB_MAX_REGIONS <= 0x1000, "regions");
_Static_assert(sizeof(struct tsb_chunk) == 16, "chunk");

/*
 * tsb_sum64() - the format's checksum: a 64-bit multiplicative hash over
 * little-endian 64-bit words (@len must be a multiple of 8). Any change of a
 * single word -- so any flipped byte -- changes the result. Fast enough to
 * run in the firmware's interrupt path over every chunk. It can be fed piece
 * by piece: tsb_sum64_start() with the total length, then the words.
 */
static inline uint64_t tsb_sum64_start(uint64_t h, uint64_t total_len)
{
	return h ^ 0x9e3779b97f4a7c15ULL ^ total_len;
}

/* Feed @n aligned 64-bit words to a sum begun by tsb_sum64_start(). */
static inline uint64_t tsb_sum64_step(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static inline uint64_t tsb_sum64_words(uint64_t h, const uint64_t *p, size_t n)
{
	/*
	 * Four words a round: the same sum, in half the instructions (pairwise
	 * loads, a quarter of the loop overhead) -- the firmware runs it over
	 * every chunk in the disk's FIQ.
	 */
	for (; n >= 4; n -= 4, p += 4) {
		uint64_t a = p[0], b = p[1], c = p[2], d = p[3];

		h = tsb_sum64_step(h, a);
		h = tsb_sum64_step(h, b);
		h = tsb_sum64_step(h, c);
		h = tsb_sum64_step(h, d);
	}
	while (n--)
		h = tsb_sum64_step(h, *p++);
	return h;
}

/* Feed @n words of zeros: a filtered dump's left-out pages. */
static inline uint64_t tsb_sum64_zeros(uint64_t h, size_t n)
{
	while (n--)
		h = tsb_sum64_step(h, 0);
	return h;
}

static inline uint64_t tsb_sum64(uint64_t h, const void *buf, size_t len)
{
	return tsb_sum64_words(tsb_sum64_start(h, len), (const uint64_t *)buf, len / 8);
}

/*
 * A header's checksum: tsb_sum64 of its first @len bytes with the checksum
 * word (at @csum_off) taken as 0. Version 1 headers end after the checksum.
 */
static inline uint64_t tsb_header_sum(const void *hdr, size_t len, size_t csum_off)
{
	const uint64_t *w = (const uint64_t *)hdr;
	uint64_t h = tsb_sum64_start(0, len);
	size_t i;

	for (i = 0; i < len / 8; i++)
		h = tsb_sum64_step(h, i == csum_off / 8 ? 0 : w[i]);
	return h;
}

/* The bytes a header's checksum covers (0: a version readers do not take). */
static inline size_t tsb_disk_header_len(uint32_t version)
{
	if (version == 1)
		return __builtin_offsetof(struct tsb_disk_header, generation);
	return version >= 2 && version <= TSB_FORMAT_VERSION ? sizeof(struct tsb_disk_header) : 0;
}

static inline size_t tsb_dump_header_len(uint32_t version)
{
	if (version == 1)
		return __builtin_offsetof(struct tsb_dump_header, cause);
	if (version >= 2 && version <= 4)
		return __builtin_offsetof(struct tsb_dump_header, arch);
	return version >= 2 && version <= TSB_FORMAT_VERSION ? sizeof(struct tsb_dump_header) : 0;
}

/* The checksum @h should carry, by its own version (0 for one not taken). */
static inline uint64_t tsb_disk_header_sum(const struct tsb_disk_header *h)
{
	size_t len = tsb_disk_header_len(h->version);

	return len ? tsb_header_sum(h, len, __builtin_offsetof(struct tsb_disk_header, checksum)) :
		     0;
}

static inline uint64_t tsb_dump_header_sum(const struct tsb_dump_header *h)
{
	size_t len = tsb_dump_header_len(h->version);

	return len ? tsb_header_sum(h, len, __builtin_offsetof(struct tsb_dump_header, checksum)) :
		     0;
}

/*
 * A hang (hard lockup, watchdog expiry): the CPU records are where the CPUs
 * hung -- readers keep them as recorded, not moved to a caller in the image
 * as for the panicking CPU, which sits in tsubaki.ko's notifier.
 */
static inline int tsb_cause_is_hang(uint32_t cause)
{
	return cause == TSB_CAUSE_HARD_LOCKUP || cause == TSB_CAUSE_WATCHDOG;
}

static inline const char *tsb_cause_name(uint32_t cause)
{
	switch (cause) {
	case TSB_CAUSE_PANIC:
		return "panic";
	case TSB_CAUSE_HARD_LOCKUP:
		return "hard-lockup";
	case TSB_CAUSE_WATCHDOG:
		return "watchdog";
	default:
		return "unknown";
	}
}

#endif /* TSUBAKI_DUMP_FORMAT_H */
