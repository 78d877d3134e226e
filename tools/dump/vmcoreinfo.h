/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vmcoreinfo: the crashed kernel's VMCOREINFO, as the dump keeps it -- a
 * copy of the kernel's ELF note ("VMCOREINFO" name, KEY=VALUE lines as its
 * descriptor), possibly followed by padding. Raw KEY=VALUE text without a
 * note header is accepted too (some test disks carry that).
 */
#ifndef TSUBAKI_VMCOREINFO_H
#define TSUBAKI_VMCOREINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmci {
	const char *text;	/* KEY=VALUE lines, not NUL-terminated */
	size_t len;
	const uint8_t *note;	/* the complete ELF note, or NULL (raw text) */
	size_t note_len;
};

/*
 * Find the text in @buf (@size bytes, untrusted). 0 on success (an empty
 * buffer gives empty text), -1 with a reason in @why if the note is
 * malformed.
 */
int vmci_parse(const void *buf, size_t size, struct vmci *v, char *why,
	       size_t whylen);

/* The value of line "@key=..." (not NUL-terminated): true if present. */
bool vmci_find(const struct vmci *v, const char *key, const char **val,
	       size_t *vlen);

/*
 * The value of @key as a number: @base 16 (an optional 0x prefix) or 10.
 * 0 if found and valid, -1 if absent, -2 if not a valid number.
 */
int vmci_u64(const struct vmci *v, const char *key, int base, uint64_t *out);

/*
 * The value of @key as a printable string in @out (non-printable characters
 * become '?', truncated to @outsz - 1): true if present.
 */
bool vmci_str(const struct vmci *v, const char *key, char *out, size_t outsz);

#endif /* TSUBAKI_VMCOREINFO_H */
