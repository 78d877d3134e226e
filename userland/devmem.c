// SPDX-License-Identifier: GPL-2.0
/*
 * Read or write one 32-bit word of physical memory via /dev/mem.
 *
 *   devmem ADDR [VALUE]
 *
 * ADDR is hexadecimal (an optional 0x prefix is accepted) and must be
 * 4-byte aligned.  VALUE is parsed with strtoul() base 0 (so 0x... for hex).
 *
 * A faulting access (e.g. a synchronous external abort on secure memory,
 * delivered as SIGBUS) is caught and reported as
 * "devmem: fault SIGBUS at 0xADDR", exit status 2.  Other errors exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

/* Overridable for host tests, e.g. -DDEVMEM_PATH='"/tmp/file"'. */
#ifndef DEVMEM_PATH
#define DEVMEM_PATH "/dev/mem"
#endif

static sigjmp_buf fault_env;
static volatile sig_atomic_t fault_sig;

static void fault_handler(int sig)
{
	fault_sig = sig;
	siglongjmp(fault_env, 1);
}

static void usage(void)
{
	fprintf(stderr, "usage: devmem ADDR [VALUE]\n");
	exit(1);
}

static int parse_u64(const char *s, int base, unsigned long long *val)
{
	char *end;

	errno = 0;
	*val = strtoull(s, &end, base);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

/**
 * main() - map the page holding ADDR and access one word of it
 *
 * The access happens between sigsetjmp() and the end of the protected
 * region; SIGBUS/SIGSEGV raised by it jump back and are reported.
 */
int main(int argc, char **argv)
{
	unsigned long long addr, value = 0, page;
	volatile uint32_t *word;
	struct sigaction sa;
	bool do_write;
	long pagesz;
	void *map;
	uint32_t v;
	int fd;

	if (argc != 2 && argc != 3)
		usage();
	do_write = argc == 3;
	if (parse_u64(argv[1], 16, &addr)) {
		fprintf(stderr, "devmem: bad address '%s'\n", argv[1]);
		return 1;
	}
	if (addr & 3) {
		fprintf(stderr, "devmem: address 0x%llx not 4-byte aligned\n",
			addr);
		return 1;
	}
	if (do_write && (parse_u64(argv[2], 0, &value) || value > UINT32_MAX)) {
		fprintf(stderr, "devmem: bad value '%s'\n", argv[2]);
		return 1;
	}

	pagesz = sysconf(_SC_PAGESIZE);
	if (pagesz <= 0)
		pagesz = 4096;
	page = addr & ~((unsigned long long)pagesz - 1);

	fd = open(DEVMEM_PATH, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "devmem: %s: %s\n", DEVMEM_PATH,
			strerror(errno));
		return 1;
	}
	map = mmap(NULL, pagesz, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)page);
	if (map == MAP_FAILED) {
		fprintf(stderr, "devmem: mmap 0x%llx: %s\n", page,
			strerror(errno));
		return 1;
	}
	close(fd);
	word = (volatile uint32_t *)((char *)map + (addr - page));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fault_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	if (sigsetjmp(fault_env, 1)) {
		printf("devmem: fault %s at 0x%08llx\n",
		       fault_sig == SIGBUS ? "SIGBUS" : "SIGSEGV", addr);
		fflush(stdout);
		return 2;
	}

	if (do_write) {
		*word = (uint32_t)value;
		printf("devmem: wrote 0x%08llx = 0x%08x\n", addr,
		       (uint32_t)value);
	} else {
		v = *word;
		printf("devmem: read 0x%08llx = 0x%08x\n", addr, v);
	}
	fflush(stdout);
	munmap(map, pagesz);
	return 0;
}
