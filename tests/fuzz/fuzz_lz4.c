// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_lz4: libFuzzer target for the LZ4 block decoder every reader shares
 * (include/tsubaki/lz4.h) and the firmware's compressor (firmware/lib/lz4.c),
 * with liblz4 as the reference. See tests/fuzz/run.sh.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ifirmware/include -Iinclude \
 *         tests/fuzz/fuzz_lz4.c firmware/lib/lz4.c -llz4 -o build/fuzz/fuzz_lz4
 *
 * The input:  [u24 LE: the length L to decode to, 17 bits][a block, or any data]
 * (seeds: tests/fuzz/make_lz4_seeds.py). The rest of the input is used twice:
 * - as an untrusted block, decoded by tsb_lz4_decode() to exactly L bytes
 *   into a buffer of exactly L bytes (ASan watches every byte outside it).
 *   When it decodes, it must not decode to L - 1 or L + 1 bytes, and if
 *   liblz4's LZ4_decompress_safe() also makes L bytes of it, the same ones;
 * - as data (at most 64 KiB): lz4_compress() into a buffer of exactly
 *   LZ4_compressBound() bytes must succeed, and the block decode to the data
 *   with tsb_lz4_decode() and with liblz4; compressed again with a cap of
 *   exactly its length it must be the same block, and with one byte less
 *   not fit; LZ4_compress_default()'s block must decode with
 *   tsb_lz4_decode() to the data too.
 * Any violation aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lz4_compress.h>
#include <tsubaki/lz4.h>

#define HEAD	3

static uint16_t table[LZ4C_TABLE_ENTRIES];

static uint8_t *exact(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

/* tsb_lz4_decode() of @blk into a buffer of exactly @n bytes. */
static int decode(const uint8_t *blk, size_t z, size_t n, uint8_t **out)
{
	uint8_t *dst = exact(n);
	int r = tsb_lz4_decode(blk, z, dst, n);

	if (out && !r)
		*out = dst;
	else
		free(dst);
	return r;
}

static void as_block(const uint8_t *blk, size_t z, size_t n)
{
	uint8_t *got, *ref;
	int r;

	if (decode(blk, z, n, &got))
		return;
	if (!decode(blk, z, n + 1, NULL) || (n && !decode(blk, z, n - 1, NULL)))
		abort();	/* a block decodes to one length only */
	ref = exact(n);
	r = LZ4_decompress_safe((const char *)blk, (char *)ref, (int)z, (int)n);
	if (r == (int)n && n && memcmp(got, ref, n))
		abort();
	free(ref);
	free(got);
}

/* lz4_compress() into exactly @cap bytes: its length, the block in *@out. */
static size_t compress(const uint8_t *src, size_t n, size_t cap, uint8_t **out)
{
	uint8_t *dst = exact(cap);
	size_t z = lz4_compress(src, n, dst, cap, table);

	if (z > cap)
		abort();
	if (out)
		*out = dst;
	else
		free(dst);
	return z;
}

static void as_data(const uint8_t *src, size_t n)
{
	int bound = LZ4_compressBound((int)n), lz;
	uint8_t *blk, *again, *got, *lib;
	size_t z;

	z = compress(src, n, (size_t)bound, &blk);
	if (!z || decode(blk, z, n, &got) || (n && memcmp(got, src, n)))
		abort();
	free(got);
	got = exact(n);
	if (LZ4_decompress_safe((const char *)blk, (char *)got, (int)z, (int)n) != (int)n ||
	    (n && memcmp(got, src, n)))
		abort();
	free(got);
	if (compress(src, n, z, &again) != z || memcmp(again, blk, z) ||
	    compress(src, n, z - 1, NULL))
		abort();
	free(again);
	free(blk);

	lib = exact((size_t)bound);
	lz = LZ4_compress_default((const char *)src, (char *)lib, (int)n, bound);
	if (lz <= 0 || decode(lib, (size_t)lz, n, &got) || (n && memcmp(got, src, n)))
		abort();
	free(got);
	free(lib);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *rest;
	size_t n;

	if (size < HEAD)
		return 0;
	n = size - HEAD;
	rest = exact(n);	/* the block at its exact size: reads past it are caught */
	memcpy(rest, data + HEAD, n);
	as_block(rest, n, (size_t)data[0] | (size_t)data[1] << 8 | (size_t)(data[2] & 1) << 16);
	if (n <= LZ4C_MAX_INPUT)
		as_data(rest, n);
	free(rest);
	return 0;
}
