/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The restart sequence: the one owner of "take every CPU out of the normal
 * world, reset the normal world's state and enter Linux again on CPU0".
 *
 * Callers: PSCI SYSTEM_RESET, the collector's PANIC call, and an unexpected
 * exception from the normal world. Exactly one CPU owns a restart at a time
 * (restart_request() claims it under one lock); any other CPU that asks
 * meanwhile becomes one of the seized CPUs instead, so two requests racing
 * each other still give exactly one restart, and a panic that loses the race
 * to a reset still gets its dump.
 *
 * Every seized CPU saves its own normal-world state into its own per-CPU
 * record, stamped with the restart's epoch; the dump engine reads the records
 * afterwards (restart_record()): no callback. The hooks out of this module
 * are dump_on_restart(), called by the owner with every CPU seized, and
 * dump_boot_info(), asked by the CPU that enters the next kernel.
 *
 * A CPU that entered the normal world before the current restart and shows
 * up in EL3 afterwards (it missed the seize) is stale: restart_check_stale()
 * seizes it on the spot instead of letting it run the old kernel.
 */
#ifndef RESTART_H
#define RESTART_H
#include <stdint.h>
#include <arch.h>
#include <tsubaki/dump_format.h>

enum restart_why {
	RESTART_NONE = 0,
	RESTART_RESET,		/* PSCI SYSTEM_RESET: a plain warm restart */
	RESTART_CRASH,		/* the kernel panicked (TSB_SMC_PANIC) */
	RESTART_FAULT,		/* an exception from the normal world EL3 cannot serve */
};

/* What the owner found once every CPU was seized. */
struct restart_info {
	enum restart_why why;		/* RESTART_CRASH if any CPU reported a panic */
	uint32_t epoch;
	unsigned int owner;		/* CPU index */
	unsigned int ncpus;
	int panic_cpu;			/* first CPU that reported a panic, or -1 */
	uint32_t cause, cause_cpus;	/* what panic_cpu gave restart_crash() */
	uint64_t t_request_ns;		/* when the owner claimed the restart */
	uint32_t seized_mask;		/* CPUs whose record is valid in this epoch */
	uint32_t lost_mask;		/* CPUs in the normal world that did not answer */
	unsigned int devices_reset;	/* non-secure DMA masters stopped after the seize */
};

/*
 * restart_request() - restart Linux for @why; never returns. @ctx is the
 * calling CPU's saved normal-world context (recorded, as for every CPU).
 */
void __attribute__((noreturn)) restart_request(enum restart_why why, struct cpu_ctx *ctx);
/*
 * restart_crash() - a crash restart (with a dump) for @cause (TSB_CAUSE_*),
 * naming the CPUs in @cpus; never returns. The panic SMC, the lockup
 * detector and the watchdog come here.
 */
void __attribute__((noreturn)) restart_crash(uint32_t cause, uint32_t cpus,
					     struct cpu_ctx *ctx);
/* The pull-in SGI arrived on this CPU. Returns only if no restart is on. */
void restart_pulled_in(struct cpu_ctx *ctx);
/* On every entry from the normal world: seize a CPU that missed a restart. */
void restart_check_stale(struct cpu_ctx *ctx);
/* 1 while a restart is owned (CPU_ON is refused, parked CPUs stay parked). */
int restart_in_progress(void);
/* The boot path enters the normal world on this CPU: stamp it with the epoch. */
void restart_cpu_enters_ns(void);
/*
 * CPU @cpu's record of restart @epoch, or NULL when it has none (it was off
 * or did not answer). @why_out (may be NULL) gets the reason that CPU gave.
 */
const struct tsb_cpu_record *restart_record(unsigned int cpu, uint32_t epoch,
					    enum restart_why *why_out);
/* CPU0 parked in EL3 picks up a pending boot request. Never returns if so. */
void restart_poll_boot_request(void);

/* PSCI SYSTEM_OFF: let the dump engine close what runs, then power off. */
void __attribute__((noreturn)) restart_system_off(void);

/*
 * The hooks into the dump engine (firmware/dump/): the owner calls the
 * first with every CPU seized (the crash path runs there); the CPU that
 * enters Linux then asks dump_boot_info() (dump.h) what the DT must say. The
 * last runs before power off.
 */
void dump_on_restart(const struct restart_info *ri);
void dump_on_system_off(void);

#endif
