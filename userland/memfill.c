// SPDX-License-Identifier: GPL-2.0
/*
 * Fill locked memory with a pattern tied to its physical frames, then wait.
 *
 *   memfill MIB
 *
 * Maps MIB MiB of anonymous memory, locks it, picks a random 64-bit nonce
 * and writes word i of every 4 KiB page as tsb_pattern(nonce, pfn, i)
 * (tests/tools/pattern.h), pfn being the page's physical frame number read
 * from /proc/self/pagemap (root is needed to see PFNs). After checking that
 * no page moved, it prints exactly one line
 *
 *   MEMFILL mib=<MIB> pages=<N> nonce=0x<16 hex digits>
 *
 * and pauses forever, holding the memory while the test crashes the kernel;
 * tests/tools/memcheck then looks for the pages in the dump.
 *
 * To keep the frames where they are, transparent huge pages are disabled for
 * the mapping and /proc/sys/vm/compact_unevictable_allowed is set to 0 (so
 * compaction leaves mlocked pages alone) when it exists.
 *
 * Any error is reported on stderr as "memfill: ..." and exits with status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "../tests/tools/pattern.h"

#define PAGEMAP_PRESENT		(1ULL << 63)
#define PAGEMAP_PFN_MASK	((1ULL << 55) - 1)
#define PAGEMAP_BATCH		512	/* entries per pread() */
#define MEMFILL_MAX_MIB		(1UL << 20)	/* 1 TiB: a sanity limit */

/* Overridable for host tests, e.g. -DMEMFILL_SYSCTL='"/nonexistent"'. */
#ifndef MEMFILL_SYSCTL
#define MEMFILL_SYSCTL "/proc/sys/vm/compact_unevictable_allowed"
#endif

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("memfill: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: memfill MIB\n");
	exit(1);
}

static unsigned long parse_mib(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v == 0)
		die("invalid size '%s' (a positive number of MiB)", s);
	if (v > MEMFILL_MAX_MIB || v > SIZE_MAX >> 20)
		die("size %llu MiB is too large", v);
	return v;
}

/*
 * Compaction may migrate mlocked pages unless told not to; a moved page would
 * leave its pattern at a frame whose number does not match it. Best effort:
 * the file is absent without CONFIG_COMPACTION.
 */
static void pin_unevictable(void)
{
	const char *path = MEMFILL_SYSCTL;
	int fd = open(path, O_WRONLY);

	if (fd < 0) {
		if (errno != ENOENT)
			fprintf(stderr, "memfill: warning: %s: %s\n", path,
				strerror(errno));
		return;
	}
	if (write(fd, "0\n", 2) != 2)
		fprintf(stderr, "memfill: warning: writing %s: %s\n", path,
			strerror(errno));
	close(fd);
}

static uint64_t random_nonce(void)
{
	uint64_t nonce;
	size_t got = 0;

	while (got < sizeof(nonce)) {
		ssize_t n = getrandom((char *)&nonce + got, sizeof(nonce) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("getrandom: %s", strerror(errno));
		}
		got += n;
	}
	return nonce;
}

/**
 * read_pfns() - the physical frame of each of @npages pages at @base
 * @fd:     open /proc/self/pagemap
 * @base:   page-aligned start of the (locked) mapping
 * @npages: number of 4 KiB pages
 * @pfn:    out: @npages frame numbers
 *
 * Dies if a page is not present or its PFN reads as 0 (PFNs hidden).
 */
static void read_pfns(int fd, const void *base, size_t npages, uint64_t *pfn)
{
	uint64_t ent[PAGEMAP_BATCH];
	uintptr_t vpn = (uintptr_t)base / TSB_PATTERN_PAGE;
	size_t done = 0;

	while (done < npages) {
		size_t n = npages - done;
		size_t want, got = 0;

		if (n > PAGEMAP_BATCH)
			n = PAGEMAP_BATCH;
		want = n * sizeof(ent[0]);
		while (got < want) {
			ssize_t r = pread(fd, (char *)ent + got, want - got,
					  (off_t)((vpn + done) * sizeof(ent[0]) + got));

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die("reading /proc/self/pagemap: %s", strerror(errno));
			if (r == 0)
				die("reading /proc/self/pagemap: unexpected end of file");
			got += r;
		}
		for (size_t i = 0; i < n; i++) {
			size_t page = done + i;

			if (!(ent[i] & PAGEMAP_PRESENT))
				die("page %zu (va %p) is not present (pagemap 0x%016llx)",
				    page, (const char *)base + page * TSB_PATTERN_PAGE,
				    (unsigned long long)ent[i]);
			pfn[page] = ent[i] & PAGEMAP_PFN_MASK;
			if (!pfn[page])
				die("page %zu reads PFN 0: pagemap hides frame numbers (run as root with CAP_SYS_ADMIN)",
				    page);
		}
		done += n;
	}
}

int main(int argc, char **argv)
{
	unsigned long mib;
	size_t len, npages;
	uint64_t *pfn, nonce;
	uint64_t *mem;
	long psz;
	int fd;

	if (argc != 2)
		usage();
	mib = parse_mib(argv[1]);
	len = (size_t)mib << 20;
	npages = len / TSB_PATTERN_PAGE;

	psz = sysconf(_SC_PAGESIZE);
	if (psz != TSB_PATTERN_PAGE)
		die("page size is %ld, only %d is supported", psz, TSB_PATTERN_PAGE);

	pin_unevictable();

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap %lu MiB: %s", mib, strerror(errno));
	/* Huge pages could be split or collapsed (moved) behind our back. */
	if (madvise(mem, len, MADV_NOHUGEPAGE) && errno != EINVAL)
		die("madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
	/* Faults every page in (writable, so no shared zero page) and locks it. */
	if (mlock(mem, len))
		die("mlock %lu MiB: %s", mib, strerror(errno));

	pfn = malloc(npages * sizeof(*pfn));
	if (!pfn)
		die("out of memory for %zu PFNs", npages);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		die("/proc/self/pagemap: %s", strerror(errno));

	nonce = random_nonce();
	read_pfns(fd, mem, npages, pfn);

	for (size_t p = 0; p < npages; p++) {
		uint64_t *w = mem + p * TSB_PATTERN_WORDS;

		for (unsigned int i = 0; i < TSB_PATTERN_WORDS; i++)
			w[i] = tsb_pattern(nonce, pfn[p], i);
	}

	/* Check that no page moved while (or before) we wrote it. */
	{
		uint64_t *again = malloc(npages * sizeof(*again));

		if (!again)
			die("out of memory for %zu PFNs", npages);
		read_pfns(fd, mem, npages, again);
		for (size_t p = 0; p < npages; p++)
			if (again[p] != pfn[p])
				die("page %zu moved from PFN 0x%llx to 0x%llx while being filled",
				    p, (unsigned long long)pfn[p],
				    (unsigned long long)again[p]);
		free(again);
	}
	close(fd);

	printf("MEMFILL mib=%lu pages=%zu nonce=0x%016llx\n", mib, npages,
	       (unsigned long long)nonce);
	fflush(stdout);

	for (;;)
		pause();
}
