// SPDX-License-Identifier: BSD-3-Clause
/*
 * vmcoreinfo: find and parse the VMCOREINFO text of a dump. See vmcoreinfo.h.
 */
#include <stdio.h>
#include <string.h>

#include "vmcoreinfo.h"

#define VMCI_NAME	"VMCOREINFO"
#define NHDR_SIZE	12	/* n_namesz, n_descsz, n_type */

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t align4(uint64_t n)
{
	return (n + 3) & ~3ULL;
}

/* Up to the first NUL. */
static size_t text_len(const uint8_t *p, size_t size)
{
	const uint8_t *nul = memchr(p, 0, size);

	return nul ? (size_t)(nul - p) : size;
}

static bool looks_like_note(const uint8_t *p, size_t size)
{
	return size >= NHDR_SIZE && get_u32(p) == sizeof(VMCI_NAME);
}

static int parse_note(const uint8_t *p, size_t size, struct vmci *v, char *why,
		      size_t whylen)
{
	uint64_t namesz = get_u32(p), descsz = get_u32(p + 4);
	uint64_t desc_off = NHDR_SIZE + align4(namesz);
	uint64_t total = desc_off + align4(descsz);

	if (total > size) {
		snprintf(why, whylen,
			 "VMCOREINFO note of %llu bytes does not fit its %zu-byte copy",
			 (unsigned long long)total, size);
		return -1;
	}
	if (memcmp(p + NHDR_SIZE, VMCI_NAME, sizeof(VMCI_NAME))) {
		snprintf(why, whylen, "the note's name is not \"VMCOREINFO\"");
		return -1;
	}
	v->note = p;
	v->note_len = (size_t)total;
	v->text = (const char *)p + desc_off;
	v->len = text_len(p + desc_off, (size_t)descsz);
	return 0;
}

int vmci_parse(const void *buf, size_t size, struct vmci *v, char *why,
	       size_t whylen)
{
	const uint8_t *p = buf;

	memset(v, 0, sizeof(*v));
	v->text = "";
	if (looks_like_note(p, size))
		return parse_note(p, size, v, why, whylen);
	if (size && (p[0] < 'A' || p[0] > 'Z')) {
		snprintf(why, whylen, "VMCOREINFO is neither an ELF note nor KEY=VALUE text");
		return -1;
	}
	v->text = (const char *)p;
	v->len = text_len(p, size);
	return 0;
}

bool vmci_find(const struct vmci *v, const char *key, const char **val,
	       size_t *vlen)
{
	size_t klen = strlen(key);
	const char *p = v->text, *end = v->text + v->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) > klen && !memcmp(p, key, klen) &&
		    p[klen] == '=') {
			*val = p + klen + 1;
			*vlen = (size_t)(eol - *val);
			return true;
		}
		p = eol + 1;
	}
	return false;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

static int parse_number(const char *s, size_t n, unsigned int base,
			uint64_t *out)
{
	uint64_t v = 0;

	if (base == 16 && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (!n)
		return -2;
	for (size_t i = 0; i < n; i++) {
		unsigned int d = (unsigned int)digit_value(s[i]);

		if (d >= base || v > (UINT64_MAX - d) / base)
			return -2;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int vmci_u64(const struct vmci *v, const char *key, int base, uint64_t *out)
{
	const char *val;
	size_t n;

	if (!vmci_find(v, key, &val, &n))
		return -1;
	return parse_number(val, n, base == 16 ? 16 : 10, out);
}

bool vmci_str(const struct vmci *v, const char *key, char *out, size_t outsz)
{
	const char *val;
	size_t n, i;

	if (!outsz || !vmci_find(v, key, &val, &n))
		return false;
	for (i = 0; i < n && i + 1 < outsz; i++)
		out[i] = val[i] >= 0x20 && val[i] < 0x7f ? val[i] : '?';
	out[i] = 0;
	return true;
}
