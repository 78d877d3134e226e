/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run-time options from the pack's CONFIG entry: "key=value" lines.
 * Documented in docs/options.md.
 */
#ifndef FW_CONFIG_H
#define FW_CONFIG_H
#include <stddef.h>
#include <stdint.h>

/*
 * cfg_get_u64() - value of @key in @text (at most @len bytes), parsed as a
 * decimal or 0x-hex unsigned number. Return 0 and set *@out, or -1 when the
 * key is absent or its value is not a number (then *@out is untouched).
 */
int cfg_get_u64(const char *text, size_t len, const char *key, uint64_t *out);

#endif
