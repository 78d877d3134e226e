// SPDX-License-Identifier: BSD-3-Clause
/*
 * The restart sequence (see restart.h).
 *
 * Ownership: rst.owner (1 + CPU index) and rst.epoch change together under
 * rst.lock. A CPU that enters the normal world stamps itself with the epoch
 * (pcpu.ns_epoch) and then checks that no restart was claimed meanwhile; the
 * owner claims, then reads every CPU's stamp. With a full barrier between
 * the store and the load on both sides, at least one of them sees the other:
 * either the owner pulls that CPU in, or the CPU does not enter.
 */
#include <stdint.h>
#include <arch.h>
#include <boot.h>
#include <cpu.h>
#include <dump.h>
#include <fw_time.h>
#include <gic.h>
#include <log.h>
#include <plat.h>
#include <platform_def.h>
#include <psci.h>
#include <restart.h>
#include <spinlock.h>
#include <stimer.h>
#include <watch.h>
#include <xlat.h>

#define PULL_TIMEOUT_US		200000
#define HANDOFF_TIMEOUT_US	200000

static struct {
	spinlock_t lock;
	volatile uint32_t owner;	/* 1 + CPU index; 0: no restart */
	volatile uint32_t epoch;	/* bumped by every claim; starts at 1 */
	volatile uint32_t boot_request;	/* epoch whose kernel CPU0 must enter */
	struct dump_boot_info bi;	/* what the next kernel's DT says */
} rst = { .epoch = 1 };

static const char *const why_names[] = {
	[RESTART_NONE] = "seized", [RESTART_RESET] = "reset",
	[RESTART_CRASH] = "crash", [RESTART_FAULT] = "fault",
};

int restart_in_progress(void)
{
	return __atomic_load_n(&rst.owner, __ATOMIC_ACQUIRE) != 0;
}

static uint32_t epoch_now(void)
{
	return __atomic_load_n(&rst.epoch, __ATOMIC_ACQUIRE);
}

/* Save this CPU's normal-world state into its own record for @epoch. */
static void capture(struct pcpu *p, const struct cpu_ctx *ctx, enum restart_why why,
		    uint32_t epoch)
{
	arch_capture_ns(&p->rec, ctx, p->index);
	p->rec_why = why;
	if (why != RESTART_CRASH)
		p->rec_cause = p->rec_cause_cpus = 0;	/* restart_crash() sets them */
	/*
	 * What the old kernel left dirty in this CPU's own caches goes to memory
	 * before the CPU counts as seized: the dump disk reads memory.
	 */
	cache_flush_local(0);
	__atomic_store_n(&p->seized_epoch, epoch, __ATOMIC_RELEASE);
}

/* Leave the normal world for good on this CPU: reset its state and park. */
static void __attribute__((noreturn)) park_here(struct pcpu *p)
{
	stimer_cpu_off();
	gic_ns_reset_cpu(p->index);
	cpu_ns_reset();
	__atomic_store_n(&p->ns_epoch, 0, __ATOMIC_RELEASE);
	arch_mb();
	arch_send_event();
	arch_reset_stack_and_call(psci_park);
}

const struct tsb_cpu_record *restart_record(unsigned int cpu, uint32_t epoch,
					    enum restart_why *why_out)
{
	const struct pcpu *p = cpu_pcpu(cpu);

	if (!p || __atomic_load_n(&p->seized_epoch, __ATOMIC_ACQUIRE) != epoch)
		return 0;
	if (why_out)
		*why_out = (enum restart_why)p->rec_why;
	return &p->rec;
}

void restart_cpu_enters_ns(void)
{
	struct pcpu *p = this_cpu();

	__atomic_store_n(&p->ns_epoch, epoch_now(), __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (rst.owner == p->index + 1) {
		/* The restart ends as its owner enters the new kernel. */
		__atomic_store_n(&rst.owner, 0, __ATOMIC_RELEASE);
	} else if (restart_in_progress()) {
		/* A restart was claimed meanwhile: do not enter the old kernel. */
		park_here(p);
	}
	watch_cpu_enters_ns();
}

/*
 * Seized in restart @epoch (or a CPU that missed an earlier one): record the
 * state, unless the restart is already over, and park.
 */
static void __attribute__((noreturn)) seized(struct pcpu *p, struct cpu_ctx *ctx,
					    enum restart_why why)
{
	uint32_t e = epoch_now();

	if (restart_in_progress())
		capture(p, ctx, why, e);
	else
		WARN("restart: cpu%u missed restart %u: parked", p->index, e);
	park_here(p);
}

static int stale(const struct pcpu *p)
{
	uint32_t e = __atomic_load_n(&p->ns_epoch, __ATOMIC_ACQUIRE);

	return e && e != epoch_now();
}

void restart_check_stale(struct cpu_ctx *ctx)
{
	struct pcpu *p = this_cpu();

	if (restart_in_progress() || stale(p))
		seized(p, ctx, RESTART_NONE);
}

void restart_pulled_in(struct cpu_ctx *ctx)
{
	restart_check_stale(ctx);	/* returns only when no restart is on */
}

/* Pull every other CPU that runs the normal world into EL3. */
static void seize_others(struct restart_info *ri)
{
	unsigned int i, n = psci_ncpus();
	uint32_t wait = 0;
	uint64_t deadline;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (i = 0; i < n; i++) {
		struct pcpu *p = cpu_pcpu(i);

		if (i == ri->owner || !p || !__atomic_load_n(&p->ns_epoch, __ATOMIC_ACQUIRE))
			continue;
		wait |= 1U << i;
		gic_send_sgi0(PLAT_SGI_PULL, p->index);
	}
	deadline = fw_deadline_us(PULL_TIMEOUT_US);
	for (i = 0; i < n; i++) {
		struct pcpu *p = cpu_pcpu(i);

		if (!(wait & (1U << i)))
			continue;
		/* Recorded is not enough: wait until it is parked (its state reset). */
		while (__atomic_load_n(&p->ns_epoch, __ATOMIC_ACQUIRE) &&
		       !fw_deadline_passed(deadline))
			;
		if (__atomic_load_n(&p->ns_epoch, __ATOMIC_ACQUIRE)) {
			WARN("restart: cpu%u did not answer the pull-in SGI", i);
			ri->lost_mask |= 1U << i;
		}
	}
	if (ri->why == RESTART_CRASH)
		ri->panic_cpu = (int)ri->owner;
	for (i = 0; i < n; i++) {
		enum restart_why why;

		if (restart_record(i, ri->epoch, &why)) {
			ri->seized_mask |= 1U << i;
			if (why == RESTART_CRASH && ri->panic_cpu < 0)
				ri->panic_cpu = (int)i;
		}
	}
	if (ri->panic_cpu >= 0) {
		const struct pcpu *c = cpu_pcpu((unsigned int)ri->panic_cpu);

		ri->cause = c->rec_cause;
		ri->cause_cpus = c->rec_cause_cpus;
	}
}

/* On the CPU that enters Linux: the rest of the normal world back to reset. */
static void __attribute__((noreturn)) enter_linux(void)
{
	struct pcpu *p = this_cpu();

	gic_ns_reset_distributor();
	gic_ns_reset_cpu(p->index);
	cpu_ns_reset();
	plat_ns_devices_reset(dump_has_disk());
	psci_restart_states(p->index);
	dump_boot_info(&rst.bi);	/* on this CPU: its FIQ, its timer */
	restart_cpu_enters_ns();	/* the restart ends here */
	boot_linux(&rst.bi);
}

void restart_poll_boot_request(void)
{
	uint32_t e = __atomic_load_n(&rst.boot_request, __ATOMIC_ACQUIRE);

	if (!e || this_cpu()->index != 0)
		return;
	if (!__atomic_compare_exchange_n(&rst.boot_request, &e, 0, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;		/* the owner took it back */
	__atomic_store_n(&rst.owner, 1, __ATOMIC_RELEASE);	/* CPU0 owns it now */
	arch_reset_stack_and_call(enter_linux);
}

/* Linux restarts on CPU0: hand over to it if it is parked, else do it here. */
static void __attribute__((noreturn)) boot_cpu0(struct pcpu *self, uint32_t epoch)
{
	struct pcpu *cpu0 = cpu_pcpu(0);
	uint64_t deadline;
	uint32_t e;

	if (self->index == 0)
		arch_reset_stack_and_call(enter_linux);
	if (cpu0 && !__atomic_load_n(&cpu0->ns_epoch, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&rst.boot_request, epoch, __ATOMIC_RELEASE);
		arch_mb();
		arch_send_event();
		deadline = fw_deadline_us(HANDOFF_TIMEOUT_US);
		while (__atomic_load_n(&rst.boot_request, __ATOMIC_ACQUIRE) &&
		       !fw_deadline_passed(deadline))
			;
		e = epoch;
		if (!__atomic_compare_exchange_n(&rst.boot_request, &e, 0, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			park_here(self);	/* CPU0 took it */
	}
	WARN("restart: CPU0 unavailable, restarting Linux on cpu%u", self->index);
	arch_reset_stack_and_call(enter_linux);
}

void restart_request(enum restart_why why, struct cpu_ctx *ctx)
{
	struct pcpu *p = this_cpu();
	struct restart_info ri = { .panic_cpu = -1, .owner = p->index };
	int won;

	spin_lock(&rst.lock);
	won = !rst.owner;
	if (won) {
		rst.epoch++;
		__atomic_store_n(&rst.owner, p->index + 1, __ATOMIC_RELEASE);
	}
	ri.epoch = rst.epoch;
	spin_unlock(&rst.lock);
	capture(p, ctx, why, ri.epoch);
	if (why == RESTART_RESET)
		log_event("restart-request", "boot=%u cpu=%u", boot_count(), p->index);
	if (!won) {
		/* Someone else owns the restart: be seized like the others. */
		log_event("restart-join", "cpu=%u why=%s epoch=%u", p->index,
			  why_names[why], ri.epoch);
		park_here(p);
	}
	__atomic_store_n(&p->ns_epoch, 0, __ATOMIC_RELEASE);
	ri.why = why;
	ri.ncpus = psci_ncpus();
	ri.t_request_ns = fw_now_ns();
	psci_restart_begin();
	seize_others(&ri);
	/* Every CPU is parked: the shared cache levels too, before any device reads RAM. */
	cache_flush_local(1);
	/*
	 * Every CPU is out of the old kernel: stop its DMA masters before
	 * anything reads its memory, so that no device writes into what is
	 * being dumped (or into the next kernel's memory later).
	 */
	ri.devices_reset = plat_ns_devices_reset(dump_has_disk());
	if (ri.panic_cpu >= 0)
		ri.why = RESTART_CRASH;
	log_event("restart", "cpu=%u why=%s epoch=%u seized=0x%x lost=0x%x panic_cpu=%d "
		  "cause=%s devices_reset=%u", p->index, why_names[ri.why], ri.epoch,
		  ri.seized_mask, ri.lost_mask, ri.panic_cpu,
		  ri.why == RESTART_CRASH ? tsb_cause_name(ri.cause) : "none", ri.devices_reset);
	watch_on_restart();
	watch_log_stats();
	dump_on_restart(&ri);
	boot_cpu0(p, ri.epoch);
}

void restart_crash(uint32_t cause, uint32_t cpus, struct cpu_ctx *ctx)
{
	struct pcpu *p = this_cpu();

	p->rec_cause = cause;
	p->rec_cause_cpus = cpus;
	restart_request(RESTART_CRASH, ctx);
}

void restart_system_off(void)
{
	dump_on_system_off();
	watch_log_stats();
	log_event("system-off", "boot=%u", boot_count());
	plat_system_off();
}
