/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crash-dump engine: on a crash restart (restart.h calls
 * dump_on_restart() with every CPU seized) it writes what must reach the disk
 * before Linux comes back -- the boot window in the primary-dump mode,
 * nothing in the spare-window mode -- and then the rest by DMA with FIQ
 * completions while the new kernel runs, handing dumped memory back.
 */
#ifndef DUMP_H
#define DUMP_H
#include <stdint.h>
#include <arch.h>
#include <ledger.h>

#define DUMP_MAX_PENDING_RANGES	8

struct boot_windows;

/* What the DT of the kernel about to be entered must say. */
struct dump_boot_info {
	const char *state;		/* for /tsubaki/dump-state */
	const char *sink;		/* for /tsubaki/dump-sink: "disk" (hidden from Linux) or "memory" */
	unsigned int live;		/* the window it boots in (0 or 1) */
	uint32_t npending;
	struct ledger_range pending[DUMP_MAX_PENDING_RANGES];
};

/*
 * Cold boot: options from the pack, the RAM to dump, the scratch area, the
 * windows. Takes the per-chunk tables from the secure heap (sram.h).
 */
void dump_setup(const char *cfg, uint64_t cfg_len, uint64_t ram_base, uint64_t ram_size,
		uint64_t scratch, const struct boot_windows *win);
/*
 * Secure heap bytes per chunk of RAM: the chunk table entry (16), its write
 * tries (1), the ledger's state and role (2). With the reader's two cached
 * blocks of the table, this is all the secure memory that grows with RAM.
 */
#define DUMP_CHUNK_BYTES	(sizeof(struct tsb_chunk) + 3)
/* What dump_setup() took from the secure heap for them. */
uint64_t dump_table_bytes(void);
/* Secure heap taken by the codec buffers (LZ4 compression and decoding). */
uint64_t dump_codec_bytes(void);
/*
 * What the DT of the kernel about to be entered must say. Call it on the CPU
 * that enters Linux: the disk's FIQ and the secondary dump's fallback timer
 * (a per-CPU timer) go to that CPU.
 */
void dump_boot_info(struct dump_boot_info *bi);
/* 1 when the top virtio slot is the collector's dump disk (not memory mode). */
int dump_has_disk(void);
/*
 * The SiP service (TSB_SMC_*) in its SMC64 form (services/sip.c unpacks an
 * SMC32 call): @a holds the function ID and arguments, @res gets all four
 * results. @ctx is the caller's context (a panic records it).
 */
void dump_smc(uint32_t fid, const uint64_t *a, uint64_t *res, struct cpu_ctx *ctx,
	      unsigned int self);
/* The dump disk's FIQ (the secure timer's: stimer.h). */
void dump_fiq(void);

#endif
