// SPDX-License-Identifier: BSD-3-Clause
/*
 * The memory ledger (see ledger.h).
 */
#include <stdint.h>
#include <string.h>
#include <ledger.h>

void ledger_attach(struct ledger *l, uint8_t *st, uint8_t *role, uint32_t cap)
{
	memset(l, 0, sizeof(*l));
	l->st = st;
	l->role = role;
	l->cap = st && role ? cap : 0;
}

int ledger_init(struct ledger *l, uint64_t base, uint64_t size, uint64_t chunk,
		uint64_t window, uint64_t grant)
{
	uint8_t *st = l->st, *role = l->role;
	uint32_t cap = l->cap;
	uint64_t n;

	if (chunk < 4096 || (chunk & (chunk - 1)) || (base & (chunk - 1)) || (size & 4095) ||
	    base + size < base)
		return LEDGER_E_PARAM;
	n = size / chunk + (size % chunk != 0);
	if (n == 0 || n > TSB_MAX_CHUNKS || n > cap)
		return LEDGER_E_PARAM;
	memset(l, 0, sizeof(*l));
	l->st = st;
	l->role = role;
	l->cap = cap;
	memset(st, 0, n);
	memset(role, 0, n);
	l->base = base;
	l->size = size;
	l->chunk = chunk;
	l->nchunks = (uint32_t)n;
	if (window > size)
		window = size;
	l->window_chunks = (uint32_t)((window + chunk - 1) / chunk);
	if (grant > size)
		grant = size;
	l->grant_chunks = (uint32_t)((grant + chunk - 1) / chunk);
	if (!l->grant_chunks)
		l->grant_chunks = 1;
	l->next_grant = l->window_chunks;
	l->described = l->nchunks;
	memset(l->role, LR_PRIMARY, l->window_chunks);
	return 0;
}

void ledger_set_role(struct ledger *l, uint32_t from, uint32_t to, enum ledger_role role)
{
	if (to > l->nchunks)
		to = l->nchunks;
	for (; from < to; from++) {
		l->role[from] = (uint8_t)role;
		if (role == LR_NONE)
			l->st[from] = LG_EXCLUDED;
	}
}

int64_t ledger_find(const struct ledger *l, uint32_t from, uint32_t to, enum ledger_state st)
{
	uint32_t i;

	if (to > l->nchunks)
		to = l->nchunks;
	for (i = from; i < to; i++)
		if (l->st[i] == st)
			return i;
	return -1;
}

void ledger_set(struct ledger *l, uint32_t i, enum ledger_state st)
{
	if (i < l->nchunks)
		l->st[i] = (uint8_t)st;
}

uint64_t ledger_chunk_addr(const struct ledger *l, uint32_t i)
{
	uint64_t off = (uint64_t)i * l->chunk;

	return l->base + (off < l->size ? off : l->size);	/* i = nchunks: the end */
}

uint64_t ledger_chunk_len(const struct ledger *l, uint32_t i)
{
	uint64_t off = (uint64_t)i * l->chunk;

	if (i >= l->nchunks)
		return 0;
	return l->size - off < l->chunk ? l->size - off : l->chunk;
}

uint32_t ledger_count(const struct ledger *l, enum ledger_state st)
{
	uint32_t i, n = 0;

	for (i = 0; i < l->nchunks; i++)
		n += l->st[i] == st;
	return n;
}

static int done(uint8_t st)
{
	return st == LG_DURABLE || st == LG_LOST;
}

/*
 * The range the next grant would cover: [*@start, *@end). Skips chunks that
 * are never handed back; stops at the first LR_SECONDARY chunk not yet done
 * or at the end of the run, and keeps whole units unless the run ends.
 */
static void span_upto(const struct ledger *l, uint32_t limit, uint32_t *start, uint32_t *end)
{
	uint32_t s = l->next_grant, e;

	while (s < l->nchunks && l->role[s] != LR_SECONDARY)
		s++;
	e = s;
	while (e < l->nchunks && e < limit && l->role[e] == LR_SECONDARY && done(l->st[e]))
		e++;
	if (e < l->nchunks && l->role[e] == LR_SECONDARY)
		e = s + (e - s) / l->grant_chunks * l->grant_chunks;
	*start = s;
	*end = e;
}

/* ... and only what the metadata on disk describes. */
static void grant_span(const struct ledger *l, uint32_t *start, uint32_t *end)
{
	span_upto(l, l->described, start, end);
}

uint32_t ledger_done_end(const struct ledger *l)
{
	uint32_t e = l->next_grant;

	while (e < l->nchunks && (l->role[e] != LR_SECONDARY || done(l->st[e])))
		e++;
	return e;
}

void ledger_describe(struct ledger *l, uint32_t upto)
{
	if (upto > l->nchunks)
		upto = l->nchunks;
	if (upto > l->described)
		l->described = upto;
}

int ledger_describe_wanted(const struct ledger *l)
{
	uint32_t s, e;

	span_upto(l, l->nchunks, &s, &e);
	return e > l->described && e > s;
}

int ledger_grant_ready(const struct ledger *l)
{
	uint32_t s, e;

	grant_span(l, &s, &e);
	return e > s;
}

int ledger_take_grant(struct ledger *l, struct ledger_range *r, int *last)
{
	uint32_t start, end, i;

	grant_span(l, &start, &end);
	for (i = end; i < l->nchunks && l->role[i] != LR_SECONDARY; i++)
		;
	*last = 1;
	for (; i < l->nchunks; i++)
		if (l->role[i] == LR_SECONDARY && l->st[i] != LG_GRANTED) {
			*last = 0;
			break;
		}
	if (end == start)
		return 0;
	for (i = start; i < end; i++)
		l->st[i] = LG_GRANTED;
	l->next_grant = end;
	r->base = ledger_chunk_addr(l, start);
	r->size = ledger_chunk_addr(l, end) - r->base;
	return 1;
}

int ledger_secondary_done(const struct ledger *l)
{
	uint32_t i;

	for (i = 0; i < l->nchunks; i++)
		if ((l->role[i] == LR_SECONDARY || l->role[i] == LR_KEEP) &&
		    !done(l->st[i]) && l->st[i] != LG_GRANTED)
			return 0;
	return 1;
}

uint32_t ledger_pending_ranges(const struct ledger *l, struct ledger_range *out,
			       uint32_t max)
{
	uint32_t i, n = 0;

	if (!max)
		return 0;
	for (i = 0; i < l->nchunks; i++) {
		if (l->role[i] != LR_SECONDARY || l->st[i] == LG_GRANTED)
			continue;
		if (n && out[n - 1].base + out[n - 1].size == ledger_chunk_addr(l, i)) {
			out[n - 1].size += ledger_chunk_len(l, i);
			continue;
		}
		if (n == max) {
			/*
			 * Out of room: over-reserving is safe, under-reserving
			 * is not. The windows (LR_NONE, LR_KEEP, LR_PRIMARY)
			 * lie below every LR_SECONDARY chunk, so this never
			 * reserves the restarted kernel's own window.
			 */
			out[n - 1].size = ledger_chunk_addr(l, l->nchunks) - out[n - 1].base;
			break;
		}
		out[n].base = ledger_chunk_addr(l, i);
		out[n].size = ledger_chunk_len(l, i);
		n++;
	}
	return n;
}
