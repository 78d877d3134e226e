/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FW_TIME_H
#define FW_TIME_H
#include <stdint.h>

/* Convert counter ticks at @freq Hz to nanoseconds without overflow. */
static inline uint64_t ticks_to_ns(uint64_t ticks, uint64_t freq)
{
	if (!freq)
		return 0;
	return (ticks / freq) * 1000000000ULL +
	       (ticks % freq) * 1000000000ULL / freq;
}

/* Current time since the counter started, in ns (firmware only). */
uint64_t fw_now_ns(void);
/* Busy-wait helpers that never wait forever. */
uint64_t fw_deadline_us(uint64_t us);
int fw_deadline_passed(uint64_t deadline);

#endif
