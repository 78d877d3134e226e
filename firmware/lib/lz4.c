// SPDX-License-Identifier: BSD-3-Clause
/*
 * LZ4 block compressor (see lz4_compress.h). Greedy: at each position the
 * hash of the next 4 bytes names the last position with the same hash; a
 * match there is extended both ways and emitted, else the position moves on,
 * faster the longer no match was found (so incompressible data costs little).
 *
 * The block format's end rules, which decoders such as liblz4's rely on: the
 * last 5 bytes are literals, and no match starts within the last 12.
 *
 * Loads go through __builtin_memcpy, and may be unaligned. The firmware is built with
 * -mstrict-align, which it needs before its MMU is on and which makes each
 * such load 4 or 8 byte loads; the compressor runs with the MMU on, on a
 * chunk in secure RAM (normal memory: unaligned loads are architectural
 * there), so this file is built without it: with the loads inline, 4 times as
 * fast under QEMU (a dump's 12.8 MB in 69 ms instead of 274).
 */
#if defined(__aarch64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("no-strict-align")
#endif
#include <stdint.h>
#include <string.h>
#include <lz4_compress.h>

#define MINMATCH	4
#define LAST_LITERALS	5
#define MF_LIMIT	12
#define MAX_OFFSET	65535U
#define SKIP_SHIFT	6

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);	/* inline even with -fno-builtin: one load */
	return v;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline uint32_t hash4(uint32_t v)
{
	return (v * 2654435761U) >> (32 - LZ4C_HASH_BITS);
}

/* Bytes that match at @a and @b (@a > @b), up to @limit (@a's end). */
static size_t match_len(const uint8_t *a, const uint8_t *b, const uint8_t *limit)
{
	const uint8_t *start = a;

	while (a + 8 <= limit) {
		uint64_t x = load64(a) ^ load64(b);

		if (x)
			return (size_t)(a - start) + ((unsigned int)__builtin_ctzll(x) >> 3);
		a += 8;
		b += 8;
	}
	while (a < limit && *a == *b) {
		a++;
		b++;
	}
	return (size_t)(a - start);
}

/* Copy @n bytes, 8 at a time (unaligned: see above), no further than @n. */
static void copy(uint8_t *d, const uint8_t *s, size_t n)
{
	for (; n >= 8; n -= 8, d += 8, s += 8)
		__builtin_memcpy(d, s, 8);
	while (n--)
		*d++ = *s++;
}

/* A length field's extension bytes: @len (>= 15 already taken) less 15. */
static uint8_t *put_len(uint8_t *op, size_t len)
{
	for (len -= 15; len >= 255; len -= 255)
		*op++ = 255;
	*op++ = (uint8_t)len;
	return op;
}

/* Bytes a sequence of @lit literals and a match of @mlen (0: none) takes. */
static size_t seq_bytes(size_t lit, size_t mlen)
{
	size_t n = 1 + lit + (lit >= 15 ? (lit - 15) / 255 + 1 : 0);

	if (mlen)
		n += 2 + (mlen - MINMATCH >= 15 ? (mlen - MINMATCH - 15) / 255 + 1 : 0);
	return n;
}

/*
 * Append a sequence to @dst at *@o: @lit literals from @lits, then a match
 * of @mlen bytes @off back (@mlen 0: the last sequence). Return -1 when it
 * would pass @cap.
 */
static int put_seq(uint8_t *dst, size_t *o, size_t cap, const uint8_t *lits, size_t lit,
		   size_t off, size_t mlen)
{
	uint8_t *op = dst + *o, token;

	if (seq_bytes(lit, mlen) > cap - *o)
		return -1;
	token = (uint8_t)((lit >= 15 ? 15 : lit) << 4);
	if (mlen)
		token |= (uint8_t)(mlen - MINMATCH >= 15 ? 15 : mlen - MINMATCH);
	*op++ = token;
	if (lit >= 15)
		op = put_len(op, lit);
	copy(op, lits, lit);
	op += lit;
	if (mlen) {
		*op++ = (uint8_t)off;
		*op++ = (uint8_t)(off >> 8);
		if (mlen - MINMATCH >= 15)
			op = put_len(op, mlen - MINMATCH);
	}
	*o = (size_t)(op - dst);
	return 0;
}

size_t lz4_compress(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, uint16_t *table)
{
	size_t ip = 0, anchor = 0, o = 0;

	if (n > LZ4C_MAX_INPUT)
		return 0;
	if (n > MF_LIMIT) {
		const size_t mf_limit = n - MF_LIMIT, match_limit = n - LAST_LITERALS;

		memset(table, 0, LZ4C_TABLE_ENTRIES * sizeof(*table));
		ip = 1;		/* position 0 is in the table already (entries are 0) */
		while (ip < mf_limit) {
			uint32_t v = load32(src + ip), h = hash4(v);
			size_t ref = table[h], mlen;

			table[h] = (uint16_t)ip;
			if (ref >= ip || ip - ref > MAX_OFFSET || load32(src + ref) != v) {
				ip += 1 + ((ip - anchor) >> SKIP_SHIFT);
				continue;
			}
			while (ip > anchor && ref > 0 && src[ip - 1] == src[ref - 1]) {
				ip--;
				ref--;
			}
			mlen = MINMATCH + match_len(src + ip + MINMATCH, src + ref + MINMATCH,
						    src + match_limit);
			if (put_seq(dst, &o, cap, src + anchor, ip - anchor, ip - ref, mlen))
				return 0;
			ip += mlen;
			anchor = ip;
			if (ip < mf_limit)	/* the position before the next: cheap, and finds runs */
				table[hash4(load32(src + ip - 2))] = (uint16_t)(ip - 2);
		}
	}
	if (put_seq(dst, &o, cap, src + anchor, n - anchor, 0, 0))
		return 0;
	return o;
}
