/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Leveled log on the secure UART. LOG_LEVEL (build option) compiles out the
 * levels above it. Every line is "[seconds] L: text"; events for benchmarks
 * are "EVENT t_ns=<ns> name=<name> ..." and are never compiled out.
 */
#ifndef LOG_H
#define LOG_H

#define LOG_LEVEL_ERROR		10
#define LOG_LEVEL_WARN		20
#define LOG_LEVEL_NOTICE	30
#define LOG_LEVEL_INFO		40
#define LOG_LEVEL_VERBOSE	50

#ifndef LOG_LEVEL
#define LOG_LEVEL LOG_LEVEL_INFO
#endif

void log_printf(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_event(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void __attribute__((noreturn)) fw_panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#define LOG_AT(lvl, ...) do {						\
	if ((lvl) <= LOG_LEVEL)						\
		log_printf(lvl, __VA_ARGS__);				\
} while (0)

#define ERROR(...)	LOG_AT(LOG_LEVEL_ERROR, __VA_ARGS__)
#define WARN(...)	LOG_AT(LOG_LEVEL_WARN, __VA_ARGS__)
#define NOTICE(...)	LOG_AT(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define INFO(...)	LOG_AT(LOG_LEVEL_INFO, __VA_ARGS__)
#define VERBOSE(...)	LOG_AT(LOG_LEVEL_VERBOSE, __VA_ARGS__)

#endif
