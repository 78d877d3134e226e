// SPDX-License-Identifier: BSD-3-Clause
/*
 * dumpfile: read and check a Tsubaki dump disk. See dumpfile.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dumpfile.h"
#include <tsubaki/lz4.h>
#include <tsubaki/vmcore_elf.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "dumpfile reads the little-endian dump format in place"
#endif

int tsb_error(struct tsb_disk *d, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	return code;
}

uint64_t tsb_sum64_update(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t n = len / 8;

	while (n--) {
		uint64_t w;

		memcpy(&w, p, 8);
		p += 8;
		h ^= w;
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

static const char *const dump_states[] = {
	"empty", "in-progress", "complete", "partial",
};
static const char *const chunk_states[] = {
	"missing", "ok", "failed", "no-room", "excluded",
};
static const char *const region_kinds[] = {
	"?", "primary", "secondary", "kernel", "window", "excluded",
};

const char *tsb_dump_state_name(uint32_t state)
{
	return state <= TSB_DUMP_PARTIAL ? dump_states[state] : "?";
}

const char *tsb_chunk_state_name(uint32_t state)
{
	return state <= TSB_CHUNK_EXCLUDED ? chunk_states[state] : "?";
}

const char *tsb_region_kind_name(uint32_t kind)
{
	return kind <= TSB_REGION_EXCLUDED ? region_kinds[kind] : "?";
}

/* ---- raw reads ---- */

/* Exactly @len bytes at @off; the file ending early is malformed input. */
static int read_at(struct tsb_disk *d, void *buf, size_t len, uint64_t off,
		   const char *what)
{
	size_t got = 0;

	if (off > d->file_size || len > d->file_size - off)
		return tsb_error(d, TSB_E_FORMAT,
				 "%s: truncated file: %s needs bytes [%" PRIu64 ", +%zu) of %" PRIu64,
				 d->name, what, off, len, d->file_size);
	while (got < len) {
		ssize_t r = pread(d->fd, (char *)buf + got, len - got,
				  (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return tsb_error(d, TSB_E_FORMAT, "%s: reading %s: %s",
					 d->name, what, strerror(errno));
		if (r == 0)
			return tsb_error(d, TSB_E_FORMAT,
					 "%s: truncated file: end of file inside %s",
					 d->name, what);
		got += (size_t)r;
	}
	return 0;
}

/* ---- the disk header ---- */

static int check_disk_header(struct tsb_disk *d)
{
	const struct tsb_disk_header *h = &d->hdr;

	if (h->magic != TSB_DISK_MAGIC)
		return tsb_error(d, TSB_E_FORMAT,
				 "%s: bad disk magic 0x%016" PRIx64 " (want 0x%016llx): not a Tsubaki dump disk",
				 d->name, h->magic, TSB_DISK_MAGIC);
	if (!tsb_disk_header_len(h->version))
		return tsb_error(d, TSB_E_FORMAT,
				 "%s: unsupported disk format version %u (want %u..%u)",
				 d->name, h->version, TSB_FORMAT_OLDEST, TSB_FORMAT_VERSION);
	if (tsb_disk_header_sum(h) != h->checksum)
		return tsb_error(d, TSB_E_FORMAT,
				 "%s: disk header checksum 0x%016" PRIx64 " does not match its contents (0x%016" PRIx64 ")",
				 d->name, h->checksum, tsb_disk_header_sum(h));
	if (h->nslots > TSB_MAX_DUMPS)
		return tsb_error(d, TSB_E_FORMAT, "%s: nslots %u > %u",
				 d->name, h->nslots, TSB_MAX_DUMPS);
	if (h->disk_size < TSB_BLOCK)
		return tsb_error(d, TSB_E_FORMAT,
				 "%s: disk_size %" PRIu64 " is smaller than the header",
				 d->name, h->disk_size);
	if (h->disk_size > d->file_size)
		return tsb_error(d, TSB_E_FORMAT,
				 "%s: truncated file: disk_size %" PRIu64 " > file size %" PRIu64,
				 d->name, h->disk_size, d->file_size);
	return 0;
}

static int check_slot(struct tsb_disk *d, unsigned int i)
{
	const struct tsb_disk_slot *s = &d->hdr.slot[i];

	if (s->state > TSB_DUMP_PARTIAL)
		return tsb_error(d, TSB_E_FORMAT, "%s: slot %u: unknown state %u",
				 d->name, i, s->state);
	if (!s->dump_id)
		return tsb_error(d, TSB_E_FORMAT, "%s: slot %u: dump id 0",
				 d->name, i);
	if (!s->offset || s->offset % TSB_DUMP_ALIGN)
		return tsb_error(d, TSB_E_FORMAT,
				 "%s: slot %u: offset 0x%" PRIx64 " not a non-zero multiple of 1 MiB",
				 d->name, i, s->offset);
	if (s->size < TSB_OFF_CHUNKS || s->offset > d->hdr.disk_size ||
	    s->size > d->hdr.disk_size - s->offset)
		return tsb_error(d, TSB_E_FORMAT,
				 "%s: slot %u: [0x%" PRIx64 ", +0x%" PRIx64 ") does not fit the disk (size 0x%" PRIx64 ")",
				 d->name, i, s->offset, s->size, d->hdr.disk_size);
	return 0;
}

/* Slot @i against the non-empty slots before it: no overlap, unique ids. */
static int check_slot_pair(struct tsb_disk *d, unsigned int i, unsigned int j)
{
	const struct tsb_disk_slot *a = &d->hdr.slot[i], *b = &d->hdr.slot[j];

	if (a->offset < b->offset + b->size && b->offset < a->offset + a->size)
		return tsb_error(d, TSB_E_FORMAT, "%s: slot %u overlaps slot %u",
				 d->name, i, j);
	if (a->dump_id == b->dump_id)
		return tsb_error(d, TSB_E_FORMAT,
				 "%s: slots %u and %u both hold dump id %" PRIu64,
				 d->name, j, i, a->dump_id);
	return 0;
}

static int check_slots(struct tsb_disk *d)
{
	for (unsigned int i = 0; i < d->hdr.nslots; i++) {
		int err;

		if (d->hdr.slot[i].state == TSB_DUMP_EMPTY)
			continue;
		err = check_slot(d, i);
		for (unsigned int j = 0; !err && j < i; j++)
			if (d->hdr.slot[j].state != TSB_DUMP_EMPTY)
				err = check_slot_pair(d, i, j);
		if (err)
			return err;
	}
	return 0;
}

/* Copy @copy of the disk header into d->hdr, checked. */
static int read_header_copy(struct tsb_disk *d, unsigned int copy)
{
	int err;

	memset(&d->hdr, 0, sizeof(d->hdr));
	err = read_at(d, &d->hdr, sizeof(d->hdr), copy * TSB_BLOCK,
		      copy ? "the disk header's copy 1" : "the disk header");
	if (!err && d->hdr.version == 1)
		d->hdr.generation = d->hdr.reserved2 = 0;	/* not part of a version 1 header */
	if (!err)
		err = check_disk_header(d);
	if (!err)
		err = check_slots(d);
	return err;
}

int tsb_disk_open_fd(struct tsb_disk *d, int fd, const char *name)
{
	off_t end;
	int err;

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->name = name;
	end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return tsb_error(d, TSB_E_FORMAT, "%s: %s", name, strerror(errno));
	d->file_size = (uint64_t)end;
	if (d->file_size < TSB_BLOCK)
		return tsb_error(d, TSB_E_FORMAT,
				 "%s: truncated file: %" PRIu64 " bytes, smaller than the disk header block",
				 name, d->file_size);
	err = read_header_copy(d, 0);
	if (d->file_size >= TSB_DISK_HEADER_COPIES * TSB_BLOCK) {
		struct tsb_disk_header h0 = d->hdr;
		char err0[TSB_ERRLEN];
		int err1;

		memcpy(err0, d->err, sizeof(err0));
		err1 = read_header_copy(d, 1);
		if (!err1 && d->hdr.version == 1)
			err1 = TSB_E_FORMAT;	/* version 1 kept one copy */
		if (!err1 && (err || d->hdr.generation > h0.generation)) {
			d->header_copy = 1;
			return 0;
		}
		d->hdr = h0;
		memcpy(d->err, err0, sizeof(err0));
	}
	d->header_copy = 0;
	return err;
}

int tsb_disk_open(struct tsb_disk *d, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0) {
		memset(d, 0, sizeof(*d));
		d->fd = -1;
		return tsb_error(d, TSB_E_FORMAT, "%s: %s", path, strerror(errno));
	}
	err = tsb_disk_open_fd(d, fd, path);
	d->own_fd = true;
	return err;
}

void tsb_disk_close(struct tsb_disk *d)
{
	if (d->own_fd && d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

static int parse_id(const char *s, uint64_t *id)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*id = v;
	return 0;
}

int tsb_disk_find(struct tsb_disk *d, const char *sel, unsigned int *slot)
{
	bool last = !strcmp(sel, "last");
	uint64_t id = 0, best = 0;
	int found = -1;

	if (!last && parse_id(sel, &id))
		return tsb_error(d, TSB_E_FORMAT,
				 "invalid dump '%s': want a dump id (see 'list') or 'last'",
				 sel);
	for (unsigned int i = 0; i < d->hdr.nslots; i++) {
		const struct tsb_disk_slot *s = &d->hdr.slot[i];

		if (s->state == TSB_DUMP_EMPTY)
			continue;
		if (last ? s->dump_id > best : s->dump_id == id) {
			best = s->dump_id;
			found = (int)i;
		}
	}
	if (found < 0)
		return tsb_error(d, TSB_E_FORMAT, last ? "%s: no dumps on the disk" :
				 "%s: no dump with id %s (see 'list')", d->name, sel);
	*slot = (unsigned int)found;
	return 0;
}

/* ---- one dump's metadata ---- */

static int __attribute__((format(printf, 2, 3)))
dump_err(struct tsb_dump *dump, const char *fmt, ...)
{
	struct tsb_disk *d = dump->disk;
	char msg[TSB_ERRLEN - 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return tsb_error(d, TSB_E_FORMAT, "%s: slot %u (dump %" PRIu64 "): %s",
			 d->name, dump->slot, dump->s.dump_id, msg);
}

static int read_in_dump(struct tsb_dump *dump, void *buf, size_t len,
			uint64_t off, const char *what)
{
	/* off + len <= TSB_META_SIZE here, and the slot fits the file */
	if (off + len > dump->s.size)
		return dump_err(dump, "%s [0x%" PRIx64 ", +0x%zx) is beyond the slot (size 0x%" PRIx64 ")",
				what, off, len, dump->s.size);
	return read_at(dump->disk, buf, len, dump->s.offset + off, what);
}

static int check_header_ids(struct tsb_dump *dump)
{
	const struct tsb_dump_header *h = &dump->h;

	if (h->magic != TSB_DUMP_MAGIC)
		return dump_err(dump, "bad dump magic 0x%016" PRIx64 " (want 0x%016llx)",
				h->magic, TSB_DUMP_MAGIC);
	if (!tsb_dump_header_len(h->version))
		return dump_err(dump, "unsupported dump version %u (want %u..%u)",
				h->version, TSB_FORMAT_OLDEST, TSB_FORMAT_VERSION);
	if (tsb_dump_header_sum(h) != h->checksum)
		return dump_err(dump, "dump header checksum 0x%016" PRIx64 " does not match its contents (0x%016" PRIx64 ")",
				h->checksum, tsb_dump_header_sum(h));
	if (h->dump_id != dump->s.dump_id)
		return dump_err(dump, "dump_id %" PRIu64 " != the slot's %" PRIu64,
				h->dump_id, dump->s.dump_id);
	if (h->state == TSB_DUMP_EMPTY || h->state > TSB_DUMP_PARTIAL)
		return dump_err(dump, "bad dump state %u", h->state);
	return 0;
}

static int check_header_limits(struct tsb_dump *dump)
{
	const struct tsb_dump_header *h = &dump->h;

	if (!h->ncpus || h->ncpus > TSB_MAX_CPUS)
		return dump_err(dump, "ncpus %u not in [1, %u]", h->ncpus,
				TSB_MAX_CPUS);
	if (h->panic_cpu >= h->ncpus)
		return dump_err(dump, "panic_cpu %u >= ncpus %u", h->panic_cpu,
				h->ncpus);
	if (h->vmcoreinfo_size > TSB_VMCOREINFO_MAX)
		return dump_err(dump, "vmcoreinfo_size %u > %u",
				h->vmcoreinfo_size, TSB_VMCOREINFO_MAX);
	if (h->nregions > TSB_MAX_REGIONS)
		return dump_err(dump, "nregions %u > %u", h->nregions,
				TSB_MAX_REGIONS);
	return 0;
}

static int check_header_ram(struct tsb_dump *dump)
{
	const struct tsb_dump_header *h = &dump->h;
	uint64_t want, meta_end;

	if (!h->chunk_size || h->chunk_size % TSB_BLOCK)
		return dump_err(dump, "chunk_size %" PRIu64 " not a non-zero multiple of 4096",
				h->chunk_size);
	if (h->ram_base % TSB_BLOCK || h->ram_size % TSB_BLOCK ||
	    h->ram_size > UINT64_MAX - h->ram_base)
		return dump_err(dump, "bad RAM range base 0x%" PRIx64 " size 0x%" PRIx64,
				h->ram_base, h->ram_size);
	if (h->window > h->ram_size)
		return dump_err(dump, "window 0x%" PRIx64 " > ram_size 0x%" PRIx64,
				h->window, h->ram_size);
	if (h->nchunks > TSB_MAX_CHUNKS)
		return dump_err(dump, "nchunks %" PRIu64 " > %llu", h->nchunks,
				(unsigned long long)TSB_MAX_CHUNKS);
	want = h->ram_size / h->chunk_size + !!(h->ram_size % h->chunk_size);
	if (h->nchunks != want)
		return dump_err(dump, "nchunks %" PRIu64 " but ram_size/chunk_size needs %" PRIu64,
				h->nchunks, want);
	meta_end = TSB_OFF_CHUNKS + h->nchunks * sizeof(struct tsb_chunk);
	if (h->data_offset < meta_end || h->data_offset % 8 ||
	    h->data_offset > dump->s.size)
		return dump_err(dump, "data_offset 0x%" PRIx64 " outside [0x%" PRIx64 ", slot size 0x%" PRIx64 "] or unaligned",
				h->data_offset, meta_end, dump->s.size);
	return 0;
}

/* Version 4: how the chunks are stored. */
static int check_header_compress(struct tsb_dump *dump)
{
	const struct tsb_dump_header *h = &dump->h;

	if (h->version < 4 && h->compress)
		return dump_err(dump, "compress %u in a version %u dump (compression came with version 4)",
				h->compress, h->version);
	if (h->compress > TSB_COMPRESS_LZ4)
		return dump_err(dump, "unknown compression %u (want 0 none or 1 lz4)",
				h->compress);
	if (h->compress == TSB_COMPRESS_LZ4 && h->chunk_size > TSB_ZCHUNK_MAX)
		return dump_err(dump, "chunk_size %" PRIu64 " with lz4 compression: a compressed dump has chunks of at most %llu bytes",
				h->chunk_size, (unsigned long long)TSB_ZCHUNK_MAX);
	return 0;
}

/* Version 5's architecture: one readers know (every older dump is AArch64). */
static int check_header_arch(struct tsb_dump *dump)
{
	const struct tsb_dump_header *h = &dump->h;

	if (h->arch > TSB_ARCH_AARCH32)
		return dump_err(dump, "unknown architecture %u (want 0 aarch64 or 1 aarch32)",
				h->arch);
	return 0;
}

static int read_header(struct tsb_dump *dump)
{
	int err = read_in_dump(dump, &dump->h, sizeof(dump->h), TSB_OFF_HEADER,
			       "the dump header");

	if (!err && dump->h.version == 1) {
		/* not part of a version 1 header: its cause is unknown */
		dump->h.cause = TSB_CAUSE_UNKNOWN;
		dump->h.cause_cpus = 0;
		/* nor is anything of versions 3 and 4 */
		dump->h.filter = dump->h.compress = 0;
		dump->h.bytes_skipped = dump->h.bytes_stored = 0;
	}
	if (!err && dump->h.version < 5) {
		/* not part of a version 1-4 header: those dumps are all AArch64 */
		dump->h.arch = TSB_ARCH_AARCH64;
		dump->h.reserved5 = 0;
	}
	if (!err)
		err = check_header_ids(dump);
	if (!err)
		err = check_header_limits(dump);
	if (!err)
		err = check_header_ram(dump);
	if (!err)
		err = check_header_compress(dump);
	if (!err)
		err = check_header_arch(dump);
	/* Before version 4 nothing is compressed: the disk holds what was written. */
	if (!err && dump->h.version < 4)
		dump->h.bytes_stored = dump->h.bytes_written;
	return err;
}

static int read_cpus(struct tsb_dump *dump)
{
	int err = read_in_dump(dump, dump->cpu,
			       dump->h.ncpus * sizeof(dump->cpu[0]),
			       TSB_OFF_CPUS, "the CPU records");

	for (unsigned int i = 0; !err && i < dump->h.ncpus; i++) {
		const struct tsb_cpu_record *r = &dump->cpu[i];

		if (r->valid > 1)
			err = dump_err(dump, "CPU record %u: bad valid flag %u", i,
				       r->valid);
		else if (r->valid && r->cpu != i)
			err = dump_err(dump, "CPU record %u says it is CPU %u", i,
				       r->cpu);
	}
	return err;
}

static int check_region(struct tsb_dump *dump, unsigned int i)
{
	const struct tsb_region *r = &dump->reg[i];
	const struct tsb_dump_header *h = &dump->h;

	if (r->kind < TSB_REGION_PRIMARY || r->kind > TSB_REGION_EXCLUDED)
		return dump_err(dump, "region %u: unknown kind %u", i, r->kind);
	if (r->paddr < h->ram_base || r->size > h->ram_size ||
	    r->paddr - h->ram_base > h->ram_size - r->size)
		return dump_err(dump, "region %u [0x%" PRIx64 ", +0x%" PRIx64 ") is outside RAM [0x%" PRIx64 ", +0x%" PRIx64 ")",
				i, r->paddr, r->size, h->ram_base, h->ram_size);
	if (r->size && r->first_chunk != (r->paddr - h->ram_base) / h->chunk_size)
		return dump_err(dump, "region %u: first_chunk %" PRIu64 ", but its address 0x%" PRIx64 " is in chunk %" PRIu64,
				i, r->first_chunk, r->paddr,
				(r->paddr - h->ram_base) / h->chunk_size);
	return 0;
}

/* The KERNEL region lies inside RAM ranges; the others must not overlap. */
static int check_region_pair(struct tsb_dump *dump, unsigned int i,
			     unsigned int j)
{
	const struct tsb_region *a = &dump->reg[i], *b = &dump->reg[j];

	if (a->kind == TSB_REGION_KERNEL && b->kind == TSB_REGION_KERNEL)
		return dump_err(dump, "regions %u and %u are both KERNEL", j, i);
	if (a->kind == TSB_REGION_KERNEL || b->kind == TSB_REGION_KERNEL)
		return 0;
	/* both inside RAM: no overflow */
	if (a->size && b->size && a->paddr < b->paddr + b->size &&
	    b->paddr < a->paddr + a->size)
		return dump_err(dump, "region %u [0x%" PRIx64 ", +0x%" PRIx64 ") overlaps region %u [0x%" PRIx64 ", +0x%" PRIx64 ")",
				i, a->paddr, a->size, j, b->paddr, b->size);
	return 0;
}

static int read_regions(struct tsb_dump *dump)
{
	int err = read_in_dump(dump, dump->reg,
			       dump->h.nregions * sizeof(dump->reg[0]),
			       TSB_OFF_REGIONS, "the region table");

	dump->kernel_region = -1;
	for (unsigned int i = 0; !err && i < dump->h.nregions; i++) {
		err = check_region(dump, i);
		for (unsigned int j = 0; !err && j < i; j++)
			err = check_region_pair(dump, i, j);
		if (dump->reg[i].kind == TSB_REGION_KERNEL)
			dump->kernel_region = (int)i;
	}
	return err;
}

/* A compressed chunk's zlen (@c OK, of @len bytes, in a version 4 dump). */
static int check_zlen(struct tsb_dump *dump, uint64_t i, const struct tsb_chunk *c,
		      uint64_t len)
{
	if (dump->h.compress != TSB_COMPRESS_LZ4)
		return dump_err(dump, "chunk %" PRIu64 " is stored compressed (zlen %u) but the dump's compression is none",
				i, c->zlen);
	if (c->zlen > TSB_ZLEN_MAX || c->zlen >= len)
		return dump_err(dump, "chunk %" PRIu64 ": zlen %u, but a compressed block is smaller than its chunk (%" PRIu64 " bytes) and at most %llu bytes",
				i, c->zlen, len, (unsigned long long)TSB_ZLEN_MAX);
	return 0;
}

static int check_chunk(struct tsb_dump *dump, uint64_t i)
{
	const struct tsb_dump_header *h = &dump->h;
	struct tsb_chunk *c = &dump->chunks[i];
	uint64_t start, len;
	int err;

	/* Before version 4, state was 32 bits: zlen is its upper half. */
	if (h->version < 4 && c->zlen)
		return dump_err(dump, "chunk %" PRIu64 ": unknown state 0x%x (a version %u chunk has no zlen)",
				i, (uint32_t)c->zlen << 16 | c->state, h->version);
	if (c->state > TSB_CHUNK_EXCLUDED)
		return dump_err(dump, "chunk %" PRIu64 ": unknown state %u", i, c->state);
	if (h->version < 3)
		c->skip = 0;	/* reserved before version 3 */
	if (c->state != TSB_CHUNK_OK) {
		if (c->zlen)
			return dump_err(dump, "chunk %" PRIu64 " is %s but has a zlen (%u): only chunks on disk are stored compressed",
					i, tsb_chunk_state_name(c->state), c->zlen);
		c->skip = 0;
		return 0;
	}
	/* i * chunk_size < ram_size and data_offset <= slot size: no overflow */
	start = i * h->chunk_size;
	len = tsb_chunk_len(dump, i);
	err = c->zlen ? check_zlen(dump, i, c, len) : 0;
	if (err)
		return err;
	if (dump->chunks[i].skip && (len % TSB_PAGE || len / TSB_PAGE > TSB_SKIP_PAGES ||
	    (len / TSB_PAGE < TSB_SKIP_PAGES &&
	     dump->chunks[i].skip >> (2 * (len / TSB_PAGE)))))
		return dump_err(dump, "chunk %" PRIu64 " leaves out pages (0x%08x) but is %" PRIu64 " bytes: a filtered dump has chunks of whole pages, at most %u",
				i, dump->chunks[i].skip, len, TSB_SKIP_PAGES);
	if (start > dump->s.size - h->data_offset ||
	    len > dump->s.size - h->data_offset - start)
		return dump_err(dump, "OK chunk %" PRIu64 " at dump offset 0x%" PRIx64 " (+0x%" PRIx64 ") is beyond the slot (size 0x%" PRIx64 ")",
				i, h->data_offset + start, len, dump->s.size);
	return 0;
}

static int read_chunks(struct tsb_dump *dump)
{
	uint64_t n = dump->h.nchunks;
	int err;

	dump->chunks = calloc(n ? n : 1, sizeof(*dump->chunks));
	if (!dump->chunks)
		return tsb_error(dump->disk, TSB_E_FORMAT, "out of memory");
	err = read_in_dump(dump, dump->chunks, n * sizeof(*dump->chunks),
			   TSB_OFF_CHUNKS, "the chunk table");
	for (uint64_t i = 0; !err && i < n; i++)
		err = check_chunk(dump, i);
	return err;
}

int tsb_dump_open(struct tsb_disk *d, unsigned int slot, struct tsb_dump *dump)
{
	int err;

	memset(dump, 0, sizeof(*dump));
	dump->disk = d;
	dump->slot = slot;
	dump->kernel_region = -1;
	dump->zchunk = UINT64_MAX;
	if (slot >= d->hdr.nslots || d->hdr.slot[slot].state == TSB_DUMP_EMPTY)
		return tsb_error(d, TSB_E_FORMAT, "%s: slot %u is empty", d->name,
				 slot);
	dump->s = d->hdr.slot[slot];
	err = read_header(dump);
	if (!err)
		err = read_cpus(dump);
	if (!err)
		err = read_in_dump(dump, dump->vmcoreinfo, dump->h.vmcoreinfo_size,
				   TSB_OFF_VMCOREINFO, "VMCOREINFO");
	if (!err)
		err = read_regions(dump);
	if (!err)
		err = read_chunks(dump);
	if (err)
		tsb_dump_close(dump);
	return err;
}

void tsb_dump_close(struct tsb_dump *dump)
{
	free(dump->chunks);
	free(dump->zdata);
	free(dump->zblock);
	dump->chunks = NULL;
	dump->zdata = dump->zblock = NULL;
	dump->zchunk = UINT64_MAX;
}

/* ---- chunks ---- */

uint64_t tsb_chunk_paddr(const struct tsb_dump *dump, uint64_t i)
{
	return dump->h.ram_base + i * dump->h.chunk_size;
}

uint64_t tsb_chunk_len(const struct tsb_dump *dump, uint64_t i)
{
	uint64_t left = dump->h.ram_size - i * dump->h.chunk_size;

	return left < dump->h.chunk_size ? left : dump->h.chunk_size;
}

void tsb_chunk_count(const struct tsb_dump *dump, struct tsb_chunk_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (uint64_t i = 0; i < dump->h.nchunks; i++) {
		const struct tsb_chunk *k = &dump->chunks[i];
		uint64_t len = tsb_chunk_len(dump, i), on_disk = len;

		c->n[k->state]++;
		if (k->state != TSB_CHUNK_OK)
			continue;
		c->ok_bytes += len;
		for (uint64_t off = 0; k->skip && off < len; off += TSB_PAGE) {
			unsigned int code = tsb_skip_code(k->skip, (unsigned int)(off / TSB_PAGE));

			c->skipped[code] += TSB_PAGE;
			if (code != TSB_SKIP_NONE && tsb_chunk_skip(dump->h.filter, k))
				on_disk -= TSB_PAGE;
		}
		if (k->zlen) {
			c->compressed++;
			on_disk = tsb_zlen_stored(k->zlen);
		}
		c->stored_bytes += on_disk;
	}
}

/* Where chunk @i's data (or its compressed block) starts in the file. */
static uint64_t chunk_at(const struct tsb_dump *dump, uint64_t i)
{
	return dump->s.offset + dump->h.data_offset + i * dump->h.chunk_size;
}

/*
 * Bring compressed chunk @i into dump->zdata: read its block, decode it to
 * exactly the chunk's length. The last chunk decoded stays there, as does
 * the verdict on a block that did not decode.
 */
static int chunk_decode(struct tsb_dump *dump, uint64_t i)
{
	const struct tsb_chunk *c = &dump->chunks[i];
	uint64_t len = tsb_chunk_len(dump, i);
	int err;

	if (dump->zchunk != i) {
		if (!dump->zdata) {
			dump->zdata = malloc(TSB_ZCHUNK_MAX);
			dump->zblock = malloc(TSB_ZLEN_MAX);
			if (!dump->zdata || !dump->zblock) {
				free(dump->zdata);
				free(dump->zblock);
				dump->zdata = dump->zblock = NULL;
				return tsb_error(dump->disk, TSB_E_FORMAT, "out of memory");
			}
		}
		dump->zchunk = UINT64_MAX;
		/* tsb_dump_open(): zlen <= TSB_ZLEN_MAX, len <= TSB_ZCHUNK_MAX */
		err = read_at(dump->disk, dump->zblock, c->zlen, chunk_at(dump, i),
			      "a compressed chunk");
		if (err)
			return err;
		dump->zbad = tsb_lz4_decode(dump->zblock, c->zlen, dump->zdata, (size_t)len) != 0;
		dump->zchunk = i;
	}
	if (dump->zbad)
		return tsb_error(dump->disk, TSB_E_DATA,
				 "chunk %" PRIu64 " (paddr 0x%" PRIx64 "): its compressed block (%u bytes) does not decode to the chunk's %" PRIu64 " bytes",
				 i, tsb_chunk_paddr(dump, i), c->zlen, len);
	return 0;
}

int tsb_chunk_read(struct tsb_dump *dump, uint64_t i, uint64_t off, void *buf,
		   size_t len)
{
	uint64_t clen;
	int err;

	if (i >= dump->h.nchunks || dump->chunks[i].state != TSB_CHUNK_OK)
		return tsb_error(dump->disk, TSB_E_FORMAT,
				 "%s: chunk %" PRIu64 " is not on disk", dump->disk->name, i);
	clen = tsb_chunk_len(dump, i);
	if (off > clen || len > clen - off)
		return tsb_error(dump->disk, TSB_E_FORMAT,
				 "%s: read beyond chunk %" PRIu64, dump->disk->name, i);
	if (dump->chunks[i].zlen) {
		err = chunk_decode(dump, i);
		if (err == TSB_E_DATA)
			memset(buf, 0, len);	/* nothing of it is known */
		if (err)
			return err;
		memcpy(buf, dump->zdata + off, len);
	} else {
		err = read_at(dump->disk, buf, len, chunk_at(dump, i) + off, "chunk data");
	}
	/* What a filtered dump left out reads as zeros, whatever the disk holds there. */
	for (uint64_t pos = off; !err && tsb_chunk_skip(dump->h.filter, &dump->chunks[i]) &&
	     pos < off + len; ) {
		uint64_t next = (pos / TSB_PAGE + 1) * TSB_PAGE;

		if (next > off + len)
			next = off + len;
		if (tsb_chunk_skipped(dump, i, pos))
			memset((char *)buf + (pos - off), 0, next - pos);
		pos = next;
	}
	return err;
}

bool tsb_chunk_skipped(const struct tsb_dump *dump, uint64_t i, uint64_t off)
{
	return i < dump->h.nchunks &&
	       tsb_skip_code(tsb_chunk_skip(dump->h.filter, &dump->chunks[i]),
			     (unsigned int)(off / TSB_PAGE)) != TSB_SKIP_NONE;
}

int tsb_chunk_verify(struct tsb_dump *dump, uint64_t i, void *buf, size_t bufsz)
{
	uint64_t len = tsb_chunk_len(dump, i);
	uint64_t h = tsb_sum64_start(0, len);
	int err;

	for (uint64_t done = 0; done < len; ) {
		size_t n = len - done < bufsz ? (size_t)(len - done) : bufsz;

		err = tsb_chunk_read(dump, i, done, buf, n);
		if (err)
			return err;
		h = tsb_sum64_update(h, buf, n);
		done += n;
	}
	if (h != dump->chunks[i].checksum)
		return tsb_error(dump->disk, TSB_E_DATA,
				 "chunk %" PRIu64 " (paddr 0x%" PRIx64 "): checksum mismatch (data 0x%016" PRIx64 ", table 0x%016" PRIx64 ")",
				 i, tsb_chunk_paddr(dump, i), h, dump->chunks[i].checksum);
	return 0;
}

bool tsb_chunk_run(const struct tsb_dump *dump, uint64_t *pos, bool ok,
		   uint64_t *first, uint64_t *end)
{
	const struct tsb_chunk *c = dump->chunks;
	uint64_t i = *pos, n = dump->h.nchunks, j;

	/* Excluded chunks were never the crashed kernel's: neither on disk nor missing. */
	while (i < n && (ok ? c[i].state != TSB_CHUNK_OK :
			 c[i].state == TSB_CHUNK_OK || c[i].state == TSB_CHUNK_EXCLUDED))
		i++;
	if (i >= n) {
		*pos = n;
		return false;
	}
	for (j = i + 1; j < n && (ok ? c[j].state == TSB_CHUNK_OK :
				 c[j].state == c[i].state); j++)
		;
	*first = i;
	*end = j;
	*pos = j;
	return true;
}

uint64_t tsb_run_bytes(const struct tsb_dump *dump, uint64_t first, uint64_t end)
{
	return tsb_chunk_paddr(dump, end - 1) + tsb_chunk_len(dump, end - 1) -
	       tsb_chunk_paddr(dump, first);
}

uint64_t tsb_print_missing(const struct tsb_dump *dump, FILE *f,
			   const char *prefix)
{
	uint64_t pos = 0, first, end, nruns = 0, nchunks = 0, bytes = 0;

	while (tsb_chunk_run(dump, &pos, false, &first, &end)) {
		uint64_t len = tsb_run_bytes(dump, first, end);

		if (f && nruns < TSB_MAX_MISSING_SHOWN)
			fprintf(f, "%smissing [0x%" PRIx64 ", 0x%" PRIx64 ") (%" PRIu64 " KiB, chunks %" PRIu64 "-%" PRIu64 "): %s\n",
				prefix, tsb_chunk_paddr(dump, first),
				tsb_chunk_paddr(dump, first) + len, len >> 10,
				first, end - 1,
				tsb_chunk_state_name(dump->chunks[first].state));
		nruns++;
		nchunks += end - first;
		bytes += len;
	}
	if (f && nruns > TSB_MAX_MISSING_SHOWN)
		fprintf(f, "%s... and %" PRIu64 " more missing ranges\n", prefix,
			nruns - TSB_MAX_MISSING_SHOWN);
	if (f && nchunks)
		fprintf(f, "%s%" PRIu64 " of %" PRIu64 " chunks (%" PRIu64 " KiB) are not in the dump\n",
			prefix, nchunks, dump->h.nchunks, bytes >> 10);
	return nchunks;
}

int tsb_read_phys(struct tsb_dump *dump, uint64_t paddr, void *buf, size_t len)
{
	const struct tsb_dump_header *h = &dump->h;
	char *p = buf, first_bad[TSB_ERRLEN];
	int bad = 0;

	if (paddr < h->ram_base || len > h->ram_size ||
	    paddr - h->ram_base > h->ram_size - len)
		return tsb_error(dump->disk, TSB_E_FORMAT,
				 "0x%" PRIx64 " (+0x%zx) is outside the dumped RAM",
				 paddr, len);
	while (len) {
		uint64_t rel = paddr - h->ram_base;
		uint64_t i = rel / h->chunk_size, in = rel % h->chunk_size;
		uint64_t n = tsb_chunk_len(dump, i) - in;
		int err;

		if (n > len)
			n = len;
		err = tsb_chunk_read(dump, i, in, p, (size_t)n);
		if (err && err != TSB_E_DATA)
			return err;
		if (err && !bad++)	/* the first bad chunk is the one named */
			memcpy(first_bad, dump->disk->err, sizeof(first_bad));
		p += n;
		paddr += n;
		len -= (size_t)n;
	}
	if (!bad)
		return 0;
	memcpy(dump->disk->err, first_bad, sizeof(first_bad));
	return TSB_E_DATA;
}

const char *tsb_arch_name(uint32_t arch)
{
	return arch == TSB_ARCH_AARCH32 ? "aarch32" : arch == TSB_ARCH_AARCH64 ? "aarch64" : "?";
}

uint64_t tsb_cpu_sp(const struct tsb_dump *dump, const struct tsb_cpu_record *r)
{
	if (dump->h.arch == TSB_ARCH_AARCH32)
		return r->a32.r[13];
	return tsb_vmcore_sp(r->pstate, r->sp_el0, r->sp_el1);
}

uint64_t tsb_cpu_pc(const struct tsb_dump *dump, const struct tsb_cpu_record *r)
{
	return dump->h.arch == TSB_ARCH_AARCH32 ? r->a32.r[15] : r->pc;
}

uint64_t tsb_cpu_pstate(const struct tsb_dump *dump, const struct tsb_cpu_record *r)
{
	return dump->h.arch == TSB_ARCH_AARCH32 ? r->a32.cpsr : r->pstate;
}

const char *tsb_a32_mode_name(uint32_t cpsr)
{
	static const char *const modes[32] = {
		[0x10] = "usr", [0x11] = "fiq", [0x12] = "irq", [0x13] = "svc",
		[0x16] = "mon", [0x17] = "abt", [0x1a] = "hyp", [0x1b] = "und",
		[0x1f] = "sys",
	};
	const char *m = modes[cpsr & 0x1f];

	return m ? m : "?";
}
