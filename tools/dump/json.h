/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * json: a minimal streaming JSON writer (objects, arrays, integers, strings,
 * booleans, null), indented two spaces per level.
 */
#ifndef TSUBAKI_JSON_H
#define TSUBAKI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	8

struct json {
	FILE *f;
	int depth;
	unsigned int items[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);
/* @key is NULL inside arrays and for the top level value. */
void json_open(struct json *j, const char *key, char bracket);	/* '{' or '[' */
void json_close(struct json *j, char bracket);			/* '}' or ']' */
void json_u64(struct json *j, const char *key, uint64_t v);
void json_opt_u64(struct json *j, const char *key, bool present, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_str(struct json *j, const char *key, const char *s);	/* NULL: null */

#endif /* TSUBAKI_JSON_H */
