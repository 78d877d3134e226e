// SPDX-License-Identifier: GPL-2.0
/*
 * prober - the paper's memory prober: how much memory can a program get?
 *
 *   prober [FLOOR_MIB]
 *
 * Allocates 1 MiB at a time with malloc() and touches every page of it, as
 * long as MemAvailable in /proc/meminfo stays above FLOOR_MIB (default 16),
 * and waits for more memory otherwise. Every second it prints
 *   PROBE t_ms=<ms since start> mib=<MiB allocated so far>
 * It never exits by itself: the memory stays allocated.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB		(1UL << 20)
#define PAGE		4096UL
#define DEFAULT_FLOOR	16
#define WAIT_MS		20

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* MemAvailable in KiB, or -1 if /proc/meminfo cannot be read. */
static long mem_available_kb(void)
{
	static const char key[] = "MemAvailable:";
	char buf[4096], *p;
	ssize_t n;
	int fd;

	fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do {
		n = read(fd, buf, sizeof(buf) - 1);
	} while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, key);
	if (!p)
		return -1;
	return strtol(p + sizeof(key) - 1, NULL, 10);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	unsigned long floor_mib = DEFAULT_FLOOR, mib = 0;
	uint64_t start, next, t;
	char *end, *p;
	size_t off;
	long avail;

	if (argc > 2 || (argc == 2 && (!strcmp(argv[1], "-h") ||
				       !strcmp(argv[1], "--help")))) {
		fprintf(stderr, "usage: prober [FLOOR_MIB]\n");
		return 2;
	}
	if (argc == 2) {
		errno = 0;
		floor_mib = strtoul(argv[1], &end, 10);
		if (errno || *end || end == argv[1]) {
			fprintf(stderr, "prober: bad floor: %s\n", argv[1]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	start = now_ms();
	next = start;
	for (;;) {
		t = now_ms();
		if (t >= next) {
			printf("PROBE t_ms=%llu mib=%lu\n",
			       (unsigned long long)(t - start), mib);
			next += 1000;
			if (next <= t)	/* fell behind: keep a 1 s rhythm */
				next = t + 1000;
		}
		avail = mem_available_kb();
		if (avail < 0) {
			fprintf(stderr, "prober: cannot read MemAvailable\n");
			sleep_ms(1000);
			continue;
		}
		if ((unsigned long)avail <= (floor_mib + 1) * 1024) {
			sleep_ms(WAIT_MS);
			continue;
		}
		p = malloc(MIB);
		if (!p) {
			sleep_ms(WAIT_MS);
			continue;
		}
		for (off = 0; off < MIB; off += PAGE)
			p[off] = (char)(off / PAGE + 1);
		mib++;
	}
}
