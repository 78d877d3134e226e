/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_MMIO_H
#define VIRTIO_MMIO_H
#include <stdint.h>

#define VIRTIO_MMIO_MAGIC	0x74726976	/* "virt" */

/* Device ID of the virtio-mmio transport at @base, 0 when the slot is empty. */
uint32_t virtio_mmio_device_id(uintptr_t base);
/* Reset the device at @base and wait until it is (bounded); 1 if there was one. */
int virtio_mmio_reset(uintptr_t base);

#endif
