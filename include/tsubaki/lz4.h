/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * The LZ4 block format, as a compressed chunk stores it
 * (tsb_dump_header.compress == TSB_COMPRESS_LZ4, docs/dump-format.md).
 *
 * A block is a run of sequences, each:
 *   token      1 byte: literal length (high 4 bits), match length - 4 (low 4)
 *   [length]   a 4-bit field of 15 goes on in bytes, added up, to one < 255
 *   literals   that many bytes, copied as they are
 *   offset     2 bytes, little-endian: the match starts this far back (1..65535)
 *   [length]   the match length's extension, as above
 * The last sequence has literals only and ends the block. Matches may
 * overlap the bytes they produce (offset < length: a repeated pattern).
 *
 * tsb_lz4_decode() is the one decoder the firmware's dump reader, the host
 * tools and the tests share. The block comes from a disk, so it is untrusted:
 * every length and offset is checked against both buffers before use, each
 * input byte is read once, and a block that does not decode to exactly the
 * expected size is refused. It is fuzzed on the host (tests/fuzz/).
 */
#ifndef TSUBAKI_LZ4_H
#define TSUBAKI_LZ4_H
#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

#define TSB_LZ4_MINMATCH	4
#define TSB_LZ4_MAX_OFFSET	65535U

/*
 * A length field's extension bytes from @src at *@pos (before @end), added
 * to @len. Return the length, or (size_t)-1 when the block ends first or the
 * length would exceed @limit (what the buffers could take anyway).
 */
static inline size_t tsb_lz4_len(const uint8_t *src, size_t *pos, size_t end, size_t len,
				 size_t limit)
{
	uint8_t b;

	do {
		if (*pos >= end)
			return (size_t)-1;
		b = src[(*pos)++];
		len += b;
		if (len > limit)
			return (size_t)-1;
	} while (b == 255);
	return len;
}

/*
 * Decode the LZ4 block @src[0, @srclen) into @dst, which it must fill to
 * exactly @dstlen bytes. Return 0, or -1 when the block is malformed (then
 * @dst holds some of it, never more than @dstlen bytes).
 */
static inline int tsb_lz4_decode(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen)
{
	size_t ip = 0, op = 0;

	for (;;) {
		size_t lit, mlen, off, k;
		uint8_t token;

		if (ip >= srclen)
			return -1;
		token = src[ip++];
		lit = token >> 4;
		if (lit == 15) {
			lit = tsb_lz4_len(src, &ip, srclen, lit, dstlen);
			if (lit == (size_t)-1)
				return -1;
		}
		if (lit > srclen - ip || lit > dstlen - op)
			return -1;
		for (k = 0; k < lit; k++)
			dst[op + k] = src[ip + k];
		ip += lit;
		op += lit;
		if (ip == srclen)	/* the last sequence: literals only */
			return op == dstlen ? 0 : -1;
		if (srclen - ip < 2)
			return -1;
		off = (size_t)src[ip] | (size_t)src[ip + 1] << 8;
		ip += 2;
		if (!off || off > op)
			return -1;
		mlen = token & 15;
		if (mlen == 15) {
			mlen = tsb_lz4_len(src, &ip, srclen, mlen, dstlen);
			if (mlen == (size_t)-1)
				return -1;
		}
		mlen += TSB_LZ4_MINMATCH;
		if (mlen > dstlen - op)
			return -1;
		for (k = 0; k < mlen; k++)	/* byte by byte: the match may overlap */
			dst[op + k] = dst[op - off + k];
		op += mlen;
	}
}

#endif
