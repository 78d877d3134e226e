// SPDX-License-Identifier: BSD-3-Clause
/*
 * kernel: the crashed kernel's virtual memory, kallsyms, task PIDs and
 * frame records, from a dump and its VMCOREINFO. See kernel.h.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include <tsubaki/vmcore_elf.h>

#define KSYM_MAX_SYMS		(1U << 21)	/* kallsyms_num_syms sanity limit */
#define KSYM_NAME_MAX		128		/* longer names never match */
#define KSYM_TOKENS_MAX		(64U * 1024)
#define TASK_SCAN_MAX		(16U * 1024)	/* bytes of init_task searched */
#define PID_SCAN_MAX		256		/* bytes of init_struct_pid searched */

/* ---- address translation ---- */

static int read_phys_cb(void *ctx, uint64_t pa, void *buf, size_t len)
{
	return tsb_read_phys(ctx, pa, buf, len);
}

void kmem_init(struct kmem *k, struct tsb_dump *dump, const struct vmci *v)
{
	memset(k, 0, sizeof(*k));
	k->dump = dump;
	k->vmci = v;
	if (dump->h.arch == TSB_ARCH_AARCH32)
		tsb_vmcore_map_a32(&k->map, v->text, v->len, &dump->h, dump->cpu, dump->reg,
				   read_phys_cb, dump);
	else
		tsb_vmcore_map_a64(&k->map, v->text, v->len, dump->kernel_region < 0 ? NULL :
				   &dump->reg[dump->kernel_region]);
}

bool kmem_linear_va(const struct kmem *k, uint64_t paddr, uint64_t size,
		    uint64_t *va)
{
	return tsb_vmcore_linear_va(&k->map, paddr, size, va);
}

bool kmem_in_image(const struct kmem *k, uint64_t va)
{
	return k->map.have_image && va >= k->map.image_start && va < k->map.image_end;
}

/* Bring the page holding @va into the cache. */
static int load_page(struct kmem *k, uint64_t va)
{
	uint64_t page = va & ~(uint64_t)(KMEM_PAGE - 1), pa;

	if (k->cached && k->cache_va == page)
		return 0;
	k->cached = false;
	if (!tsb_vmcore_va_to_pa(&k->map, page, &pa) ||
	    tsb_read_phys(k->dump, pa, k->cache, KMEM_PAGE))
		return -1;
	k->cached = true;
	k->cache_va = page;
	return 0;
}

int kmem_read(struct kmem *k, uint64_t va, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		size_t in = (size_t)(va & (KMEM_PAGE - 1));
		size_t n = KMEM_PAGE - in < len ? KMEM_PAGE - in : len;

		if (load_page(k, va))
			return -1;
		memcpy(p, k->cache + in, n);
		p += n;
		va += n;
		len -= n;
	}
	return 0;
}

/* A pointer (an unsigned long) of the crashed kernel: 8 or 4 bytes. */
static int read_ptr(struct kmem *k, uint64_t va, uint64_t *v)
{
	uint32_t w;

	if (k->map.ptr_size == 8)
		return kmem_read(k, va, v, sizeof(*v));
	if (kmem_read(k, va, &w, sizeof(w)))
		return -1;
	*v = w;
	return 0;
}

/* ---- kallsyms (kernel/kallsyms.c, CONFIG_KALLSYMS_BASE_RELATIVE) ---- */

struct ksyms {
	uint64_t names, offsets, relative_base;
	uint32_t num;
	uint16_t token_index[256];
	char tokens[KSYM_TOKENS_MAX];
	size_t tokens_len;
};

static int ksyms_addr(struct kmem *k, const char *key, uint64_t *va)
{
	return vmci_u64(k->vmci, key, 16, va) ? -1 : 0;
}

static int ksyms_tokens(struct kmem *k, struct ksyms *s)
{
	uint64_t table, index;
	size_t end = 0;

	if (ksyms_addr(k, "SYMBOL(kallsyms_token_table)", &table) ||
	    ksyms_addr(k, "SYMBOL(kallsyms_token_index)", &index) ||
	    kmem_read(k, index, s->token_index, sizeof(s->token_index)))
		return -1;
	for (int i = 0; i < 256; i++)
		if (s->token_index[i] > end)
			end = s->token_index[i];
	/* the longest token follows the largest index; tokens are short */
	s->tokens_len = end + KSYM_NAME_MAX < KSYM_TOKENS_MAX ?
			end + KSYM_NAME_MAX : KSYM_TOKENS_MAX;
	while (s->tokens_len > end && kmem_read(k, table, s->tokens, s->tokens_len))
		s->tokens_len = (s->tokens_len + end) / 2;	/* near a hole */
	if (s->tokens_len <= end)
		return -1;
	s->tokens[s->tokens_len - 1] = 0;
	return 0;
}

static int ksyms_open(struct kmem *k, struct ksyms *s)
{
	uint64_t num_va, base_va;

	if (ksyms_addr(k, "SYMBOL(kallsyms_names)", &s->names) ||
	    ksyms_addr(k, "SYMBOL(kallsyms_offsets)", &s->offsets) ||
	    ksyms_addr(k, "SYMBOL(kallsyms_num_syms)", &num_va) ||
	    ksyms_addr(k, "SYMBOL(kallsyms_relative_base)", &base_va) ||
	    kmem_read(k, num_va, &s->num, sizeof(s->num)) ||
	    s->num > KSYM_MAX_SYMS || read_ptr(k, base_va, &s->relative_base))
		return -1;
	return ksyms_tokens(k, s);
}

/*
 * Expand the symbol at *@off in kallsyms_names into @name (without its type
 * character; "" if too long) and advance *@off past it.
 */
static int ksyms_expand(struct kmem *k, const struct ksyms *s, uint64_t *off,
			char name[KSYM_NAME_MAX])
{
	uint8_t b[2], data[KSYM_NAME_MAX];
	size_t len, out = 0;
	bool first = true;

	if (kmem_read(k, s->names + *off, b, 2))
		return -1;
	len = b[0];
	*off += 1;
	if (len & 0x80) {
		len = (len & 0x7f) | (size_t)b[1] << 7;
		*off += 1;
	}
	name[0] = 0;
	if (len > sizeof(data)) {	/* too long for any name we look for */
		*off += len;
		return 0;
	}
	if (kmem_read(k, s->names + *off, data, len))
		return -1;
	*off += len;
	for (size_t i = 0; i < len; i++) {
		const char *t = s->tokens + s->token_index[data[i]];

		if ((size_t)(t - s->tokens) >= s->tokens_len)
			return -1;
		for (; *t; t++, first = false)
			if (!first && out + 1 < KSYM_NAME_MAX)
				name[out++] = *t;
	}
	name[out] = 0;
	return 0;
}

static int ksyms_scan(struct kmem *k, const struct ksyms *s,
		      const char *const *names, uint64_t *addrs, unsigned int n)
{
	char name[KSYM_NAME_MAX];
	unsigned int left = n;
	uint64_t off = 0;

	for (uint32_t i = 0; i < s->num && left; i++) {
		if (ksyms_expand(k, s, &off, name))
			return -1;
		for (unsigned int j = 0; j < n; j++) {
			uint32_t rel;

			if (addrs[j] || strcmp(name, names[j]))
				continue;
			if (kmem_read(k, s->offsets + 4ULL * i, &rel, sizeof(rel)))
				return -1;
			addrs[j] = s->relative_base + rel;
			left--;
		}
	}
	return 0;
}

int kmem_kallsyms(struct kmem *k, const char *const *names, uint64_t *addrs,
		  unsigned int n)
{
	struct ksyms *s = malloc(sizeof(*s));	/* 64 KiB: not on the stack */
	int err;

	memset(addrs, 0, n * sizeof(*addrs));
	if (!s)
		return -1;
	err = ksyms_open(k, s);
	if (!err)
		err = ksyms_scan(k, s, names, addrs, n);
	free(s);
	return err;
}

/* ---- task PIDs ---- */

/* Offset in [0, @max) of the first pointer-sized word equal to @value at @va. */
static int find_word(struct kmem *k, uint64_t va, uint64_t value, size_t max,
		     uint64_t *off)
{
	for (size_t o = 0; o + k->map.ptr_size <= max; o += k->map.ptr_size) {
		uint64_t w;

		if (read_ptr(k, va + o, &w))
			return -1;
		if (w == value) {
			*off = o;
			return 0;
		}
	}
	return -1;
}

/*
 * task->thread_pid is the only pointer to init_struct_pid in init_task, and
 * init_struct_pid.numbers[0] = { .nr = 0, .ns = &init_pid_ns } is the only
 * pointer to init_pid_ns in it: that gives both offsets without debug info.
 */
static int find_pid_offsets(struct kmem *k)
{
	static const char *const names[] = {
		"init_task", "init_struct_pid", "init_pid_ns",
	};
	uint64_t a[3], ns_off;

	if (kmem_kallsyms(k, names, a, 3) || !a[0] || !a[1] || !a[2] ||
	    find_word(k, a[0], a[1], TASK_SCAN_MAX, &k->off_thread_pid) ||
	    find_word(k, a[1], a[2], PID_SCAN_MAX, &ns_off) || ns_off < k->map.ptr_size)
		return -1;
	/* struct upid { int nr; struct pid_namespace *ns; }: nr a pointer's size before ns */
	k->off_pid_nr = ns_off - k->map.ptr_size;
	return 0;
}

int kmem_task_pid(struct kmem *k, uint64_t task, uint32_t *pid)
{
	uint64_t p;

	if (!k->pid_state)
		k->pid_state = find_pid_offsets(k) ? -1 : 1;
	if (k->pid_state < 0 ||
	    read_ptr(k, task + k->off_thread_pid, &p) ||
	    kmem_read(k, p + k->off_pid_nr, pid, sizeof(*pid)) ||
	    *pid >= TSB_PID_MAX_LIMIT)
		return -1;
	return 0;
}

/* ---- frame records ---- */

static int read_cb(void *ctx, uint64_t va, void *buf, size_t len)
{
	return kmem_read(ctx, va, buf, len);
}

int kmem_unwind_into_image(struct kmem *k, uint64_t regs[TSB_ELF_PR_NREGS])
{
	uint64_t mask = 0;

	vmci_u64(k->vmci, "NUMBER(KERNELPACMASK)", 16, &mask);
	return tsb_vmcore_unwind_cpu(&k->map, regs, mask, read_cb, k);
}
