// SPDX-License-Identifier: BSD-3-Clause
/*
 * A small, bounded printf core shared by the firmware log and host tests.
 */
#include <stdint.h>
#include <string.h>
#include <fw_printf.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width,
		       int left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			put(o, pad);
	while (n--)
		put(o, *s++);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static size_t fmt_uint(char *tmp, uint64_t v, unsigned int base, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	size_t n = 0, i;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v);
	for (i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

int fw_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		char tmp[24];
		int width = 0, prec = -1, left = 0, nl = 0, z = 0;
		char pad = ' ';
		uint64_t u;
		int64_t s;
		const char *str;
		size_t n;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		/* l, ll and z read their own type: long is 32 bits on ILP32. */
		for (; *fmt == 'l' || *fmt == 'z'; fmt++) {
			if (*fmt == 'z')
				z = 1;
			else
				nl++;
		}
		switch (*fmt) {
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			put_padded(&o, tmp, 1, width, left, ' ');
			break;
		case 's':
			str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			n = prec >= 0 ? strnlen(str, (size_t)prec) : strlen(str);
			put_padded(&o, str, n, width, left, ' ');
			break;
		case 'd':
		case 'i':
			s = nl >= 2 ? va_arg(ap, long long) : nl ? va_arg(ap, long) :
			    z ? (int64_t)va_arg(ap, ptrdiff_t) : va_arg(ap, int);
			if (s < 0 && pad == '0') {
				/* The sign goes before the zero padding. */
				put(&o, '-');
				if (width > 0)
					width--;
				n = fmt_uint(tmp, -(uint64_t)s, 10, 0);
			} else if (s < 0) {
				tmp[0] = '-';
				n = 1 + fmt_uint(tmp + 1, -(uint64_t)s, 10, 0);
			} else {
				n = fmt_uint(tmp, (uint64_t)s, 10, 0);
			}
			put_padded(&o, tmp, n, width, left, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = nl >= 2 ? va_arg(ap, unsigned long long) : nl ? va_arg(ap, unsigned long) :
			    z ? va_arg(ap, size_t) : va_arg(ap, unsigned int);
			n = fmt_uint(tmp, u, *fmt == 'u' ? 10 : 16, *fmt == 'X');
			put_padded(&o, tmp, n, width, left, pad);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			tmp[0] = '0';
			tmp[1] = 'x';
			n = 2 + fmt_uint(tmp + 2, u, 16, 0);
			put_padded(&o, tmp, n, width, left, ' ');
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '%');
			if (!*fmt)
				goto done;
			put(&o, *fmt);
			break;
		}
	}
done:
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int fw_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fw_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
