// SPDX-License-Identifier: BSD-3-Clause
/*
 * The image pack (boot/pack.c, lib/crc32.c): packs are built in memory the
 * way tools/tsubaki-pack writes them, then broken one field at a time.
 */
#include <stdint.h>
#include <string.h>
#include <tsubaki/pack.h>
#include "unit.h"

#define HDR	sizeof(struct tsb_pack_header)

struct blob {
	uint32_t type;
	const void *data;
	size_t size;
};

struct pack {
	uint8_t *buf;
	size_t size;		/* == total_size */
	struct tsb_pack_header *h;
};

static uint8_t kernel[70000];
static uint8_t initrd[12345];
static const char cmdline[] = "console=ttyAMA0 rdinit=/init";
static const char config[] = "window=0x4000000\nlog=40";

static const struct blob blobs[] = {
	{ TSB_PACK_KERNEL, kernel, sizeof(kernel) },
	{ TSB_PACK_INITRD, initrd, sizeof(initrd) },
	{ TSB_PACK_CMDLINE, cmdline, sizeof(cmdline) },
	{ TSB_PACK_CONFIG, config, sizeof(config) },
};

static size_t align_up(size_t v)
{
	return (v + TSB_PACK_ALIGN - 1) & ~(size_t)(TSB_PACK_ALIGN - 1);
}

/* Lay out @n blobs as tools/tsubaki-pack does, in an exactly sized buffer. */
static void build(struct pack *p, const struct blob *b, unsigned int n)
{
	size_t off = HDR;
	unsigned int i;

	for (i = 0; i < n; i++)
		off = align_up(off) + b[i].size;
	p->size = off;
	p->buf = calloc(1, p->size);
	assert_non_null(p->buf);
	p->h = (struct tsb_pack_header *)p->buf;
	p->h->magic = TSB_PACK_MAGIC;
	p->h->version = TSB_PACK_VERSION;
	off = HDR;
	for (i = 0; i < n; i++) {
		struct tsb_pack_entry *e = &p->h->entry[p->h->count++];

		off = align_up(off);
		e->type = b[i].type;
		e->offset = off;
		e->size = b[i].size;
		e->crc32 = tsb_crc32(0, b[i].data, b[i].size);
		memcpy(p->buf + off, b[i].data, b[i].size);
		off += b[i].size;
	}
	p->h->total_size = off;
	p->h->hdr_crc32 = pack_header_crc(p->h);
}

static void build_std(struct pack *p)
{
	build(p, blobs, ARRAY_SIZE(blobs));
}

/* After changing a header field: make the CRC right again. */
static void reseal(struct pack *p)
{
	p->h->hdr_crc32 = pack_header_crc(p->h);
}

static int parse(const struct pack *p)
{
	struct tsb_pack_view v;

	return pack_parse(p->buf, p->size, &v);
}

static int group_setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kernel); i++)
		kernel[i] = (uint8_t)(i * 7 + (i >> 8));
	memcpy(kernel + 56, "ARM\x64", 4);
	for (i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0x5a);
	return 0;
}

/* ---- CRC-32 ----------------------------------------------------------- */

static void test_crc32(void **state)
{
	static const char check[] = "123456789";
	uint32_t c;

	(void)state;
	assert_int_equal(tsb_crc32(0, check, 9), 0xcbf43926U);
	assert_int_equal(tsb_crc32(0, check, 0), 0);
	assert_int_equal(tsb_crc32(0, "a", 1), 0xe8b7be43U);
	assert_int_equal(tsb_crc32(0, "The quick brown fox jumps over the lazy dog", 43),
			 0x414fa339U);
	/* Incremental use gives the same result. */
	c = tsb_crc32(0, check, 4);
	assert_int_equal(tsb_crc32(c, check + 4, 5), 0xcbf43926U);
}

/* ---- a good pack ------------------------------------------------------ */

static void test_parse_valid(void **state)
{
	const struct tsb_pack_entry *e;
	struct tsb_pack_view v;
	struct pack p;
	unsigned int i;

	(void)state;
	build_std(&p);
	assert_int_equal(pack_parse(p.buf, p.size, &v), 0);
	assert_ptr_equal(v.base, p.buf);
	assert_ptr_equal(v.hdr, p.h);
	for (i = 0; i < ARRAY_SIZE(blobs); i++) {
		e = pack_find(&v, blobs[i].type);
		assert_non_null(e);
		assert_int_equal(e->type, blobs[i].type);
		assert_int_equal(e->size, blobs[i].size);
		assert_int_equal(e->offset % TSB_PACK_ALIGN, 0);
		assert_true(e->offset >= HDR);
		assert_memory_equal(v.base + e->offset, blobs[i].data, blobs[i].size);
		assert_int_equal(pack_verify_entry(&v, e), 0);
	}
	assert_null(pack_find(&v, 0));
	assert_null(pack_find(&v, 5));
	assert_null(pack_find(&v, 0xffffffffU));
	free(p.buf);

	/* A pack with only a kernel. */
	build(&p, blobs, 1);
	assert_int_equal(pack_parse(p.buf, p.size, &v), 0);
	assert_non_null(pack_find(&v, TSB_PACK_KERNEL));
	assert_null(pack_find(&v, TSB_PACK_INITRD));
	assert_null(pack_find(&v, TSB_PACK_CONFIG));
	free(p.buf);
}

static void test_parse_larger_flash(void **state)
{
	struct tsb_pack_view v;
	struct pack p;
	uint8_t *flash;

	(void)state;
	build_std(&p);
	flash = malloc(p.size + 8192);
	assert_non_null(flash);
	memset(flash, 0xff, p.size + 8192);	/* erased flash after the pack */
	memcpy(flash, p.buf, p.size);
	assert_int_equal(pack_parse(flash, p.size + 8192, &v), 0);
	assert_int_equal(pack_verify_entry(&v, pack_find(&v, TSB_PACK_INITRD)), 0);
	free(flash);
	free(p.buf);
}

/* ---- each failure class ----------------------------------------------- */

static void test_truncated(void **state)
{
	struct tsb_pack_view v;
	struct pack p;

	(void)state;
	build_std(&p);
	assert_int_equal(pack_parse(p.buf, 0, &v), PACK_E_SHORT);
	assert_int_equal(pack_parse(p.buf, 8, &v), PACK_E_SHORT);
	assert_int_equal(pack_parse(p.buf, HDR - 1, &v), PACK_E_SHORT);
	/* A whole header but not the blobs. */
	assert_int_equal(pack_parse(p.buf, HDR, &v), PACK_E_RANGE);
	assert_int_equal(pack_parse(p.buf, p.size - 1, &v), PACK_E_RANGE);
	assert_int_equal(pack_parse(p.buf, p.size, &v), 0);
	free(p.buf);
}

static void test_bad_magic(void **state)
{
	struct pack p;

	(void)state;
	build_std(&p);
	p.h->magic ^= 1ULL << 63;
	reseal(&p);
	assert_int_equal(parse(&p), PACK_E_MAGIC);
	p.h->magic = 0;
	reseal(&p);
	assert_int_equal(parse(&p), PACK_E_MAGIC);
	/* "TSBKPACK" big-endian */
	p.h->magic = __builtin_bswap64(TSB_PACK_MAGIC);
	reseal(&p);
	assert_int_equal(parse(&p), PACK_E_MAGIC);
	free(p.buf);
}

static void test_bad_version(void **state)
{
	static const uint32_t bad[] = { 0, 2, 0x100, 0xffffffffU };
	struct pack p;
	unsigned int i;

	(void)state;
	build_std(&p);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p.h->version = bad[i];
		reseal(&p);
		assert_int_equal(parse(&p), PACK_E_VERSION);
	}
	free(p.buf);
}

static void test_header_crc(void **state)
{
	struct pack p;
	size_t i;

	(void)state;
	build_std(&p);
	/* Any header byte other than the CRC itself changes the CRC. */
	for (i = 12; i < HDR; i++) {
		if (i >= offsetof(struct tsb_pack_header, hdr_crc32) &&
		    i < offsetof(struct tsb_pack_header, hdr_crc32) + 4)
			continue;
		p.buf[i] ^= 0x10;
		if (parse(&p) != PACK_E_CRC)
			fail_msg("header byte %zu changed, not caught", i);
		p.buf[i] ^= 0x10;
	}
	p.h->hdr_crc32 ^= 0x80000000U;
	assert_int_equal(parse(&p), PACK_E_CRC);
	p.h->hdr_crc32 = 0;
	assert_int_equal(parse(&p), PACK_E_CRC);
	/* pack_header_crc() ignores the stored CRC. */
	p.h->hdr_crc32 = 0x12345678;
	reseal(&p);
	assert_int_equal(parse(&p), 0);
	free(p.buf);
}

static void test_count(void **state)
{
	static const uint32_t bad[] = { TSB_PACK_MAX_ENTRIES + 1, 64, 0xffffffffU };
	struct pack p;
	unsigned int i;

	(void)state;
	build_std(&p);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p.h->count = bad[i];
		reseal(&p);
		assert_int_equal(parse(&p), PACK_E_RANGE);
	}
	/* Zero entries is a valid (if useless) pack. */
	p.h->count = 0;
	reseal(&p);
	assert_int_equal(parse(&p), 0);
	free(p.buf);
}

/*
 * count is checked against the entry table's size before the table is read:
 * a ninth entry would lie past the header (here: a valid-looking one).
 */
static void test_count_full_table(void **state)
{
	struct blob b[TSB_PACK_MAX_ENTRIES];
	struct tsb_pack_entry *fake;
	struct pack p;
	unsigned int i;

	(void)state;
	for (i = 0; i < TSB_PACK_MAX_ENTRIES; i++) {
		b[i].type = i + 1;
		b[i].data = initrd;
		b[i].size = 100 + i;
	}
	build(&p, b, TSB_PACK_MAX_ENTRIES);
	assert_int_equal(parse(&p), 0);
	fake = (struct tsb_pack_entry *)(p.buf + HDR);
	fake->type = TSB_PACK_MAX_ENTRIES + 1;
	fake->offset = 4096;
	fake->size = 1;
	p.h->count = TSB_PACK_MAX_ENTRIES + 1;
	reseal(&p);
	assert_int_equal(parse(&p), PACK_E_RANGE);
	free(p.buf);
}

static void test_total_size(void **state)
{
	struct pack p;

	(void)state;
	build_std(&p);
	p.h->total_size = p.size + 1;
	reseal(&p);
	assert_int_equal(parse(&p), PACK_E_RANGE);
	p.h->total_size = ~0ULL;
	reseal(&p);
	assert_int_equal(parse(&p), PACK_E_RANGE);
	p.h->total_size = HDR - 1;
	p.h->count = 0;
	reseal(&p);
	assert_int_equal(parse(&p), PACK_E_RANGE);
	free(p.buf);

	/* total_size smaller than the blobs: the last one ends outside. */
	build_std(&p);
	p.h->total_size = p.size - 1;
	reseal(&p);
	assert_int_equal(pack_parse(p.buf, p.size, &(struct tsb_pack_view){ 0 }), PACK_E_RANGE);
	free(p.buf);
}

/* Set entry @i's offset and size, reseal, parse. */
static int parse_with(struct pack *p, unsigned int i, uint64_t offset, uint64_t size)
{
	p->h->entry[i].offset = offset;
	p->h->entry[i].size = size;
	reseal(p);
	return parse(p);
}

static void test_entry_range(void **state)
{
	struct pack p;
	uint64_t total;

	(void)state;
	build_std(&p);
	total = p.h->total_size;
	/* Inside the header. */
	assert_int_equal(parse_with(&p, 2, 0, 16), PACK_E_RANGE);
	assert_int_equal(parse_with(&p, 2, HDR - 1, 1), PACK_E_RANGE);
	assert_int_equal(parse_with(&p, 2, 64, 16), PACK_E_RANGE);
	/* Beyond the end. */
	assert_int_equal(parse_with(&p, 2, total + 1, 0), PACK_E_RANGE);
	assert_int_equal(parse_with(&p, 2, total, 1), PACK_E_RANGE);
	assert_int_equal(parse_with(&p, 2, total - 10, 11), PACK_E_RANGE);
	assert_int_equal(parse_with(&p, 2, ~0ULL - 4, 4), PACK_E_RANGE);
	/* offset + size wraps around. */
	assert_int_equal(parse_with(&p, 2, 4096, ~0ULL), PACK_E_RANGE);
	assert_int_equal(parse_with(&p, 2, 4096, ~0ULL - 4095), PACK_E_RANGE);
	assert_int_equal(parse_with(&p, 2, 4096, ~0ULL - 4094), PACK_E_RANGE);
	assert_int_equal(parse_with(&p, 2, 4096, 1ULL << 63), PACK_E_RANGE);
	/* The edges that are fine. */
	assert_int_equal(parse_with(&p, 2, HDR, 0), 0);
	assert_int_equal(parse_with(&p, 2, total - 10, 10), 0);
	assert_int_equal(parse_with(&p, 2, total, 0), 0);
	assert_int_equal(parse_with(&p, 2, HDR, total - HDR), 0);
	/* The last entry is checked as well as the first. */
	assert_int_equal(parse_with(&p, 3, total - 10, 20), PACK_E_RANGE);
	assert_int_equal(parse_with(&p, 3, total - 10, 10), 0);
	assert_int_equal(parse_with(&p, 0, 0, 10), PACK_E_RANGE);
	free(p.buf);
}

static void test_entry_type(void **state)
{
	struct pack p;

	(void)state;
	build_std(&p);
	p.h->entry[3].type = TSB_PACK_KERNEL;
	reseal(&p);
	assert_int_equal(parse(&p), PACK_E_DUP);
	p.h->entry[3].type = TSB_PACK_INITRD;
	reseal(&p);
	assert_int_equal(parse(&p), PACK_E_DUP);
	p.h->entry[3].type = 0;
	reseal(&p);
	assert_int_equal(parse(&p), PACK_E_RANGE);
	p.h->entry[0].type = 0;
	p.h->entry[3].type = TSB_PACK_CONFIG;
	reseal(&p);
	assert_int_equal(parse(&p), PACK_E_RANGE);
	p.h->entry[0].type = 32;
	reseal(&p);
	assert_int_equal(parse(&p), PACK_E_RANGE);
	p.h->entry[0].type = 0xffffffffU;
	reseal(&p);
	assert_int_equal(parse(&p), PACK_E_RANGE);
	/* An unknown but representable type is allowed (and findable). */
	p.h->entry[0].type = 31;
	reseal(&p);
	assert_int_equal(parse(&p), 0);
	/* Unused slots past count are not looked at. */
	p.h->entry[0].type = TSB_PACK_KERNEL;
	p.h->entry[5].type = TSB_PACK_KERNEL;
	p.h->entry[5].offset = ~0ULL;
	reseal(&p);
	assert_int_equal(parse(&p), 0);
	free(p.buf);
}

/* ---- blob checksums --------------------------------------------------- */

static void test_verify_entry_flips(void **state)
{
	struct tsb_pack_view v;
	struct pack p;
	unsigned int i, k;

	(void)state;
	build_std(&p);
	assert_int_equal(pack_parse(p.buf, p.size, &v), 0);
	for (i = 0; i < ARRAY_SIZE(blobs); i++) {
		const struct tsb_pack_entry *e = pack_find(&v, blobs[i].type);
		const size_t pos[] = {
			0, 1, 7, e->size > 64 ? 56 : e->size / 4, e->size / 3, e->size / 2,
			e->size - 2, e->size - 1,
		};

		for (k = 0; k < ARRAY_SIZE(pos); k++) {
			static const uint8_t masks[] = { 0x01, 0x80, 0xff };
			unsigned int m;

			for (m = 0; m < ARRAY_SIZE(masks); m++) {
				p.buf[e->offset + pos[k]] ^= masks[m];
				if (pack_verify_entry(&v, e) != PACK_E_CRC)
					fail_msg("type %u: byte %zu ^ 0x%02x not caught",
						 blobs[i].type, pos[k], masks[m]);
				/* The other blobs are still fine. */
				assert_int_equal(pack_verify_entry(&v, pack_find(&v,
						 blobs[(i + 1) % ARRAY_SIZE(blobs)].type)), 0);
				p.buf[e->offset + pos[k]] ^= masks[m];
				assert_int_equal(pack_verify_entry(&v, e), 0);
			}
		}
	}
	/* Every single byte of the initramfs. */
	{
		const struct tsb_pack_entry *e = pack_find(&v, TSB_PACK_INITRD);
		size_t j;

		for (j = 0; j < e->size; j++) {
			p.buf[e->offset + j] ^= 0x04;
			if (pack_verify_entry(&v, e) != PACK_E_CRC)
				fail_msg("initrd byte %zu not caught", j);
			p.buf[e->offset + j] ^= 0x04;
		}
	}
	/* Padding between blobs is not covered. */
	p.buf[HDR] ^= 0xff;
	for (i = 0; i < ARRAY_SIZE(blobs); i++)
		assert_int_equal(pack_verify_entry(&v, &p.h->entry[i]), 0);
	/* A wrong stored CRC. */
	p.h->entry[2].crc32 ^= 1;
	assert_int_equal(pack_verify_entry(&v, &p.h->entry[2]), PACK_E_CRC);
	free(p.buf);
}

static void test_strerror(void **state)
{
	static const int codes[] = {
		0, PACK_E_SHORT, PACK_E_MAGIC, PACK_E_VERSION, PACK_E_CRC,
		PACK_E_RANGE, PACK_E_DUP,
	};
	unsigned int i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(codes); i++) {
		const char *s = pack_strerror(codes[i]);

		assert_non_null(s);
		assert_string_not_equal(s, "unknown error");
		for (j = 0; j < i; j++)
			assert_string_not_equal(s, pack_strerror(codes[j]));
	}
	assert_string_equal(pack_strerror(0), "ok");
	assert_string_equal(pack_strerror(-7), "unknown error");
	assert_string_equal(pack_strerror(1), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_larger_flash),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_header_crc),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_count_full_table),
		cmocka_unit_test(test_total_size),
		cmocka_unit_test(test_entry_range),
		cmocka_unit_test(test_entry_type),
		cmocka_unit_test(test_verify_entry_flips),
		cmocka_unit_test(test_strerror),
	};

	unit_init();
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
