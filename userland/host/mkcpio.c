// SPDX-License-Identifier: GPL-2.0
/*
 * Write an uncompressed "newc" cpio archive from a file list,
 * without needing root (owners, modes and device numbers come from the list,
 * not from the file system).  Runs on the build host.
 *
 *   mkcpio LIST OUTPUT
 *
 * LIST has one entry per line ('#' comments and blank lines are ignored):
 *
 *   dir   NAME MODE UID GID
 *   file  NAME SOURCE MODE UID GID
 *   nod   NAME MODE UID GID c|b MAJOR MINOR
 *   slink NAME TARGET MODE UID GID
 *
 * MODE is octal permission bits.  Entries are written in list order, so
 * parent directories must come before their contents.  A leading '/' is
 * dropped from NAME.  Every entry gets mtime $SOURCE_DATE_EPOCH (default 0)
 * so the output is reproducible.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NEWC_MAGIC	"070701"
#define TRAILER_NAME	"TRAILER!!!"

struct entry {
	const char *name;
	unsigned int mode;	/* including S_IF* type bits */
	unsigned int uid, gid;
	unsigned int rmajor, rminor;
	const char *data;
	size_t size;
};

static FILE *out;
static const char *out_path;
static unsigned long long out_pos;
static unsigned int next_ino = 1;
static unsigned long mtime;
static const char *list_path;
static unsigned int lineno;

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkcpio: ");
	if (lineno)
		fprintf(stderr, "%s:%u: ", list_path, lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (out) {
		fclose(out);
		remove(out_path);
	}
	exit(1);
}

static void put(const void *buf, size_t len)
{
	if (len && fwrite(buf, 1, len, out) != len)
		die("write %s: %s", out_path, strerror(errno));
	out_pos += len;
}

static void pad4(void)
{
	static const char zeros[4];

	put(zeros, (4 - (out_pos & 3)) & 3);
}

/**
 * emit() - append one newc record (header, name, data) to the archive
 * @e: the entry; e->name must not start with '/'
 */
static void emit(const struct entry *e)
{
	size_t namesize = strlen(e->name) + 1;
	unsigned long field[13];
	char hex[9];
	int i;

	if (e->size > 0xffffffffUL || namesize > 0xffffffffUL)
		die("%s: too large for newc", e->name);
	field[0] = strcmp(e->name, TRAILER_NAME) ? next_ino++ : 0;
	field[1] = e->mode;
	field[2] = e->uid;
	field[3] = e->gid;
	field[4] = S_ISDIR(e->mode) ? 2 : 1;	/* nlink */
	field[5] = mtime;
	field[6] = e->size;
	field[7] = 0;				/* devmajor (of the file system) */
	field[8] = 0;				/* devminor */
	field[9] = e->rmajor;
	field[10] = e->rminor;
	field[11] = namesize;
	field[12] = 0;				/* check: unused by newc */

	put(NEWC_MAGIC, strlen(NEWC_MAGIC));
	for (i = 0; i < 13; i++) {
		snprintf(hex, sizeof(hex), "%08lX", field[i] & 0xffffffffUL);
		put(hex, 8);
	}
	put(e->name, namesize);
	pad4();
	put(e->data, e->size);
	pad4();
}

static char *read_source(const char *path, size_t *size)
{
	struct stat st;
	char *buf;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st))
		die("%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("%s: not a regular file", path);
	*size = st.st_size;
	buf = malloc(*size ? *size : 1);
	if (!buf)
		die("out of memory");
	if (*size && fread(buf, 1, *size, f) != *size)
		die("%s: short read", path);
	fclose(f);
	return buf;
}

static unsigned int parse_num(const char *s, int base, const char *what)
{
	unsigned long v;
	char *end;

	if (!s)
		die("missing %s", what);
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || end == s || v > 0xffffffffUL)
		die("bad %s '%s'", what, s);
	return v;
}

/**
 * handle_line() - parse one list line and emit its record
 * @line: the line, modified in place by tokenising
 */
static void handle_line(char *line)
{
	static const char sep[] = " \t\r\n";
	struct entry e = { 0 };
	char *type, *tok, *extra, *src;

	type = strtok(line, sep);
	if (!type || *type == '#')
		return;
	e.name = strtok(NULL, sep);
	if (!e.name)
		die("missing name");
	while (*e.name == '/')
		e.name++;
	if (!*e.name)
		die("empty name");

	if (!strcmp(type, "dir")) {
		e.mode = S_IFDIR;
	} else if (!strcmp(type, "file")) {
		e.mode = S_IFREG;
		src = strtok(NULL, sep);
		if (!src)
			die("missing source");
		e.data = read_source(src, &e.size);
	} else if (!strcmp(type, "nod")) {
		/* type bits filled in below, after uid/gid */
	} else if (!strcmp(type, "slink")) {
		e.mode = S_IFLNK;
		e.data = strtok(NULL, sep);
		if (!e.data)
			die("missing link target");
		e.size = strlen(e.data);
	} else {
		die("unknown entry type '%s'", type);
	}

	e.mode |= parse_num(strtok(NULL, sep), 8, "mode") & 07777;
	e.uid = parse_num(strtok(NULL, sep), 10, "uid");
	e.gid = parse_num(strtok(NULL, sep), 10, "gid");

	if (!strcmp(type, "nod")) {
		tok = strtok(NULL, sep);
		if (!tok || (strcmp(tok, "c") && strcmp(tok, "b")))
			die("device type must be c or b");
		e.mode |= *tok == 'c' ? S_IFCHR : S_IFBLK;
		e.rmajor = parse_num(strtok(NULL, sep), 10, "major");
		e.rminor = parse_num(strtok(NULL, sep), 10, "minor");
	}
	extra = strtok(NULL, sep);
	if (extra && *extra != '#')
		die("unexpected '%s'", extra);

	emit(&e);
	if (S_ISREG(e.mode))
		free((char *)e.data);
}

int main(int argc, char **argv)
{
	struct entry trailer = { .name = TRAILER_NAME };
	const char *sde;
	char line[4096];
	FILE *list;

	if (argc != 3) {
		fprintf(stderr, "usage: mkcpio LIST OUTPUT\n");
		return 1;
	}
	sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde)
		mtime = strtoul(sde, NULL, 10);

	list_path = argv[1];
	list = fopen(list_path, "r");
	if (!list)
		die("%s: %s", list_path, strerror(errno));
	out_path = argv[2];
	out = fopen(out_path, "wb");
	if (!out)
		die("%s: %s", out_path, strerror(errno));

	while (fgets(line, sizeof(line), list)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(list))
			die("line too long");
		handle_line(line);
	}
	lineno = 0;
	fclose(list);

	emit(&trailer);
	/* Pad to a 512-byte block like cpio(1) does; the kernel ignores it. */
	while (out_pos & 511)
		put("", 1);
	if (fclose(out)) {
		out = NULL;
		remove(out_path);
		die("write %s: %s", out_path, strerror(errno));
	}
	return 0;
}
