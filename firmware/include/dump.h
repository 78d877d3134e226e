/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crash-dump engine: primary dump with Linux down, restart, secondary
 * dump by DMA with FIQ completions while the new kernel runs, and the
 * hand-back of dumped memory.
 */
#ifndef DUMP_H
#define DUMP_H
#include <stdint.h>
#include <arch.h>
#include <ledger.h>

#define DUMP_MAX_PENDING_RANGES	8

struct dump_boot_info {
	const char *state;		/* for /tsubaki/dump-state */
	uint32_t npending;
	struct ledger_range pending[DUMP_MAX_PENDING_RANGES];
};

/* Cold boot: options from the pack, the RAM to dump, the scratch area. */
void dump_setup(const char *cfg, uint64_t cfg_len, uint64_t ram_base, uint64_t ram_size,
		uint64_t scratch);
/* The SiP service (TSB_SMC_*). Fills ctx->x[0..3]. */
void dump_smc(uint32_t fid, struct cpu_ctx *ctx, unsigned int self);
/* A pulled-in CPU, before its state is reset: record it if a crash is on. */
void dump_cpu_seized(unsigned int cpu, const struct cpu_ctx *ctx);
/* The dump disk's FIQ, and the secure timer's. */
void dump_fiq(void);
void dump_timer_fiq(void);
/* Send the disk's completion FIQ to the CPU with @mpidr. */
void dump_route_irq(uint64_t mpidr);
/* Before power off: close a running dump so its extent is on record. */
void dump_quiesce(const char *why);
/* Called as Linux is entered: what the DT must say. */
void dump_boot_info(struct dump_boot_info *bi);

#endif
