/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memory ledger: for every chunk of the crashed kernel's RAM, whether it
 * is waiting, being written, on disk, lost (could not be written) or handed
 * back to the restarted kernel. Plain C, host-tested.
 *
 * Each chunk also has a role. Chunks [0, window_chunks) are the boot window
 * of the primary-dump mode (LR_PRIMARY): dumped first and then used by the
 * restarted kernel, so never "handed back". LR_SECONDARY chunks are handed
 * back in address order, in units of grant_chunks, once on disk (or lost).
 * In the spare-window mode, the window the crashed kernel booted in is
 * LR_KEEP (dumped while the new kernel runs, then kept as the next spare)
 * and the window the new kernel boots in is LR_NONE (never the crashed
 * kernel's memory: state LG_EXCLUDED, not dumped).
 */
#ifndef LEDGER_H
#define LEDGER_H
#include <stdint.h>
#include <tsubaki/dump_format.h>

enum ledger_state {
	LG_PENDING = 0,		/* not yet on disk */
	LG_INFLIGHT,		/* a write is queued */
	LG_DURABLE,		/* on disk, device said OK */
	LG_LOST,		/* cannot be dumped (device error, no room) */
	LG_GRANTED,		/* handed back to Linux */
	LG_EXCLUDED,		/* not part of the dump (role LR_NONE) */
};

enum ledger_role {
	LR_SECONDARY = 0,	/* dumped while Linux runs, then handed back */
	LR_PRIMARY,		/* dumped before the restart, used by the new kernel */
	LR_KEEP,		/* dumped while Linux runs, kept reserved (next spare) */
	LR_NONE,		/* not dumped: the restarted kernel's spare window */
};

struct ledger_range {
	uint64_t base;
	uint64_t size;
};

struct ledger {
	uint64_t base;
	uint64_t size;		/* bytes covered: the last chunk may be short */
	uint64_t chunk;
	uint32_t nchunks;
	uint32_t window_chunks;
	uint32_t grant_chunks;
	uint32_t next_grant;	/* first chunk not handed back */
	uint32_t described;	/* chunks below it are on record on disk as they are */
	uint32_t cap;		/* entries of st[] and role[] (ledger_attach()) */
	uint8_t *st;		/* enum ledger_state of each chunk */
	uint8_t *role;		/* enum ledger_role of each chunk */
};

#define LEDGER_E_PARAM	-1

/*
 * ledger_attach() - give @l its per-chunk storage: @cap entries each of @st and
 * @role (sized for the machine at boot, from the secure heap). Kept across
 * ledger_init().
 */
void ledger_attach(struct ledger *l, uint8_t *st, uint8_t *role, uint32_t cap);
/*
 * ledger_init() - cover [@base, @base + @size) in chunks of @chunk bytes (a
 * power of two >= 4 KiB dividing @base; @size a multiple of 4 KiB). A tail
 * shorter than a chunk is a short last chunk, dumped and handed back like
 * the others (ledger_chunk_len()). Fails when the chunks outnumber the
 * storage given by ledger_attach().
 * @window: bytes of the boot window (rounded up to chunks, capped at @size).
 * @grant: hand-back granularity in bytes (rounded up to chunks, >= 1 chunk).
 */
int ledger_init(struct ledger *l, uint64_t base, uint64_t size, uint64_t chunk,
		uint64_t window, uint64_t grant);
/*
 * ledger_set_role() - give chunks [@from, @to) @role (LR_NONE also makes them
 * LG_EXCLUDED). Call before the dump starts.
 */
void ledger_set_role(struct ledger *l, uint32_t from, uint32_t to, enum ledger_role role);
/* First chunk in [from, to) in @st, or -1. */
int64_t ledger_find(const struct ledger *l, uint32_t from, uint32_t to, enum ledger_state st);
void ledger_set(struct ledger *l, uint32_t i, enum ledger_state st);
uint64_t ledger_chunk_addr(const struct ledger *l, uint32_t i);
/* Bytes of chunk @i: the chunk size, or less for the last one. */
uint64_t ledger_chunk_len(const struct ledger *l, uint32_t i);
uint32_t ledger_count(const struct ledger *l, enum ledger_state st);
/*
 * ledger_take_grant() - the next range that may be handed back: from
 * next_grant, the LR_SECONDARY chunks that are all on disk or lost, in whole
 * grant units -- or up to the end of their run (the end of RAM or a chunk of
 * another role) when the whole rest of the run is. Marks it granted. Return 1
 * with *@r set, 0 when none; *@last is 1 when no LR_SECONDARY chunk remains
 * to hand back afterwards.
 */
int ledger_take_grant(struct ledger *l, struct ledger_range *r, int *last);
/*
 * Memory may only be handed back once the dump's metadata on disk says its
 * chunks are there: grants stop at @described (ledger_init() sets it to the
 * end: no limit). ledger_done_end() is where the run of chunks done from
 * next_grant on ends now -- what a metadata write started now records --
 * and ledger_describe() moves the limit there once that write is durable.
 * ledger_describe_wanted() is 1 when a grant unit (or the end of a run) is
 * done but not yet on record.
 */
uint32_t ledger_done_end(const struct ledger *l);
void ledger_describe(struct ledger *l, uint32_t upto);
int ledger_describe_wanted(const struct ledger *l);
/* 1 when ledger_take_grant() would hand something back now. */
int ledger_grant_ready(const struct ledger *l);
/* All LR_SECONDARY and LR_KEEP chunks are on disk, lost or handed back. */
int ledger_secondary_done(const struct ledger *l);
/* LR_SECONDARY ranges not yet handed back (merged). Return the count. */
uint32_t ledger_pending_ranges(const struct ledger *l, struct ledger_range *out,
			       uint32_t max);

#endif
