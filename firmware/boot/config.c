// SPDX-License-Identifier: BSD-3-Clause
/*
 * "key=value" option parsing for the image pack's CONFIG entry.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <fw_config.h>

static int parse_u64(const char *s, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int base = 10;

	if (end - s > 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		base = 16;
		s += 2;
	}
	if (s == end)
		return -1;
	for (; s < end; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int cfg_get_u64(const char *text, size_t len, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = text, *end = text + strnlen(text, len);

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > klen && !memcmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1, *ve = eol;

			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\r'))
				ve--;
			return parse_u64(v, ve, out);
		}
		p = eol + 1;
	}
	return -1;
}
