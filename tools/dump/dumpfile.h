/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dumpfile: a reader of the Tsubaki dump disk (include/tsubaki/dump_format.h,
 * docs/dump-format.md) for host tools.
 *
 * Everything on the disk is untrusted. tsb_disk_open() checks the disk header
 * and the slot table; tsb_dump_open() checks one dump's metadata (header,
 * CPU records, region table, chunk table) against the format's limits, the
 * slot and the file. After that every OK chunk lies inside the file and
 * every region inside the dumped RAM, so the accessors below need no more
 * checks than "is this chunk OK". Chunk data is read piecewise with pread():
 * memory use does not depend on the dump's size. A compressed chunk (version
 * 4, tsb_chunk.zlen) is read whole and decoded into a buffer of the dump's,
 * which keeps the last one decoded for the reads that follow. The CPU
 * records are read by the dump's architecture (version 5, h.arch).
 *
 * Errors: functions return 0 or a TSB_E* code (which is also the tool's exit
 * status) and leave a message in disk->err.
 */
#ifndef TSUBAKI_DUMPFILE_H
#define TSUBAKI_DUMPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tsubaki/dump_format.h"

#define TSB_E_DATA	1	/* the data is bad: a chunk checksum mismatch */
#define TSB_E_FORMAT	2	/* malformed input, I/O error, usage */

#define TSB_ERRLEN	512
#define TSB_MAX_MISSING_SHOWN	20	/* missing ranges listed by tsb_print_missing() */
#define TSB_ZCHUNK_MAX		(TSB_SKIP_PAGES * TSB_PAGE)	/* a compressed dump's chunks */

struct tsb_disk {
	int fd;
	bool own_fd;		/* close fd in tsb_disk_close() */
	const char *name;	/* for messages */
	uint64_t file_size;
	struct tsb_disk_header hdr;	/* the copy that counts */
	unsigned int header_copy;	/* which: 0 (at 0) or 1 (at 4 KiB) */
	char err[TSB_ERRLEN];
};

struct tsb_dump {
	struct tsb_disk *disk;
	unsigned int slot;
	struct tsb_disk_slot s;	/* the slot table's entry */
	struct tsb_dump_header h;	/* arch is TSB_ARCH_AARCH64 in versions 1-4 */
	struct tsb_cpu_record cpu[TSB_MAX_CPUS];	/* h.ncpus of them */
	uint8_t vmcoreinfo[TSB_VMCOREINFO_MAX];		/* h.vmcoreinfo_size bytes */
	struct tsb_region reg[TSB_MAX_REGIONS];		/* h.nregions of them */
	struct tsb_chunk *chunks;			/* h.nchunks of them */
	int kernel_region;	/* index in reg[] of the KERNEL region, or -1 */
	/* The last compressed chunk decoded (UINT64_MAX: none yet), and how. */
	uint64_t zchunk;
	bool zbad;		/* its block did not decode */
	uint8_t *zdata;		/* its data, TSB_ZCHUNK_MAX bytes (allocated on first use) */
	uint8_t *zblock;	/* its block as read, TSB_ZLEN_MAX bytes */
};

struct tsb_chunk_counts {
	uint64_t n[TSB_CHUNK_EXCLUDED + 1];	/* by TSB_CHUNK_* state */
	uint64_t ok_bytes;			/* RAM bytes in OK chunks */
	uint64_t skipped[4];			/* of them, left out by the filter: by TSB_SKIP_* */
	uint64_t compressed;			/* OK chunks stored compressed (zlen) */
	uint64_t stored_bytes;			/* disk bytes the OK chunks take */
};

int tsb_disk_open(struct tsb_disk *d, const char *path);
/* Like tsb_disk_open() on an open descriptor (not closed by tsb_disk_close). */
int tsb_disk_open_fd(struct tsb_disk *d, int fd, const char *name);
void tsb_disk_close(struct tsb_disk *d);

/* Non-empty slot holding dump @sel ("last" or a dump id); 0 and *slot. */
int tsb_disk_find(struct tsb_disk *d, const char *sel, unsigned int *slot);

/* Read and check the metadata of the dump in slot @slot. */
int tsb_dump_open(struct tsb_disk *d, unsigned int slot, struct tsb_dump *dump);
void tsb_dump_close(struct tsb_dump *dump);

const char *tsb_dump_state_name(uint32_t state);
const char *tsb_chunk_state_name(uint32_t state);
const char *tsb_region_kind_name(uint32_t kind);

/* Physical address and RAM length of chunk @i (< nchunks). */
uint64_t tsb_chunk_paddr(const struct tsb_dump *dump, uint64_t i);
uint64_t tsb_chunk_len(const struct tsb_dump *dump, uint64_t i);
void tsb_chunk_count(const struct tsb_dump *dump, struct tsb_chunk_counts *c);

/*
 * From chunk *@pos on, find the next run [*@first, *@end) of chunks that are
 * all OK (@ok) or all in the same missing state (!@ok: not OK and not EXCLUDED) and
 * advance *@pos past it; false when there is none.
 */
bool tsb_chunk_run(const struct tsb_dump *dump, uint64_t *pos, bool ok,
		   uint64_t *first, uint64_t *end);
/* RAM bytes in chunks [@first, @end), @first < @end. */
uint64_t tsb_run_bytes(const struct tsb_dump *dump, uint64_t first, uint64_t end);
/*
 * List the runs of chunks that are not OK on @f (if not NULL), each line
 * starting with @prefix, then a total; returns the number of such chunks.
 */
uint64_t tsb_print_missing(const struct tsb_dump *dump, FILE *f,
			   const char *prefix);

/*
 * 1 if the byte at @off of chunk @i lies in a page the filter left out (it
 * reads as zeros).
 */
bool tsb_chunk_skipped(const struct tsb_dump *dump, uint64_t i, uint64_t off);
/*
 * @len bytes at @off inside OK chunk @i (left-out pages read as zeros): 0,
 * TSB_E_DATA when the chunk is compressed and its block does not decode (a
 * bad chunk: @buf is then zeros, and the message names the chunk), or
 * TSB_E_FORMAT.
 */
int tsb_chunk_read(struct tsb_dump *dump, uint64_t i, uint64_t off, void *buf,
		   size_t len);
/*
 * @len bytes of RAM at @paddr, all in OK chunks: 0, TSB_E_FORMAT, or
 * TSB_E_DATA when a compressed chunk among them does not decode (its bytes
 * read as zeros, the others are read all the same).
 */
int tsb_read_phys(struct tsb_dump *dump, uint64_t paddr, void *buf, size_t len);

/* "aarch64", "aarch32" (TSB_ARCH_*), or "?". */
const char *tsb_arch_name(uint32_t arch);
/*
 * A CPU record's registers by the dump's architecture (dump->h.arch, which
 * tsb_dump_open() sets to AArch64 for versions 1-4): the stack pointer of
 * the mode the CPU was in (AArch64: SP_EL0 for EL0t/EL1t, else SP_EL1;
 * AArch32: r13, the mode's banked sp), where it was (ELR_EL3; r15), and its
 * PSTATE (SPSR_EL3; the CPSR).
 */
uint64_t tsb_cpu_sp(const struct tsb_dump *dump, const struct tsb_cpu_record *r);
uint64_t tsb_cpu_pc(const struct tsb_dump *dump, const struct tsb_cpu_record *r);
uint64_t tsb_cpu_pstate(const struct tsb_dump *dump, const struct tsb_cpu_record *r);
/* An AArch32 CPSR's mode: "svc", "irq", "usr", ..., or "?". */
const char *tsb_a32_mode_name(uint32_t cpsr);

/*
 * Recompute OK chunk @i's checksum using @buf (@bufsz bytes, a non-zero
 * multiple of 8) as scratch: 0 if it matches, TSB_E_DATA (with a message
 * naming the chunk and its address) if not or if its compressed block does
 * not decode, TSB_E_FORMAT on I/O errors.
 */
int tsb_chunk_verify(struct tsb_dump *dump, uint64_t i, void *buf, size_t bufsz);

/* tsb_sum64() fed piece by piece (tsb_sum64_start(), then pieces of 8k bytes). */
uint64_t tsb_sum64_update(uint64_t h, const void *buf, size_t len);

/* printf into d->err; returns @code. */
int tsb_error(struct tsb_disk *d, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* TSUBAKI_DUMPFILE_H */
