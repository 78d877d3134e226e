// SPDX-License-Identifier: BSD-3-Clause
/*
 * report: tsubaki-dump list, info and verify. See report.h.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dumpfile.h"
#include "json.h"
#include "report.h"
#include "vmcoreinfo.h"

#define VERIFY_BUF		(1U << 20)
#define VERIFY_MAX_SHOWN	20	/* bad chunks listed */
#define OSRELEASE_MAX		65	/* like struct new_utsname */

static const char *const time_names[TSB_T_COUNT] = {
	"fault", "primary_done", "restart_start", "restart_done", "secondary_done",
};

static void __attribute__((format(printf, 2, 3)))
msg(FILE *err, const char *fmt, ...)
{
	va_list ap;

	fputs("tsubaki-dump: ", err);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputc('\n', err);
}

/* Open @path and the dump @sel ("last", an id, or NULL: only the disk). */
static int open_dump(const char *path, const char *sel, struct tsb_disk *disk,
		     struct tsb_dump *dump, FILE *err)
{
	unsigned int slot;
	int e = tsb_disk_open(disk, path);

	if (!e && sel)
		e = tsb_disk_find(disk, sel, &slot);
	if (!e && sel && dump)
		e = tsb_dump_open(disk, slot, dump);
	if (e) {
		msg(err, "%s", disk->err);
		tsb_disk_close(disk);
	}
	return e;
}

static const char *compress_name(uint32_t compress)
{
	return compress == TSB_COMPRESS_LZ4 ? "lz4" : compress ? "?" : "none";
}

/* b - a of the dump's timestamps, if both were reached. */
static bool t_delta(const struct tsb_dump_header *h, enum tsb_time a,
		    enum tsb_time b, uint64_t *out)
{
	if (!h->t_ns[a] || !h->t_ns[b] || h->t_ns[b] < h->t_ns[a])
		return false;
	*out = h->t_ns[b] - h->t_ns[a];
	return true;
}

static bool osrelease(const struct tsb_dump *d, char *out, size_t outsz)
{
	struct vmci v;
	char why[160];

	if (vmci_parse(d->vmcoreinfo, d->h.vmcoreinfo_size, &v, why, sizeof(why)))
		return false;
	return vmci_str(&v, "OSRELEASE", out, outsz);
}

/* ---- list ---- */

static void list_line(const struct tsb_dump *d, FILE *out)
{
	const struct tsb_dump_header *h = &d->h;
	struct tsb_chunk_counts c;
	uint64_t down;

	tsb_chunk_count(d, &c);
	fprintf(out, "%4u %6" PRIu64 "  %-11s %4" PRIu64 "  ", d->slot, h->dump_id,
		tsb_dump_state_name(h->state), h->boot_count);
	if (h->t_ns[TSB_T_FAULT])
		fprintf(out, "%11.6f", h->t_ns[TSB_T_FAULT] / 1e9);
	else
		fprintf(out, "%11s", "-");
	if (t_delta(h, TSB_T_FAULT, TSB_T_RESTART_DONE, &down))
		fprintf(out, " %12.3f", down / 1e6);
	else
		fprintf(out, " %12s", "-");
	fprintf(out, " %10.1f %8.1f/%.1f\n", d->s.size / 1048576.0,
		c.ok_bytes / 1048576.0, h->ram_size / 1048576.0);
}

int cmd_list(const char *path, FILE *out, FILE *err)
{
	struct tsb_disk disk;
	int ret = open_dump(path, NULL, &disk, NULL, err);

	if (ret)
		return ret;
	fprintf(out, "SLOT   DUMP  STATE       BOOT  PANIC_AT_S  DOWNTIME_MS  SIZE_MIB  RAM_MIB(dumped/total)\n");
	for (unsigned int i = 0; i < disk.hdr.nslots; i++) {
		struct tsb_dump d;

		if (disk.hdr.slot[i].state == TSB_DUMP_EMPTY)
			continue;
		if (tsb_dump_open(&disk, i, &d)) {
			fprintf(out, "%4u %6" PRIu64 "  bad\n", i,
				disk.hdr.slot[i].dump_id);
			msg(err, "%s", disk.err);
			ret = TSB_E_FORMAT;
			continue;
		}
		list_line(&d, out);
		tsb_dump_close(&d);
	}
	tsb_disk_close(&disk);
	return ret;
}

/* ---- info, human form ---- */

static void info_ms(FILE *out, const char *what, const struct tsb_dump_header *h,
		    enum tsb_time a, enum tsb_time b)
{
	uint64_t ns;

	fprintf(out, "  %-11s", what);
	if (t_delta(h, a, b, &ns))
		fprintf(out, "%.3f ms", ns / 1e6);
	else
		fputs("-", out);
	fprintf(out, " (%s - %s)\n", time_names[b], time_names[a]);
}

static void info_times(const struct tsb_dump *d, FILE *out)
{
	const struct tsb_dump_header *h = &d->h;

	fputs("  times (ns since power-on):\n", out);
	for (int t = 0; t < TSB_T_COUNT; t++)
		if (h->t_ns[t])
			fprintf(out, "    %-15s %" PRIu64 "\n", time_names[t], h->t_ns[t]);
		else
			fprintf(out, "    %-15s -\n", time_names[t]);
	info_ms(out, "downtime", h, TSB_T_FAULT, TSB_T_RESTART_DONE);
	info_ms(out, "primary", h, TSB_T_FAULT, TSB_T_PRIMARY_DONE);
	info_ms(out, "secondary", h, TSB_T_PRIMARY_DONE, TSB_T_SECONDARY_DONE);
}

static void info_ram(const struct tsb_dump *d, FILE *out)
{
	const struct tsb_dump_header *h = &d->h;
	struct tsb_chunk_counts c;

	tsb_chunk_count(d, &c);
	fprintf(out, "  ram        [0x%" PRIx64 ", 0x%" PRIx64 ") (%" PRIu64 " KiB), window %" PRIu64 " KiB\n",
		h->ram_base, h->ram_base + h->ram_size, h->ram_size >> 10,
		h->window >> 10);
	fprintf(out, "  chunks     %" PRIu64 " x %" PRIu64 " KiB: %" PRIu64 " ok, %" PRIu64 " missing, %" PRIu64 " failed, %" PRIu64 " no-room, %" PRIu64 " excluded\n",
		h->nchunks, h->chunk_size >> 10, c.n[TSB_CHUNK_OK],
		c.n[TSB_CHUNK_MISSING], c.n[TSB_CHUNK_FAILED],
		c.n[TSB_CHUNK_NO_ROOM], c.n[TSB_CHUNK_EXCLUDED]);
	fprintf(out, "  written    %" PRIu64 " bytes (bytes_written), %" PRIu64 " bytes of RAM in OK chunks\n",
		h->bytes_written, c.ok_bytes);
	if (h->compress == TSB_COMPRESS_NONE)
		fputs("  compress   none\n", out);
	else if (h->bytes_stored)
		fprintf(out, "  compress   %s: %" PRIu64 " bytes stored (bytes_stored), ratio %.2f; %" PRIu64 " of %" PRIu64 " OK chunks compressed\n",
			compress_name(h->compress), h->bytes_stored,
			(double)h->bytes_written / (double)h->bytes_stored, c.compressed,
			c.n[TSB_CHUNK_OK]);
	else
		fprintf(out, "  compress   %s: 0 bytes stored (bytes_stored); %" PRIu64 " of %" PRIu64 " OK chunks compressed\n",
			compress_name(h->compress), c.compressed, c.n[TSB_CHUNK_OK]);
	if (h->filter || h->bytes_skipped)
		fprintf(out, "  filter     level %u%s: %" PRIu64 " bytes %s (zero %" PRIu64 ", free %" PRIu64 ", cache or user %" PRIu64 ")\n",
			h->filter & TSB_FILTER_ALL,
			h->filter & TSB_FILTER_AUDIT ? " (audit: every page written)" : "",
			c.skipped[TSB_SKIP_ZERO] + c.skipped[TSB_SKIP_FREE] +
			c.skipped[TSB_SKIP_OTHER],
			h->filter & TSB_FILTER_AUDIT ? "it would leave out" : "left out",
			c.skipped[TSB_SKIP_ZERO],
			c.skipped[TSB_SKIP_FREE], c.skipped[TSB_SKIP_OTHER]);
	fprintf(out, "  disk       slot at 0x%" PRIx64 ", %" PRIu64 " bytes, data at +0x%" PRIx64 "\n",
		d->s.offset, d->s.size, h->data_offset);
}

static void info_regions(const struct tsb_dump *d, FILE *out)
{
	fprintf(out, "  regions    %u\n", d->h.nregions);
	for (unsigned int i = 0; i < d->h.nregions; i++) {
		const struct tsb_region *r = &d->reg[i];

		fprintf(out, "    %-9s [0x%" PRIx64 ", 0x%" PRIx64 ") (%" PRIu64 " KiB), first chunk %" PRIu64 "\n",
			tsb_region_kind_name(r->kind), r->paddr, r->paddr + r->size,
			r->size >> 10, r->first_chunk);
	}
}

/* "cpu 0,1" of a CPU mask, or "" */
static const char *cpu_list(uint32_t mask, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < 32 && n < len; i++)
		if (mask & (1U << i))
			n += (size_t)snprintf(buf + n, len - n, "%s%u", n ? "," : " on CPU ", i);
	return buf;
}

static void info_cpu_a32(const struct tsb_dump *d, unsigned int i, FILE *out)
{
	const struct tsb_a32_regs *a = &d->cpu[i].a32;

	fprintf(out, "    cpu %u  mpidr 0x%" PRIx64 "  pc 0x%08x  sp 0x%08x  lr 0x%08x  cpsr 0x%08x (%s)%s\n",
		i, d->cpu[i].mpidr, a->r[15], a->r[13], a->r[14], a->cpsr,
		tsb_a32_mode_name(a->cpsr), i == d->h.panic_cpu ? "  (panic)" : "");
}

static void info_cpus(const struct tsb_dump *d, FILE *out)
{
	char cpus[128];

	fprintf(out, "  cause      %s%s\n", tsb_cause_name(d->h.cause),
		cpu_list(d->h.cause_cpus, cpus, sizeof(cpus)));
	fprintf(out, "  cpus       %u, panic on CPU %u\n", d->h.ncpus,
		d->h.panic_cpu);
	for (unsigned int i = 0; i < d->h.ncpus; i++) {
		const struct tsb_cpu_record *r = &d->cpu[i];

		if (!r->valid) {
			fprintf(out, "    cpu %u  no record\n", i);
			continue;
		}
		if (d->h.arch == TSB_ARCH_AARCH32) {
			info_cpu_a32(d, i, out);
			continue;
		}
		fprintf(out, "    cpu %u  mpidr 0x%" PRIx64 "  pc 0x%016" PRIx64 "  sp 0x%016" PRIx64 "  pstate 0x%" PRIx64 "%s\n",
			i, r->mpidr, r->pc, tsb_cpu_sp(d, r), r->pstate,
			i == d->h.panic_cpu ? "  (panic)" : "");
	}
}

static void info_text(const struct tsb_dump *d, const char *path, FILE *out)
{
	char rel[OSRELEASE_MAX];

	fprintf(out, "dump %" PRIu64 " (slot %u of %s): %s\n", d->h.dump_id,
		d->slot, path, tsb_dump_state_name(d->h.state));
	if (d->s.state != d->h.state)
		fprintf(out, "  (the disk header's slot table says %s)\n",
			tsb_dump_state_name(d->s.state));
	fprintf(out, "  kernel     %s, boot %" PRIu64 "\n",
		osrelease(d, rel, sizeof(rel)) ? rel : "(no VMCOREINFO OSRELEASE)",
		d->h.boot_count);
	fprintf(out, "  arch       %s (format version %u)\n", tsb_arch_name(d->h.arch),
		d->h.version);
	info_times(d, out);
	info_ram(d, out);
	info_regions(d, out);
	info_cpus(d, out);
}

/* ---- info --json ---- */

static void json_times(struct json *j, const struct tsb_dump_header *h)
{
	uint64_t ns = 0;
	bool ok;

	char key[32];

	json_open(j, "t_ns", '{');
	for (int t = 0; t < TSB_T_COUNT; t++)
		json_opt_u64(j, time_names[t], h->t_ns[t] != 0, h->t_ns[t]);
	json_close(j, '}');
	for (int t = 0; t < TSB_T_COUNT; t++) {	/* the same, flat */
		snprintf(key, sizeof(key), "%s_ns", time_names[t]);
		json_opt_u64(j, key, h->t_ns[t] != 0, h->t_ns[t]);
	}
	ok = t_delta(h, TSB_T_FAULT, TSB_T_RESTART_DONE, &ns);
	json_opt_u64(j, "downtime_ns", ok, ns);
	ok = t_delta(h, TSB_T_FAULT, TSB_T_PRIMARY_DONE, &ns);
	json_opt_u64(j, "primary_ns", ok, ns);
	ok = t_delta(h, TSB_T_PRIMARY_DONE, TSB_T_SECONDARY_DONE, &ns);
	json_opt_u64(j, "secondary_ns", ok, ns);
}

/* An AArch32 CPU's registers beyond pc, sp and pstate (the CPSR). */
static void json_cpu_a32(struct json *j, const struct tsb_a32_regs *a)
{
	json_u64(j, "lr", a->r[14]);
	json_u64(j, "cpsr", a->cpsr);
	json_str(j, "mode", tsb_a32_mode_name(a->cpsr));
	json_open(j, "r", '[');
	for (unsigned int k = 0; k < 16; k++)
		json_u64(j, NULL, a->r[k]);
	json_close(j, ']');
	json_u64(j, "ttbr0", a->ttbr0);
	json_u64(j, "ttbr1", a->ttbr1);
	json_u64(j, "ttbcr", a->ttbcr);
	json_u64(j, "sctlr", a->sctlr);
	json_u64(j, "tpidruro", a->tpidruro);
	json_u64(j, "dfsr", a->dfsr);
	json_u64(j, "dfar", a->dfar);
	json_u64(j, "ifsr", a->ifsr);
	json_u64(j, "ifar", a->ifar);
}

static void json_cpus(struct json *j, const struct tsb_dump *d)
{
	json_u64(j, "ncpus", d->h.ncpus);
	json_u64(j, "panic_cpu", d->h.panic_cpu);
	json_str(j, "cause", tsb_cause_name(d->h.cause));
	json_open(j, "cause_cpus", '[');
	for (unsigned int i = 0; i < 32; i++)
		if (d->h.cause_cpus & (1U << i))
			json_u64(j, NULL, i);
	json_close(j, ']');
	json_open(j, "cpus", '[');
	for (unsigned int i = 0; i < d->h.ncpus; i++) {
		const struct tsb_cpu_record *r = &d->cpu[i];

		json_open(j, NULL, '{');
		json_u64(j, "cpu", i);
		json_bool(j, "valid", r->valid);
		json_u64(j, "mpidr", r->mpidr);
		json_u64(j, "pc", tsb_cpu_pc(d, r));
		json_u64(j, "sp", tsb_cpu_sp(d, r));
		json_u64(j, "pstate", tsb_cpu_pstate(d, r));
		if (d->h.arch == TSB_ARCH_AARCH32)
			json_cpu_a32(j, &r->a32);
		json_close(j, '}');
	}
	json_close(j, ']');
}

static void json_regions(struct json *j, const struct tsb_dump *d)
{
	json_open(j, "regions", '[');
	for (unsigned int i = 0; i < d->h.nregions; i++) {
		json_open(j, NULL, '{');
		json_str(j, "kind", tsb_region_kind_name(d->reg[i].kind));
		json_u64(j, "paddr", d->reg[i].paddr);
		json_u64(j, "size", d->reg[i].size);
		json_u64(j, "first_chunk", d->reg[i].first_chunk);
		json_close(j, '}');
	}
	json_close(j, ']');
}

static void json_ram(struct json *j, const struct tsb_dump *d)
{
	static const char *const keys[] = { "missing", "ok", "failed", "no_room", "excluded" };
	struct tsb_chunk_counts c;

	tsb_chunk_count(d, &c);
	json_u64(j, "ram_base", d->h.ram_base);
	json_u64(j, "ram_size", d->h.ram_size);
	json_u64(j, "window", d->h.window);
	json_u64(j, "chunk_size", d->h.chunk_size);
	json_u64(j, "nchunks", d->h.nchunks);
	json_open(j, "chunks", '{');
	for (uint32_t s = 0; s <= TSB_CHUNK_EXCLUDED; s++)
		json_u64(j, keys[s], c.n[s]);
	json_close(j, '}');
	json_u64(j, "bytes_written", d->h.bytes_written);
	json_u64(j, "ok_bytes", c.ok_bytes);
	json_str(j, "compress", compress_name(d->h.compress));
	json_u64(j, "bytes_stored", d->h.bytes_stored);
	json_u64(j, "compressed_chunks", c.compressed);
	json_u64(j, "filter", d->h.filter);
	json_open(j, "skipped", '{');
	json_u64(j, "zero", c.skipped[TSB_SKIP_ZERO]);
	json_u64(j, "free", c.skipped[TSB_SKIP_FREE]);
	json_u64(j, "cache_or_user", c.skipped[TSB_SKIP_OTHER]);
	json_close(j, '}');
	json_u64(j, "slot_offset", d->s.offset);
	json_u64(j, "slot_size", d->s.size);
	json_u64(j, "data_offset", d->h.data_offset);
}

static void info_json(const struct tsb_dump *d, FILE *out)
{
	char rel[OSRELEASE_MAX];
	bool have_rel = osrelease(d, rel, sizeof(rel));
	struct json j;

	json_init(&j, out);
	json_open(&j, NULL, '{');
	json_u64(&j, "dump_id", d->h.dump_id);
	json_u64(&j, "slot", d->slot);
	json_str(&j, "state", tsb_dump_state_name(d->h.state));
	json_str(&j, "slot_state", tsb_dump_state_name(d->s.state));
	json_u64(&j, "boot_count", d->h.boot_count);
	json_u64(&j, "version", d->h.version);
	json_str(&j, "arch", tsb_arch_name(d->h.arch));
	json_times(&j, &d->h);
	json_cpus(&j, d);
	json_regions(&j, d);
	json_ram(&j, d);
	json_str(&j, "osrelease", have_rel ? rel : NULL);
	json_close(&j, '}');
}

int cmd_info(const char *path, const char *sel, bool json, FILE *out, FILE *err)
{
	struct tsb_disk disk;
	struct tsb_dump d;
	int ret = open_dump(path, sel, &disk, &d, err);

	if (ret)
		return ret;
	if (json)
		info_json(&d, out);
	else
		info_text(&d, path, out);
	tsb_dump_close(&d);
	tsb_disk_close(&disk);
	return 0;
}

/* ---- verify ---- */

/* Warnings that do not make the dump unusable. */
static void verify_notes(const struct tsb_dump *d, FILE *err)
{
	struct tsb_chunk_counts c;
	uint64_t on_disk;
	struct vmci v;
	char why[160];

	if (d->s.state != d->h.state)
		msg(err, "verify: note: the slot table says %s, the dump header %s",
		    tsb_dump_state_name(d->s.state), tsb_dump_state_name(d->h.state));
	if (d->h.vmcoreinfo_size &&
	    vmci_parse(d->vmcoreinfo, d->h.vmcoreinfo_size, &v, why, sizeof(why)))
		msg(err, "verify: note: %s", why);
	if (!d->h.vmcoreinfo_size)
		msg(err, "verify: note: no VMCOREINFO (the kernel never registered it)");
	tsb_chunk_count(d, &c);
	on_disk = c.ok_bytes;
	if (!(d->h.filter & TSB_FILTER_AUDIT))
		on_disk -= c.skipped[TSB_SKIP_ZERO] + c.skipped[TSB_SKIP_FREE] +
			   c.skipped[TSB_SKIP_OTHER];
	if (on_disk > d->h.bytes_written ||
	    d->h.bytes_written - on_disk >= d->h.chunk_size)
		msg(err, "verify: note: bytes_written %" PRIu64 " but the OK chunks hold %" PRIu64 " bytes on disk",
		    d->h.bytes_written, on_disk);
	/* as bytes_written, after compression (before version 4: the same) */
	if (d->h.version >= 4 && (c.stored_bytes > d->h.bytes_stored ||
				  d->h.bytes_stored - c.stored_bytes >= d->h.chunk_size))
		msg(err, "verify: note: bytes_stored %" PRIu64 " but the OK chunks take %" PRIu64 " bytes of the disk",
		    d->h.bytes_stored, c.stored_bytes);
}

static int verify_chunks(struct tsb_dump *d, FILE *out, FILE *err,
			 uint64_t *nok)
{
	uint64_t nbad = 0;
	void *buf = malloc(VERIFY_BUF);
	int ret = 0;

	if (!buf) {
		msg(err, "out of memory");
		return TSB_E_FORMAT;
	}
	for (uint64_t i = 0; i < d->h.nchunks; i++) {
		int e;

		if (d->chunks[i].state != TSB_CHUNK_OK)
			continue;
		++*nok;
		e = tsb_chunk_verify(d, i, buf, VERIFY_BUF);
		if (e == TSB_E_DATA && nbad++ < VERIFY_MAX_SHOWN)
			msg(err, "verify: %s", d->disk->err);
		if (e && e != TSB_E_DATA) {
			msg(err, "%s", d->disk->err);
			ret = e;
			break;
		}
	}
	free(buf);
	if (!ret && nbad) {
		fprintf(out, "verify: %" PRIu64 " of %" PRIu64 " chunks on disk have a bad checksum\n",
			nbad, *nok);
		ret = TSB_E_DATA;
	}
	return ret;
}

int cmd_verify(const char *path, const char *sel, FILE *out, FILE *err)
{
	struct tsb_disk disk;
	struct tsb_dump d;
	uint64_t nok = 0, nmissing;
	int ret = open_dump(path, sel, &disk, &d, err);

	if (ret)
		return ret;
	fprintf(out, "verify: dump %" PRIu64 " (slot %u): %s: structure ok\n",
		d.h.dump_id, d.slot, tsb_dump_state_name(d.h.state));
	verify_notes(&d, err);
	ret = verify_chunks(&d, out, err, &nok);
	nmissing = tsb_print_missing(&d, out, "verify: ");
	if (!ret)
		fprintf(out, "verify: %" PRIu64 " chunks on disk, all checksums ok\n", nok);
	if (!ret && nmissing && d.h.state == TSB_DUMP_COMPLETE) {
		msg(err, "verify: the dump is marked complete but %" PRIu64 " chunks are not on disk",
		    nmissing);
		ret = TSB_E_DATA;
	}
	tsb_dump_close(&d);
	tsb_disk_close(&disk);
	return ret;
}
