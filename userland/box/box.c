// SPDX-License-Identifier: GPL-2.0
/*
 * tsubaki-box - every normal-world program in one static executable
 *
 * A static glibc program is about 700 KiB, almost all of it libc. The
 * initramfs held one copy per program (8 MB for ten of them), and every boot
 * -- a crash restart included -- unpacked all of it before init ran. Linked
 * together they share one libc: the initramfs carries this one binary, with
 * /init and /bin/<name> as symbolic links to it.
 *
 * The program to run is the last component of argv[0] ("/bin/memfill" runs
 * memfill), or, when called as tsubaki-box itself, its first argument.
 * Each program's main() was renamed box_main_<name> when it was compiled
 * (userland/Makefile), and every other global symbol of its object made
 * local, so programs cannot clash with each other.
 */
#include <stdio.h>
#include <string.h>

#define BOX_PROG(name, fn) int fn(int argc, char **argv);
#include "box_progs.h"
#undef BOX_PROG

struct box_prog {
	const char *name;
	int (*main)(int argc, char **argv);
};

static const struct box_prog progs[] = {
#define BOX_PROG(name, fn) { name, fn },
#include "box_progs.h"
#undef BOX_PROG
};

#define NPROGS (sizeof(progs) / sizeof(progs[0]))

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void list(FILE *f)
{
	size_t i;

	for (i = 0; i < NPROGS; i++)
		fprintf(f, "%s%s", i ? " " : "", progs[i].name);
	fputc('\n', f);
}

int main(int argc, char **argv)
{
	const char *name = argc > 0 ? base_name(argv[0]) : "";
	size_t i;

	if (strcmp(name, "tsubaki-box") == 0) {
		if (argc < 2 || strcmp(argv[1], "--help") == 0) {
			printf("usage: tsubaki-box PROGRAM [ARGS...]\n"
			       "       PROGRAM [ARGS...]   (through a link named PROGRAM)\n"
			       "programs: ");
			list(stdout);
			return argc < 2 ? 2 : 0;
		}
		argc--;
		argv++;
		name = base_name(argv[0]);
	}
	for (i = 0; i < NPROGS; i++)
		if (strcmp(name, progs[i].name) == 0)
			return progs[i].main(argc, argv);
	fprintf(stderr, "tsubaki-box: no program named '%s'; programs: ", name);
	list(stderr);
	return 127;
}
