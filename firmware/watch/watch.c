// SPDX-License-Identifier: BSD-3-Clause
/*
 * The hang watch: the secure lockup detector and the watchdog (see watch.h).
 */
#include <stdint.h>
#include <arch.h>
#include <cpu.h>
#include <fw_config.h>
#include <fw_time.h>
#include <gic.h>
#include <log.h>
#include <psci.h>
#include <restart.h>
#include <stimer.h>
#include <watch.h>
#include <tsubaki/abi.h>
#include <tsubaki/dump_format.h>

#define LOCKUP_S_DEFAULT	10U
#define LOCKUP_S_MAX		600U
#define WATCH_MS_DEFAULT	100U

static struct {
	uint64_t period_us;		/* between two samples of a CPU */
	uint64_t lockup_ticks;		/* stuck this long: a hard lockup; 0: off */
	uint64_t lockup_s;
	volatile uint64_t wdt_deadline;	/* counter; 0: the watchdog is stopped */
	volatile uint32_t lockup_taken;	/* a CPU is reporting a lockup: the rest are seized */
} w;

void watch_setup(const char *cfg, uint64_t cfg_len)
{
	uint64_t lockup = LOCKUP_S_DEFAULT, ms = WATCH_MS_DEFAULT;

	cfg_get_u64(cfg, cfg_len, "lockup_s", &lockup);
	cfg_get_u64(cfg, cfg_len, "watch_ms", &ms);
	if (lockup > LOCKUP_S_MAX) {
		WARN("watch: lockup_s=%llu is above %u s, using %u", (unsigned long long)lockup,
		     LOCKUP_S_MAX, LOCKUP_S_DEFAULT);
		lockup = LOCKUP_S_DEFAULT;
	}
	if (ms < 10 || ms > 1000) {
		WARN("watch: watch_ms=%llu is not 10..1000, using %u", (unsigned long long)ms,
		     WATCH_MS_DEFAULT);
		ms = WATCH_MS_DEFAULT;
	}
	if (lockup && lockup * 1000 < 2 * ms) {
		WARN("watch: lockup_s=%llu is shorter than two samples: using %u s",
		     (unsigned long long)lockup, LOCKUP_S_DEFAULT);
		lockup = LOCKUP_S_DEFAULT;
	}
	w.period_us = ms * 1000;
	w.lockup_s = lockup;
	w.lockup_ticks = lockup * arch_counter_freq();
	if (lockup)
		NOTICE("watch: hard-lockup detector on: a CPU stuck with IRQs masked for %llu s "
		       "is dumped (sampled every %llu ms)", (unsigned long long)lockup,
		       (unsigned long long)ms);
	else
		NOTICE("watch: hard-lockup detector off (lockup_s=0)");
}

void watch_cpu_enters_ns(void)
{
	struct pcpu *p = this_cpu();

	p->masked_since = 0;
	stimer_arm(STIMER_WATCH, w.period_us);
}

void watch_on_restart(void)
{
	__atomic_store_n(&w.lockup_taken, 0, __ATOMIC_RELEASE);
	if (__atomic_exchange_n(&w.wdt_deadline, 0, __ATOMIC_ACQ_REL))
		log_event("watchdog-stop", "by=restart");
}

int64_t watch_smc_watchdog(uint64_t timeout_s)
{
	uint64_t old;

	if (timeout_s > TSB_WATCHDOG_MAX_S)
		return TSB_E_INVALID;
	old = __atomic_exchange_n(&w.wdt_deadline, timeout_s ?
				  arch_counter() + timeout_s * arch_counter_freq() : 0,
				  __ATOMIC_ACQ_REL);
	if (!old && timeout_s)
		log_event("watchdog-start", "timeout_s=%llu", (unsigned long long)timeout_s);
	else if (old && !timeout_s)
		log_event("watchdog-stop", "by=linux");
	return TSB_E_OK;
}

void watch_stats(uint64_t *samples, uint64_t *ns, uint64_t *ns_max)
{
	uint64_t s = 0, t = 0, m = 0;
	unsigned int i;

	for (i = 0; i < psci_ncpus(); i++) {
		const struct pcpu *p = cpu_pcpu(i);

		if (!p)
			continue;
		s += p->watch_samples;
		t += p->watch_ticks;
		if (p->watch_ticks_max > m)
			m = p->watch_ticks_max;
	}
	*samples = s;
	*ns = ticks_to_ns(t, arch_counter_freq());
	*ns_max = ticks_to_ns(m, arch_counter_freq());
}

void watch_log_stats(void)
{
	uint64_t samples, ns, ns_max;

	watch_stats(&samples, &ns, &ns_max);
	log_event("watch-stats", "samples=%llu ns=%llu ns_max=%llu ns_avg=%llu",
		  (unsigned long long)samples, (unsigned long long)ns, (unsigned long long)ns_max,
		  (unsigned long long)(samples ? ns / samples : 0));
}

/* CPUs in the normal world, and of them the ones stuck at least @ticks by @now. */
static uint32_t cpus_stuck(uint64_t now, uint64_t ticks, uint32_t *online)
{
	uint32_t stuck = 0;
	unsigned int i;

	*online = 0;
	for (i = 0; i < psci_ncpus(); i++) {
		const struct pcpu *p = cpu_pcpu(i);
		uint64_t since;

		if (!p || !__atomic_load_n(&p->ns_epoch, __ATOMIC_ACQUIRE))
			continue;
		*online |= 1U << i;
		since = p->masked_since;
		if (since && now - since >= ticks)
			stuck |= 1U << i;
	}
	return stuck;
}

static void __attribute__((noreturn)) hard_lockup(struct pcpu *p, struct cpu_ctx *ctx,
						  uint64_t now)
{
	uint32_t online, stuck = cpus_stuck(now, w.lockup_ticks / 2, &online) | 1U << p->index;

	ERROR("watch: hard lockup: cpu%u has had IRQs masked with an interrupt pending for "
	      "%llu ms (PC 0x%llx); stuck CPUs 0x%x: taking a dump", p->index,
	      (unsigned long long)(ticks_to_ns(now - p->masked_since, arch_counter_freq()) / 1000000),
	      (unsigned long long)arch_ctx_pc(ctx), stuck);
	log_event("hard-lockup", "cpu=%u cpus=0x%x masked_ms=%llu pc=0x%llx", p->index, stuck,
		  (unsigned long long)(ticks_to_ns(now - p->masked_since, arch_counter_freq()) / 1000000),
		  (unsigned long long)arch_ctx_pc(ctx));
	restart_crash(TSB_CAUSE_HARD_LOCKUP, stuck, ctx);
}

static void __attribute__((noreturn)) watchdog_expired(struct pcpu *p, struct cpu_ctx *ctx,
						       uint64_t now)
{
	uint32_t online;

	cpus_stuck(now, 0, &online);
	ERROR("watch: the watchdog was not pinged in time: taking a dump (noticed on cpu%u)",
	      p->index);
	log_event("watchdog-expired", "cpu=%u cpus=0x%x pc=0x%llx", p->index, online,
		  (unsigned long long)arch_ctx_pc(ctx));
	restart_crash(TSB_CAUSE_WATCHDOG, online, ctx);
}

void watch_sample(struct cpu_ctx *ctx)
{
	struct pcpu *p = this_cpu();
	uint64_t now = arch_counter(), dl, dt;
	int stuck = arch_ns_irqs_masked(ctx) && gic_ns_local_pending(p->index);

	if (!stuck)
		p->masked_since = 0;
	else if (!p->masked_since)
		p->masked_since = now;
	stimer_arm(STIMER_WATCH, w.period_us);
	dt = arch_counter() - now;
	p->watch_samples++;
	p->watch_ticks += dt;
	if (dt > p->watch_ticks_max)
		p->watch_ticks_max = dt;
	/* The first stuck CPU reports them all; the others are seized with the rest. */
	if (stuck && w.lockup_ticks && now - p->masked_since >= w.lockup_ticks &&
	    !__atomic_exchange_n(&w.lockup_taken, 1, __ATOMIC_ACQ_REL))
		hard_lockup(p, ctx, now);
	dl = __atomic_load_n(&w.wdt_deadline, __ATOMIC_ACQUIRE);
	/* One CPU takes the expiry; a CPU stuck with IRQs masked still samples. */
	if (dl && now >= dl && __atomic_compare_exchange_n(&w.wdt_deadline, &dl, 0, 0,
							   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		watchdog_expired(p, ctx, now);
}
