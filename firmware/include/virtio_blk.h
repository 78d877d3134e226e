/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-blk over virtio-mmio (version 2), driven by the firmware: one
 * virtqueue in non-secure scratch RAM (virtio DMA only reaches NS memory),
 * several requests in flight, completion by polling or by FIQ.
 *
 * Everything in the rings is re-initialised by vblk_init() and only the
 * device-written fields (used ring, status bytes) are read back, each
 * checked before use.
 */
#ifndef VIRTIO_BLK_H
#define VIRTIO_BLK_H
#include <stdint.h>

#define VBLK_MAX_REQS		16
#define VBLK_SECTOR		512

#define VBLK_E_NODEV		-1	/* no virtio-blk device at this address */
#define VBLK_E_UNSUPPORTED	-2	/* legacy transport, read-only, no VERSION_1 */
#define VBLK_E_BUSY		-3	/* all request slots in use */
#define VBLK_E_RANGE		-4	/* beyond the disk's capacity */

struct vblk {
	uintptr_t base;
	uint64_t capacity;	/* bytes */
	uint64_t ring_pa;	/* scratch area used for the queue */
	uint16_t qsize;
	uint16_t avail_idx;
	uint16_t used_seen;
	uint16_t inflight;
	uint32_t tag[VBLK_MAX_REQS];
	uint8_t busy[VBLK_MAX_REQS];
};

/* Reset the device at @base and set up its queue at @ring_pa (64 KiB). */
int vblk_init(struct vblk *d, uintptr_t base, uint64_t ring_pa);
/* Queue a write (@write = 1) or read of @len bytes at @pa to byte offset @off. */
int vblk_submit(struct vblk *d, int write, uint64_t off, uint64_t pa, uint32_t len,
		uint32_t tag);
/*
 * Take one completed request: return 1 and set *@tag and *@ok (device status
 * OK), or 0 when none is complete.
 */
int vblk_reap(struct vblk *d, uint32_t *tag, int *ok);
/* Acknowledge the device's interrupt status. */
void vblk_ack_irq(struct vblk *d);
/* Stop the device (reset): nothing further is written. */
void vblk_stop(struct vblk *d);

#endif
