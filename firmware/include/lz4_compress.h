/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware's LZ4 compressor (lib/lz4.c): one block of at most 64 KiB,
 * greedy, with a small hash table the caller owns -- enough to shrink a
 * dump chunk several times over at a few instructions a byte. Its output is
 * the LZ4 block format (include/tsubaki/lz4.h), which liblz4 and
 * tsb_lz4_decode() both read.
 */
#ifndef LZ4_COMPRESS_H
#define LZ4_COMPRESS_H
#include <stddef.h>
#include <stdint.h>

#define LZ4C_MAX_INPUT		65536U
#define LZ4C_HASH_BITS		12
#define LZ4C_TABLE_ENTRIES	(1U << LZ4C_HASH_BITS)

/*
 * lz4_compress() - compress @src (@n bytes, at most LZ4C_MAX_INPUT) into
 * @dst, writing at most @cap bytes; @table is scratch of LZ4C_TABLE_ENTRIES
 * entries. @dst is only written, never read back. Return the block's length,
 * or 0 when it would not fit in @cap (the data does not compress that well).
 */
size_t lz4_compress(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, uint16_t *table);

#endif
