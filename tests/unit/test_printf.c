// SPDX-License-Identifier: BSD-3-Clause
/*
 * The firmware's bounded printf (lib/printf.c), checked against fixed
 * expectations and, where the two agree by definition, against glibc.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <fw_printf.h>
#include "unit.h"

#define BUF	128

/* No format attribute: lets the tests use what gcc would warn about. */
static int fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = fw_vsnprintf(buf, size, f, ap);
	va_end(ap);
	return n;
}

/* Format into a large buffer; the output and the return value must match. */
#define EXPECT(want, ...)						\
	do {								\
		char _b[BUF];						\
		int _n;							\
									\
		memset(_b, 0x7e, sizeof(_b));				\
		_n = fmt(_b, sizeof(_b), __VA_ARGS__);			\
		assert_string_equal(_b, want);				\
		assert_int_equal(_n, strlen(want));			\
	} while (0)

static void test_signed(void **state)
{
	(void)state;
	EXPECT("0", "%d", 0);
	EXPECT("42", "%d", 42);
	EXPECT("-42", "%d", -42);
	EXPECT("-1", "%i", -1);
	EXPECT("2147483647", "%d", INT_MAX);
	EXPECT("-2147483648", "%d", INT_MIN);
	EXPECT("-1", "%ld", -1L);
	EXPECT("-9223372036854775808", "%ld", (long)INT64_MIN);
	EXPECT("9223372036854775807", "%lld", (long long)INT64_MAX);
	EXPECT("-5000000000", "%ld", -5000000000L);
	EXPECT("a-7b", "a%db", -7);
}

static void test_unsigned(void **state)
{
	(void)state;
	EXPECT("0", "%u", 0U);
	EXPECT("4294967295", "%u", UINT_MAX);
	EXPECT("4294967295", "%u", -1);	/* int -1 as unsigned */
	EXPECT("18446744073709551615", "%lu", (unsigned long)UINT64_MAX);
	EXPECT("18446744073709551615", "%zu", (size_t)SIZE_MAX);
	EXPECT("12345678901", "%llu", 12345678901ULL);
}

static void test_hex(void **state)
{
	(void)state;
	EXPECT("0", "%x", 0U);
	EXPECT("deadbeef", "%x", 0xdeadbeefU);
	EXPECT("DEADBEEF", "%X", 0xdeadbeefU);
	EXPECT("ffffffff", "%x", -1);
	EXPECT("123456789abcdef0", "%lx", 0x123456789abcdef0UL);
	EXPECT("123456789ABCDEF0", "%lX", 0x123456789abcdef0UL);
	EXPECT("ffffffffffffffff", "%llx", (unsigned long long)UINT64_MAX);
	EXPECT("100000000", "%lx", 0x100000000UL);
	EXPECT("a003e00", "%lx", 0xa003e00UL);
}

static void test_pointer_char_percent(void **state)
{
	(void)state;
	EXPECT("0x1234", "%p", (void *)0x1234);
	EXPECT("0xffff800012345678", "%p", (void *)0xffff800012345678UL);
	EXPECT("0x0", "%p", (void *)NULL);
	EXPECT("x", "%c", 'x');
	EXPECT("[A]", "[%c]", 'A');
	EXPECT("100%", "100%%");
	EXPECT("%", "%%");
	/* Unknown conversions are printed, a lone '%' at the end too. */
	EXPECT("%q", "%q");
	EXPECT("abc%", "abc%");
}

static void test_strings(void **state)
{
	char *s;

	(void)state;
	EXPECT("hello", "%s", "hello");
	EXPECT("", "%s", "");
	EXPECT("(null)", "%s", (char *)NULL);
	EXPECT("<(null)>", "<%s>", (char *)NULL);
	EXPECT("abc", "%.*s", 3, "abcdef");
	EXPECT("abc", "%.3s", "abcdef");
	EXPECT("ab", "%.*s", 5, "ab");
	EXPECT("", "%.*s", 0, "abcdef");
	EXPECT("abcdef", "%.*s", -1, "abcdef");	/* negative: no precision */

	/* Precision bounds the read: not NUL-terminated, exactly sized. */
	s = malloc(4);
	assert_non_null(s);
	memcpy(s, "wxyz", 4);
	EXPECT("wxyz", "%.*s", 4, s);
	EXPECT("wx", "%.2s", s);
	free(s);
}

static void test_width_flags(void **state)
{
	(void)state;
	EXPECT("   42", "%5d", 42);
	EXPECT("42   |", "%-5d|", 42);
	EXPECT("00042", "%05d", 42);
	EXPECT("  -42", "%5d", -42);
	EXPECT("-42  |", "%-5d|", -42);
	EXPECT("12345", "%2d", 12345);
	EXPECT("000000ab", "%08x", 0xabU);
	EXPECT("0000000000000001", "%016lx", 1UL);
	EXPECT("      ab", "%8x", 0xabU);
	EXPECT("ab      |", "%-8x|", 0xabU);
	EXPECT("42   |", "%-05d|", 42);		/* '-' wins over '0' */
	EXPECT("    hi", "%6s", "hi");
	EXPECT("hi    |", "%-6s|", "hi");
	EXPECT("   ab", "%5.2s", "abcdef");
	EXPECT("    x", "%5c", 'x');
	EXPECT("x    |", "%-5c|", 'x');
	EXPECT("  0x10", "%6p", (void *)0x10);
	EXPECT("     0", "%6u", 0U);
	EXPECT("000000", "%06u", 0U);
}

/* With '0', the sign goes before the zeros (C11 7.21.6.1). */
static void test_zero_pad_negative(void **state)
{
	(void)state;
	EXPECT("-0042", "%05d", -42);
	EXPECT("-0000000001", "%011ld", -1L);
}

/* The cases where fw_vsnprintf() and C's snprintf() agree, compared. */
static void test_like_libc(void **state)
{
	static const char *const ifmts[] = {
		"%d", "%u", "%x", "%X", "%7d", "%-7d|", "%07u", "%3x", "%010X", "[%1d]",
	};
	static const int ivals[] = {
		0, 1, 9, 10, 255, 4096, 65535, 123456789, INT_MAX, -1, -9, INT_MIN,
	};
	static const char *const lfmts[] = { "%lu", "%lx", "%lX", "%20lu", "%-18lx|", "%018lx" };
	static const unsigned long lvals[] = {
		0, 1, 0xffffffffUL, 0x100000000UL, 0x8000000000000000UL, ~0UL,
	};
	char a[BUF], b[BUF];
	unsigned int i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ifmts); i++) {
		for (j = 0; j < ARRAY_SIZE(ivals); j++) {
			int na = fmt(a, sizeof(a), ifmts[i], ivals[j]);
			int nb = snprintf(b, sizeof(b), ifmts[i], ivals[j]);

			if (na != nb || strcmp(a, b))
				fail_msg("\"%s\" %d: \"%s\" (%d), libc \"%s\" (%d)",
					 ifmts[i], ivals[j], a, na, b, nb);
		}
	}
	for (i = 0; i < ARRAY_SIZE(lfmts); i++) {
		for (j = 0; j < ARRAY_SIZE(lvals); j++) {
			int na = fmt(a, sizeof(a), lfmts[i], lvals[j]);
			int nb = snprintf(b, sizeof(b), lfmts[i], lvals[j]);

			if (na != nb || strcmp(a, b))
				fail_msg("\"%s\" %lu: \"%s\", libc \"%s\"",
					 lfmts[i], lvals[j], a, b);
		}
	}
}

static void test_truncation(void **state)
{
	char buf[32];
	size_t size;
	int n;

	(void)state;
	for (size = 1; size <= 16; size++) {
		memset(buf, 0x7e, sizeof(buf));
		n = fw_snprintf(buf, size, "hello %s %d", "world", -123);
		assert_int_equal(n, 16);			/* "hello world -123" */
		assert_int_equal(strlen(buf), size - 1);
		assert_memory_equal(buf, "hello world -123", size - 1);
		assert_int_equal(buf[size - 1], '\0');
		assert_int_equal(buf[size], 0x7e);		/* nothing beyond */
	}
	memset(buf, 0x7e, sizeof(buf));
	n = fw_snprintf(buf, 17, "hello %s %d", "world", -123);
	assert_int_equal(n, 16);
	assert_string_equal(buf, "hello world -123");
	assert_int_equal(buf[17], 0x7e);

	/* Padding and numbers are cut the same way. */
	memset(buf, 0x7e, sizeof(buf));
	n = fw_snprintf(buf, 6, "%10lx", 0x123456789UL);
	assert_int_equal(n, 10);
	assert_string_equal(buf, " 1234");
	assert_int_equal(buf[6], 0x7e);
}

static void test_size_zero(void **state)
{
	char buf[8];
	char *exact;
	int n;

	(void)state;
	memset(buf, 0x7e, sizeof(buf));
	n = fw_snprintf(buf, 0, "%s=%lx", "abc", 0xffUL);
	assert_int_equal(n, 6);
	assert_int_equal(buf[0], 0x7e);
	assert_int_equal(fw_snprintf(NULL, 0, "%d", 12345), 5);
	assert_int_equal(fmt(NULL, 0, ""), 0);

	/* size 1: only the NUL. */
	memset(buf, 0x7e, sizeof(buf));
	assert_int_equal(fw_snprintf(buf, 1, "xyz"), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 0x7e);

	/* An exactly sized heap buffer: ASan sees a write past the end. */
	exact = malloc(5);
	assert_non_null(exact);
	assert_int_equal(fw_snprintf(exact, 5, "%08x", 0xcafeU), 8);
	assert_string_equal(exact, "0000");
	assert_int_equal(fw_snprintf(exact, 5, "%s", "abcd"), 4);
	assert_string_equal(exact, "abcd");
	free(exact);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_pointer_char_percent),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_width_flags),
		cmocka_unit_test(test_zero_pad_negative),
		cmocka_unit_test(test_like_libc),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_size_zero),
	};

	unit_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
