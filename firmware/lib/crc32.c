// SPDX-License-Identifier: BSD-3-Clause
/*
 * CRC-32 (IEEE 802.3, reflected 0xEDB88320), table driven.
 */
#include <stdint.h>
#include <stddef.h>
#include <tsubaki/pack.h>

static uint32_t crc_table[256];
static int crc_ready;

static void crc_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? (c >> 1) ^ 0xedb88320U : c >> 1;
		crc_table[i] = c;
	}
	crc_ready = 1;
}

uint32_t tsb_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!crc_ready)
		crc_init();
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
