// SPDX-License-Identifier: BSD-3-Clause
/*
 * vmcoreinfo: find and parse the VMCOREINFO text of a dump. See vmcoreinfo.h.
 */
#include <stdio.h>
#include <string.h>

#include "vmcoreinfo.h"
#include <tsubaki/vmcore_elf.h>

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
	long n = tsb_vmci_find(v->text, v->len, key, val);

	if (n < 0)
		return false;
	*vlen = (size_t)n;
	return true;
}

int vmci_u64(const struct vmci *v, const char *key, int base, uint64_t *out)
{
	return tsb_vmci_number(v->text, v->len, key, base == 16 ? 16 : 10, out);
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
