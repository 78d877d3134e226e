// SPDX-License-Identifier: GPL-2.0
/*
 * tsubaki-save - keep the last crash dump as a file on the device's own disk
 *
 * After a crash restart, copies the collector's dump, presented by tsubaki.ko
 * as an ELF vmcore (/dev/tsubaki/vmcore), to DIR/<dump-id>/vmcore -- as
 * kdump-tools keeps /proc/vmcore in /var/crash -- with the crashed kernel's
 * log next to it in dmesg.txt. See docs/analysis.md and the --help text.
 *
 * Crash-safe and resumable: the data goes to vmcore.part, is fdatasync()ed
 * every SYNC_EVERY bytes, and the synced length is kept in "progress"; an
 * interrupted save goes on from there. The file is renamed to vmcore only
 * when complete and synced. It never fills the filesystem: it checks the room
 * (less a free margin) before it starts and stops with an error if the
 * filesystem runs out anyway.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <tsubaki/vmcore_elf.h>

#define BUF_SIZE	(1U << 20)
#define SYNC_EVERY	(16ULL << 20)
#define EXIT_ERROR	1
#define EXIT_USAGE	2
#define EXIT_NO_ROOM	3

static struct {
	const char *dir, *vmcore, *sysfs;
	uint64_t margin;
	uint64_t dump_id;
	double wait_s;
	bool quiet, no_dmesg;
} opt = {
	.dir = "/var/crash",
	.vmcore = "/dev/tsubaki/vmcore",
	.sysfs = "/sys/kernel/tsubaki",
	.margin = 64ULL << 20,
	.wait_s = 600,
};

static uint8_t buf[BUF_SIZE];

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	fputs("tsubaki-save: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_ERROR);
}

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	if (opt.quiet)
		return;
	fputs("tsubaki-save: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the module's sysfs ---- */

/* Read sysfs file @name into @out (trailing newline dropped): 0 or -errno. */
static int sys_read(const char *name, char *out, size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", opt.sysfs, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, out, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	out[n] = 0;
	while (n && out[n - 1] == '\n')
		out[--n] = 0;
	return 0;
}

static int sys_write(const char *name, const char *val)
{
	char path[512];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", opt.sysfs, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static uint64_t sys_u64(const char *name)
{
	char s[64];
	int err = sys_read(name, s, sizeof(s));

	if (err)
		die("cannot read %s/%s: %s", opt.sysfs, name, strerror(-err));
	return strtoull(s, NULL, 0);
}

/* Wait while the collector is still writing the dump. */
static void wait_for_dump(void)
{
	double until = now_s() + opt.wait_s, said = 0;
	char st[64];
	int err;

	for (;;) {
		err = sys_read("state", st, sizeof(st));
		if (err)
			die("cannot read %s/state: %s (is tsubaki.ko loaded?)", opt.sysfs,
			    strerror(-err));
		if (strcmp(st, "primary") && strcmp(st, "secondary"))
			return;
		if (now_s() > until)
			die("the collector is still writing the dump after %.0f s (state %s)",
			    opt.wait_s, st);
		if (now_s() - said >= 10) {
			say("waiting for the collector to finish the dump (%" PRIu64 " of %" PRIu64
			    " MiB on disk)", sys_u64("bytes_dumped") >> 20,
			    sys_u64("bytes_total") >> 20);
			said = now_s();
		}
		usleep(200000);
	}
}

/* ---- files ---- */

static void path_in(char *out, size_t len, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, len, "%s/%s", dir, name) >= len)
		die("path too long: %s/%s", dir, name);
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd))
		die("cannot sync %s: %s", dir, strerror(errno));
	close(fd);
}

/* fsync the directory holding @file (a rename in it must be durable). */
static void sync_parent(const char *file)
{
	char dir[4300];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", file);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	sync_dir(slash ? dir : ".");
}

static void make_dir(const char *dir)
{
	if (mkdir(dir, 0700) && errno != EEXIST)
		die("cannot make %s: %s", dir, strerror(errno));
}

/* The synced length of an interrupted save, 0 if none. */
static uint64_t read_progress(const char *file, uint64_t part_size)
{
	FILE *f = fopen(file, "re");
	unsigned long long v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v <= part_size ? v : part_size;
}

/*
 * Record @done as synced: the new "progress" is in place and durable (its
 * directory synced too) before anything it covers is released.
 */
static void write_progress(const char *file, uint64_t done)
{
	char tmp[4300];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "we");
	if (!f || fprintf(f, "%" PRIu64 "\n", done) < 0 || fflush(f) || fdatasync(fileno(f)) ||
	    fclose(f) || rename(tmp, file))
		die("cannot record progress in %s: %s", file, strerror(errno));
	sync_parent(file);
}

static void pread_all(int fd, void *p, size_t len, uint64_t off, const char *what)
{
	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("reading %s at %" PRIu64 ": %s", what, off, strerror(errno));
		if (!n)
			die("reading %s at %" PRIu64 ": it ends early", what, off);
		p = (uint8_t *)p + n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
}

static void pwrite_all(int fd, const void *p, size_t len, uint64_t off, const char *what)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("writing %s: %s (the part saved so far is kept: run again to resume)",
			    what, n ? strerror(errno) : "nothing written");
		p = (const uint8_t *)p + n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
}

/* Refuse to start what would leave less than the margin free. */
static void check_room(const char *dir, uint64_t need)
{
	struct statvfs sv;
	uint64_t avail;

	if (statvfs(dir, &sv))
		die("cannot stat the filesystem of %s: %s", dir, strerror(errno));
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (avail < need || avail - need < opt.margin) {
		fprintf(stderr, "tsubaki-save: not enough room in %s: %" PRIu64 " MiB to write, %"
			PRIu64 " MiB free, and %" PRIu64 " MiB must stay free (--margin); nothing "
			"written\n", dir, (need + (1 << 20) - 1) >> 20, avail >> 20,
			opt.margin >> 20);
		exit(EXIT_NO_ROOM);
	}
}

/* ---- below: the crashed kernel's log, and memory-mode releases ---- */

int tsb_save_dmesg(int vmcore, const char *out);
struct releaser;
struct releaser *releaser_new(int vmcore);
void releaser_sync(struct releaser *r, uint64_t synced);

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
"usage: tsubaki-save [options]\n"
"Save the collector's crash dump as DIR/<dump-id>/vmcore (an ELF vmcore, as\n"
"/proc/vmcore) and the crashed kernel's log as DIR/<dump-id>/dmesg.txt.\n"
"Waits while the collector is still writing the dump. An interrupted save\n"
"resumes where it stopped; a dump already saved is left alone.\n"
"\n"
"  -d, --dir DIR        where dumps go (default /var/crash)\n"
"  -m, --margin MIB     leave at least MIB free on that filesystem (default 64)\n"
"  -i, --dump ID        save dump ID (default: the newest; see\n"
"                       /sys/kernel/tsubaki/dumps)\n"
"  -w, --wait SECONDS   wait at most this long for the dump (default 600)\n"
"  -q, --quiet          no progress messages\n"
"      --no-dmesg       do not write dmesg.txt\n"
"      --vmcore PATH    read the vmcore from PATH (default /dev/tsubaki/vmcore)\n"
"      --sysfs DIR      the module's sysfs directory (default /sys/kernel/tsubaki)\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 saved, saved before, or no dump to save; 1 error; 2 bad option;\n"
"3 not enough room (nothing written).\n");
}

static uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "tsubaki-save: %s: not a number: '%s'\n", what, s);
		exit(EXIT_USAGE);
	}
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "margin", required_argument, NULL, 'm' },
		{ "dump", required_argument, NULL, 'i' },
		{ "wait", required_argument, NULL, 'w' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-dmesg", no_argument, NULL, 'D' },
		{ "vmcore", required_argument, NULL, 'V' },
		{ "sysfs", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "d:m:i:w:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'd': opt.dir = optarg; break;
		case 'm':
			opt.margin = parse_u64(optarg, "--margin");
			if (opt.margin > (1ULL << 44)) {
				fprintf(stderr, "tsubaki-save: --margin: %s MiB is too large\n", optarg);
				exit(EXIT_USAGE);
			}
			opt.margin <<= 20;
			break;
		case 'i':
			opt.dump_id = parse_u64(optarg, "--dump");
			if (!opt.dump_id) {
				fprintf(stderr, "tsubaki-save: --dump: dump ids start at 1\n");
				exit(EXIT_USAGE);
			}
			break;
		case 'w': opt.wait_s = (double)parse_u64(optarg, "--wait"); break;
		case 'q': opt.quiet = true; break;
		case 'D': opt.no_dmesg = true; break;
		case 'V': opt.vmcore = optarg; break;
		case 'S': opt.sysfs = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(EXIT_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tsubaki-save: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		exit(EXIT_USAGE);
	}
}

/*
 * A resumed save goes on only if the vmcore still has the layout the saved
 * part has (its ELF and program headers): the rest must fit what is there.
 */
static void check_same_layout(int in, int out, const char *part)
{
	static uint8_t a[TSB_ELF_EHDR_SIZE + 1024 * TSB_ELF_PHDR_SIZE];
	static uint8_t b[sizeof(a)];
	size_t len;

	pread_all(in, a, TSB_ELF_EHDR_SIZE, 0, opt.vmcore);
	if (a[4] == 1)	/* ELFCLASS32: a 32-bit ARM vmcore */
		len = TSB_ELF32_EHDR_SIZE + (size_t)(a[44] | a[45] << 8) * TSB_ELF32_PHDR_SIZE;
	else
		len = TSB_ELF_EHDR_SIZE + (size_t)(a[56] | a[57] << 8) * TSB_ELF_PHDR_SIZE;
	if (len > sizeof(a))
		die("%s: too many program headers", opt.vmcore);
	pread_all(in, a, len, 0, opt.vmcore);
	pread_all(out, b, len, 0, part);
	if (memcmp(a, b, len))
		die("%s does not fit the dump any more (its layout differs): move it away to "
		    "save again", part);
}

/* The collector's metadata of the dump (its chunk checksums): DIR/<id>/dump.meta. */
static void save_meta(const char *file)
{
	char src[512], tmp[4300];
	int in, out;
	ssize_t n;

	snprintf(src, sizeof(src), "%s/vmcore_meta", opt.sysfs);
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		die("cannot read %s: %s", src, strerror(errno));
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		die("cannot write %s: %s", tmp, strerror(errno));
	for (uint64_t off = 0; (n = read(in, buf, BUF_SIZE)) > 0; off += (uint64_t)n)
		pwrite_all(out, buf, (size_t)n, off, tmp);
	if (n < 0 || fdatasync(out) || close(out) || rename(tmp, file))
		die("saving %s: %s", file, strerror(errno));
	close(in);
}

/* Open the vmcore of the dump to save; set *@id and *@size. */
static int open_vmcore(uint64_t *id, uint64_t *size)
{
	char s[32];
	off_t end;
	int fd, err;

	if (opt.dump_id) {
		snprintf(s, sizeof(s), "%" PRIu64, opt.dump_id);
		err = sys_write("vmcore_dump", s);
		if (err == -ENOENT || err == -EUCLEAN)
			die("dump %" PRIu64 " %s (see %s/dumps)", opt.dump_id,
			    err == -ENOENT ? "is not on the dump disk" : "is malformed", opt.sysfs);
		if (err)
			die("cannot choose dump %" PRIu64 ": %s", opt.dump_id, strerror(-err));
	}
	for (double until = now_s() + opt.wait_s;;) {
		fd = open(opt.vmcore, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 || errno != EBUSY || now_s() > until)
			break;
		usleep(100000);	/* memory mode: the collector is still checksumming */
	}
	if (fd < 0) {
		if (errno == ENOENT && !access(opt.vmcore, F_OK)) {
			/* every boot runs it: nothing to do is no error */
			fprintf(stderr, "tsubaki-save: no dump to save (none on the dump disk, "
				"none held in memory)\n");
			exit(0);
		}
		die("cannot open %s: %s", opt.vmcore, strerror(errno));
	}
	end = lseek(fd, 0, SEEK_END);
	if (end <= 0)
		die("%s: cannot tell its size: %s", opt.vmcore, end ? strerror(errno) : "empty");
	*size = (uint64_t)end;
	*id = opt.dump_id ? opt.dump_id : sys_u64("vmcore_dump");
	return fd;
}

static void copy(int in, int out, uint64_t from, uint64_t size, const char *part,
		 const char *progress, struct releaser *rel)
{
	uint64_t off = from, synced = from, shown = from;
	double t0 = now_s();

	while (off < size) {
		size_t n = size - off < BUF_SIZE ? (size_t)(size - off) : BUF_SIZE;

		pread_all(in, buf, n, off, opt.vmcore);
		pwrite_all(out, buf, n, off, part);
		off += n;
		if (off - synced >= SYNC_EVERY || off == size) {
			if (fdatasync(out))
				die("syncing %s: %s", part, strerror(errno));
			synced = off;
			write_progress(progress, synced);
			if (rel && off < size)	/* the last part: once the file has its name */
				releaser_sync(rel, synced);
		}
		if (off - shown >= size / 10 || off == size) {
			double dt = now_s() - t0;

			say("%" PRIu64 " of %" PRIu64 " MiB (%.0f%%), %.1f MB/s", off >> 20, size >> 20,
			    100.0 * (double)off / (double)size,
			    dt > 0 ? (double)(off - from) / dt / 1e6 : 0.0);
			shown = off;
		}
	}
}

int main(int argc, char **argv)
{
	char dir[4096], part[4200], final[4200], progress[4200], dmesg[4200], meta[4200];
	char id_s[32], state[32];
	struct releaser *rel = NULL;
	uint64_t id, size, from;
	struct stat st;
	int in, out, memory;

	parse_args(argc, argv);
	wait_for_dump();
	in = open_vmcore(&id, &size);
	make_dir(opt.dir);
	snprintf(id_s, sizeof(id_s), "%" PRIu64, id);
	path_in(dir, sizeof(dir), opt.dir, id_s);
	make_dir(dir);
	sync_dir(opt.dir);
	path_in(final, sizeof(final), dir, "vmcore");
	path_in(part, sizeof(part), dir, "vmcore.part");
	path_in(progress, sizeof(progress), dir, "progress");
	path_in(dmesg, sizeof(dmesg), dir, "dmesg.txt");
	path_in(meta, sizeof(meta), dir, "dump.meta");
	memory = !sys_read("state", state, sizeof(state)) && !strcmp(state, "memory");

	if (!stat(final, &st)) {
		if ((uint64_t)st.st_size != size)
			die("%s exists with %lld bytes, but dump %" PRIu64 " has %" PRIu64
			    ": move it away to save again", final, (long long)st.st_size, id, size);
		say("dump %" PRIu64 " is saved already: %s", id, final);
		/* cut short after the rename: what is still held goes back now */
		if (memory)
			releaser_sync(releaser_new(in), size);
		return 0;
	}
	out = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (out < 0 || fstat(out, &st))
		die("cannot open %s: %s", part, strerror(errno));
	/* Exactly there: in memory mode what lies before it may be handed back already. */
	from = read_progress(progress, (uint64_t)st.st_size);
	if (from > size)
		from = 0;
	/* the part written so far stays allocated: only the rest is new */
	check_room(dir, size > (uint64_t)st.st_size ? size - (uint64_t)st.st_size : 0);
	if (from)
		say("dump %" PRIu64 ": resuming at %" PRIu64 " of %" PRIu64 " MiB", id, from >> 20,
		    size >> 20);
	else
		say("dump %" PRIu64 ": saving %" PRIu64 " MiB to %s%s", id, size >> 20, final,
		    memory ? " (memory mode: each part saved is handed back to Linux)" : "");
	if (from)
		check_same_layout(in, out, part);
	save_meta(meta);
	if (memory) {
		rel = releaser_new(in);
		releaser_sync(rel, from);	/* what an interrupted run saved, if not yet released */
	}
	copy(in, out, from, size, part, progress, rel);
	if (ftruncate(out, (off_t)size) || fdatasync(out))
		die("finishing %s: %s", part, strerror(errno));
	/* from the saved file: in memory mode the RAM is being handed back */
	if (!opt.no_dmesg && tsb_save_dmesg(out, dmesg))
		fprintf(stderr, "tsubaki-save: warning: no dmesg.txt (see above)\n");
	close(out);
	if (rename(part, final))
		die("cannot rename %s to %s: %s", part, final, strerror(errno));
	unlink(progress);
	sync_dir(dir);
	if (rel)
		releaser_sync(rel, size);
	if (sys_u64("vmcore_bad_chunks"))
		die("saved %s, but %" PRIu64 " chunk(s) of it did not match the collector's "
		    "checksums (see dmesg)", final, sys_u64("vmcore_bad_chunks"));
	say("dump %" PRIu64 " saved: %s (%" PRIu64 " bytes)", id, final, size);
	return 0;
}

/* ---- the crashed kernel's log, from the vmcore ---- */

/*
 * The log is read from the vmcore itself, the way makedumpfile --dump-dmesg
 * does (and kdump-tools keeps its output as dmesg.txt): Linux 6.1's lockless
 * printk ring buffer, found through VMCOREINFO.
 */
struct core {
	int fd;
	unsigned int ptr;	/* the crashed kernel's pointer (and long) size: 4 or 8 */
	unsigned int nload;
	struct { uint64_t va, pa, off, size; } load[64];
	char vmci[8192];
	size_t vlen;
};

static uint64_t le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static int core_read_va(struct core *c, uint64_t va, void *out, size_t len)
{
	for (unsigned int i = 0; i < c->nload; i++) {
		if (va >= c->load[i].va && va - c->load[i].va < c->load[i].size &&
		    len <= c->load[i].size - (va - c->load[i].va)) {
			ssize_t n = pread(c->fd, out, len, (off_t)(c->load[i].off + va - c->load[i].va));

			return n == (ssize_t)len ? 0 : -1;
		}
	}
	return -1;
}

static int core_u64(struct core *c, uint64_t va, unsigned int size, uint64_t *v)
{
	uint8_t b[8];

	if (size > 8 || core_read_va(c, va, b, size))
		return -1;
	*v = le(b, size);
	return 0;
}

/*
 * Program headers and the VMCOREINFO note. ELF64 (arm64) or ELF32 (32-bit
 * ARM): where each field of the headers is, by class.
 */
static const struct elf_layout {
	unsigned int ehdr, phoff, phnum, phdr;			/* ELF header */
	unsigned int offset, vaddr, paddr, filesz, word;	/* program header */
} elf64 = { 64, 32, 56, 56, 8, 16, 24, 32, 8 }, elf32 = { 52, 28, 44, 32, 4, 8, 12, 16, 4 };

static int core_open(struct core *c, int fd)
{
	uint8_t eh[64], ph[56], *notes = NULL;
	uint64_t phoff, noff = 0, nlen = 0;
	const struct elf_layout *l;
	unsigned int phnum;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	if (pread(fd, eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh, "\177ELF", 4) ||
	    (eh[4] != 1 && eh[4] != 2))
		return -1;
	l = eh[4] == 1 ? &elf32 : &elf64;
	c->ptr = l->word;
	phoff = le(eh + l->phoff, l->word);
	phnum = (unsigned int)le(eh + l->phnum, 2);
	for (unsigned int i = 0; i < phnum; i++) {
		if (pread(fd, ph, l->phdr, (off_t)(phoff + (uint64_t)l->phdr * i)) !=
		    (ssize_t)l->phdr)
			return -1;
		if (le(ph, 4) == 4) {
			noff = le(ph + l->offset, l->word);
			nlen = le(ph + l->filesz, l->word);
		} else if (le(ph, 4) == 1 && c->nload < 64) {
			c->load[c->nload].va = le(ph + l->vaddr, l->word);
			c->load[c->nload].pa = le(ph + l->paddr, l->word);
			c->load[c->nload].off = le(ph + l->offset, l->word);
			c->load[c->nload++].size = le(ph + l->filesz, l->word);
		}
	}
	if (!nlen || nlen > (1 << 20) || !(notes = malloc(nlen)) ||
	    pread(fd, notes, nlen, (off_t)noff) != (ssize_t)nlen) {
		free(notes);
		return -1;
	}
	for (uint64_t p = 0; p + 12 <= nlen; ) {
		uint64_t namesz = le(notes + p, 4), descsz = le(notes + p + 4, 4);
		uint64_t desc = p + 12 + tsb_align4(namesz);

		if (desc + descsz > nlen)
			break;
		if (namesz == sizeof("VMCOREINFO") && !memcmp(notes + p + 12, "VMCOREINFO", namesz)) {
			c->vlen = descsz < sizeof(c->vmci) ? descsz : sizeof(c->vmci);
			memcpy(c->vmci, notes + desc, c->vlen);
			c->vlen = strnlen(c->vmci, c->vlen);
		}
		p = desc + tsb_align4(descsz);
	}
	free(notes);
	return c->vlen ? 0 : -1;
}

static uint64_t vmci(struct core *c, const char *key, unsigned int base, int *bad)
{
	uint64_t v = 0;

	if (tsb_vmci_number(c->vmci, c->vlen, key, base, &v)) {
		if (!(*bad)++)
			fprintf(stderr, "tsubaki-save: dmesg: VMCOREINFO lacks %s\n", key);
	}
	return v;
}

#define OFF(k)	vmci(&c, "OFFSET(" k ")", 10, &bad)
#define SZ(k)	vmci(&c, "SIZE(" k ")", 10, &bad)

int tsb_save_dmesg(int vmcore, const char *out)
{
	struct core c;
	int bad = 0;
	uint64_t prb, dr, tr, descs, infos, head, tail, data, cnt_bits, size_bits, id;
	uint64_t o_cnt, sz_desc, sz_info, o_sv, o_lpos, o_begin, o_next, o_ts, o_len;
	uint64_t count, dsize, idmask, lmask, lines = 0;
	unsigned int w, sv_shift;	/* a pointer's or long's bytes; the state bits' shift */
	char tmp[4300];
	FILE *f;

	if (core_open(&c, vmcore)) {
		fprintf(stderr, "tsubaki-save: dmesg: the vmcore has no VMCOREINFO\n");
		return -1;
	}
	/* The ring's ids and positions are longs: 32 bits in a 32-bit ARM kernel. */
	w = c.ptr;
	sv_shift = 8 * w - 2;
	lmask = w == 8 ? ~0ULL : (1ULL << 32) - 1;
	idmask = lmask & ~(3ULL << sv_shift);
	o_cnt = OFF("atomic_long_t.counter");
	sz_desc = SZ("prb_desc");
	sz_info = SZ("printk_info");
	o_sv = OFF("prb_desc.state_var");
	o_lpos = OFF("prb_desc.text_blk_lpos");
	o_begin = OFF("prb_data_blk_lpos.begin");
	o_next = OFF("prb_data_blk_lpos.next");
	o_ts = OFF("printk_info.ts_nsec");
	o_len = OFF("printk_info.text_len");
	if (core_u64(&c, vmci(&c, "SYMBOL(prb)", 16, &bad), w, &prb) || bad) {
		fprintf(stderr, "tsubaki-save: dmesg: cannot find the printk ring buffer\n");
		return -1;
	}
	dr = prb + OFF("printk_ringbuffer.desc_ring");
	tr = prb + OFF("printk_ringbuffer.text_data_ring");
	if (core_u64(&c, dr + OFF("prb_desc_ring.count_bits"), 4, &cnt_bits) ||
	    core_u64(&c, dr + OFF("prb_desc_ring.descs"), w, &descs) ||
	    core_u64(&c, dr + OFF("prb_desc_ring.infos"), w, &infos) ||
	    core_u64(&c, dr + OFF("prb_desc_ring.head_id") + o_cnt, w, &head) ||
	    core_u64(&c, dr + OFF("prb_desc_ring.tail_id") + o_cnt, w, &tail) ||
	    core_u64(&c, tr + OFF("prb_data_ring.size_bits"), 4, &size_bits) ||
	    core_u64(&c, tr + OFF("prb_data_ring.data"), w, &data) || bad ||
	    cnt_bits > 24 || size_bits > 30) {
		fprintf(stderr, "tsubaki-save: dmesg: the printk ring buffer is not in the dump\n");
		return -1;
	}
	count = 1ULL << cnt_bits;
	dsize = 1ULL << size_bits;
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	f = fopen(tmp, "we");
	if (!f) {
		fprintf(stderr, "tsubaki-save: dmesg: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	id = tail & idmask;
	for (uint64_t n = 0; n < count; n++, id = (id + 1) & idmask) {
		uint64_t idx = id % count, desc = descs + idx * sz_desc, info = infos + idx * sz_info;
		uint64_t sv, begin, next, ts, tlen, blk = 0, blen;
		char text[1024];

		if (!core_u64(&c, desc + o_sv + o_cnt, w, &sv) && (sv & idmask) == id &&
		    (sv >> sv_shift == 1 || sv >> sv_shift == 2) &&
		    !core_u64(&c, desc + o_lpos + o_begin, w, &begin) &&
		    !core_u64(&c, desc + o_lpos + o_next, w, &next) &&
		    !core_u64(&c, info + o_ts, 8, &ts) && !core_u64(&c, info + o_len, 2, &tlen)) {
			if ((begin & 1) || ((next - begin) & lmask) > dsize) {
				blen = 0;	/* a record without text */
			} else if (begin / dsize == next / dsize) {
				blk = begin % dsize;
				blen = next - begin;
			} else {
				blk = 0;	/* wrapped: the block starts at the ring's start */
				blen = next % dsize;
			}
			blen = blen > w ? blen - w : 0;	/* the block's id, a long */
			if (tlen > blen)
				tlen = blen;
			if (tlen > sizeof(text))
				tlen = sizeof(text);
			if (tlen && core_read_va(&c, data + blk + w, text, tlen))
				tlen = 0;
			fprintf(f, "[%5llu.%06llu] %.*s\n", (unsigned long long)(ts / 1000000000),
				(unsigned long long)(ts % 1000000000 / 1000), (int)tlen, text);
			lines++;
		}
		if (id == (head & idmask))
			break;
	}
	if (fflush(f) || fdatasync(fileno(f)) || fclose(f) || rename(tmp, out)) {
		fprintf(stderr, "tsubaki-save: dmesg: writing %s: %s\n", out, strerror(errno));
		return -1;
	}
	say("the crashed kernel's log: %s (%llu lines)", out, (unsigned long long)lines);
	return 0;
}

/* ---- memory mode: release what is saved ---- */

/*
 * In memory mode the dump is the crashed kernel's RAM itself. A chunk of it
 * may be released (handed back to Linux) once every byte of the file that
 * comes from it is synced: the kernel image segment repeats part of the RAM
 * at the start of the file, so each chunk waits for its last use.
 */
struct releaser {
	uint64_t cs, base;	/* chunk size; the first chunk's address */
	uint64_t n;
	uint64_t *need;		/* per chunk: the file offset its last byte ends at, 0: none */
	uint8_t *done;
};

struct releaser *releaser_new(int vmcore)
{
	struct releaser *r = calloc(1, sizeof(*r));
	struct core c;
	uint64_t lo = UINT64_MAX, hi = 0;

	if (!r || core_open(&c, vmcore))
		die("memory mode: cannot read the vmcore's program headers");
	r->cs = sys_u64("vmcore_chunk_size");
	if (!r->cs || r->cs & (r->cs - 1))
		die("memory mode: bad chunk size %" PRIu64, r->cs);
	for (unsigned int i = 0; i < c.nload; i++) {
		if (c.load[i].pa < lo)
			lo = c.load[i].pa;
		if (c.load[i].pa + c.load[i].size > hi)
			hi = c.load[i].pa + c.load[i].size;
	}
	r->base = lo & ~(r->cs - 1);
	r->n = hi > lo ? (hi - r->base + r->cs - 1) / r->cs : 0;
	r->need = calloc(r->n ? r->n : 1, sizeof(*r->need));
	r->done = calloc(r->n ? r->n : 1, 1);
	if (!r->need || !r->done)
		die("out of memory");
	for (unsigned int i = 0; i < c.nload; i++) {
		uint64_t pa = c.load[i].pa, end = pa + c.load[i].size;

		while (pa < end) {
			uint64_t k = (pa - r->base) / r->cs;
			uint64_t cend = r->base + (k + 1) * r->cs;
			uint64_t upto = (cend < end ? cend : end) - c.load[i].pa + c.load[i].off;

			if (upto > r->need[k])
				r->need[k] = upto;
			pa = cend < end ? cend : end;
		}
	}
	return r;
}

static void release_run(struct releaser *r, uint64_t first, uint64_t end)
{
	char s[64];
	int err;

	snprintf(s, sizeof(s), "0x%" PRIx64 " 0x%" PRIx64, r->base + first * r->cs,
		 (end - first) * r->cs);
	err = sys_write("release", s);
	if (err && err != -EALREADY)	/* EALREADY: an interrupted run released it */
		die("releasing %s: %s", s, strerror(-err));
	for (uint64_t k = first; k < end; k++)
		r->done[k] = 1;
}

void releaser_sync(struct releaser *r, uint64_t synced)
{
	uint64_t k = 0, first;

	while (k < r->n) {
		while (k < r->n && (r->done[k] || !r->need[k] || r->need[k] > synced))
			k++;
		first = k;
		while (k < r->n && !r->done[k] && r->need[k] && r->need[k] <= synced)
			k++;
		if (k > first)
			release_run(r, first, k);
	}
}
