// SPDX-License-Identifier: BSD-3-Clause
/*
 * Leveled log and machine-readable events on the secure UART.
 */
#include <stdarg.h>
#include <stdint.h>
#include <arch.h>
#include <fw_printf.h>
#include <fw_time.h>
#include <log.h>
#include <pl011.h>
#include <spinlock.h>

static spinlock_t log_lock;

uint64_t fw_now_ns(void)
{
	return ticks_to_ns(arch_counter(), arch_counter_freq());
}

uint64_t fw_deadline_us(uint64_t us)
{
	return arch_counter() + us * arch_counter_freq() / 1000000ULL;
}

int fw_deadline_passed(uint64_t deadline)
{
	return arch_counter() >= deadline;
}

static void log_emit(const char *prefix, const char *fmt, va_list ap)
{
	char line[512];
	int n;
	uint64_t ns = fw_now_ns();

	n = fw_snprintf(line, sizeof(line), "[%5llu.%06llu] %s",
			(unsigned long long)(ns / 1000000000ULL),
			(unsigned long long)(ns / 1000ULL % 1000000ULL), prefix);
	if (n < (int)sizeof(line))
		fw_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	spin_lock(&log_lock);
	pl011_puts(line);
	pl011_puts("\n");
	spin_unlock(&log_lock);
}

void log_printf(int level, const char *fmt, ...)
{
	static const char *const prefix[] = { "E: ", "W: ", "N: ", "I: ", "V: " };
	int i = level / 10 - 1;
	va_list ap;

	if (i < 0 || i > 4)
		i = 4;
	va_start(ap, fmt);
	log_emit(prefix[i], fmt, ap);
	va_end(ap);
}

void log_event(const char *name, const char *fmt, ...)
{
	char extra[320];	/* the longest event's (dump-done) are about 260 */
	va_list ap;

	va_start(ap, fmt);
	fw_vsnprintf(extra, sizeof(extra), fmt, ap);
	va_end(ap);
	log_printf(LOG_LEVEL_NOTICE, "EVENT t_ns=%llu name=%s %s",
		   (unsigned long long)fw_now_ns(), name, extra);
}

void fw_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit("PANIC: ", fmt, ap);
	va_end(ap);
	for (;;)
		arch_wait_interrupt();
}
