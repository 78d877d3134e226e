// SPDX-License-Identifier: GPL-2.0
/*
 * kdump-load - load a kdump capture kernel without kexec-tools
 *
 *   kdump-load KERNEL INITRD CMDLINE...
 *
 * Calls kexec_file_load(2) with KEXEC_FILE_ON_CRASH: the next panic boots
 * KERNEL with INITRD in the memory reserved by crashkernel=. The command line
 * is every argument after INITRD joined by single spaces (the init shell does
 * not know quotes; one pair of surrounding double quotes is dropped).
 * Prints "KDUMP loaded cmdline=..." on success.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kexec.h>
#include <sys/syscall.h>

#define CMDLINE_MAX	4096	/* more than arm64's COMMAND_LINE_SIZE */

#ifndef SYS_kexec_file_load
#define SYS_kexec_file_load 294		/* arm64, asm-generic */
#endif

static const char *hint(int err)
{
	switch (err) {
	case ENOSYS:
		return " (kernel built without CONFIG_KEXEC_FILE?)";
	case EINVAL:
	case ENOMEM:
	case EADDRNOTAVAIL:
		return " (no or too small crashkernel= reservation? bad image?)";
	case EPERM:
		return " (needs CAP_SYS_BOOT; kexec_load_disabled?)";
	case EBUSY:
		return " (a crash kernel is running or being loaded)";
	case ENOEXEC:
		return " (KERNEL is not an arm64 Image)";
	default:
		return "";
	}
}

int main(int argc, char **argv)
{
	static char cmdline[CMDLINE_MAX];
	size_t len = 0, n;
	int kfd, ifd, i;
	long ret;

	if (argc < 4) {
		fprintf(stderr, "usage: kdump-load KERNEL INITRD CMDLINE...\n");
		return 2;
	}
	for (i = 3; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (len > sizeof(cmdline)) {
		fprintf(stderr, "kdump-load: command line longer than %zu bytes\n",
			sizeof(cmdline) - 1);
		return 1;
	}
	for (i = 3; i < argc; i++) {
		if (i > 3)
			strcat(cmdline, " ");
		strcat(cmdline, argv[i]);
	}
	n = strlen(cmdline);
	if (n >= 2 && cmdline[0] == '"' && cmdline[n - 1] == '"') {
		memmove(cmdline, cmdline + 1, n - 2);
		cmdline[n - 2] = '\0';
		n -= 2;
	}

	kfd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (kfd < 0) {
		fprintf(stderr, "kdump-load: kernel %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	ifd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (ifd < 0) {
		fprintf(stderr, "kdump-load: initrd %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	/* The length passed includes the terminating NUL. */
	ret = syscall(SYS_kexec_file_load, kfd, ifd, n + 1, cmdline,
		      (unsigned long)KEXEC_FILE_ON_CRASH);
	if (ret) {
		int err = errno;

		fprintf(stderr, "kdump-load: kexec_file_load: %s%s\n", strerror(err),
			hint(err));
		return 1;
	}
	close(kfd);
	close(ifd);
	printf("KDUMP loaded cmdline=%s\n", cmdline);
	return 0;
}
