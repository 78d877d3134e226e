// SPDX-License-Identifier: BSD-3-Clause
/*
 * json: a minimal streaming JSON writer. See json.h.
 */
#include <inttypes.h>

#include "json.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->items[0] = 0;
}

static void indent(struct json *j)
{
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

static void json_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* The separator, the indentation and the key of the next value. */
static void item(struct json *j, const char *key)
{
	if (j->depth) {
		if (j->items[j->depth]++)
			fputc(',', j->f);
		indent(j);
	}
	if (key) {
		json_escaped(j->f, key);
		fputs(": ", j->f);
	}
}

void json_open(struct json *j, const char *key, char bracket)
{
	item(j, key);
	fputc(bracket, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->items[++j->depth] = 0;
}

void json_close(struct json *j, char bracket)
{
	bool empty = !j->items[j->depth];

	if (j->depth)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(bracket, j->f);
	if (!j->depth)
		fputc('\n', j->f);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	item(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void json_opt_u64(struct json *j, const char *key, bool present, uint64_t v)
{
	if (present) {
		json_u64(j, key, v);
	} else {
		item(j, key);
		fputs("null", j->f);
	}
}

void json_bool(struct json *j, const char *key, bool v)
{
	item(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_str(struct json *j, const char *key, const char *s)
{
	item(j, key);
	if (s)
		json_escaped(j->f, s);
	else
		fputs("null", j->f);
}
