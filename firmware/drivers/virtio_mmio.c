// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-mmio transport basics (legacy and modern).
 */
#include <stdint.h>
#include <mmio.h>
#include <virtio_mmio.h>

#define VIRTIO_MAGIC		0x000
#define VIRTIO_DEVICE_ID	0x008
#define VIRTIO_STATUS		0x070

uint32_t virtio_mmio_device_id(uintptr_t base)
{
	if (mmio_read32(base + VIRTIO_MAGIC) != VIRTIO_MMIO_MAGIC)
		return 0;
	return mmio_read32(base + VIRTIO_DEVICE_ID);
}

void virtio_mmio_reset(uintptr_t base)
{
	if (virtio_mmio_device_id(base))
		mmio_write32(base + VIRTIO_STATUS, 0);
}
