// SPDX-License-Identifier: BSD-3-Clause
/*
 * export: write a dump as an arm64 ELF vmcore. See export.h.
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
	char first_bad[TSB_ERRLEN];
};

/* A compressed chunk whose block did not decode (its message in disk->err). */
static void bad_block(struct exporter *x)
{
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
	if (!x->km.lin.ok)
		warn(x, "VMCOREINFO lacks a valid NUMBER(PHYS_OFFSET) or NUMBER(VA_BITS): RAM segments get p_vaddr 0");
}

/* ---- notes ---- */

/* The PID of the task each CPU was running, when it can be found. */
static void task_pids(struct exporter *x, uint32_t *pid, bool *known)
{
	const struct tsb_dump *d = x->dump;

	for (unsigned int i = 0; i < d->h.ncpus; i++) {
		const struct tsb_cpu_record *r = &d->cpu[i];

		known[i] = r->valid && tsb_vmcore_at_el1(r->pstate) &&
			   !kmem_task_pid(&x->km, r->sp_el0, &pid[i]);
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
	const struct tsb_cpu_record *r = &x->dump->cpu[i];
	int moved;

	memset(regs, 0, ECORE_PR_NREGS * sizeof(*regs));
	if (!r->valid) {
		warn(x, "CPU %u has no valid record: its registers are zero", i);
		return;
	}
	memcpy(regs, r->x, sizeof(r->x));
	regs[31] = tsb_cpu_sp(r);
	regs[32] = r->pc;
	regs[33] = r->pstate;
	if (x->o->raw_regs || !x->km.have_image || tsb_cause_is_hang(x->dump->h.cause))
		return;
	moved = kmem_unwind_into_image(&x->km, regs);
	if (moved > 0)
		warn(x, "CPU %u was at 0x%" PRIx64 ", outside the kernel image: its note has the registers of its caller at 0x%" PRIx64 " (--raw-regs keeps the recorded ones)",
		     i, r->pc, regs[32]);
	else if (moved < 0)
		warn(x, "CPU %u was at 0x%" PRIx64 ", outside the kernel image, and its frame records do not lead back into it",
		     i, r->pc);
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
	if (d->kernel_region < 0 || !d->reg[d->kernel_region].size) {
		warn(x, "the dump does not say where the kernel image is: no kernel image segment (drgn needs it)");
		return 0;
	}
	r = &d->reg[d->kernel_region];
	if (!x->km.have_image) {
		warn(x, "VMCOREINFO lacks a valid NUMBER(kimage_voffset): no kernel image segment");
		return 0;
	}
	if (!range_ok(d, r->paddr, r->size)) {
		warn(x, "the kernel image [0x%" PRIx64 ", +0x%" PRIx64 ") is not all in the dump: no kernel image segment",
		     r->paddr, r->size);
		return 0;
	}
	if (ecore_add_seg(&x->core, x->km.image_start, r->paddr, r->size))
		return tsb_error(d->disk, TSB_E_FORMAT, "out of memory");
	x->kernel_seg = 0;
	return 0;
}

static uint64_t linear_vaddr(struct exporter *x, uint64_t paddr, uint64_t size,
			     int *warned)
{
	uint64_t va;

	if (kmem_linear_va(&x->km, paddr, size, &va))
		return va;
	if (x->km.lin.ok && !(*warned)++)
		warn(x, "RAM at 0x%" PRIx64 " is outside the linear map: p_vaddr 0",
		     paddr);
	return 0;
}

static int add_ram_segs(struct exporter *x)
{
	const struct tsb_dump *d = x->dump;
	uint64_t pos = 0, first, end;
	int warned = 0;

	while (tsb_chunk_run(d, &pos, true, &first, &end)) {
		uint64_t pa = tsb_chunk_paddr(d, first);
		uint64_t len = tsb_run_bytes(d, first, end);

		if (ecore_add_seg(&x->core, linear_vaddr(x, pa, len, &warned),
				  pa, len))
			return tsb_error(d->disk, TSB_E_FORMAT,
					 "out of memory or too many segments");
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
 * Copy chunk @i to file offset @off, checking its checksum on the way. The
 * pages a filtered dump left out are zeros in the vmcore, as makedumpfile
 * maps them: holes in the file, not written. So is a compressed chunk whose
 * block does not decode, a bad chunk.
 */
static int copy_chunk(struct exporter *x, uint64_t i, uint64_t off)
{
	struct tsb_dump *d = x->dump;
	uint64_t len = tsb_chunk_len(d, i);
	uint64_t h = tsb_sum64_start(0, len);
	uint32_t skip = tsb_chunk_skip(d->h.filter, &d->chunks[i]);

	for (uint64_t done = 0; done < len; ) {
		size_t n = len - done < EXPORT_BUF ? (size_t)(len - done) : EXPORT_BUF;
		int err;

		if (skip && n > TSB_PAGE - done % TSB_PAGE)
			n = (size_t)(TSB_PAGE - done % TSB_PAGE);	/* a page at a time */
		err = tsb_chunk_read(d, i, done, x->buf, n);
		if (err == TSB_E_DATA) {
			bad_block(x);
			progress(x, (size_t)(len - done));
			return 0;
		}
		if (!err && !tsb_chunk_skipped(d, i, done))
			err = write_at(x, x->buf, n, off + done);
		if (err)
			return err;
		h = tsb_sum64_update(h, x->buf, n);
		progress(x, n);
		done += n;
	}
	if (h != d->chunks[i].checksum && !x->nbad++)
		snprintf(x->first_bad, sizeof(x->first_bad),
			 "chunk %" PRIu64 " (paddr 0x%" PRIx64 "): checksum mismatch",
			 i, tsb_chunk_paddr(d, i));
	return 0;
}

static int copy_ram_seg(struct exporter *x, const struct tsb_elf_seg *s)
{
	struct tsb_dump *d = x->dump;
	uint64_t first = (s->paddr - d->h.ram_base) / d->h.chunk_size;
	uint64_t off = s->offset;

	for (uint64_t i = first; off < s->offset + s->size; i++) {
		int err = copy_chunk(x, i, off);

		if (err)
			return err;
		off += tsb_chunk_len(d, i);
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

	ecore_init(&x.core);
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
