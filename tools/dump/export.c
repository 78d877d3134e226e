// SPDX-License-Identifier: BSD-3-Clause
/*
 * export: write a dump as an ELF vmcore (arm64 ELF64, ARM ELF32). See export.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfcore.h"
#include "export.h"
#include "kernel.h"
#include "vmcoreinfo.h"

struct exporter {
	struct tsb_dump *dump;
	const struct export_opts *o;
	int fd;
	struct vmci vmci;
	int have_vmci;
	struct kmem km;
	struct ecore core;
	int kernel_seg;		/* index in core.seg, or -1 */
	uint8_t *buf;		/* EXPORT_BUF bytes */
	uint64_t done, total;	/* segment bytes written / to write */
	uint64_t nbad;		/* chunks whose checksum did not match, or did not decode */
	uint64_t last_bad;	/* the last chunk counted (one split across segments counts once) */
	char first_bad[TSB_ERRLEN];
};

/* Compressed chunk @i, whose block did not decode (its message in disk->err). */
static void bad_block(struct exporter *x, uint64_t i)
{
	if (x->nbad && x->last_bad == i)
		return;
	x->last_bad = i;
	if (!x->nbad++)
		snprintf(x->first_bad, sizeof(x->first_bad), "%.400s (exported as zeros)",
			 x->dump->disk->err);
}

static void __attribute__((format(printf, 2, 3)))
warn(struct exporter *x, const char *fmt, ...)
{
	va_list ap;

	if (!x->o->msg)
		return;
	fputs("tsubaki-dump: export: ", x->o->msg);
	va_start(ap, fmt);
	vfprintf(x->o->msg, fmt, ap);
	va_end(ap);
	fputc('\n', x->o->msg);
}

/* ---- VMCOREINFO ---- */

/* What the exporter found of an ARM kernel's linear map (tsb_vmcore_map_a32()). */
static void check_a32_map(struct exporter *x)
{
	const struct tsb_vmcore_map *m = &x->km.map;
	char from[48];

	if (!m->lin_ok) {
		warn(x, "VMCOREINFO lacks a valid SYMBOL(_stext), or RAM has no place for PHYS_OFFSET: RAM segments get p_vaddr 0");
		return;
	}
	if (m->phys_src == TSB_PHYS_TTBR1)
		snprintf(from, sizeof(from), "CPU %u's TTBR1", m->phys_cpu);
	else if (m->phys_src == TSB_PHYS_WINDOW)
		snprintf(from, sizeof(from), "region %u (window)", m->phys_cpu);
	else
		snprintf(from, sizeof(from), "the RAM base");
	if (m->phys_checked < 0)
		warn(x, "PHYS_OFFSET 0x%" PRIx64 " (from %s): init_uts_ns does not read as OSRELEASE there, nor at any other place tried; the linear map may be wrong",
		     m->phys_offset, from);
	else if (!m->phys_checked)
		warn(x, "PHYS_OFFSET 0x%" PRIx64 " (from %s) could not be checked (no init_uts_ns in VMCOREINFO or in the dump)",
		     m->phys_offset, from);
	if (m->text_start >= m->text_end)
		warn(x, "the kernel's text is unknown (no SYMBOL() after _stext in VMCOREINFO): CPU notes keep the recorded registers");
}

static void load_vmcoreinfo(struct exporter *x)
{
	struct tsb_dump *d = x->dump;
	char why[160];

	if (!d->h.vmcoreinfo_size) {
		warn(x, "the dump has no VMCOREINFO: drgn and gdb will not understand the vmcore");
	} else if (vmci_parse(d->vmcoreinfo, d->h.vmcoreinfo_size, &x->vmci,
			      why, sizeof(why))) {
		warn(x, "%s: left out", why);
	} else {
		x->have_vmci = 1;
	}
	if (!x->have_vmci)
		vmci_parse("", 0, &x->vmci, why, sizeof(why));
	kmem_init(&x->km, d, &x->vmci);
	if (d->h.arch == TSB_ARCH_AARCH32)
		check_a32_map(x);
	else if (!x->km.map.lin_ok)
		warn(x, "VMCOREINFO lacks a valid NUMBER(PHYS_OFFSET) or NUMBER(VA_BITS): RAM segments get p_vaddr 0");
}

/* ---- notes ---- */

/* The PID of the task each CPU was running, when it can be found. */
static void task_pids(struct exporter *x, uint32_t *pid, bool *known)
{
	const struct tsb_dump *d = x->dump;

	for (unsigned int i = 0; i < d->h.ncpus; i++) {
		uint64_t task;

		known[i] = tsb_vmcore_current(d->h.arch, &d->cpu[i], &task) &&
			   !kmem_task_pid(&x->km, task, &pid[i]);
	}
}

/* pr_pid of each CPU's note (tsb_vmcore_pids()): the CPU whose note says 0, or -1. */
static int cpu_pids(struct exporter *x, uint32_t *pid)
{
	const struct tsb_dump *d = x->dump;
	bool known[TSB_MAX_CPUS];
	uint8_t k[TSB_MAX_CPUS];

	task_pids(x, pid, known);
	for (unsigned int i = 0; i < d->h.ncpus; i++)
		k[i] = known[i];
	return tsb_vmcore_pids(d->h.ncpus, d->h.panic_cpu, pid, k);
}

static void cpu_regs(struct exporter *x, unsigned int i, uint64_t *regs)
{
	const struct tsb_dump *d = x->dump;
	const struct tsb_cpu_record *r = &d->cpu[i];
	unsigned int pc = tsb_vmcore_pc_index(d->h.arch);
	int moved;

	tsb_vmcore_regs(d->h.arch, r, regs);
	if (!r->valid) {
		warn(x, "CPU %u has no valid record: its registers are zero", i);
		return;
	}
	if (x->o->raw_regs || tsb_cause_is_hang(d->h.cause))
		return;
	moved = kmem_unwind_into_image(&x->km, regs);
	if (moved > 0)
		warn(x, "CPU %u was at 0x%" PRIx64 ", outside the kernel image: its note has the registers of its caller at 0x%" PRIx64 " (--raw-regs keeps the recorded ones)",
		     i, tsb_cpu_pc(d, r), regs[pc]);
	else if (moved < 0)
		warn(x, "CPU %u was at 0x%" PRIx64 ", outside the kernel image, and %s",
		     i, tsb_cpu_pc(d, r), d->h.arch == TSB_ARCH_AARCH32 ?
		     "no return address into it is on its stack" :
		     "its frame records do not lead back into it");
}

/* A pid-0 note of another CPU than the first needs this (tsb_vmcore_pids()). */
static int add_psinfo(struct exporter *x, int zero)
{
	char args[80];

	snprintf(args, sizeof(args), "Tsubaki dump %" PRIu64 " (boot %" PRIu64 ")",
		 x->dump->h.dump_id, x->dump->h.boot_count);
	return ecore_add_prpsinfo(&x->core, tsb_vmcore_psinfo_pid(zero, x->dump->h.ncpus),
				  "vmlinux", args);
}

static int add_cpu_notes(struct exporter *x)
{
	const struct tsb_dump *d = x->dump;
	uint32_t pid[TSB_MAX_CPUS];
	int zero = cpu_pids(x, pid);

	if (add_psinfo(x, zero))
		return tsb_error(d->disk, TSB_E_FORMAT, "out of memory");
	for (unsigned int i = 0; i < d->h.ncpus; i++) {
		uint64_t regs[ECORE_PR_NREGS];

		cpu_regs(x, i, regs);
		if (ecore_add_prstatus(&x->core, pid[i], regs))
			return tsb_error(d->disk, TSB_E_FORMAT, "out of memory");
	}
	return 0;
}

static int add_vmci_note(struct exporter *x)
{
	int err = 0;

	if (!x->have_vmci)
		return 0;
	if (x->vmci.note)
		err = ecore_add_raw_notes(&x->core, x->vmci.note, x->vmci.note_len);
	else
		err = ecore_add_note(&x->core, "VMCOREINFO", 0, x->vmci.text,
				     x->vmci.len);
	return err ? tsb_error(x->dump->disk, TSB_E_FORMAT, "out of memory") : 0;
}

/* ---- segments ---- */

/* Are all chunks under [paddr, paddr + size) on disk? (inside RAM) */
static int range_ok(const struct tsb_dump *d, uint64_t paddr, uint64_t size)
{
	uint64_t first = (paddr - d->h.ram_base) / d->h.chunk_size;
	uint64_t last = (paddr + size - 1 - d->h.ram_base) / d->h.chunk_size;

	for (uint64_t i = first; i <= last; i++)
		if (d->chunks[i].state != TSB_CHUNK_OK)
			return 0;
	return 1;
}

static int add_kernel_seg(struct exporter *x)
{
	const struct tsb_dump *d = x->dump;
	const struct tsb_region *r;

	x->kernel_seg = -1;
	if (d->h.arch == TSB_ARCH_AARCH32)
		return 0;	/* ARM's kernel image is in the linear map */
	if (d->kernel_region < 0 || !d->reg[d->kernel_region].size) {
		warn(x, "the dump does not say where the kernel image is: no kernel image segment (drgn needs it)");
		return 0;
	}
	r = &d->reg[d->kernel_region];
	if (!x->km.map.have_image) {
		warn(x, "VMCOREINFO lacks a valid NUMBER(kimage_voffset): no kernel image segment");
		return 0;
	}
	if (!range_ok(d, r->paddr, r->size)) {
		warn(x, "the kernel image [0x%" PRIx64 ", +0x%" PRIx64 ") is not all in the dump: no kernel image segment",
		     r->paddr, r->size);
		return 0;
	}
	if (ecore_add_seg(&x->core, x->km.map.image_start, r->paddr, r->size))
		return tsb_error(d->disk, TSB_E_FORMAT, "out of memory");
	x->kernel_seg = 0;
	return 0;
}

/* A RAM piece with no linear-map address: say so, once for each kind. */
static void no_vaddr(struct exporter *x, uint64_t pa, int *warned)
{
	const struct tsb_dump *d = x->dump;
	int kind = d->h.arch == TSB_ARCH_AARCH32 && pa >= x->km.map.phys_offset ? 2 : 1;

	if (!x->km.map.lin_ok || (*warned & kind))
		return;
	*warned |= kind;
	if (d->h.arch != TSB_ARCH_AARCH32)
		warn(x, "RAM at 0x%" PRIx64 " is outside the linear map: p_vaddr 0", pa);
	else if (kind == 2)
		warn(x, "RAM from 0x%" PRIx64 " is highmem (above the linear map): p_vaddr 0xffffffff, its data in the file at its p_paddr",
		     pa);
	else
		warn(x, "RAM at 0x%" PRIx64 " is below PHYS_OFFSET 0x%" PRIx64 ", outside the linear map: p_vaddr 0xffffffff, its data in the file at its p_paddr",
		     pa, x->km.map.phys_offset);
}

static int add_ram_segs(struct exporter *x)
{
	const struct tsb_dump *d = x->dump;
	uint64_t pos = 0, first, end;
	int warned = 0, dropped = 0;

	while (tsb_chunk_run(d, &pos, true, &first, &end)) {
		uint64_t pa = tsb_chunk_paddr(d, first);
		uint64_t left = tsb_run_bytes(d, first, end);

		while (left) {
			uint64_t va, len;
			int keep;

			len = tsb_vmcore_piece(&x->km.map, pa, left, &va, &keep);
			if (!keep && !dropped++)
				warn(x, "RAM from 0x%" PRIx64 " is above 4 GiB, which an ELF32 vmcore cannot address: left out",
				     pa);
			if (keep && va == tsb_elf_no_vaddr(d->h.arch))
				no_vaddr(x, pa, &warned);
			if (keep && ecore_add_seg(&x->core, va, pa, len))
				return tsb_error(d->disk, TSB_E_FORMAT,
						 "out of memory or too many segments");
			pa += len;
			left -= len;
		}
	}
	return 0;
}

/* ---- data ---- */

static int write_at(struct exporter *x, const void *buf, size_t len,
		    uint64_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(x->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return tsb_error(x->dump->disk, TSB_E_FORMAT,
					 "writing the vmcore: %s",
					 n ? strerror(errno) : "no space written");
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static void progress(struct exporter *x, size_t n)
{
	x->done += n;
	if (x->o->progress)
		x->o->progress(x->o->ctx, x->done, x->total);
}

/* Copy @len bytes of RAM at @paddr (all in OK chunks) to file offset @off. */
static int copy_phys(struct exporter *x, uint64_t paddr, uint64_t len,
		     uint64_t off)
{
	while (len) {
		size_t n = len < EXPORT_BUF ? (size_t)len : EXPORT_BUF;
		int err = tsb_read_phys(x->dump, paddr, x->buf, n);

		/* Chunks that do not decode read as zeros; copy_chunk() counts them. */
		if (err == TSB_E_DATA)
			err = 0;
		if (!err)
			err = write_at(x, x->buf, n, off);
		if (err)
			return err;
		progress(x, n);
		paddr += n;
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * Copy bytes [@lo, @hi) of chunk @i to file offset @off, checking the
 * chunk's checksum on the way when @hi is its end (a chunk split across two
 * segments -- ARM's lowmem ends inside it -- is read whole for that, with its
 * last piece). The pages a filtered dump left out are zeros in the vmcore,
 * as makedumpfile maps them: holes in the file, not written. So is a
 * compressed chunk whose block does not decode, a bad chunk.
 */
static int copy_chunk(struct exporter *x, uint64_t i, uint64_t lo, uint64_t hi, uint64_t off)
{
	struct tsb_dump *d = x->dump;
	uint64_t len = tsb_chunk_len(d, i);
	uint64_t h = tsb_sum64_start(0, len);
	uint32_t skip = tsb_chunk_skip(d->h.filter, &d->chunks[i]);
	bool check = hi == len;

	for (uint64_t done = check ? 0 : lo; done < hi; ) {
		size_t n = hi - done < EXPORT_BUF ? (size_t)(hi - done) : EXPORT_BUF;
		int err;

		if (skip && n > TSB_PAGE - done % TSB_PAGE)
			n = (size_t)(TSB_PAGE - done % TSB_PAGE);	/* a page at a time */
		if (done < lo && n > lo - done)
			n = (size_t)(lo - done);	/* read for the checksum only */
		err = tsb_chunk_read(d, i, done, x->buf, n);
		if (err == TSB_E_DATA) {
			bad_block(x, i);
			progress(x, (size_t)(hi - (done > lo ? done : lo)));
			return 0;
		}
		if (!err && done >= lo && !tsb_chunk_skipped(d, i, done))
			err = write_at(x, x->buf, n, off + (done - lo));
		if (err)
			return err;
		h = tsb_sum64_update(h, x->buf, n);
		if (done >= lo)
			progress(x, n);
		done += n;
	}
	if (check && h != d->chunks[i].checksum && !(x->nbad && x->last_bad == i)) {
		x->last_bad = i;
		if (!x->nbad++)
			snprintf(x->first_bad, sizeof(x->first_bad),
				 "chunk %" PRIu64 " (paddr 0x%" PRIx64 "): checksum mismatch",
				 i, tsb_chunk_paddr(d, i));
	}
	return 0;
}

/* A RAM segment: its chunks' bytes, from the one its p_paddr is in. */
static int copy_ram_seg(struct exporter *x, const struct tsb_elf_seg *s)
{
	struct tsb_dump *d = x->dump;
	uint64_t rel = s->paddr - d->h.ram_base;
	uint64_t i = rel / d->h.chunk_size, lo = rel % d->h.chunk_size;
	uint64_t off = s->offset, end = s->offset + s->size;

	for (; off < end; i++, lo = 0) {
		uint64_t hi = tsb_chunk_len(d, i);
		int err;

		if (hi - lo > end - off)
			hi = lo + (end - off);
		err = copy_chunk(x, i, lo, hi, off);
		if (err)
			return err;
		off += hi - lo;
	}
	return 0;
}

static int copy_data(struct exporter *x)
{
	uint64_t end = 0;
	struct stat st;
	int err = 0;

	for (unsigned int i = 0; i < x->core.nsegs; i++)
		x->total += x->core.seg[i].size;
	posix_fadvise(x->dump->disk->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (unsigned int i = 0; !err && i < x->core.nsegs; i++) {
		const struct tsb_elf_seg *s = &x->core.seg[i];

		if ((int)i == x->kernel_seg)
			err = copy_phys(x, s->paddr, s->size, s->offset);
		else
			err = copy_ram_seg(x, s);
		if (s->offset + s->size > end)
			end = s->offset + s->size;
	}
	/* Left-out pages at the very end are holes too: the file has its full size. */
	if (!err && fstat(x->fd, &st) == 0 && (uint64_t)st.st_size < end &&
	    ftruncate(x->fd, (off_t)end))
		err = tsb_error(x->dump->disk, TSB_E_FORMAT, "writing the vmcore: %s",
				strerror(errno));
	return err;
}

static int build(struct exporter *x)
{
	int err;

	load_vmcoreinfo(x);
	err = add_cpu_notes(x);
	if (!err)
		err = add_vmci_note(x);
	if (!err)
		err = add_kernel_seg(x);
	if (!err)
		err = add_ram_segs(x);
	if (!err && ecore_layout(&x->core))
		err = tsb_error(x->dump->disk, TSB_E_FORMAT, "the vmcore would be too large");
	return err;
}

static int finish(struct exporter *x)
{
	if (x->o->msg)
		tsb_print_missing(x->dump, x->o->msg, "tsubaki-dump: export: ");
	if (!x->nbad)
		return 0;
	return tsb_error(x->dump->disk, TSB_E_DATA,
			 "%s%s: the data was exported as found (%" PRIu64 " bad chunk%s)",
			 x->first_bad, x->nbad > 1 ? " and more" : "", x->nbad,
			 x->nbad > 1 ? "s" : "");
}

int tsb_export(struct tsb_dump *dump, int fd, const struct export_opts *o)
{
	struct exporter x = { .dump = dump, .o = o, .fd = fd, .kernel_seg = -1 };
	int err;

	ecore_init(&x.core, dump->h.arch);
	x.buf = malloc(EXPORT_BUF);
	if (!x.buf)
		return tsb_error(dump->disk, TSB_E_FORMAT, "out of memory");
	err = build(&x);
	if (!err && ecore_write_headers(&x.core, fd))
		err = tsb_error(dump->disk, TSB_E_FORMAT,
				"writing the vmcore: %s", strerror(errno));
	if (!err)
		err = copy_data(&x);
	if (!err)
		err = finish(&x);
	ecore_free(&x.core);
	free(x.buf);
	return err;
}
