// SPDX-License-Identifier: BSD-3-Clause
/*
 * cfg_get_u64() on "key=value" text as tools/tsubaki-pack writes it: lines
 * joined by '\n', NUL-terminated (boot/config.c).
 */
#include <stdint.h>
#include <string.h>
#include <fw_config.h>
#include "unit.h"

#define UNTOUCHED	0x5a5a5a5a5a5a5a5aULL

/*
 * Look @key up in a copy of @text of exactly @len bytes (no NUL unless
 * @text has one there): ASan catches any read past @len.
 */
static int get_n(const char *text, size_t len, const char *key, uint64_t *out)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, text, len);
	ret = cfg_get_u64(copy, len, key, out);
	free(copy);
	return ret;
}

/* The whole of @text with its NUL, as in a pack's CONFIG entry. */
static int get(const char *text, const char *key, uint64_t *out)
{
	return get_n(text, strlen(text) + 1, key, out);
}

static void expect(const char *text, const char *key, uint64_t want)
{
	uint64_t v = UNTOUCHED;

	if (get(text, key, &v) != 0)
		fail_msg("\"%s\" in \"%s\": not found", key, text);
	if (v != want)
		fail_msg("\"%s\" in \"%s\": 0x%llx, want 0x%llx", key, text,
			 (unsigned long long)v, (unsigned long long)want);
}

static void expect_none(const char *text, const char *key)
{
	uint64_t v = UNTOUCHED;

	if (get(text, key, &v) != -1)
		fail_msg("\"%s\" in \"%s\": found 0x%llx", key, text, (unsigned long long)v);
	assert_int_equal(v, UNTOUCHED);
}

static void test_decimal(void **state)
{
	(void)state;
	expect("window=67108864", "window", 67108864);
	expect("window=0", "window", 0);
	expect("window=007", "window", 7);
	expect("a=1\nwindow=42\nb=2", "window", 42);
	expect("a=1\nwindow=42\nb=2", "a", 1);
	expect("a=1\nwindow=42\nb=2", "b", 2);
	expect("\n\nwindow=3\n\n", "window", 3);
}

static void test_hex(void **state)
{
	(void)state;
	expect("window=0x4000000", "window", 0x4000000);
	expect("window=0X4000000", "window", 0x4000000);
	expect("window=0xABCdef", "window", 0xabcdef);
	expect("window=0x0", "window", 0);
	expect("window=0x00000010", "window", 0x10);
}

static void test_missing(void **state)
{
	(void)state;
	expect_none("", "window");
	expect_none("\n", "window");
	expect_none("a=1\nb=2\n", "window");
	expect_none("window", "window");
	expect_none("window\n", "window");
	expect_none("window:5\n", "window");
	expect_none("Window=5\n", "window");
}

/* A key must match a whole key, at the start of a line. */
static void test_key_prefix(void **state)
{
	(void)state;
	expect_none("windows=1\n", "window");
	expect_none("windows=1", "window");
	expect("windows=1\nwindow=2\n", "window", 2);
	expect("window=2\nwindows=1\n", "windows", 1);
	expect_none("window=2\n", "windows");
	expect_none("window=2\n", "win");
	expect_none("xwindow=2\n", "window");
	expect_none("a=1 window=2\n", "window");
	expect_none("a=window=2\n", "window");
	/* The first match counts. */
	expect("window=1\nwindow=2\n", "window", 1);
}

static void test_trailing_space_cr(void **state)
{
	(void)state;
	expect("window=42 \n", "window", 42);
	expect("window=42   ", "window", 42);
	expect("window=42\r\n", "window", 42);
	expect("window=42 \r \r\nb=1", "window", 42);
	expect("a=1\r\nb=0x10\r\n", "b", 0x10);
	expect_none("window= \r\n", "window");
	expect_none("window=\r\n", "window");
}

static void test_not_a_number(void **state)
{
	static const char *const bad[] = {
		"window=", "window=abc", "window=12k", "window=1a", "window=-1",
		"window=+1", "window=1 2", "window=0x", "window=0xg", "window=0x12z",
		"window=1.5", "window=x10", "window=0b1", "window=0x-1",
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		expect_none(bad[i], "window");
	/* A bad value elsewhere does not matter. */
	expect("a=zz\nwindow=5\n", "window", 5);
}

static void test_overflow(void **state)
{
	(void)state;
	expect("n=18446744073709551615", "n", UINT64_MAX);
	expect_none("n=18446744073709551616", "n");
	expect_none("n=18446744073709551620", "n");
	expect_none("n=99999999999999999999", "n");
	expect_none("n=184467440737095516150", "n");
	expect("n=0xffffffffffffffff", "n", UINT64_MAX);
	expect("n=0x0000ffffffffffffffff", "n", UINT64_MAX);
	expect_none("n=0x10000000000000000", "n");
	expect_none("n=0x1ffffffffffffffff", "n");
}

static void test_last_line(void **state)
{
	static const char text[] = "a=1\nwindow=9";
	uint64_t v = UNTOUCHED;

	(void)state;
	/* Without its NUL, in an exactly sized block. */
	assert_int_equal(get_n(text, strlen(text), "window", &v), 0);
	assert_int_equal(v, 9);
	expect("a=1\nwindow=9", "window", 9);
}

static void test_len(void **state)
{
	static const char text[] = "window=123456\nb=7\n";
	uint64_t v;

	(void)state;
	v = UNTOUCHED;
	assert_int_equal(get_n(text, 10, "window", &v), 0);	/* "window=123" */
	assert_int_equal(v, 123);
	v = UNTOUCHED;
	assert_int_equal(get_n(text, 8, "window", &v), 0);	/* "window=1" */
	assert_int_equal(v, 1);
	v = UNTOUCHED;
	assert_int_equal(get_n(text, 7, "window", &v), -1);	/* "window=" */
	assert_int_equal(get_n(text, 6, "window", &v), -1);
	assert_int_equal(get_n(text, 0, "window", &v), -1);
	assert_int_equal(get_n(text, 16, "b", &v), -1);		/* "...\nb=" */
	assert_int_equal(get_n(text, 17, "b", &v), 0);
	assert_int_equal(v, 7);
	v = UNTOUCHED;
	assert_int_equal(get_n(text, sizeof(text), "b", &v), 0);
	assert_int_equal(v, 7);

	/* A NUL ends the text before len does. */
	v = UNTOUCHED;
	assert_int_equal(get_n("a=1\0window=2\n", 13, "window", &v), -1);
	assert_int_equal(v, UNTOUCHED);
	assert_int_equal(cfg_get_u64("window=2", 1000, "window", &v), 0);
	assert_int_equal(v, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_key_prefix),
		cmocka_unit_test(test_trailing_space_cr),
		cmocka_unit_test(test_not_a_number),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_last_line),
		cmocka_unit_test(test_len),
	};

	unit_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
