// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_dump: libFuzzer target for tsubaki-dump's reader, list/info/verify and
 * the vmcore exporter (tools/dump). See tests/fuzz/run.sh.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Itools/dump \
 *         tests/fuzz/fuzz_dump.c $(ls tools/dump/[a-z]*.c | grep -v tsubaki-dump.c) \
 *         -o build/fuzz/fuzz_dump
 *
 * The input is a compact disk image: its first 4 KiB are the disk's first
 * block (the disk header), the rest is the disk from 1 MiB on (where dumps
 * start) -- the 1 MiB in between would be zeros the fuzzer cannot usefully
 * mutate. Inputs of 4 KiB or less are the whole disk (truncated files).
 * The last byte of the first 4 KiB (unused by the format) holds flags: unless
 * bit 0 is set, the disk header's and the dumps' header checksums are fixed
 * up first, so that mutations of their fields reach the checks behind them;
 * unless bit 1 is set, the file is extended (with zeros) to the header's
 * disk_size if that is larger, up to 64 MiB, so that slots beyond the input
 * exist.
 * The image goes to a memfd and is read through /proc/self/fd/N like any
 * disk; exports go to a second memfd and are checked for sanity (the ELF
 * of the dump's architecture, every segment inside the file): a violation
 * aborts.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dumpfile.h"
#include "export.h"
#include "report.h"

#define HEAD		4096
#define DUMPS_AT	(1 << 20)
#define MAX_EXTEND	(64ULL << 20)
#define NO_FIXUP	0x01
#define NO_EXTEND	0x02

static FILE *devnull;
static int out_fd = -1;

static void put(int fd, const void *buf, size_t len, off_t off)
{
	if (pwrite(fd, buf, len, off) != (ssize_t)len)
		abort();
}

/*
 * Recompute the checksum of the header at @off (if in the file), over the
 * length its version gives: @disk for a disk header, else a dump header.
 */
static void fix_sum(int fd, uint64_t off, int disk)
{
	uint8_t buf[sizeof(struct tsb_disk_header)];
	size_t len, sum_off;
	uint32_t version;
	uint64_t sum;

	if (pread(fd, &version, 4, (off_t)off + 8) != 4)
		return;
	len = disk ? tsb_disk_header_len(version) : tsb_dump_header_len(version);
	sum_off = disk ? offsetof(struct tsb_disk_header, checksum) :
			 offsetof(struct tsb_dump_header, checksum);
	if (!len || pread(fd, buf, len, (off_t)off) != (ssize_t)len)
		return;
	sum = tsb_header_sum(buf, len, sum_off);
	put(fd, &sum, 8, (off_t)(off + sum_off));
}

static void fix_checksums(int fd)
{
	struct tsb_disk_header h;

	fix_sum(fd, 0, 1);
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return;
	for (unsigned int i = 0; i < TSB_MAX_DUMPS; i++)
		if (h.slot[i].state && h.slot[i].offset >= HEAD &&
		    h.slot[i].offset < (1ULL << 40))
			fix_sum(fd, h.slot[i].offset, 0);
}

static void extend(int fd)
{
	struct tsb_disk_header h;
	struct stat st;

	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || fstat(fd, &st))
		return;
	if (h.disk_size > (uint64_t)st.st_size && h.disk_size <= MAX_EXTEND &&
	    ftruncate(fd, (off_t)h.disk_size))
		abort();
}

static int make_disk(const uint8_t *data, size_t size)
{
	int fd = memfd_create("disk", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	put(fd, data, size < HEAD ? size : HEAD, 0);
	if (size > HEAD)
		put(fd, data + HEAD, size - HEAD, DUMPS_AT);
	if (size >= HEAD && !(data[HEAD - 1] & NO_FIXUP))
		fix_checksums(fd);
	if (size >= HEAD && !(data[HEAD - 1] & NO_EXTEND))
		extend(fd);
	return fd;
}

/* A program header of either class, widened. */
static void get_phdr(const uint8_t *p, bool is32, Elf64_Phdr *ph)
{
	if (is32) {
		Elf32_Phdr h;

		memcpy(&h, p, sizeof(h));
		ph->p_type = h.p_type;
		ph->p_offset = h.p_offset;
		ph->p_filesz = h.p_filesz;
		ph->p_memsz = h.p_memsz;
	} else {
		memcpy(ph, p, sizeof(*ph));
	}
}

/*
 * The exported file must be a well-formed ELF (ELF64 EM_AARCH64, or ELF32
 * EM_ARM for an AArch32 dump) whose pieces fit in it.
 */
static void check_core(int fd)
{
	struct stat st;
	Elf64_Ehdr eh;
	Elf32_Ehdr eh32;
	uint64_t phoff, phnum, phsize;
	bool is32;
	uint8_t *p;

	if (fstat(fd, &st) || (size_t)st.st_size < sizeof(eh32))
		abort();
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		abort();
	is32 = p[EI_CLASS] == ELFCLASS32;
	if (is32) {
		memcpy(&eh32, p, sizeof(eh32));
		if (eh32.e_machine != EM_ARM || eh32.e_type != ET_CORE)
			abort();
		phoff = eh32.e_phoff;
		phnum = eh32.e_phnum;
		phsize = sizeof(Elf32_Phdr);
	} else {
		if ((size_t)st.st_size < sizeof(eh))
			abort();
		memcpy(&eh, p, sizeof(eh));
		if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_AARCH64 ||
		    eh.e_type != ET_CORE)
			abort();
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phsize = sizeof(Elf64_Phdr);
	}
	if (memcmp(p, ELFMAG, SELFMAG) || phoff + phnum * phsize > (uint64_t)st.st_size)
		abort();
	for (unsigned int i = 0; i < phnum; i++) {
		Elf64_Phdr ph;

		get_phdr(p + phoff + i * phsize, is32, &ph);
		if (ph.p_offset > (uint64_t)st.st_size ||
		    ph.p_filesz > (uint64_t)st.st_size - ph.p_offset ||
		    ph.p_filesz != ph.p_memsz || (i == 0) != (ph.p_type == PT_NOTE))
			abort();
	}
	munmap(p, (size_t)st.st_size);
}

static void export_one(struct tsb_disk *disk, unsigned int slot, bool raw)
{
	struct export_opts o = { .msg = devnull, .raw_regs = raw };
	struct tsb_dump d;
	int err;

	if (tsb_dump_open(disk, slot, &d))
		return;
	if (ftruncate(out_fd, 0))
		abort();
	err = tsb_export(&d, out_fd, &o);
	if (err != TSB_E_FORMAT)
		check_core(out_fd);
	tsb_dump_close(&d);
}

static void run_dumps(int fd, const char *path)
{
	struct tsb_disk disk;

	if (tsb_disk_open_fd(&disk, fd, path))
		return;
	for (unsigned int i = 0; i < disk.hdr.nslots; i++) {
		char id[32];

		if (disk.hdr.slot[i].state == TSB_DUMP_EMPTY)
			continue;
		snprintf(id, sizeof(id), "%" PRIu64, disk.hdr.slot[i].dump_id);
		cmd_info(path, id, false, devnull, devnull);
		cmd_info(path, id, true, devnull, devnull);
		cmd_verify(path, id, devnull, devnull);
		export_one(&disk, i, false);
		export_one(&disk, i, true);
	}
	cmd_info(path, "last", false, devnull, devnull);
	tsb_disk_close(&disk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd;

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		out_fd = memfd_create("vmcore", MFD_CLOEXEC);
		if (!devnull || out_fd < 0)
			abort();
	}
	fd = make_disk(data, size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	cmd_list(path, devnull, devnull);
	run_dumps(fd, path);
	close(fd);
	return 0;
}
