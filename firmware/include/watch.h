/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hang watch: what catches a kernel that never calls the collector.
 *
 * Secure lockup detector. Every CPU in the normal world samples itself
 * every watch_ms (secure timer FIQ, which Linux cannot mask). A sample is
 * "stuck" when the kernel had IRQs masked while one of its interrupts (its
 * timer tick, an IPI) was pending: an idle CPU in WFI has IRQs masked too,
 * but nothing pending. A CPU stuck in every sample for lockup_s seconds is a
 * hard lockup: the collector takes a crash dump (cause hard-lockup, naming
 * every CPU stuck for at least half the limit) and restarts Linux. Only a
 * firmware option (lockup_s=0) turns it off.
 *
 * Watchdog. TSB_SMC_WATCHDOG arms, pings and stops a countdown (tsubaki.ko
 * makes it /dev/watchdog). When it runs out, the sampling CPU that notices
 * takes a crash dump with the cause watchdog. Every restart stops it.
 */
#ifndef WATCH_H
#define WATCH_H
#include <stdint.h>
#include <arch.h>

/* Options: lockup_s (default 10, 0: off), watch_ms (default 100). */
void watch_setup(const char *cfg, uint64_t cfg_len);
/* This CPU enters the normal world: start sampling it. */
void watch_cpu_enters_ns(void);
/* A restart: the watchdog stops (the next kernel arms its own). */
void watch_on_restart(void);
/* TSB_SMC_WATCHDOG: x1 = timeout in s (0: stop). Returns TSB_E_*. */
int64_t watch_smc_watchdog(uint64_t timeout_s);
/* Cost so far (every CPU): samples, and their total and longest time in ns. */
void watch_stats(uint64_t *samples, uint64_t *ns, uint64_t *ns_max);
/* The same as a "watch-stats" event (at every restart and at power off). */
void watch_log_stats(void);

#endif
