// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-mmio transport basics (legacy and modern).
 */
#include <stdint.h>
#include <mmio.h>
#include <fw_time.h>
#include <log.h>
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

int virtio_mmio_reset(uintptr_t base)
{
	uint64_t deadline;

	if (!virtio_mmio_device_id(base))
		return 0;
	mmio_write32(base + VIRTIO_STATUS, 0);
	/* The reset is done (no DMA in flight) once the status reads 0. */
	deadline = fw_deadline_us(100000);
	while (mmio_read32(base + VIRTIO_STATUS))
		if (fw_deadline_passed(deadline)) {
			WARN("virtio-mmio at 0x%llx: reset not done after 100 ms",
			     (unsigned long long)base);
			break;
		}
	return 1;
}
