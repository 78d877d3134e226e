// SPDX-License-Identifier: GPL-2.0
/*
 * spin - the paper's CPU-overhead probe
 *
 *   spin [N]
 *
 * Forever: time N (default 1e8) increments of a volatile counter with
 * CLOCK_MONOTONIC and print "SPIN ms=<x.xxx>" for each run. A slower run
 * while the secondary dump goes on is the CPU time the dump costs Linux.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_N	100000000ULL

static volatile uint64_t counter;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long long n = DEFAULT_N, i;
	uint64_t t0, t1;
	char *end;

	if (argc > 2 || (argc == 2 && (!strcmp(argv[1], "-h") ||
				       !strcmp(argv[1], "--help")))) {
		fprintf(stderr, "usage: spin [N]\n");
		return 2;
	}
	if (argc == 2) {
		errno = 0;
		n = strtoull(argv[1], &end, 0);
		if (errno || *end || end == argv[1] || !n) {
			fprintf(stderr, "spin: bad count: %s\n", argv[1]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		counter = 0;
		t0 = now_ns();
		for (i = 0; i < n; i++)
			counter++;
		t1 = now_ns();
		printf("SPIN ms=%.3f\n", (double)(t1 - t0) / 1e6);
	}
}
