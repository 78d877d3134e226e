// SPDX-License-Identifier: BSD-3-Clause
/*
 * memcheck - find userland/memfill's pattern pages in a Tsubaki dump.
 *
 *   gcc -O2 -Wall -Wextra -Werror -Iinclude -o build/tools/memcheck tests/tools/memcheck.c
 *
 *   memcheck DISK_IMAGE DUMP_INDEX NONCE EXPECTED_PAGES [RANGE_BASE RANGE_SIZE]
 *   memcheck --verify DISK_IMAGE DUMP_INDEX
 *
 * DUMP_INDEX is the 0-based slot index in the disk header; NONCE is what
 * memfill printed (0x... or decimal).
 *
 * The first form scans every chunk of the dump whose state is TSB_CHUNK_OK,
 * page by page: a page whose first word is tsb_pattern(NONCE, pfn, 0) for
 * its own frame is "matched" when all 512 words are right and "corrupt"
 * otherwise. It also recomputes each OK chunk's checksum. It prints
 *
 *   memcheck: matched=<M> corrupt=<C> bad_chunks=<B> missing_chunks=<K> expected=<E> skipped_pages=<S>
 *
 * (missing_chunks counts chunks in any state other than OK; skipped_pages the
 * pages of OK chunks a filtered dump left out, read as zeros) -- with a
 * physical range, then also "memcheck: in_range=<R>", the matched pages that
 * lie in [RANGE_BASE, RANGE_BASE + RANGE_SIZE) -- and exits 0 if
 * M == EXPECTED_PAGES, C == 0 and B == 0, else 1. Details of the first few
 * corrupt pages and bad chunks go to stderr.
 *
 * --verify only recomputes the checksums of the OK chunks: it prints
 * "bad <chunk index>" for each mismatch, then
 * "memcheck: ok_chunks=<N> bad_chunks=<B> missing_chunks=<K>", and exits 0
 * if B == 0, else 1.
 *
 * --elf scans an ELF vmcore instead (a saved /dev/tsubaki/vmcore, or
 * tsubaki-dump export's: ELF64 arm64 or ELF32 32-bit ARM), every PT_LOAD by
 * its physical address -- but one
 * that lies within another (the kernel image segment, a copy of RAM) -- and
 * prints the same line. With META (the dump.meta tsubaki-save keeps: the
 * collector's metadata with the chunk checksums) it also recomputes the
 * checksum of each chunk the metadata says is in the dump from the file's
 * bytes: bad_chunks counts mismatches, missing_chunks chunks not in the file.
 *
 * A compressed chunk (version 4, tsb_chunk.zlen) is read as its LZ4 block
 * and decoded (tsb_lz4_decode(), include/tsubaki/lz4.h) before the checks; a
 * block that does not decode to exactly the chunk's length is a bad chunk.
 *
 * Malformed input (bad magic, version or header checksum, a field out of
 * the format's limits, an offset beyond the slot or the file, a truncated
 * file...) exits 2 with a message on stderr, as do usage and I/O errors.
 * The file is read one piece at a time: memory use does not depend on it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "tsubaki/dump_format.h"
#include "tsubaki/lz4.h"
#include "pattern.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "memcheck reads the little-endian dump format in place"
#endif

#ifndef MEMCHECK_BUF
#define MEMCHECK_BUF	(1UL << 20)	/* bytes read at a time: whole pages */
#endif
_Static_assert(MEMCHECK_BUF % TSB_PATTERN_PAGE == 0, "buffer of whole pages");

#define MAX_DETAILS	10	/* corrupt pages / bad chunks shown on stderr */
#define ZCHUNK_MAX	(TSB_SKIP_PAGES * TSB_PAGE)	/* a compressed dump's chunks */

struct dump {
	const char *path;
	int fd;
	uint64_t file_size;
	struct tsb_disk_header disk;
	struct tsb_disk_slot slot;
	struct tsb_dump_header hdr;
	struct tsb_chunk *chunks;
};

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("memcheck: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: memcheck DISK_IMAGE DUMP_INDEX NONCE EXPECTED_PAGES [RANGE_BASE RANGE_SIZE]\n"
		"       memcheck --verify DISK_IMAGE DUMP_INDEX\n"
		"       memcheck --elf VMCORE NONCE EXPECTED_PAGES [META]\n");
	exit(2);
}

static uint64_t parse_u64(const char *what, const char *s, int base)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || end == s || *end || *s == '-')
		fail("invalid %s '%s'", what, s);
	return v;
}

/* Read exactly @len bytes at @off; the file ending early is malformed input. */
static void read_at(const struct dump *d, void *buf, size_t len, uint64_t off,
		    const char *what)
{
	size_t got = 0;

	if (off > d->file_size || len > d->file_size - off)
		fail("%s: truncated file: %s needs bytes [%" PRIu64 ", %" PRIu64
		     ") of %" PRIu64, d->path, what, off, off + len, d->file_size);
	while (got < len) {
		ssize_t r = pread(d->fd, (char *)buf + got, len - got,
				  (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("%s: reading %s: %s", d->path, what, strerror(errno));
		if (r == 0)
			fail("%s: truncated file: end of file inside %s", d->path, what);
		got += r;
	}
}

/* tsb_sum64(0, buf, len), fed one piece at a time (whole words). */
static uint64_t sum64_start(uint64_t len)
{
	return 0x9e3779b97f4a7c15ULL ^ len;
}

static uint64_t sum64_update(uint64_t h, const uint64_t *p, size_t nwords)
{
	while (nwords--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

/* Why copy @h of the disk header cannot be used, or NULL. */
static const char *disk_header_bad(const struct tsb_disk_header *h, uint64_t file_size)
{
	if (h->magic != TSB_DISK_MAGIC)
		return "bad disk magic";
	if (!tsb_disk_header_len(h->version))
		return "unsupported disk format version";
	if (tsb_disk_header_sum(h) != h->checksum)
		return "disk header checksum does not match its contents";
	if (h->nslots > TSB_MAX_DUMPS)
		return "nslots > 16";
	if (h->disk_size < TSB_BLOCK)
		return "disk_size is smaller than the header";
	if (h->disk_size > file_size)
		return "truncated file: disk_size > file size";
	return NULL;
}

static void open_disk(struct dump *d, const char *path)
{
	struct tsb_disk_header *h = &d->disk, c1;
	const char *why0, *why1;
	off_t end;

	d->path = path;
	d->fd = open(path, O_RDONLY);
	if (d->fd < 0)
		fail("%s: %s", path, strerror(errno));
	end = lseek(d->fd, 0, SEEK_END);
	if (end < 0)
		fail("%s: %s", path, strerror(errno));
	d->file_size = end;
	if (d->file_size < TSB_BLOCK)
		fail("%s: truncated file: %" PRIu64 " bytes, smaller than the disk header block",
		     path, d->file_size);
	/* Two copies (version 2 on): the good one, of two the newer. */
	read_at(d, h, sizeof(*h), 0, "the disk header");
	if (h->version == 1)
		h->generation = 0;
	why0 = disk_header_bad(h, d->file_size);
	if (d->file_size >= 2 * TSB_BLOCK) {
		read_at(d, &c1, sizeof(c1), TSB_BLOCK, "the disk header's copy 1");
		why1 = c1.version == 1 ? "version 1" : disk_header_bad(&c1, d->file_size);
		if (!why1 && (why0 || c1.generation > h->generation)) {
			*h = c1;
			why0 = NULL;
		}
	}
	if (why0)
		fail("%s: %s (0x%016" PRIx64 ", version %u)", path, why0, h->magic, h->version);
}

static void open_dump(struct dump *d, uint64_t index)
{
	const struct tsb_disk_slot *s;
	struct tsb_dump_header *h = &d->hdr;
	uint64_t meta_end, want;

	if (index >= d->disk.nslots)
		fail("%s: dump index %" PRIu64 " out of range (nslots %u)",
		     d->path, index, d->disk.nslots);
	s = &d->disk.slot[index];
	d->slot = *s;
	if (s->state == TSB_DUMP_EMPTY)
		fail("%s: slot %" PRIu64 " is empty", d->path, index);
	if (s->state > TSB_DUMP_PARTIAL)
		fail("%s: slot %" PRIu64 ": unknown state %u", d->path, index, s->state);
	if (s->offset < TSB_BLOCK || s->offset % TSB_DUMP_ALIGN)
		fail("%s: slot %" PRIu64 ": offset 0x%" PRIx64 " not a non-zero multiple of 1 MiB",
		     d->path, index, s->offset);
	if (s->size < TSB_OFF_CHUNKS || s->offset > d->disk.disk_size ||
	    s->size > d->disk.disk_size - s->offset)
		fail("%s: slot %" PRIu64 ": [0x%" PRIx64 ", +0x%" PRIx64 ") does not fit the disk (size 0x%" PRIx64 ")",
		     d->path, index, s->offset, s->size, d->disk.disk_size);

	read_at(d, h, sizeof(*h), s->offset + TSB_OFF_HEADER, "the dump header");
	if (h->magic != TSB_DUMP_MAGIC)
		fail("%s: slot %" PRIu64 ": bad dump magic 0x%016" PRIx64 " (want 0x%016llx)",
		     d->path, index, h->magic, TSB_DUMP_MAGIC);
	if (!tsb_dump_header_len(h->version))
		fail("%s: slot %" PRIu64 ": unsupported dump version %u",
		     d->path, index, h->version);
	if (tsb_dump_header_sum(h) != h->checksum)
		fail("%s: slot %" PRIu64 ": dump header checksum 0x%016" PRIx64 " does not match its contents (0x%016" PRIx64 ")",
		     d->path, index, h->checksum, tsb_dump_header_sum(h));
	if (h->dump_id != s->dump_id)
		fail("%s: slot %" PRIu64 ": dump_id %" PRIu64 " != the slot's %" PRIu64,
		     d->path, index, h->dump_id, s->dump_id);
	if (h->state == TSB_DUMP_EMPTY || h->state > TSB_DUMP_PARTIAL)
		fail("%s: slot %" PRIu64 ": bad dump state %u", d->path, index, h->state);
	if (h->ncpus > TSB_MAX_CPUS)
		fail("%s: slot %" PRIu64 ": ncpus %u > %u", d->path, index,
		     h->ncpus, TSB_MAX_CPUS);
	if (h->vmcoreinfo_size > TSB_VMCOREINFO_MAX)
		fail("%s: slot %" PRIu64 ": vmcoreinfo_size %u > %u", d->path,
		     index, h->vmcoreinfo_size, TSB_VMCOREINFO_MAX);
	if (h->nregions > TSB_MAX_REGIONS)
		fail("%s: slot %" PRIu64 ": nregions %u > %u", d->path, index,
		     h->nregions, TSB_MAX_REGIONS);
	if (!h->chunk_size || h->chunk_size % TSB_BLOCK)
		fail("%s: slot %" PRIu64 ": chunk_size %" PRIu64 " not a non-zero multiple of 4096",
		     d->path, index, h->chunk_size);
	if (h->ram_base % TSB_BLOCK || h->ram_size % TSB_BLOCK ||
	    h->ram_base + h->ram_size < h->ram_base)
		fail("%s: slot %" PRIu64 ": bad RAM range base 0x%" PRIx64 " size 0x%" PRIx64,
		     d->path, index, h->ram_base, h->ram_size);
	if (h->window > h->ram_size)
		fail("%s: slot %" PRIu64 ": window 0x%" PRIx64 " > ram_size 0x%" PRIx64,
		     d->path, index, h->window, h->ram_size);
	if (h->nchunks > TSB_MAX_CHUNKS)
		fail("%s: slot %" PRIu64 ": nchunks %" PRIu64 " > %llu", d->path,
		     index, h->nchunks, (unsigned long long)TSB_MAX_CHUNKS);
	want = h->ram_size / h->chunk_size + !!(h->ram_size % h->chunk_size);
	if (h->nchunks != want)
		fail("%s: slot %" PRIu64 ": nchunks %" PRIu64 " but ram_size/chunk_size needs %" PRIu64,
		     d->path, index, h->nchunks, want);
	meta_end = TSB_OFF_CHUNKS + h->nchunks * sizeof(struct tsb_chunk);
	if (h->data_offset < meta_end || h->data_offset % 8 ||
	    h->data_offset > s->size)
		fail("%s: slot %" PRIu64 ": data_offset 0x%" PRIx64 " outside [0x%" PRIx64 ", slot size 0x%" PRIx64 "] or unaligned",
		     d->path, index, h->data_offset, meta_end, s->size);
	if (h->version == 1)
		h->compress = 0;	/* not part of a version 1 header */
	if (h->version < 4 && h->compress)
		fail("%s: slot %" PRIu64 ": compress %u in a version %u dump", d->path, index,
		     h->compress, h->version);
	if (h->compress > TSB_COMPRESS_LZ4)
		fail("%s: slot %" PRIu64 ": unknown compression %u", d->path, index, h->compress);
	if (h->compress && h->chunk_size > ZCHUNK_MAX)
		fail("%s: slot %" PRIu64 ": chunk_size %" PRIu64 " with lz4 compression (at most %llu)",
		     d->path, index, h->chunk_size, (unsigned long long)ZCHUNK_MAX);

	d->chunks = calloc(h->nchunks ? h->nchunks : 1, sizeof(*d->chunks));
	if (!d->chunks)
		fail("out of memory");
	read_at(d, d->chunks, h->nchunks * sizeof(*d->chunks),
		s->offset + TSB_OFF_CHUNKS, "the chunk table");

	/* Every OK chunk must lie inside the slot (and so inside the file). */
	for (uint64_t i = 0; i < h->nchunks; i++) {
		uint64_t start = h->data_offset + i * h->chunk_size;
		uint64_t len = h->ram_size - i * h->chunk_size;
		uint32_t zlen = d->chunks[i].zlen;

		/* before version 4, zlen was the upper half of a 32-bit state */
		if (d->chunks[i].state > TSB_CHUNK_EXCLUDED || (zlen && h->version < 4))
			fail("%s: slot %" PRIu64 ": chunk %" PRIu64 ": unknown state 0x%x",
			     d->path, index, i, zlen << 16 | d->chunks[i].state);
		if (zlen && d->chunks[i].state != TSB_CHUNK_OK)
			fail("%s: slot %" PRIu64 ": chunk %" PRIu64 " is not on disk but has a zlen (%u)",
			     d->path, index, i, zlen);
		if (d->chunks[i].state != TSB_CHUNK_OK)
			continue;
		if (len > h->chunk_size)
			len = h->chunk_size;
		if (zlen && !h->compress)
			fail("%s: slot %" PRIu64 ": chunk %" PRIu64 " has a zlen (%u) but the dump is not compressed",
			     d->path, index, i, zlen);
		if (zlen > TSB_ZLEN_MAX || zlen >= len)
			fail("%s: slot %" PRIu64 ": chunk %" PRIu64 ": zlen %u, not below its %" PRIu64 " bytes and at most %llu",
			     d->path, index, i, zlen, len, (unsigned long long)TSB_ZLEN_MAX);
		/* i * chunk_size < ram_size, and data_offset <= slot size */
		if (start < h->data_offset || start > s->size || len > s->size - start)
			fail("%s: slot %" PRIu64 ": OK chunk %" PRIu64 " at dump offset 0x%" PRIx64 " (+0x%" PRIx64 ") is beyond the slot (size 0x%" PRIx64 ")",
			     d->path, index, i, start, len, s->size);
	}
}

/*
 * Decode compressed chunk @i (@len bytes) into @data with @block as scratch:
 * false if its block does not decode.
 */
static bool chunk_decode(const struct dump *d, uint64_t i, uint64_t len, uint8_t *block,
			 uint8_t *data)
{
	uint32_t zlen = d->chunks[i].zlen;

	read_at(d, block, zlen, d->slot.offset + d->hdr.data_offset + i * d->hdr.chunk_size,
		"a compressed chunk");
	return !tsb_lz4_decode(block, zlen, data, len);
}

struct counts {
	uint64_t matched, corrupt, bad, missing, ok, skipped;
	uint64_t range_base, range_end, in_range;
};

/*
 * One page at physical frame @pfn: matched if it is all pattern, corrupt if
 * only its first word is.
 */
static void check_page(const uint64_t *w, uint64_t nonce, uint64_t pfn,
		       struct counts *c)
{
	if (w[0] != tsb_pattern(nonce, pfn, 0))
		return;
	for (unsigned int i = 1; i < TSB_PATTERN_WORDS; i++) {
		if (w[i] != tsb_pattern(nonce, pfn, i)) {
			if (c->corrupt++ < MAX_DETAILS)
				fprintf(stderr,
					"memcheck: corrupt page at pfn 0x%" PRIx64 ": word %u is 0x%016" PRIx64 ", want 0x%016" PRIx64 "\n",
					pfn, i, w[i], tsb_pattern(nonce, pfn, i));
			return;
		}
	}
	c->matched++;
	if (pfn * TSB_PATTERN_PAGE >= c->range_base && pfn * TSB_PATTERN_PAGE < c->range_end)
		c->in_range++;
}

static void scan(struct dump *d, bool verify_only, uint64_t nonce,
		 struct counts *c)
{
	const struct tsb_dump_header *h = &d->hdr;
	uint64_t *buf = malloc(MEMCHECK_BUF);
	uint8_t *zblock = malloc(TSB_ZLEN_MAX), *zdata = malloc(ZCHUNK_MAX);

	if (!buf || !zblock || !zdata)
		fail("out of memory");
	posix_fadvise(d->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (uint64_t i = 0; i < h->nchunks; i++) {
		uint64_t base = h->ram_base + i * h->chunk_size;
		uint64_t off = d->slot.offset + h->data_offset + i * h->chunk_size;
		uint64_t len = h->ram_size - i * h->chunk_size;
		uint64_t sum, done;

		if (d->chunks[i].state != TSB_CHUNK_OK) {
			c->missing++;
			continue;
		}
		c->ok++;
		if (len > h->chunk_size)
			len = h->chunk_size;
		if (d->chunks[i].zlen && !chunk_decode(d, i, len, zblock, zdata)) {
			if (verify_only)
				printf("bad %" PRIu64 "\n", i);
			else if (c->bad < MAX_DETAILS)
				fprintf(stderr,
					"memcheck: chunk %" PRIu64 " (phys 0x%" PRIx64 "): its compressed block (%u bytes) does not decode\n",
					i, base, d->chunks[i].zlen);
			c->bad++;
			continue;
		}
		sum = sum64_start(len);
		for (done = 0; done < len; ) {
			size_t n = len - done > MEMCHECK_BUF ? MEMCHECK_BUF : len - done;

			if (d->chunks[i].zlen)
				memcpy(buf, zdata + done, n);
			else
				read_at(d, buf, n, off + done, "chunk data");
			/* version 3: pages a filtered dump left out are zeros */
			for (uint64_t pg = done / 4096; h->version >= 3 &&
			     tsb_chunk_skip(h->filter, &d->chunks[i]) &&
			     pg < (done + n) / 4096; pg++)
				if (tsb_skip_code(tsb_chunk_skip(h->filter, &d->chunks[i]),
						  (unsigned int)pg)) {
					memset((char *)buf + (pg * 4096 - done), 0, 4096);
					c->skipped++;
				}
			sum = sum64_update(sum, buf, n / 8);
			if (!verify_only)
				for (size_t p = 0; p < n / TSB_PATTERN_PAGE; p++)
					check_page(buf + p * TSB_PATTERN_WORDS, nonce,
						   (base + done) / TSB_PATTERN_PAGE + p, c);
			done += n;
		}
		if (sum != d->chunks[i].checksum) {
			if (verify_only)
				printf("bad %" PRIu64 "\n", i);
			else if (c->bad < MAX_DETAILS)
				fprintf(stderr,
					"memcheck: chunk %" PRIu64 " (phys 0x%" PRIx64 "): checksum 0x%016" PRIx64 ", table says 0x%016" PRIx64 "\n",
					i, base, sum, d->chunks[i].checksum);
			c->bad++;
		}
	}
	free(zdata);
	free(zblock);
	free(buf);
}

/* ---- an ELF vmcore ---- */

#include <elf.h>

struct elf {
	struct dump f;		/* path, fd, file_size */
	unsigned int n;
	Elf64_Phdr *load;
	bool *dup;
};

/*
 * The ELF header of a core file, ELF64 or ELF32 (a 32-bit ARM vmcore),
 * widened to ELF64's: 0, or -1 if it is neither.
 */
static int elf_header(struct elf *e, Elf64_Ehdr *eh, bool *is32)
{
	Elf32_Ehdr h;

	read_at(&e->f, &h, sizeof(h), 0, "the ELF header");
	if (memcmp(h.e_ident, ELFMAG, SELFMAG))
		return -1;
	*is32 = h.e_ident[EI_CLASS] == ELFCLASS32;
	if (*is32) {
		if (h.e_type != ET_CORE || h.e_phentsize != sizeof(Elf32_Phdr))
			return -1;
		eh->e_phoff = h.e_phoff;
		eh->e_phnum = h.e_phnum;
		return 0;
	}
	read_at(&e->f, eh, sizeof(*eh), 0, "the ELF header");
	return eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_CORE ||
	       eh->e_phentsize != sizeof(Elf64_Phdr) ? -1 : 0;
}

static void elf_phdr(struct elf *e, bool is32, uint64_t phoff, unsigned int i, Elf64_Phdr *ph)
{
	Elf32_Phdr p;

	if (!is32) {
		read_at(&e->f, ph, sizeof(*ph), phoff + i * sizeof(*ph), "a program header");
		return;
	}
	read_at(&e->f, &p, sizeof(p), phoff + i * sizeof(p), "a program header");
	ph->p_type = p.p_type;
	ph->p_offset = p.p_offset;
	ph->p_vaddr = p.p_vaddr;
	ph->p_paddr = p.p_paddr;
	ph->p_filesz = p.p_filesz;
	ph->p_memsz = p.p_memsz;
}

static void open_elf(struct elf *e, const char *path)
{
	Elf64_Ehdr eh;
	struct stat st;
	bool is32;

	e->f.path = path;
	e->f.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (e->f.fd < 0 || fstat(e->f.fd, &st))
		fail("%s: %s", path, strerror(errno));
	e->f.file_size = (uint64_t)st.st_size;
	if (elf_header(e, &eh, &is32))
		fail("%s: not an ELF64 or ELF32 core file", path);
	e->load = calloc(eh.e_phnum ? eh.e_phnum : 1, sizeof(*e->load));
	e->dup = calloc(eh.e_phnum ? eh.e_phnum : 1, sizeof(*e->dup));
	if (!e->load || !e->dup)
		fail("out of memory");
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		elf_phdr(e, is32, eh.e_phoff, i, &ph);
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset % TSB_PATTERN_PAGE || ph.p_paddr % TSB_PATTERN_PAGE ||
		    ph.p_filesz % TSB_PATTERN_PAGE || ph.p_offset > e->f.file_size ||
		    ph.p_filesz > e->f.file_size - ph.p_offset)
			fail("%s: PT_LOAD %u is not whole pages inside the file", path, i);
		e->load[e->n++] = ph;
	}
	for (unsigned int i = 0; i < e->n; i++)
		for (unsigned int j = 0; j < e->n; j++)
			if (j != i && !e->dup[j] && e->load[j].p_paddr <= e->load[i].p_paddr &&
			    e->load[i].p_paddr + e->load[i].p_filesz <=
			    e->load[j].p_paddr + e->load[j].p_filesz)
				e->dup[i] = true;
}

/*
 * Read RAM [pa, pa + len) from the (non-copy) segments that hold it -- one,
 * or several in a row (a 32-bit ARM vmcore splits RAM where lowmem starts
 * and ends): false if some of it is in none.
 */
static bool elf_read(struct elf *e, uint64_t pa, void *buf, uint64_t len)
{
	while (len) {
		const Elf64_Phdr *p = NULL;
		uint64_t n;

		for (unsigned int i = 0; i < e->n && !p; i++)
			if (!e->dup[i] && pa >= e->load[i].p_paddr &&
			    pa - e->load[i].p_paddr < e->load[i].p_filesz)
				p = &e->load[i];
		if (!p)
			return false;
		n = p->p_filesz - (pa - p->p_paddr);
		if (n > len)
			n = len;
		read_at(&e->f, buf, n, p->p_offset + (pa - p->p_paddr), "chunk data");
		buf = (char *)buf + n;
		pa += n;
		len -= n;
	}
	return true;
}

static void elf_scan(struct elf *e, uint64_t nonce, struct counts *c)
{
	uint64_t *buf = malloc(MEMCHECK_BUF);

	if (!buf)
		fail("out of memory");
	for (unsigned int i = 0; i < e->n; i++) {
		const Elf64_Phdr *p = &e->load[i];

		for (uint64_t done = 0; !e->dup[i] && done < p->p_filesz; ) {
			size_t n = p->p_filesz - done > MEMCHECK_BUF ? MEMCHECK_BUF :
				   p->p_filesz - done;

			read_at(&e->f, buf, n, p->p_offset + done, "segment data");
			for (size_t k = 0; k < n / TSB_PATTERN_PAGE; k++)
				check_page(buf + k * TSB_PATTERN_WORDS, nonce,
					   (p->p_paddr + done) / TSB_PATTERN_PAGE + k, c);
			done += n;
		}
	}
	free(buf);
}

/* The chunks the metadata has, checked against the file's bytes. */
static void elf_check_meta(struct elf *e, const char *meta, struct counts *c)
{
	struct dump m = { .path = meta };
	struct stat st;
	uint64_t *buf = malloc(MEMCHECK_BUF);

	m.fd = open(meta, O_RDONLY | O_CLOEXEC);
	if (!buf || m.fd < 0 || fstat(m.fd, &st))
		fail("%s: %s", meta, buf ? strerror(errno) : "out of memory");
	m.file_size = (uint64_t)st.st_size;
	read_at(&m, &m.hdr, sizeof(m.hdr), TSB_OFF_HEADER, "the dump header");
	if (m.hdr.magic != TSB_DUMP_MAGIC || m.hdr.checksum != tsb_dump_header_sum(&m.hdr) ||
	    m.hdr.nchunks > TSB_MAX_CHUNKS || !m.hdr.chunk_size ||
	    m.hdr.chunk_size % TSB_PATTERN_PAGE || m.hdr.chunk_size > MEMCHECK_BUF)
		fail("%s: not a valid dump header", meta);
	m.chunks = calloc(m.hdr.nchunks ? m.hdr.nchunks : 1, sizeof(*m.chunks));
	if (!m.chunks)
		fail("out of memory");
	read_at(&m, m.chunks, m.hdr.nchunks * sizeof(*m.chunks), TSB_OFF_CHUNKS, "the chunk table");
	for (uint64_t i = 0; i < m.hdr.nchunks; i++) {
		uint64_t base = m.hdr.ram_base + i * m.hdr.chunk_size;
		uint64_t len = m.hdr.ram_size - i * m.hdr.chunk_size;

		if (len > m.hdr.chunk_size)
			len = m.hdr.chunk_size;
		if (m.chunks[i].state != TSB_CHUNK_OK)
			continue;
		if (!elf_read(e, base, buf, len)) {
			c->missing++;
			continue;
		}
		c->ok++;
		if (sum64_update(sum64_start(len), buf, len / 8) != m.chunks[i].checksum) {
			if (c->bad++ < MAX_DETAILS)
				fprintf(stderr, "memcheck: chunk %" PRIu64 " (phys 0x%" PRIx64
					"): checksum mismatch\n", i, base);
		}
	}
	free(m.chunks);
	free(buf);
	close(m.fd);
}

static int elf_main(int argc, char **argv)
{
	struct elf e = { 0 };
	struct counts c = { 0 };
	uint64_t nonce, expected;

	if (argc != 5 && argc != 6)
		usage();
	nonce = parse_u64("NONCE", argv[3], 0);
	expected = parse_u64("EXPECTED_PAGES", argv[4], 10);
	open_elf(&e, argv[2]);
	elf_scan(&e, nonce, &c);
	if (argc == 6)
		elf_check_meta(&e, argv[5], &c);
	printf("memcheck: matched=%" PRIu64 " corrupt=%" PRIu64 " bad_chunks=%" PRIu64
	       " missing_chunks=%" PRIu64 " expected=%" PRIu64 "\n",
	       c.matched, c.corrupt, c.bad, c.missing, expected);
	if (argc == 6)
		printf("memcheck: checked_chunks=%" PRIu64 "\n", c.ok);
	return c.matched == expected && !c.corrupt && !c.bad && !c.missing ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct dump d = { 0 };
	struct counts c = { 0 };
	uint64_t nonce = 0, expected = 0;
	bool verify_only;

	if (argc >= 2 && !strcmp(argv[1], "--elf"))
		return elf_main(argc, argv);
	if (argc == 4 && !strcmp(argv[1], "--verify")) {
		verify_only = true;
		argv++;
	} else if ((argc == 5 || argc == 7) && argv[1][0] != '-') {
		verify_only = false;
		nonce = parse_u64("NONCE", argv[3], 0);
		expected = parse_u64("EXPECTED_PAGES", argv[4], 10);
		if (argc == 7) {
			c.range_base = parse_u64("RANGE_BASE", argv[5], 0);
			c.range_end = c.range_base + parse_u64("RANGE_SIZE", argv[6], 0);
		}
	} else {
		usage();
	}

	open_disk(&d, argv[1]);
	open_dump(&d, parse_u64("DUMP_INDEX", argv[2], 10));
	scan(&d, verify_only, nonce, &c);
	free(d.chunks);
	close(d.fd);

	if (verify_only) {
		printf("memcheck: ok_chunks=%" PRIu64 " bad_chunks=%" PRIu64 " missing_chunks=%" PRIu64 "\n",
		       c.ok, c.bad, c.missing);
		return c.bad ? 1 : 0;
	}
	printf("memcheck: matched=%" PRIu64 " corrupt=%" PRIu64 " bad_chunks=%" PRIu64 " missing_chunks=%" PRIu64 " expected=%" PRIu64 " skipped_pages=%" PRIu64 "\n",
	       c.matched, c.corrupt, c.bad, c.missing, expected, c.skipped);
	if (argc == 7)
		printf("memcheck: in_range=%" PRIu64 "\n", c.in_range);
	return c.matched == expected && !c.corrupt && !c.bad ? 0 : 1;
}
