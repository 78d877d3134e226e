/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The secure timer, shared: each CPU has one EL3 secure physical timer (a
 * group-0 PPI) and several clients that want a deadline on it. Each client
 * has one deadline per CPU; the timer is programmed for the nearest one.
 * Deadlines are per CPU: a client that arms on CPU1 is called on CPU1.
 */
#ifndef STIMER_H
#define STIMER_H
#include <stdint.h>
#include <arch.h>

enum stimer_client {
	STIMER_DUMP,		/* the dump engine: secondary-dump fallback, checksum steps */
	STIMER_WATCH,		/* the hang watch's sampling (firmware/watch/) */
	STIMER_COUNT
};

/* Call @c on this CPU in @us microseconds (replacing its deadline); 0 disarms. */
void stimer_arm(enum stimer_client c, uint64_t us);
/* This CPU leaves the normal world (parked): every deadline on it is dropped. */
void stimer_cpu_off(void);
/* The timer's FIQ on this CPU: call the clients whose deadline passed. */
void stimer_fiq(struct cpu_ctx *ctx);

/* The clients' handlers. */
void dump_timer_fiq(void);
void watch_sample(struct cpu_ctx *ctx);

#endif
