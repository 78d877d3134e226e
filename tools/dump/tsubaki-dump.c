// SPDX-License-Identifier: BSD-3-Clause
/*
 * tsubaki-dump: inspect, verify and export the dumps on a Tsubaki dump disk.
 *
 *   cc -O2 -g -std=gnu11 -Wall -Wextra -Werror -Iinclude -Itools/dump \
 *      -o build/tools/tsubaki-dump tools/dump/[all .c files]
 *
 * Exit status: 0 ok, 1 verification failed / data problem, 2 usage or
 * malformed input. See docs/analysis.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dumpfile.h"
#include "export.h"
#include "report.h"

#define EXIT_USAGE	2

struct command {
	const char *name;
	const char *usage;	/* arguments */
	const char *help;
	int nargs;		/* positional arguments */
	int (*run)(const struct command *c, char **args, int nargs,
		   const char *const *opts);
	const char *const *opts;	/* accepted options, NULL-terminated */
};

static void usage_of(const struct command *c, FILE *f)
{
	fprintf(f, "usage: tsubaki-dump %s %s\n", c->name, c->usage);
}

/* ---- commands ---- */

static int run_list(const struct command *c, char **args, int nargs,
		    const char *const *opts)
{
	(void)c;
	(void)nargs;
	(void)opts;
	return cmd_list(args[0], stdout, stderr);
}

static int run_info(const struct command *c, char **args, int nargs,
		    const char *const *opts)
{
	(void)c;
	(void)nargs;
	return cmd_info(args[0], args[1], opts[0] != NULL, stdout, stderr);
}

static int run_verify(const struct command *c, char **args, int nargs,
		      const char *const *opts)
{
	(void)c;
	(void)nargs;
	(void)opts;
	return cmd_verify(args[0], args[1], stdout, stderr);
}

/* ---- export ---- */

struct progress {
	struct timespec start, last;
	bool shown;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static void show_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	struct timespec now;
	double t, pct = total ? 100.0 * (double)done / (double)total : 100.0;
	int bar = (int)(pct / 2.5);

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (done < total && p->shown && since(&p->last, &now) < 0.1)
		return;
	p->last = now;
	p->shown = true;
	t = since(&p->start, &now);
	fprintf(stderr, "\rexport: [%-40.*s] %5.1f%%  %8.1f MB/s", bar,
		"########################################", pct,
		t > 0 ? done / t / 1e6 : 0.0);
	if (done >= total)
		fputc('\n', stderr);
	fflush(stderr);
}

static int export_to(struct tsb_dump *d, const char *tmp, bool tty, bool raw)
{
	struct progress p = { .shown = false };
	struct export_opts o = { .msg = stderr, .raw_regs = raw };
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret;

	if (fd < 0) {
		fprintf(stderr, "tsubaki-dump: export: %s: %s\n", tmp, strerror(errno));
		return TSB_E_FORMAT;
	}
	if (tty) {
		clock_gettime(CLOCK_MONOTONIC, &p.start);
		o.progress = show_progress;
		o.ctx = &p;
	}
	ret = tsb_export(d, fd, &o);
	if (tty && p.shown && ret)
		fputc('\n', stderr);
	if (ret)
		fprintf(stderr, "tsubaki-dump: export: %s\n", d->disk->err);
	if (close(fd) && ret != TSB_E_FORMAT) {
		fprintf(stderr, "tsubaki-dump: export: %s: %s\n", tmp, strerror(errno));
		ret = TSB_E_FORMAT;
	}
	return ret;
}

/* OUT.tmp -> OUT; without --force never replace an OUT that appeared meanwhile. */
static int put_in_place(const char *tmp, const char *out, bool force)
{
	if (!force) {
		if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE))
			return 0;
		if (errno != EINVAL && errno != ENOSYS)
			return -1;	/* EEXIST included */
	}
	return rename(tmp, out);
}

static int export_file(struct tsb_dump *d, const char *out, bool raw, bool force)
{
	size_t len = strlen(out);
	char *tmp = malloc(len + 5);
	int ret;

	if (!tmp) {
		fprintf(stderr, "tsubaki-dump: out of memory\n");
		return TSB_E_FORMAT;
	}
	memcpy(tmp, out, len);
	memcpy(tmp + len, ".tmp", 5);
	ret = export_to(d, tmp, isatty(STDERR_FILENO), raw);
	if (ret != TSB_E_FORMAT && put_in_place(tmp, out, force)) {
		fprintf(stderr, "tsubaki-dump: export: %s: %s\n", out, strerror(errno));
		ret = TSB_E_FORMAT;
	}
	if (ret == TSB_E_FORMAT)
		unlink(tmp);
	else
		printf("export: dump %" PRIu64 " written to %s\n", d->h.dump_id, out);
	free(tmp);
	return ret;
}

static int run_export(const struct command *c, char **args, int nargs,
		      const char *const *opts)
{
	struct tsb_disk disk;
	struct tsb_dump d;
	unsigned int slot;
	struct stat st;
	int ret;

	(void)nargs;
	if (!opts[0] || !*opts[0]) {
		fprintf(stderr, "tsubaki-dump: export: --elf OUT is required\n");
		usage_of(c, stderr);
		return EXIT_USAGE;
	}
	if (!opts[1] && !lstat(opts[0], &st)) {
		fprintf(stderr, "tsubaki-dump: export: %s exists (use --force to overwrite it)\n",
			opts[0]);
		return EXIT_USAGE;
	}
	ret = tsb_disk_open(&disk, args[0]);
	if (!ret)
		ret = tsb_disk_find(&disk, args[1], &slot);
	if (!ret)
		ret = tsb_dump_open(&disk, slot, &d);
	if (ret) {
		fprintf(stderr, "tsubaki-dump: %s\n", disk.err);
		tsb_disk_close(&disk);
		return ret;
	}
	ret = export_file(&d, opts[0], opts[2] != NULL, opts[1] != NULL);
	tsb_dump_close(&d);
	tsb_disk_close(&disk);
	return ret;
}

/* ---- the command table and argument parsing ---- */

static const char *const info_opts[] = { "--json", NULL };
static const char *const export_opts[] = { "--elf=", "--force", "--raw-regs", NULL };

static const struct command commands[] = {
	{ "list", "DISK",
	  "List the dumps on DISK: slot, dump id, state, boot count, panic time\n"
	  "(seconds after power-on), downtime (restart_done - fault, ms), the\n"
	  "slot's size on disk and how much RAM the dump holds (MiB).\n"
	  "A dump whose metadata is malformed is listed as 'bad' (exit 2).\n",
	  1, run_list, NULL },
	{ "info", "DISK DUMP [--json]",
	  "Describe one dump. DUMP is a dump id (see 'list') or 'last'.\n"
	  "--json prints one JSON object: dump_id, slot, state, slot_state,\n"
	  "boot_count, version (of the format), arch (aarch64, aarch32), t_ns\n"
	  "{fault, primary_done, restart_start, restart_done,\n"
	  "secondary_done} (ns since power-on, null if not reached; also flat as\n"
	  "fault_ns, primary_done_ns, ...), downtime_ns\n"
	  "(restart_done - fault), primary_ns (primary_done - fault), secondary_ns\n"
	  "(secondary_done - primary_done), ncpus, panic_cpu, cpus [{cpu, valid,\n"
	  "mpidr, pc, sp, pstate}] (aarch32: pstate is the CPSR, and lr, cpsr,\n"
	  "mode, r [r0..r15], ttbr0, ttbr1, ttbcr, sctlr, tpidruro, dfsr, dfar,\n"
	  "ifsr, ifar too), regions [{kind, paddr, size, first_chunk}],\n"
	  "ram_base, ram_size, window, chunk_size, nchunks, chunks {ok, missing,\n"
	  "failed, no_room, excluded}, bytes_written, ok_bytes, compress (none,\n"
	  "lz4), bytes_stored (disk bytes the OK chunks take, compressed),\n"
	  "compressed_chunks, filter, skipped {zero, free, cache_or_user},\n"
	  "slot_offset, slot_size, data_offset, osrelease (from VMCOREINFO, or\n"
	  "null). Numbers are integers.\n",
	  2, run_info, info_opts },
	{ "verify", "DISK DUMP",
	  "Check the dump's structure (disk and dump headers and their checksums,\n"
	  "every offset and size, the region and chunk tables) and recompute the\n"
	  "checksum of every chunk on disk (decoding the compressed ones: a block\n"
	  "that does not decode is a bad chunk). Exit 0 if all is good, 1 naming the\n"
	  "first bad chunk and its physical address (or if a dump marked complete\n"
	  "lacks chunks), 2 if the structure is malformed. The chunks missing from\n"
	  "a partial or interrupted dump are listed without failing.\n",
	  2, run_verify, NULL },
	{ "export", "DISK DUMP --elf OUT [--force] [--raw-regs]",
	  "Write the dump as a vmcore laid out like Linux's /proc/vmcore, for drgn\n"
	  "and gdb-multiarch: ELF64 EM_AARCH64 for an arm64 dump, ELF32 EM_ARM for\n"
	  "an ARMv7-A (aarch32) one. One PT_NOTE (an NT_PRSTATUS note per CPU in\n"
	  "CPU order, then VMCOREINFO), on arm64 a PT_LOAD for the kernel image at\n"
	  "its kimage address, and one PT_LOAD per range of RAM present in the dump\n"
	  "at its linear-map address (on ARM the kernel image is in it; RAM outside\n"
	  "lowmem gets p_vaddr 0, RAM above 4 GiB cannot be in an ELF32 file and\n"
	  "is left out). Ranges missing from the dump are not covered and are\n"
	  "listed on stderr.\n"
	  "Each note's pr_pid is the PID of the task the CPU ran (drgn needs it),\n"
	  "or 4194304 + cpu if unknown or already used by another CPU (gdb merges\n"
	  "threads with equal PIDs): gdb's thread N is CPU N-1.\n"
	  "A CPU stopped outside the kernel image (e.g. in a module's panic\n"
	  "notifier) gets the registers of its first caller inside the image, from\n"
	  "its frame records (ARM: the first return address into the kernel's text\n"
	  "on its stack), so that drgn and gdb can unwind it; --raw-regs keeps the\n"
	  "recorded registers ('info' always shows them).\n"
	  "The file is written to OUT.tmp and renamed; an existing OUT is kept\n"
	  "unless --force. A chunk with a bad checksum is exported as found and\n"
	  "makes the exit status 1; so does a compressed chunk whose block does not\n"
	  "decode, exported as zeros. A progress bar is shown when stderr is a\n"
	  "terminal.\n",
	  2, run_export, export_opts },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void main_usage(FILE *f)
{
	fputs("usage: tsubaki-dump [--help] COMMAND ARGS...\n"
	      "\n"
	      "Inspect the crash dumps on a Tsubaki dump disk (a raw disk image).\n"
	      "\n"
	      "commands:\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-7s %s\n", commands[i].name, commands[i].usage);
	fputs("\n'tsubaki-dump COMMAND --help' describes a command.\n"
	      "Exit status: 0 ok, 1 verification failed or data problem,\n"
	      "2 usage error or malformed input.\n", f);
}

static void command_help(const struct command *c)
{
	usage_of(c, stdout);
	printf("\n%s", c->help);
}

/*
 * Index of option @arg in @opts, or -1; *@namelen: the length of its name.
 * A value option is listed as "--elf=" and given as "--elf=X" or "--elf X".
 */
static int match_opt(const char *const *opts, const char *arg, size_t *namelen)
{
	for (int i = 0; opts && opts[i]; i++) {
		size_t n = strlen(opts[i]);

		if (opts[i][n - 1] == '=' && !strncmp(arg, opts[i], n - 1) &&
		    (arg[n - 1] == '=' || !arg[n - 1])) {
			*namelen = n - 1;
			return i;
		}
		if (!strcmp(arg, opts[i])) {
			*namelen = n;
			return i;
		}
	}
	return -1;
}

/* Split @argv into positionals and the command's options; -1 on errors. */
static int parse_args(const struct command *c, int argc, char **argv,
		      char **args, int *nargs, const char **optv)
{
	bool dashdash = false;

	*nargs = 0;
	for (int i = 0; i < argc; i++) {
		size_t n;
		int k = dashdash ? -1 : match_opt(c->opts, argv[i], &n);

		if (!dashdash && !strcmp(argv[i], "--")) {
			dashdash = true;
		} else if (k >= 0 && argv[i][n] == '=') {
			optv[k] = argv[i] + n + 1;
		} else if (k >= 0 && c->opts[k][n] == '=') {
			if (++i >= argc) {
				fprintf(stderr, "tsubaki-dump: %s: %s needs a value\n",
					c->name, argv[i - 1]);
				return -1;
			}
			optv[k] = argv[i];
		} else if (k >= 0) {
			optv[k] = argv[i];
		} else if (!dashdash && argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "tsubaki-dump: %s: unknown option '%s'\n",
				c->name, argv[i]);
			return -1;
		} else if (*nargs < 2) {
			args[(*nargs)++] = argv[i];
		} else {
			fprintf(stderr, "tsubaki-dump: %s: too many arguments\n", c->name);
			return -1;
		}
	}
	return 0;
}

static int wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

static int run_command(const struct command *c, int argc, char **argv)
{
	const char *optv[4] = { NULL };
	char *args[2] = { NULL };
	int nargs, want = c->nargs;

	if (wants_help(argc, argv)) {
		command_help(c);
		return 0;
	}
	if (parse_args(c, argc, argv, args, &nargs, optv))
		goto usage;
	if (nargs != want) {
		fprintf(stderr, "tsubaki-dump: %s: expected %d argument%s, got %d\n",
			c->name, want, want > 1 ? "s" : "", nargs);
		goto usage;
	}
	return c->run(c, args, nargs, optv);
usage:
	usage_of(c, stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		main_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return run_command(&commands[i], argc - 2, argv + 2);
	fprintf(stderr, "tsubaki-dump: unknown command '%s'\n", argv[1]);
	main_usage(stderr);
	return EXIT_USAGE;
}
