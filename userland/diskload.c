// SPDX-License-Identifier: GPL-2.0
/*
 * diskload - keep a block device busy with DMA both ways, for tests
 *
 *   diskload DEV MIB
 *
 * Forever: 1 MiB O_DIRECT writes and reads at pseudo-random offsets in the
 * first MIB MiB of DEV, four buffers, so that the device always has DMA in
 * flight into and out of RAM. Prints "DISKLOAD dev=<DEV> mib=<MIB>" once
 * running and "DISKLOAD ios=<n>" every 256 I/Os.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IO	(1 << 20)
#define NBUF	4

int main(int argc, char **argv)
{
	unsigned long mib, ios = 0;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	void *buf[NBUF];
	char *end;
	int fd, i;

	if (argc != 3)
		goto usage;
	mib = strtoul(argv[2], &end, 10);
	if (*end || mib < 1 || mib > 1 << 20)
		goto usage;
	fd = open(argv[1], O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "diskload: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 0; i < NBUF; i++) {
		if (posix_memalign(&buf[i], 4096, IO))
			return 1;
		memset(buf[i], 0x5a + i, IO);
	}
	printf("DISKLOAD dev=%s mib=%lu\n", argv[1], mib);
	fflush(stdout);
	for (;;) {
		off_t off;
		ssize_t n;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		off = (off_t)(x % mib) * IO;
		i = (int)(ios % NBUF);
		n = ios & 1 ? pread(fd, buf[i], IO, off) : pwrite(fd, buf[i], IO, off);
		if (n != IO) {
			fprintf(stderr, "diskload: I/O at %lld: %s\n", (long long)off,
				n < 0 ? strerror(errno) : "short");
			return 1;
		}
		if (!(++ios % 256)) {
			printf("DISKLOAD ios=%lu\n", ios);
			fflush(stdout);
		}
	}
usage:
	fprintf(stderr, "usage: diskload DEV MIB\n");
	return 2;
}
