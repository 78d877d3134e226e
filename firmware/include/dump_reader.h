/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dump reader: Linux reads dumps back from the hidden dump disk through
 * the collector (TSB_SMC_DISK_READ / TSB_SMC_DISK_POLL, include/tsubaki/abi.h),
 * for /dev/tsubaki/vmcore in the device mode.
 *
 * A read is a short chain of disk requests (the disk header, the dump's
 * metadata when another dump is asked for, then the data), each started by
 * one call and taken by the next poll, so every call is one bounded step.
 * Data read from a dump's data area is checked against the dump's chunk
 * table on the way, a chunk at a time, when read from the chunk's start on.
 *
 * Nothing here trusts the disk: the headers are validated before use, and a
 * malformed dump only makes its reads fail.
 *
 * The dump engine (dump.c) owns the device and the lock: every function here
 * is called with the engine's lock held, only while the engine is not
 * writing, and the engine resets the reader whenever it takes the disk back.
 */
#ifndef DUMP_READER_H
#define DUMP_READER_H
#include <stdint.h>
#include <virtio_blk.h>

/* Request tags of the reader: the engine passes their completions on. */
#define READER_TAG		0x90000000U
#define READER_TAG_MASK		0xf0000000U

/*
 * The buffers compressed chunks are decoded in (@size bytes, at least 64 KiB
 * for the data and TSB_ZLEN_MAX for the block), lent by the engine at boot.
 */
void reader_codec(uint8_t *buf, uint64_t size);
/* The ABI's rule for a read of @len bytes at @off (TSB_SMC_DISK_READ): 1 if it keeps it. */
int reader_range_ok(uint64_t off, uint64_t len);
/* Forget any read in flight and the dump it was from (the device was reset). */
void reader_reset(void);
/*
 * Start a read (TSB_SMC_DISK_READ): @dev is idle and set up, @xfer is the NS
 * transfer area (TSB_META_SIZE bytes). Return TSB_E_OK with *@pa set, or an
 * error (TSB_E_*).
 */
int64_t reader_start(struct vblk *dev, uint64_t xfer, uint64_t id, uint64_t off, uint64_t len,
		     uint64_t *pa);
/* One step of the read in flight (TSB_SMC_DISK_POLL): fills x[0..3]. */
void reader_poll(struct vblk *dev, uint64_t res[4]);
/* A completion with a READER_TAG tag, taken by whoever reaped it. */
void reader_complete(uint32_t tag, int ok);
/* A read is in flight (the engine must not start writing meanwhile). */
int reader_busy(void);

#endif
