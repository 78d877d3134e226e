// SPDX-License-Identifier: GPL-2.0
/*
 * wdt-ping - a minimal watchdog daemon for tests and the demo
 *
 *   wdt-ping [-d DEV] TIMEOUT_S PERIOD_MS [COUNT]
 *
 * Opens DEV (default /dev/watchdog), sets the timeout, prints
 * "WDT timeout=<s> dev=<DEV>" and pings every PERIOD_MS. With COUNT, it stops
 * after COUNT pings and exits without the magic close: the watchdog stays
 * armed and runs out (what a hung daemon looks like). SIGTERM or SIGINT
 * stops the watchdog properly (magic close) and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: wdt-ping [-d DEV] TIMEOUT_S PERIOD_MS [COUNT]\n");
	return 2;
}

static int number(const char *s, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < min || *out > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/watchdog";
	long timeout, period, count = -1;
	struct timespec ts;
	int fd, t, i = 1;

	if (argc > 2 && !strcmp(argv[1], "-d")) {
		dev = argv[2];
		i = 3;
	}
	if (argc - i < 2 || argc - i > 3 || number(argv[i], 1, 3600, &timeout) ||
	    number(argv[i + 1], 1, 3600000, &period) ||
	    (argc - i == 3 && number(argv[i + 2], 0, 1L << 30, &count)))
		return usage();
	fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "wdt-ping: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	t = (int)timeout;
	if (ioctl(fd, WDIOC_SETTIMEOUT, &t) < 0) {
		fprintf(stderr, "wdt-ping: WDIOC_SETTIMEOUT %ld: %s\n", timeout, strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("WDT timeout=%d dev=%s\n", t, dev);
	fflush(stdout);
	ts.tv_sec = period / 1000;
	ts.tv_nsec = (period % 1000) * 1000000L;
	while (!stop && count != 0) {
		if (ioctl(fd, WDIOC_KEEPALIVE, 0) < 0) {
			fprintf(stderr, "wdt-ping: WDIOC_KEEPALIVE: %s\n", strerror(errno));
			return 1;
		}
		if (count > 0)
			count--;
		nanosleep(&ts, NULL);
	}
	if (stop) {
		if (write(fd, "V", 1) != 1)
			fprintf(stderr, "wdt-ping: magic close: %s\n", strerror(errno));
		close(fd);
		printf("WDT stopped\n");
		return 0;
	}
	printf("WDT pings stopped: the watchdog runs out in %d s\n", t);
	fflush(stdout);
	return 0;	/* closing without the magic close leaves it armed */
}
