// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-blk (virtio-mmio version 2) for the firmware. See virtio_blk.h.
 */
#include <stdint.h>
#include <string.h>
#include <arch.h>
#include <mmio.h>
#include <virtio_blk.h>
#include <virtio_mmio.h>
#include <paddr.h>

#define VM_VERSION		0x004
#define VM_DEV_FEATURES		0x010
#define VM_DEV_FEATURES_SEL	0x014
#define VM_DRV_FEATURES		0x020
#define VM_DRV_FEATURES_SEL	0x024
#define VM_QUEUE_SEL		0x030
#define VM_QUEUE_NUM_MAX	0x034
#define VM_QUEUE_NUM		0x038
#define VM_QUEUE_READY		0x044
#define VM_QUEUE_NOTIFY		0x050
#define VM_INT_STATUS		0x060
#define VM_INT_ACK		0x064
#define VM_STATUS		0x070
#define VM_QUEUE_DESC		0x080
#define VM_QUEUE_DRIVER		0x090
#define VM_QUEUE_DEVICE		0x0a0
#define VM_CONFIG		0x100

#define ST_ACK			1
#define ST_DRIVER		2
#define ST_DRIVER_OK		4
#define ST_FEATURES_OK		8

#define F_BLK_RO		(1ULL << 5)
#define F_VERSION_1		(1ULL << 32)

#define VIRTIO_ID_BLOCK		2
#define BLK_T_IN		0
#define BLK_T_OUT		1
#define BLK_S_OK		0

#define DESC_F_NEXT		1
#define DESC_F_WRITE		2

#define QSIZE			(VBLK_MAX_REQS * 3)

/* Queue layout inside the 64 KiB ring area. */
#define OFF_DESC		0x0000
#define OFF_AVAIL		0x0400
#define OFF_USED		0x1000
#define OFF_HDR			0x2000
#define OFF_STATUS		0x2400

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

static volatile struct desc *desc(struct vblk *d, unsigned int i)
{
	return (volatile struct desc *)pa_ptr(d->ring_pa + OFF_DESC) + i;
}

static volatile uint16_t *avail(struct vblk *d)
{
	return (volatile uint16_t *)pa_ptr(d->ring_pa + OFF_AVAIL);
}

static volatile uint16_t *used16(struct vblk *d)
{
	return (volatile uint16_t *)pa_ptr(d->ring_pa + OFF_USED);
}

static volatile uint32_t *used_elem(struct vblk *d, unsigned int i)
{
	return (volatile uint32_t *)pa_ptr(d->ring_pa + OFF_USED + 4) + 2 * i;
}

static volatile uint8_t *status_byte(struct vblk *d, unsigned int slot)
{
	return (volatile uint8_t *)pa_ptr(d->ring_pa + OFF_STATUS) + slot;
}

static void write64_split(uintptr_t reg, uint64_t v)
{
	mmio_write32(reg, (uint32_t)v);
	mmio_write32(reg + 4, (uint32_t)(v >> 32));
}

void vblk_stop(struct vblk *d)
{
	if (d->base)
		mmio_write32(d->base + VM_STATUS, 0);
	d->inflight = 0;
	memset(d->busy, 0, sizeof(d->busy));
}

int vblk_init(struct vblk *d, uintptr_t base, uint64_t ring_pa)
{
	uint64_t features;
	uint32_t qmax;

	memset(d, 0, sizeof(*d));
	if (virtio_mmio_device_id(base) != VIRTIO_ID_BLOCK)
		return VBLK_E_NODEV;
	if (mmio_read32(base + VM_VERSION) != 2)
		return VBLK_E_UNSUPPORTED;
	d->base = base;
	d->ring_pa = ring_pa;
	mmio_write32(base + VM_STATUS, 0);
	mmio_write32(base + VM_STATUS, ST_ACK);
	mmio_write32(base + VM_STATUS, ST_ACK | ST_DRIVER);

	mmio_write32(base + VM_DEV_FEATURES_SEL, 0);
	features = mmio_read32(base + VM_DEV_FEATURES);
	mmio_write32(base + VM_DEV_FEATURES_SEL, 1);
	features |= (uint64_t)mmio_read32(base + VM_DEV_FEATURES) << 32;
	if (!(features & F_VERSION_1) || (features & F_BLK_RO))
		goto unsupported;
	mmio_write32(base + VM_DRV_FEATURES_SEL, 0);
	mmio_write32(base + VM_DRV_FEATURES, 0);
	mmio_write32(base + VM_DRV_FEATURES_SEL, 1);
	mmio_write32(base + VM_DRV_FEATURES, (uint32_t)(F_VERSION_1 >> 32));
	mmio_write32(base + VM_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
	if (!(mmio_read32(base + VM_STATUS) & ST_FEATURES_OK))
		goto unsupported;

	mmio_write32(base + VM_QUEUE_SEL, 0);
	qmax = mmio_read32(base + VM_QUEUE_NUM_MAX);
	if (qmax < QSIZE)
		goto unsupported;
	d->qsize = QSIZE;
	memset(pa_ptr(ring_pa), 0, OFF_STATUS + VBLK_MAX_REQS);
	mmio_write32(base + VM_QUEUE_NUM, d->qsize);
	write64_split(base + VM_QUEUE_DESC, ring_pa + OFF_DESC);
	write64_split(base + VM_QUEUE_DRIVER, ring_pa + OFF_AVAIL);
	write64_split(base + VM_QUEUE_DEVICE, ring_pa + OFF_USED);
	mmio_write32(base + VM_QUEUE_READY, 1);

	d->capacity = ((uint64_t)mmio_read32(base + VM_CONFIG) |
		       (uint64_t)mmio_read32(base + VM_CONFIG + 4) << 32) * VBLK_SECTOR;
	arch_mb();
	mmio_write32(base + VM_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	return 0;

unsupported:
	mmio_write32(base + VM_STATUS, 0);
	d->base = 0;
	return VBLK_E_UNSUPPORTED;
}

int vblk_submit(struct vblk *d, int write, uint64_t off, uint64_t pa, uint32_t len,
		uint32_t tag)
{
	volatile struct blk_hdr *hdr;
	volatile uint16_t *av = avail(d);
	unsigned int slot, i;

	if (!d->base)
		return VBLK_E_NODEV;
	if ((off | len) % VBLK_SECTOR || len == 0 || off > d->capacity ||
	    len > d->capacity - off)
		return VBLK_E_RANGE;
	for (slot = 0; slot < VBLK_MAX_REQS && d->busy[slot]; slot++)
		;
	if (slot == VBLK_MAX_REQS)
		return VBLK_E_BUSY;
	d->busy[slot] = 1;
	d->tag[slot] = tag;
	d->inflight++;

	hdr = (volatile struct blk_hdr *)pa_ptr(d->ring_pa + OFF_HDR) + slot;
	hdr->type = write ? BLK_T_OUT : BLK_T_IN;
	hdr->reserved = 0;
	hdr->sector = off / VBLK_SECTOR;
	*status_byte(d, slot) = 0xff;

	i = slot * 3;
	desc(d, i)->addr = d->ring_pa + OFF_HDR + slot * sizeof(struct blk_hdr);
	desc(d, i)->len = sizeof(struct blk_hdr);
	desc(d, i)->flags = DESC_F_NEXT;
	desc(d, i)->next = i + 1;
	desc(d, i + 1)->addr = pa;
	desc(d, i + 1)->len = len;
	desc(d, i + 1)->flags = DESC_F_NEXT | (write ? 0 : DESC_F_WRITE);
	desc(d, i + 1)->next = i + 2;
	desc(d, i + 2)->addr = d->ring_pa + OFF_STATUS + slot;
	desc(d, i + 2)->len = 1;
	desc(d, i + 2)->flags = DESC_F_WRITE;
	desc(d, i + 2)->next = 0;

	av[2 + d->avail_idx % d->qsize] = i;
	arch_mb();		/* descriptors before the index */
	d->avail_idx++;
	av[1] = d->avail_idx;
	arch_mb();		/* index before the notify */
	mmio_write32(d->base + VM_QUEUE_NOTIFY, 0);
	return 0;
}

int vblk_reap(struct vblk *d, uint32_t *tag, int *ok)
{
	uint32_t id;
	unsigned int slot;

	if (!d->base || used16(d)[1] == d->used_seen)
		return 0;
	arch_mb();		/* the index before the element */
	id = used_elem(d, d->used_seen % d->qsize)[0];
	d->used_seen++;
	slot = id / 3;
	if (id % 3 || slot >= VBLK_MAX_REQS || !d->busy[slot]) {
		/* A corrupt used ring: report a failed request, claim nothing. */
		*tag = UINT32_MAX;
		*ok = 0;
		return 1;
	}
	*ok = *status_byte(d, slot) == BLK_S_OK;
	*tag = d->tag[slot];
	d->busy[slot] = 0;
	d->inflight--;
	return 1;
}

void vblk_ack_irq(struct vblk *d)
{
	if (d->base)
		mmio_write32(d->base + VM_INT_ACK, mmio_read32(d->base + VM_INT_STATUS));
}
