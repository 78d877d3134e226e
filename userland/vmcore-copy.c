// SPDX-License-Identifier: GPL-2.0
/*
 * vmcore-copy - kdump's collector: copy /proc/vmcore to a disk
 *
 *   vmcore-copy [SRC] DST
 *
 * Copies SRC (default /proc/vmcore) to the start of DST (a block device or a
 * file) with a 1 MiB buffer and fsync()s it. Prints
 *   VMCORE size=<bytes SRC says it has>      before copying
 *   VMCORE bytes=<bytes copied> ms=<time>    when DST is synced
 * so a host can take exactly that many bytes from the disk image.
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
#include <sys/stat.h>

#define BUF_SIZE	(1UL << 20)

static char buf[BUF_SIZE];

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *src = "/proc/vmcore", *dst;
	unsigned long long total = 0;
	struct stat st;
	int in, out;
	double t0;
	ssize_t n;

	if (argc == 2) {
		dst = argv[1];
	} else if (argc == 3) {
		src = argv[1];
		dst = argv[2];
	} else {
		fprintf(stderr, "usage: vmcore-copy [SRC] DST\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "vmcore-copy: %s: %s\n", src, strerror(errno));
		return 1;
	}
	if (fstat(in, &st)) {
		fprintf(stderr, "vmcore-copy: stat %s: %s\n", src, strerror(errno));
		return 1;
	}
	out = open(dst, O_WRONLY | O_CLOEXEC);
	if (out < 0) {
		fprintf(stderr, "vmcore-copy: %s: %s\n", dst, strerror(errno));
		return 1;
	}
	printf("VMCORE size=%llu\n", (unsigned long long)st.st_size);
	t0 = now_ms();
	for (;;) {
		n = read(in, buf, BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "vmcore-copy: read %s at %llu: %s\n", src,
				total, strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		if (write_all(out, buf, n)) {
			fprintf(stderr, "vmcore-copy: write %s at %llu: %s\n", dst,
				total, strerror(errno));
			return 1;
		}
		total += n;
	}
	if (fsync(out) || close(out)) {
		fprintf(stderr, "vmcore-copy: sync %s: %s\n", dst, strerror(errno));
		return 1;
	}
	close(in);
	printf("VMCORE bytes=%llu ms=%.1f\n", total, now_ms() - t0);
	return 0;
}
