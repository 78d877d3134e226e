// SPDX-License-Identifier: GPL-2.0
/*
 * /init (PID 1) of the Tsubaki normal-world initramfs.
 *
 * Mounts the pseudo file systems, loads the Tsubaki kernel modules, prints
 * the "READY boot=N cpus=M" line, runs an optional command script and then
 * serves a tiny line-oriented command interpreter on the console.
 *
 * When started with a PID other than 1 (host testing) it skips the mounts and
 * turns reboot/poweroff into a message followed by exit(0); a non-tty stdin
 * reaching EOF then also ends the program instead of idling forever.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#define MAX_ARGS	64
#define LINE_LEN	4096
#define MODULE_DIR	"/lib/modules/tsubaki"
#define BOOT_COUNT_PATH	"/sys/firmware/devicetree/base/tsubaki/boot-count"
#define DUMP_STATE_PATH	"/sys/firmware/devicetree/base/tsubaki/dump-state"
#define CPU_ONLINE_PATH	"/sys/devices/system/cpu/online"
#define SYSRQ_PATH	"/proc/sysrq-trigger"
#define BIN_DIR		"/bin"
#define PROMPT		"tsubaki# "

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* klogctl() actions, see syslog(2) */
#define KLOG_READ_ALL		3
#define KLOG_SIZE_BUFFER	10

/* True when not running as PID 1: no mounts, no real reboot. */
static bool host_mode;
/* Signal mask to hand to exec'd children (SIGCHLD is blocked in init). */
static sigset_t child_mask;
/* signalfd delivering SIGCHLD, or -1 if unavailable. */
static int sig_fd = -1;

/**
 * struct cmd - a tokenised command line
 * @argc: number of tokens
 * @argv: NUL-terminated tokens (point into @buf), argv[argc] == NULL
 * @rest: for each token, the remainder of the original line starting at it
 * @buf: private copy of the line that @argv points into
 */
struct cmd {
	int argc;
	char *argv[MAX_ARGS + 1];
	const char *rest[MAX_ARGS + 1];
	char buf[LINE_LEN];
};

struct builtin {
	const char *name;
	void (*fn)(struct cmd *c);
	const char *usage;
};

static void run_line(const char *line);

static void say_err(const char *what)
{
	printf("ERR %s\n", what);
}

static void say_errno(int err)
{
	say_err(strerror(err));
}

/**
 * read_file_buf() - read up to @len - 1 bytes of a file as a string
 * @path: file to read
 * @buf: destination, always NUL-terminated on success
 * @len: size of @buf
 *
 * Return: number of bytes read, or -1 with errno set.
 */
static ssize_t read_file_buf(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			close(fd);
			errno = err;
			return -1;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

/**
 * write_file() - write a buffer to a file with a single write(2)
 * @path: file to write (created if missing, truncated otherwise)
 * @data: bytes to write
 * @len: number of bytes
 *
 * sysfs attributes and /proc/sysrq-trigger expect the whole value in one
 * write call, so no retry loop is attempted for short writes.
 *
 * Return: 0 on success, an errno value on failure.
 */
static int write_file(const char *path, const char *data, size_t len)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	do {
		n = write(fd, data, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = EIO;
	if (close(fd) && !err)
		err = errno;
	return err;
}

/* ------------------------------------------------------------------ */
/* Early boot                                                          */
/* ------------------------------------------------------------------ */

static void mount_fs(const char *src, const char *dir, const char *type,
		     unsigned long flags, const char *data)
{
	if (mkdir(dir, 0755) && errno != EEXIST)
		printf("init: mkdir %s: %s\n", dir, strerror(errno));
	if (mount(src, dir, type, flags, data) && errno != EBUSY)
		printf("init: mount %s on %s: %s\n", type, dir,
		       strerror(errno));
}

/**
 * setup_console() - make sure fds 0-2 are usable
 *
 * The kernel opens /dev/console for init if the node exists in the
 * initramfs.  If it did not (fd 1 closed), open it now that devtmpfs is
 * mounted.
 */
static void setup_console(void)
{
	int fd;

	if (fcntl(1, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static void mount_all(void)
{
	mount_fs("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		 NULL);
	mount_fs("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		 NULL);
	mount_fs("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mount_fs("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
}

static int load_module(const char *path)
{
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		err = errno;
	close(fd);
	return err;
}

static int ko_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 3 && !strcmp(d->d_name + n - 3, ".ko");
}

/**
 * load_modules() - finit_module() every *.ko in MODULE_DIR, sorted by name
 *
 * A missing directory simply means there are no modules to load.
 */
static void load_modules(void)
{
	struct dirent **list;
	char path[PATH_MAX];
	int i, n, err;

	n = scandir(MODULE_DIR, &list, ko_filter, alphasort);
	if (n < 0) {
		if (errno != ENOENT)
			printf("init: cannot scan %s: %s\n", MODULE_DIR,
			       strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", MODULE_DIR,
			 list[i]->d_name);
		err = load_module(path);
		if (err)
			printf("init: failed to load %s: %s\n",
			       list[i]->d_name, strerror(err));
		else
			printf("init: loaded %s\n", list[i]->d_name);
		free(list[i]);
	}
	free(list);
}

/*
 * Tests of a kernel that never registers after a crash restart: with
 * tsubaki_noload_after_crash=1 on the command line (an environment variable
 * for init), a boot whose DT says a dump is in progress loads no module.
 */
static bool skip_modules(void)
{
	const char *v = getenv("tsubaki_noload_after_crash");
	char state[32] = "";
	FILE *f;

	if (!v || strcmp(v, "1"))
		return false;
	f = fopen(DUMP_STATE_PATH, "r");
	if (f) {
		if (!fgets(state, sizeof(state), f))
			state[0] = 0;
		fclose(f);
	}
	return !strcmp(state, "in-progress");
}

/* Big-endian u32 device tree property; 0 if absent or malformed. */
static unsigned int read_boot_count(void)
{
	unsigned char b[4];
	ssize_t n;
	int fd;

	fd = open(BOOT_COUNT_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	do {
		n = read(fd, b, sizeof(b));
	} while (n < 0 && errno == EINTR);
	close(fd);
	if (n != (ssize_t)sizeof(b))
		return 0;
	return (unsigned int)b[0] << 24 | (unsigned int)b[1] << 16 |
	       (unsigned int)b[2] << 8 | b[3];
}

/**
 * count_cpu_list() - count the CPUs in a kernel cpu list string
 * @s: list such as "0-3" or "0,2-3\n"
 *
 * Return: number of CPUs, or -1 if @s is malformed.
 */
static int count_cpu_list(const char *s)
{
	unsigned long a, b;
	int count = 0;
	char *end;

	while (*s && *s != '\n') {
		if (!isdigit((unsigned char)*s))
			return -1;
		a = strtoul(s, &end, 10);
		b = a;
		s = end;
		if (*s == '-') {
			s++;
			if (!isdigit((unsigned char)*s))
				return -1;
			b = strtoul(s, &end, 10);
			s = end;
		}
		if (b < a || b - a > 65536)
			return -1;
		count += b - a + 1;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -1;
	}
	return count;
}

static int online_cpus(void)
{
	char buf[256];
	int n = -1;

	if (read_file_buf(CPU_ONLINE_PATH, buf, sizeof(buf)) >= 0)
		n = count_cpu_list(buf);
	if (n < 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return n;
}

/* ------------------------------------------------------------------ */
/* Children                                                            */
/* ------------------------------------------------------------------ */

/* Reap every exited child (bg jobs and orphans re-parented to init). */
static void reap_children(void)
{
	struct signalfd_siginfo si;
	int status;

	if (sig_fd >= 0)
		while (read(sig_fd, &si, sizeof(si)) > 0)
			;
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
}

static void setup_sigchld(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &child_mask);
	sigdelset(&child_mask, SIGCHLD);
	sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void print_status(int status)
{
	const char *abbrev;

	if (WIFEXITED(status)) {
		printf("EXIT %d\n", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		abbrev = sigabbrev_np(WTERMSIG(status));
		printf("EXIT signal %d (SIG%s)\n", WTERMSIG(status),
		       abbrev ? abbrev : "?");
	} else {
		printf("EXIT status 0x%x\n", status);
	}
}

static int wait_for(pid_t pid, int *status)
{
	pid_t r;

	do {
		r = waitpid(pid, status, 0);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : 0;
}

/**
 * spawn() - fork and exec a program
 * @argv: program and arguments; argv[0] without a '/' is looked up in /bin
 * @background: detach stdin from the console (redirect from /dev/null)
 *
 * The child inherits the CPU affinity of the caller, which is how
 * "cpu N run ..." pins a program.
 *
 * Return: pid of the child, or -1 if fork failed (already reported).
 */
static pid_t spawn(char *const argv[], bool background)
{
	char path[PATH_MAX];
	pid_t pid;
	int fd;

	if (strchr(argv[0], '/'))
		snprintf(path, sizeof(path), "%s", argv[0]);
	else
		snprintf(path, sizeof(path), "%s/%s", BIN_DIR, argv[0]);

	pid = fork();
	if (pid < 0) {
		printf("ERR fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0)
		return pid;

	sigprocmask(SIG_SETMASK, &child_mask, NULL);
	if (background) {
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0 && fd != 0) {
			dup2(fd, 0);
			close(fd);
		}
	}
	execv(path, argv);
	printf("ERR exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

/* ------------------------------------------------------------------ */
/* Builtins                                                            */
/* ------------------------------------------------------------------ */

static void cmd_run(struct cmd *c)
{
	int status;
	pid_t pid;

	if (c->argc < 2) {
		say_err("usage: run PROG [ARGS...]");
		return;
	}
	pid = spawn(c->argv + 1, false);
	if (pid < 0)
		return;
	if (wait_for(pid, &status))
		printf("ERR waitpid: %s\n", strerror(errno));
	else
		print_status(status);
}

static void cmd_bg(struct cmd *c)
{
	pid_t pid;

	if (c->argc < 2) {
		say_err("usage: bg PROG [ARGS...]");
		return;
	}
	pid = spawn(c->argv + 1, true);
	if (pid > 0)
		printf("PID %d\n", (int)pid);
}

/**
 * cmd_cpu() - "cpu N CMD..." runs CMD in a child pinned to CPU N
 * @c: parsed command
 *
 * The child sets its affinity, executes CMD (any command, including
 * builtins, run/bg, or another cpu) and exits; init waits for it.  Programs
 * started by run/bg inside inherit the affinity.
 */
static void cmd_cpu(struct cmd *c)
{
	cpu_set_t set;
	long cpu;
	char *end;
	int status;
	pid_t pid;

	if (c->argc < 3) {
		say_err("usage: cpu N CMD...");
		return;
	}
	errno = 0;
	cpu = strtol(c->argv[1], &end, 10);
	if (errno || *end || end == c->argv[1] || cpu < 0 ||
	    cpu >= CPU_SETSIZE) {
		printf("ERR invalid cpu: %s\n", c->argv[1]);
		return;
	}

	pid = fork();
	if (pid < 0) {
		printf("ERR fork: %s\n", strerror(errno));
		return;
	}
	if (pid == 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			printf("ERR sched_setaffinity cpu %ld: %s\n", cpu,
			       strerror(errno));
			_exit(1);
		}
		run_line(c->rest[2]);
		_exit(0);
	}
	if (wait_for(pid, &status)) {
		printf("ERR waitpid: %s\n", strerror(errno));
		return;
	}
	if (WIFSIGNALED(status)) {
		printf("ERR cpu %ld child killed by signal %d\n", cpu,
		       WTERMSIG(status));
	}
}

static void do_reboot(int how, const char *what)
{
	sync();
	if (host_mode) {
		printf("init: not PID 1, would %s; exiting\n", what);
		exit(0);
	}
	if (reboot(how))
		say_errno(errno);
}

static void cmd_reboot(struct cmd *c)
{
	(void)c;
	do_reboot(RB_AUTOBOOT, "reboot");
}

static void cmd_poweroff(struct cmd *c)
{
	(void)c;
	do_reboot(RB_POWER_OFF, "power off");
}

static void cmd_sysrq(struct cmd *c)
{
	int err;

	if (c->argc != 2 || strlen(c->argv[1]) != 1) {
		say_err("usage: sysrq C");
		return;
	}
	err = write_file(SYSRQ_PATH, c->argv[1], 1);
	if (err)
		say_errno(err);
}

static void cmd_write(struct cmd *c)
{
	int err;

	if (c->argc < 3) {
		say_err("usage: write FILE STRING...");
		return;
	}
	err = write_file(c->argv[1], c->rest[2], strlen(c->rest[2]));
	if (err)
		say_errno(err);
}

static void cmd_cat(struct cmd *c)
{
	char buf[4096];
	char last = '\n';
	ssize_t n;
	int fd, i;

	if (c->argc < 2) {
		say_err("usage: cat FILE...");
		return;
	}
	for (i = 1; i < c->argc; i++) {
		fd = open(c->argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			say_errno(errno);
			continue;
		}
		for (;;) {
			n = read(fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				say_errno(errno);
			if (n <= 0)
				break;
			fwrite(buf, 1, n, stdout);
			last = buf[n - 1];
		}
		close(fd);
	}
	/* Keep the prompt at the start of a line. */
	if (last != '\n')
		putchar('\n');
}

/**
 * cmd_dmesg() - print the kernel log buffer
 * @c: parsed command (unused)
 *
 * Reads the whole ring buffer with klogctl() and strips the "<level>"
 * prefix of each record, like dmesg(1) does by default.
 */
static void cmd_dmesg(struct cmd *c)
{
	char *buf, *p, *nl;
	int size, n;

	(void)c;
	size = klogctl(KLOG_SIZE_BUFFER, NULL, 0);
	if (size <= 0)
		size = 1 << 17;
	buf = malloc(size);
	if (!buf) {
		say_errno(ENOMEM);
		return;
	}
	n = klogctl(KLOG_READ_ALL, buf, size);
	if (n < 0) {
		say_errno(errno);
		free(buf);
		return;
	}
	p = buf;
	while (p < buf + n) {
		nl = memchr(p, '\n', buf + n - p);
		if (!nl)
			nl = buf + n;
		if (*p == '<') {
			char *q = p + 1;

			while (q < nl && isdigit((unsigned char)*q))
				q++;
			if (q < nl && *q == '>')
				p = q + 1;
		}
		fwrite(p, 1, nl - p, stdout);
		putchar('\n');
		p = nl + 1;
	}
	free(buf);
}

static void cmd_insmod(struct cmd *c)
{
	int err;

	if (c->argc != 2) {
		say_err("usage: insmod PATH");
		return;
	}
	err = load_module(c->argv[1]);
	if (err)
		say_errno(err);
}

static void cmd_kill(struct cmd *c)
{
	long pid, sig = SIGTERM;
	char *end;

	if (c->argc < 2 || c->argc > 3) {
		say_err("usage: kill PID [SIGNAL]");
		return;
	}
	errno = 0;
	pid = strtol(c->argv[1], &end, 10);
	if (errno || *end || pid <= 1 ||
	    (c->argc == 3 && ((sig = strtol(c->argv[2], &end, 10)) < 1 || sig > 64 || *end))) {
		printf("ERR invalid pid or signal\n");
		return;
	}
	if (kill((pid_t)pid, (int)sig))
		printf("ERR kill %ld: %s\n", pid, strerror(errno));
}

static void cmd_sleep(struct cmd *c)
{
	struct timespec ts;
	double secs;
	char *end;

	if (c->argc != 2) {
		say_err("usage: sleep SECONDS");
		return;
	}
	errno = 0;
	secs = strtod(c->argv[1], &end);
	if (errno || *end || end == c->argv[1] || !isfinite(secs) ||
	    secs < 0 || secs > 1e9) {
		printf("ERR invalid duration: %s\n", c->argv[1]);
		return;
	}
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec > 999999999)
		ts.tv_nsec = 999999999;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void cmd_echo(struct cmd *c)
{
	int i;

	for (i = 1; i < c->argc; i++)
		printf("%s%s", i > 1 ? " " : "", c->argv[i]);
	putchar('\n');
}

static int cmp_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dot(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

/**
 * cmd_ls() - list the entries of a directory, one per line, sorted
 * @c: parsed command: ls DIR
 *
 * Prints "ERR ..." when DIR cannot be read, "(empty)" when it has no entries,
 * so that an empty listing cannot be mistaken for a lost one.
 */
static void cmd_ls(struct cmd *c)
{
	struct dirent **names;
	int i, n;

	if (c->argc != 2) {
		say_err("usage: ls DIR");
		return;
	}
	n = scandir(c->argv[1], &names, not_dot, cmp_name);
	if (n < 0) {
		say_errno(errno);
		return;
	}
	if (!n)
		printf("(empty)\n");
	for (i = 0; i < n; i++) {
		printf("%s\n", names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

/* mkdir_p() - make @dir and its parents: 0 or an errno */
static int mkdir_p(const char *dir)
{
	char path[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n >= sizeof(path))
		return ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i])
			continue;
		path[i] = 0;
		if (mkdir(path, 0755) && errno != EEXIST)
			return errno;
		path[i] = i < n ? '/' : 0;
	}
	return 0;
}

/* cmd_mkdir() - make DIR and its parents */
static void cmd_mkdir(struct cmd *c)
{
	int err;

	if (c->argc != 2) {
		say_err("usage: mkdir DIR");
		return;
	}
	err = mkdir_p(c->argv[1]);
	if (err)
		say_errno(err);
}

/*
 * cmd_mount() - mount DEV on DIR as TYPE (read-write), DIR made if missing
 * @c: parsed command: mount DEV DIR TYPE
 */
static void cmd_mount(struct cmd *c)
{
	int err;

	if (c->argc != 4) {
		say_err("usage: mount DEV DIR TYPE");
		return;
	}
	err = mkdir_p(c->argv[2]);
	if (!err && mount(c->argv[1], c->argv[2], c->argv[3], 0, NULL))
		err = errno;
	if (err)
		say_errno(err);
}

/* cmd_umount() - sync and unmount DIR */
static void cmd_umount(struct cmd *c)
{
	if (c->argc != 2) {
		say_err("usage: umount DIR");
		return;
	}
	sync();
	if (umount(c->argv[1]))
		say_errno(errno);
}

/*
 * cmd_sum() - "SUM <fnv-1a 64 hex> <bytes>" of LEN bytes at OFF of FILE,
 * read with pread() in pieces of up to 64 KiB (tests compare ranges)
 */
static void cmd_sum(struct cmd *c)
{
	static char buf[65536];
	unsigned long long off, len, done = 0;
	uint64_t h = 0xcbf29ce484222325ULL;
	int fd;

	if (c->argc != 4) {
		say_err("usage: sum FILE OFF LEN");
		return;
	}
	off = strtoull(c->argv[2], NULL, 0);
	len = strtoull(c->argv[3], NULL, 0);
	fd = open(c->argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say_errno(errno);
		return;
	}
	while (done < len) {
		size_t want = len - done < sizeof(buf) ? len - done : sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)(off + done));

		if (n < 0) {
			say_errno(errno);
			close(fd);
			return;
		}
		if (!n)
			break;
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ (uint8_t)buf[i]) * 0x100000001b3ULL;
		done += n;
	}
	close(fd);
	printf("SUM %016llx %llu\n", (unsigned long long)h, done);
}

static void cmd_help(struct cmd *c);

static const struct builtin builtins[] = {
	{ "run",	cmd_run,	"run PROG [ARGS...]   run and wait, print EXIT" },
	{ "bg",		cmd_bg,		"bg PROG [ARGS...]    run in background, print PID" },
	{ "cpu",	cmd_cpu,	"cpu N CMD...         run CMD pinned to CPU N" },
	{ "reboot",	cmd_reboot,	"reboot               sync and reboot" },
	{ "poweroff",	cmd_poweroff,	"poweroff             sync and power off" },
	{ "sysrq",	cmd_sysrq,	"sysrq C              write C to " SYSRQ_PATH },
	{ "write",	cmd_write,	"write FILE STRING... write STRING to FILE" },
	{ "cat",	cmd_cat,	"cat FILE...          print files" },
	{ "ls",		cmd_ls,		"ls DIR               list a directory" },
	{ "mount",	cmd_mount,	"mount DEV DIR TYPE   mount a filesystem (DIR made if missing)" },
	{ "umount",	cmd_umount,	"umount DIR           sync and unmount" },
	{ "sum",	cmd_sum,	"sum FILE OFF LEN     FNV-1a hash of LEN bytes at OFF (pread)" },
	{ "mkdir",	cmd_mkdir,	"mkdir DIR            make DIR and its parents" },
	{ "dmesg",	cmd_dmesg,	"dmesg                print the kernel log" },
	{ "insmod",	cmd_insmod,	"insmod PATH          load a kernel module" },
	{ "kill",	cmd_kill,	"kill PID [SIGNAL]    send SIGNAL (default SIGTERM) to PID" },
	{ "sleep",	cmd_sleep,	"sleep SECONDS        sleep (fractions allowed)" },
	{ "echo",	cmd_echo,	"echo ARGS...         print ARGS" },
	{ "help",	cmd_help,	"help                 this list" },
};

static void cmd_help(struct cmd *c)
{
	size_t i;

	(void)c;
	for (i = 0; i < ARRAY_SIZE(builtins); i++)
		printf("  %s\n", builtins[i].usage);
}

/**
 * parse_cmd() - split a line into whitespace separated tokens
 * @line: command line without trailing newline
 * @c: result
 *
 * Return: 0 on success, -1 if the line is too long or has too many tokens.
 */
static int parse_cmd(const char *line, struct cmd *c)
{
	size_t len = strlen(line);
	char *p;

	if (len >= sizeof(c->buf))
		return -1;
	memcpy(c->buf, line, len + 1);
	c->argc = 0;
	p = c->buf;
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (c->argc == MAX_ARGS)
			return -1;
		c->rest[c->argc] = line + (p - c->buf);
		c->argv[c->argc++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	c->argv[c->argc] = NULL;
	c->rest[c->argc] = NULL;
	return 0;
}

/* Remove trailing whitespace (newline, CR, blanks) in place. */
static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/**
 * run_line() - execute one command line
 * @line: command text, already stripped of trailing whitespace
 */
static void run_line(const char *line)
{
	struct cmd *c;
	size_t i;

	c = malloc(sizeof(*c));
	if (!c) {
		say_errno(ENOMEM);
		return;
	}
	if (parse_cmd(line, c)) {
		say_err("command line too long");
		goto out;
	}
	if (!c->argc)
		goto out;
	for (i = 0; i < ARRAY_SIZE(builtins); i++) {
		if (!strcmp(c->argv[0], builtins[i].name)) {
			builtins[i].fn(c);
			goto out;
		}
	}
	printf("ERR unknown command: %s\n", c->argv[0]);
out:
	free(c);
}

/**
 * run_script() - execute the commands of a script file
 * @path: file with one command per line; blank lines and lines starting
 *        with '#' are skipped
 *
 * Each command is echoed as "+ CMD" before it runs.
 */
static void run_script(const char *path)
{
	char *line = NULL, *p;
	size_t cap = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		printf("init: cannot open script %s: %s\n", path,
		       strerror(errno));
		return;
	}
	while (getline(&line, &cap, f) >= 0) {
		chomp(line);
		p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		printf("+ %s\n", p);
		run_line(p);
		reap_children();
	}
	free(line);
	fclose(f);
}

/* ------------------------------------------------------------------ */
/* Console input                                                       */
/* ------------------------------------------------------------------ */

static char in_buf[LINE_LEN];
static size_t in_len;

/* Wait for stdin and/or SIGCHLD; reap children as they exit. */
static int wait_input(bool want_stdin)
{
	struct pollfd pfd[2];
	int n, nfds = 0, sig_idx = -1;

	if (want_stdin) {
		pfd[nfds].fd = 0;
		pfd[nfds++].events = POLLIN;
	}
	if (sig_fd >= 0) {
		sig_idx = nfds;
		pfd[nfds].fd = sig_fd;
		pfd[nfds++].events = POLLIN;
	}
	n = poll(pfd, nfds, sig_fd >= 0 ? -1 : 500);
	if (n < 0 && errno != EINTR)
		sleep(1);
	if (sig_idx < 0 || (n > 0 && pfd[sig_idx].revents))
		reap_children();
	return want_stdin && n > 0 && pfd[0].revents;
}

/**
 * get_line() - read the next console line
 * @out: destination of at least LINE_LEN bytes
 *
 * Keeps reaping children while waiting.  A line longer than the buffer is
 * returned in pieces.
 *
 * Return: true if a line was read, false on end of input.
 */
static bool get_line(char *out)
{
	char *nl;
	size_t n;
	ssize_t r;

	for (;;) {
		nl = memchr(in_buf, '\n', in_len);
		if (nl || in_len == sizeof(in_buf) - 1) {
			n = nl ? (size_t)(nl - in_buf) : in_len;
			memcpy(out, in_buf, n);
			out[n] = '\0';
			if (nl)
				n++;
			in_len -= n;
			memmove(in_buf, in_buf + n, in_len);
			return true;
		}
		if (!wait_input(true))
			continue;
		r = read(0, in_buf + in_len, sizeof(in_buf) - 1 - in_len);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			if (!in_len)
				return false;
			/* Unterminated last line. */
			memcpy(out, in_buf, in_len);
			out[in_len] = '\0';
			in_len = 0;
			return true;
		}
		in_len += r;
	}
}

/**
 * command_loop() - interactive prompt; never returns as PID 1
 *
 * End of input on a tty (e.g. ^D) just shows a new prompt after a short
 * pause.  On other inputs init keeps reaping children forever (or exits
 * in host mode).
 */
static void command_loop(void)
{
	static char line[LINE_LEN];
	struct timespec pause = { 0, 100 * 1000 * 1000 };

	for (;;) {
		fputs(PROMPT, stdout);
		fflush(stdout);
		if (!get_line(line)) {
			if (isatty(0)) {
				putchar('\n');
				nanosleep(&pause, NULL);
				continue;
			}
			break;
		}
		chomp(line);
		run_line(line);
		reap_children();
	}

	putchar('\n');
	if (host_mode) {
		printf("init: end of input, exiting (not PID 1)\n");
		exit(0);
	}
	printf("init: end of console input, idling\n");
	for (;;)
		wait_input(false);
}

int main(int argc, char **argv)
{
	const char *script;

	(void)argc;
	(void)argv;
	setvbuf(stdout, NULL, _IONBF, 0);
	host_mode = getpid() != 1;

	if (host_mode) {
		printf("init: not PID 1 (pid %d), skipping mounts\n",
		       (int)getpid());
	} else {
		mount_all();
		setup_console();
		setenv("PATH", BIN_DIR, 0);
	}
	setup_sigchld();

	if (skip_modules())
		printf("init: crash restart: modules not loaded (tsubaki_noload_after_crash)\n");
	else
		load_modules();
	printf("READY boot=%u cpus=%d\n", read_boot_count(), online_cpus());

	script = getenv("tsubaki_script");
	if (script && *script)
		run_script(script);

	command_loop();
	return 0;
}
