// SPDX-License-Identifier: BSD-3-Clause
/*
 * LZ4 blocks: the firmware's compressor (lib/lz4.c) and the shared decoder
 * (include/tsubaki/lz4.h), each against liblz4 -- the compressor's blocks
 * must decode with LZ4_decompress_safe() as with tsb_lz4_decode(), and
 * LZ4_compress_default()'s blocks with tsb_lz4_decode() -- then malformed
 * blocks, which the decoder must refuse without touching a byte outside its
 * buffers. Every buffer is allocated at its exact size, so ASan catches a
 * read or write one byte beyond.
 */
#include <stdint.h>
#include <string.h>
#include <lz4.h>
#include <lz4_compress.h>
#include <tsubaki/dump_format.h>
#include <tsubaki/lz4.h>
#include "unit.h"

#define CHUNK		65536U
#define SEEN_MAX	1024

static uint16_t table[LZ4C_TABLE_ENTRIES];
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed;
}

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rng() >> 24);
}

/* @n bytes of @src in a buffer of exactly that size (never NULL). */
static uint8_t *dup_exact(const uint8_t *src, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	if (n)
		memcpy(p, src, n);
	return p;
}

/* lz4_compress() into a buffer of exactly @cap bytes; *@out gets a copy. */
static size_t compress_cap(const uint8_t *src, size_t n, size_t cap, uint8_t **out)
{
	uint8_t *dst = malloc(cap ? cap : 1);
	size_t z;

	assert_non_null(dst);
	z = lz4_compress(src, n, dst, cap, table);
	assert_true(z <= cap);
	if (out)
		*out = dup_exact(dst, z);
	free(dst);
	return z;
}

/* tsb_lz4_decode() into a buffer of exactly @dstlen bytes: 0 and @want, or -1. */
static int decode_exact(const uint8_t *blk, size_t z, size_t dstlen, const uint8_t *want)
{
	uint8_t *src = dup_exact(blk, z), *dst = malloc(dstlen ? dstlen : 1);
	int r;

	assert_non_null(dst);
	r = tsb_lz4_decode(src, z, dst, dstlen);
	if (!r && want)
		assert_memory_equal(dst, want, dstlen);
	free(dst);
	free(src);
	return r;
}

/* liblz4 decodes @blk to exactly @n bytes, equal to @want. */
static void liblz4_decodes(const uint8_t *blk, size_t z, const uint8_t *want, size_t n)
{
	uint8_t *src = dup_exact(blk, z), *dst = malloc(n ? n : 1);

	assert_non_null(dst);
	assert_int_equal(LZ4_decompress_safe((const char *)src, (char *)dst, (int)z, (int)n),
			 (int)n);
	if (n)
		assert_memory_equal(dst, want, n);
	free(dst);
	free(src);
}

/*
 * The checks every input gets: the firmware's block decodes to the input
 * with both decoders, also when compressed with a cap of exactly its size
 * (the same bytes), and does not fit one byte less; liblz4's block decodes
 * with tsb_lz4_decode(). Returns the firmware's block length.
 */
static size_t round_trip(const uint8_t *data, size_t n)
{
	uint8_t *src = dup_exact(data, n), *blk, *again, *lib;
	int bound = LZ4_compressBound((int)n), lz;
	size_t z;

	z = compress_cap(src, n, (size_t)bound, &blk);
	assert_true(z > 0);
	assert_int_equal(decode_exact(blk, z, n, src), 0);
	liblz4_decodes(blk, z, src, n);

	assert_int_equal(compress_cap(src, n, z, &again), z);
	assert_memory_equal(again, blk, z);
	assert_int_equal(compress_cap(src, n, z - 1, NULL), 0);

	lib = malloc((size_t)bound);
	assert_non_null(lib);
	lz = LZ4_compress_default((const char *)src, (char *)lib, (int)n, bound);
	assert_true(lz > 0);
	assert_int_equal(decode_exact(lib, (size_t)lz, n, src), 0);

	free(lib);
	free(again);
	free(blk);
	free(src);
	return z;
}

/* The sequences of a well-formed block, walked independently of the decoder. */
struct seqs {
	unsigned int n;
	unsigned int overlaps;		/* matches whose offset < their length */
	uint8_t lit[SEEN_MAX];		/* literal lengths seen (SEEN_MAX - 1: more) */
	uint8_t mfield[SEEN_MAX];	/* match length fields (length - 4) seen */
};

static size_t walk_len(const uint8_t *b, size_t z, size_t *ip, size_t len)
{
	if (len < 15)
		return len;
	do {
		assert_true(*ip < z);
		len += b[*ip];
	} while (b[(*ip)++] == 255);
	return len;
}

static void walk(const uint8_t *b, size_t z, struct seqs *s)
{
	size_t ip = 0;

	memset(s, 0, sizeof(*s));
	for (;;) {
		size_t lit, mf, off;
		uint8_t token;

		assert_true(ip < z);
		token = b[ip++];
		lit = walk_len(b, z, &ip, token >> 4);
		s->lit[lit < SEEN_MAX ? lit : SEEN_MAX - 1] = 1;
		s->n++;
		assert_true(lit <= z - ip);
		ip += lit;
		if (ip == z)
			return;
		assert_true(z - ip >= 2);
		off = b[ip] | (size_t)b[ip + 1] << 8;
		ip += 2;
		mf = walk_len(b, z, &ip, token & 15);
		s->mfield[mf < SEEN_MAX ? mf : SEEN_MAX - 1] = 1;
		if (off < mf + 4)
			s->overlaps++;
	}
}

/* ---- the compressor's blocks ---- */

static void test_empty(void **state)
{
	uint8_t *blk, dst, src = 0;

	(void)state;
	assert_int_equal(compress_cap(&src, 0, 16, &blk), 1);
	assert_int_equal(blk[0], 0);		/* one token: no literals, no match */
	assert_int_equal(decode_exact(blk, 1, 0, NULL), 0);
	assert_int_equal(LZ4_decompress_safe((const char *)blk, (char *)&dst, 1, 0), 0);
	assert_int_equal(compress_cap(&src, 0, 0, NULL), 0);
	free(blk);
	round_trip((const uint8_t *)"", 0);
}

/* Up to 13 bytes no match may start (the end rules): all literals. */
static void test_short_inputs(void **state)
{
	uint8_t data[13];

	(void)state;
	rng_seed(1);
	for (size_t n = 1; n <= sizeof(data); n++) {
		uint8_t *blk;

		fill_random(data, n);
		assert_int_equal(round_trip(data, n), n + 1);
		memset(data, 'a', n);		/* even if it repeats */
		assert_int_equal(round_trip(data, n), n + 1);
		compress_cap(data, n, n + 1, &blk);
		assert_int_equal(blk[0], n << 4);
		assert_memory_equal(blk + 1, data, n);
		free(blk);
	}
}

static void test_zeros(void **state)
{
	static uint8_t zeros[CHUNK + 1];
	struct seqs s;
	uint8_t *blk;
	size_t z;

	(void)state;
	z = round_trip(zeros, CHUNK);
	assert_true(z < 300);		/* 1 literal, one long match, 5 literals */
	compress_cap(zeros, CHUNK, z, &blk);
	walk(blk, z, &s);
	assert_true(s.n <= 3 && s.overlaps >= 1);
	free(blk);
	/* one byte more than a compressor takes */
	assert_int_equal(compress_cap(zeros, CHUNK + 1, 1000, NULL), 0);
}

/* Random data does not shrink: no room below its size, room at the bound. */
static void test_incompressible(void **state)
{
	uint8_t *data = malloc(CHUNK);
	struct seqs s;
	uint8_t *blk;
	size_t z;

	(void)state;
	assert_non_null(data);
	rng_seed(2);
	fill_random(data, CHUNK);
	z = round_trip(data, CHUNK);
	assert_true(z > CHUNK);
	assert_int_equal(compress_cap(data, CHUNK, CHUNK - 1, NULL), 0);
	assert_int_equal(compress_cap(data, CHUNK, TSB_ZLEN_MAX, NULL), 0);
	assert_int_equal(compress_cap(data, CHUNK, (size_t)LZ4_compressBound(CHUNK), &blk), z);
	walk(blk, z, &s);
	assert_true(s.lit[SEEN_MAX - 1]);	/* one long literal run */
	free(blk);
	free(data);
}

/* Periods shorter than the matches: each match overlaps what it produces. */
static void test_repeating_patterns(void **state)
{
	static const size_t periods[] = { 1, 2, 3, 4, 5, 7, 8, 13, 255, 4096, 16384, 32768 };
	uint8_t *data = malloc(CHUNK), unit[32768];

	(void)state;
	assert_non_null(data);
	rng_seed(3);
	for (size_t k = 0; k < ARRAY_SIZE(periods); k++) {
		size_t p = periods[k], z;
		struct seqs s;
		uint8_t *blk;

		fill_random(unit, p);
		for (size_t i = 0; i < CHUNK; i++)
			data[i] = unit[i % p];
		z = round_trip(data, CHUNK);
		if (p <= 4096)
			assert_true(z < p + 1000);
		else
			assert_true(z < CHUNK);
		compress_cap(data, CHUNK, z, &blk);
		walk(blk, z, &s);
		if (p < 4096)
			assert_true(s.overlaps >= 1);
		free(blk);
	}
	free(data);
}

/*
 * Literal runs and matches of every length around the boundaries of their
 * length fields: 15 (the first extension byte), 270 and 525 (a byte of 255,
 * then another). The sweep is checked to produce those very lengths.
 */
static void test_length_boundaries(void **state)
{
	static const unsigned int edges[] = { 14, 15, 16, 269, 270, 271, 524, 525, 526 };
	uint8_t data[1200];
	uint8_t lit[SEEN_MAX] = { 0 }, mf[SEEN_MAX] = { 0 };

	(void)state;
	rng_seed(4);
	for (size_t len = 1; len <= 560; len++) {
		size_t n, z;
		struct seqs s;
		uint8_t *blk;

		/* a literal run of about @len, then a run of zeros */
		fill_random(data, len);
		memset(data + len, 0, 64);
		fill_random(data + len + 64, 16);
		n = len + 80;
		z = round_trip(data, n);
		compress_cap(data, n, z, &blk);
		walk(blk, z, &s);
		for (size_t i = 0; i < SEEN_MAX; i++)
			lit[i] |= s.lit[i];
		free(blk);

		/* 20 random bytes, a run of @len + 3 bytes, 20 random bytes */
		fill_random(data, 20);
		memset(data + 20, 0x5a, len + 3);
		fill_random(data + 23 + len, 20);
		n = len + 43;
		z = round_trip(data, n);
		compress_cap(data, n, z, &blk);
		walk(blk, z, &s);
		for (size_t i = 0; i < SEEN_MAX; i++)
			mf[i] |= s.mfield[i];
		free(blk);
	}
	for (size_t k = 0; k < ARRAY_SIZE(edges); k++) {
		assert_true(lit[edges[k]]);
		assert_true(mf[edges[k]]);
	}
}

/*
 * Something like a kernel's memory, 4 KiB pages of: code (a small set of
 * instruction words), pointer tables, text, zeros, and random bytes.
 */
static void kernel_like(uint8_t *p, size_t n)
{
	static const uint32_t insns[] = {
		0xa9bf7bfd, 0x910003fd, 0xf9400000, 0xb4000040, 0x97ffffff, 0xd65f03c0,
		0xa8c17bfd, 0x52800000, 0xf9000020, 0x35000060, 0xaa0003f3, 0xd503201f,
	};
	static const char *const words[] = {
		"kworker/0:1 ", "rcu_sched ", "ksoftirqd/0 ", "systemd-journald ", "virtio_blk ",
		"/lib/modules/6.1.0/kernel/drivers/", "Oops: ", "Call trace:\n", " el1h_64_sync+",
		"0x", "ffff800008", "/0x", "[", "] ", "\n", "tsubaki: ",
	};

	rng_seed(5);
	for (size_t pg = 0; pg < n / 4096; pg++) {
		uint8_t *q = p + pg * 4096;

		switch (pg % 5) {
		case 0:
			for (size_t i = 0; i < 4096; i += 4) {
				uint32_t w = insns[rng() % ARRAY_SIZE(insns)] ^
					     (rng() % 8 ? 0 : (uint32_t)rng() & 0xfff);

				memcpy(q + i, &w, 4);
			}
			break;
		case 1:
			for (size_t i = 0; i < 4096; i += 8) {
				uint64_t v = 0xffffff8008000000ULL + pg * 4096 + (rng() % 64) * 64;

				memcpy(q + i, &v, 8);
			}
			break;
		case 2:
			for (size_t i = 0; i < 4096; ) {
				const char *w = words[rng() % ARRAY_SIZE(words)];

				for (; *w && i < 4096; w++)
					q[i++] = (uint8_t)*w;
			}
			break;
		case 3:
			memset(q, 0, 4096);
			break;
		default:
			fill_random(q, 4096);
			break;
		}
	}
}

static void test_kernel_like(void **state)
{
	uint8_t *data = malloc(CHUNK), *lib = malloc((size_t)LZ4_compressBound(CHUNK));
	int lz;
	size_t z;

	(void)state;
	assert_non_null(data);
	assert_non_null(lib);
	kernel_like(data, CHUNK);
	z = round_trip(data, CHUNK);
	/* as the firmware calls it: only a block that saves a sector is kept */
	assert_int_equal(compress_cap(data, CHUNK, TSB_ZLEN_MAX, NULL), z);
	assert_true(z < CHUNK / 2);
	/* and no worse than liblz4's fast mode by much */
	lz = LZ4_compress_default((const char *)data, (char *)lib, CHUNK,
				  LZ4_compressBound(CHUNK));
	assert_true(lz > 0 && z < (size_t)lz * 3 / 2);
	free(lib);
	free(data);
}

/* ---- hand-made blocks ---- */

static size_t put_len(uint8_t *b, size_t len)
{
	size_t k = 0;

	for (len -= 15; len >= 255; len -= 255)
		b[k++] = 255;
	b[k++] = (uint8_t)len;
	return k;
}

/*
 * A block of @lit literals from @lits, a match of @mlen (>= 4) @off back,
 * then 12 more literals (liblz4's end rules), into @b; its length. @out
 * gets what it decodes to.
 */
static size_t make_block(uint8_t *b, const uint8_t *lits, size_t lit, size_t off, size_t mlen,
			 uint8_t *out, size_t *outlen)
{
	size_t k = 0, o = 0;

	b[k++] = (uint8_t)((lit >= 15 ? 15 : lit) << 4 | (mlen - 4 >= 15 ? 15 : mlen - 4));
	if (lit >= 15)
		k += put_len(b + k, lit);
	memcpy(b + k, lits, lit);
	memcpy(out, lits, lit);
	k += lit;
	o += lit;
	b[k++] = (uint8_t)off;
	b[k++] = (uint8_t)(off >> 8);
	if (mlen - 4 >= 15)
		k += put_len(b + k, mlen - 4);
	for (size_t i = 0; i < mlen; i++, o++)
		out[o] = out[o - off];
	b[k++] = 12 << 4;
	memcpy(b + k, lits, 12);
	memcpy(out + o, lits, 12);
	*outlen = o + 12;
	return k + 12;
}

/* The extension bytes of a length field of @v: none below 15, one more at 270, 525, 780. */
static size_t ext_bytes(size_t v)
{
	return v < 15 ? 0 : v < 270 ? 1 : v < 525 ? 2 : v < 780 ? 3 : 4;
}

static void test_exact_lengths(void **state)
{
	static const size_t edges[] = { 0, 1, 14, 15, 16, 269, 270, 271, 524, 525, 526, 1000 };
	uint8_t lits[1100], blk[1200], out[2200];

	(void)state;
	rng_seed(6);
	fill_random(lits, sizeof(lits));
	for (size_t a = 0; a < ARRAY_SIZE(edges); a++) {
		for (size_t m = 0; m < ARRAY_SIZE(edges); m++) {
			size_t lit = edges[a] ? edges[a] : 1, mlen = edges[m] + 4, n, z;
			size_t off = 1 + edges[m] % lit;	/* overlapping or not */

			z = make_block(blk, lits, lit, off, mlen, out, &n);
			assert_int_equal(z, 1 + ext_bytes(lit) + lit + 2 + ext_bytes(mlen - 4) + 1 + 12);
			assert_int_equal(n, lit + mlen + 12);
			assert_int_equal(decode_exact(blk, z, n, out), 0);
			liblz4_decodes(blk, z, out, n);
		}
	}
}

/* ---- malformed blocks ---- */

/* Every prefix of a good block is refused (and read within its length). */
static void test_truncated(void **state)
{
	uint8_t *data = malloc(CHUNK), *blk, lits[600], hand[1200], out[1400];
	size_t z, n;

	(void)state;
	assert_non_null(data);
	kernel_like(data, 3 * 4096);		/* code, pointers, text */
	z = compress_cap(data, 3 * 4096, (size_t)LZ4_compressBound(3 * 4096), &blk);
	for (size_t k = 0; k < z; k++)
		assert_int_equal(decode_exact(blk, k, 3 * 4096, NULL), -1);
	assert_int_equal(decode_exact(blk, z, 3 * 4096, data), 0);
	free(blk);

	/* one with long length fields, cut inside each of them too */
	rng_seed(7);
	fill_random(lits, sizeof(lits));
	z = make_block(hand, lits, 530, 3, 600, out, &n);
	for (size_t k = 0; k < z; k++)
		assert_int_equal(decode_exact(hand, k, n, NULL), -1);
	assert_int_equal(decode_exact(hand, z, n, out), 0);
	free(data);
}

static void test_bad_offsets(void **state)
{
	/* 4 literals, a match of 8 at offset (patched below), 5 literals */
	uint8_t b[] = { 0x44, 'a', 'b', 'c', 'd', 0, 0, 0x50, 'v', 'w', 'x', 'y', 'z' };
	uint8_t want[] = "abcdabcdabcdvwxyz";

	(void)state;
	b[5] = 4;	/* the control: back to the first literal */
	assert_int_equal(decode_exact(b, sizeof(b), 17, want), 0);
	b[5] = 1;	/* overlapping: dddddddd */
	assert_int_equal(decode_exact(b, sizeof(b), 17, NULL), 0);
	b[5] = 0;	/* offset 0 */
	assert_int_equal(decode_exact(b, sizeof(b), 17, NULL), -1);
	b[5] = 5;	/* before the output's start */
	assert_int_equal(decode_exact(b, sizeof(b), 17, NULL), -1);
	b[5] = 0xff;
	b[6] = 0xff;
	assert_int_equal(decode_exact(b, sizeof(b), 17, NULL), -1);
	/* a match first of all: nothing to copy from */
	assert_int_equal(decode_exact((const uint8_t[]){ 0x00, 1, 0, 0x00 }, 4, 4, NULL), -1);
}

static void test_sizes_must_match(void **state)
{
	uint8_t *data = malloc(CHUNK), *blk;
	size_t z;

	(void)state;
	assert_non_null(data);
	kernel_like(data, CHUNK);
	z = compress_cap(data, CHUNK, (size_t)LZ4_compressBound(CHUNK), &blk);
	/* it would overflow: the buffers are exact, ASan watches */
	assert_int_equal(decode_exact(blk, z, CHUNK - 1, NULL), -1);
	assert_int_equal(decode_exact(blk, z, CHUNK - 4096, NULL), -1);
	assert_int_equal(decode_exact(blk, z, 0, NULL), -1);
	/* it decodes to fewer bytes than expected */
	assert_int_equal(decode_exact(blk, z, CHUNK + 1, NULL), -1);
	assert_int_equal(decode_exact(blk, z, 2 * CHUNK, NULL), -1);
	free(blk);
	free(data);

	/* a literal run, then a match, longer than the output */
	assert_int_equal(decode_exact((const uint8_t[]){ 0x50, 1, 2, 3, 4, 5 }, 6, 4, NULL), -1);
	assert_int_equal(decode_exact((const uint8_t[]){ 0x50, 1, 2, 3, 4, 5 }, 6, 5, NULL), 0);
	assert_int_equal(decode_exact((const uint8_t[]){ 0x1f, 7, 1, 0, 10, 0x00 }, 6, 30, NULL),
			 0);
	assert_int_equal(decode_exact((const uint8_t[]){ 0x1f, 7, 1, 0, 10, 0x00 }, 6, 29, NULL),
			 -1);
	assert_int_equal(decode_exact((const uint8_t[]){ 0x1f, 7, 1, 0, 10, 0x00 }, 6, 31, NULL),
			 -1);
	/* an empty block decodes to nothing, not to one byte */
	assert_int_equal(decode_exact((const uint8_t[]){ 0x00 }, 1, 1, NULL), -1);
	assert_int_equal(decode_exact((const uint8_t[]){ 0x00 }, 0, 0, NULL), -1);
}

static void test_bad_lengths(void **state)
{
	uint8_t b[300];

	(void)state;
	/* a literal length's extension cut off, or past any buffer */
	assert_int_equal(decode_exact((const uint8_t[]){ 0xf0 }, 1, 100, NULL), -1);
	assert_int_equal(decode_exact((const uint8_t[]){ 0xf0, 255, 255 }, 3, 1000, NULL), -1);
	memset(b, 255, sizeof(b));
	b[0] = 0xf0;
	assert_int_equal(decode_exact(b, sizeof(b), CHUNK, NULL), -1);
	/* a match's length likewise, and an offset of one byte */
	assert_int_equal(decode_exact((const uint8_t[]){ 0x1f, 'a', 1, 0 }, 4, 100, NULL), -1);
	b[0] = 0x1f;
	b[1] = 'a';
	b[2] = 1;
	b[3] = 0;
	assert_int_equal(decode_exact(b, sizeof(b), CHUNK, NULL), -1);
	assert_int_equal(decode_exact((const uint8_t[]){ 0x10, 'a', 1 }, 3, 5, NULL), -1);
	/* after a match the block goes on: a block cannot end on one */
	assert_int_equal(decode_exact((const uint8_t[]){ 0x10, 'a', 1, 0 }, 4, 5, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_short_inputs),
		cmocka_unit_test(test_zeros),
		cmocka_unit_test(test_incompressible),
		cmocka_unit_test(test_repeating_patterns),
		cmocka_unit_test(test_length_boundaries),
		cmocka_unit_test(test_kernel_like),
		cmocka_unit_test(test_exact_lengths),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_offsets),
		cmocka_unit_test(test_sizes_must_match),
		cmocka_unit_test(test_bad_lengths),
	};

	unit_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
