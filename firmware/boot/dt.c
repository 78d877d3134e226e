// SPDX-License-Identifier: BSD-3-Clause
/*
 * Device tree: read the machine from QEMU's DTB and patch a copy of it for
 * Linux. See docs/dt-binding-tsubaki.md for the /tsubaki node.
 */
#include <stdint.h>
#include <string.h>
#include <libfdt.h>
#include <dt.h>
#include <paddr.h>
#include <fw_printf.h>

static uint64_t read_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;

	while (cells--)
		v = (v << 32) | fdt32_to_cpu(*p++);
	return v;
}

static int node_enabled(const void *fdt, int node)
{
	const char *st = fdt_getprop(fdt, node, "status", NULL);

	return !st || !strcmp(st, "okay") || !strcmp(st, "ok");
}

/*
 * The @k-th enabled memory node (QEMU also describes the secure RAM, disabled),
 * or a negative libfdt error. Looked up afresh each time: editing a node moves
 * the ones after it.
 */
static int memory_node(const void *fdt, int k)
{
	int node = -1;

	for (;;) {
		node = fdt_node_offset_by_prop_value(fdt, node, "device_type", "memory", 7);
		if (node < 0)
			return node;
		if (node_enabled(fdt, node) && k-- == 0)
			return node;
	}
}

/* @node's reg as whole (address, size) pairs: the first cell, or NULL; *@n pairs. */
static const fdt32_t *reg_pairs(const void *fdt, int node, int ac, int sc, int *n)
{
	int len;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);

	if (!reg || len < (ac + sc) * 4 || len % ((ac + sc) * 4))
		return NULL;
	*n = len / ((ac + sc) * 4);
	return reg;
}

/* The RAM ranges of every enabled memory node, sorted; and the run from the lowest. */
static int read_memory(const void *fdt, struct dt_platform *p, int ac, int sc)
{
	unsigned int i, j;
	int node, n, k;

	for (k = 0; (node = memory_node(fdt, k)) >= 0; k++) {
		const fdt32_t *reg = reg_pairs(fdt, node, ac, sc, &n);

		if (!reg)
			return -FDT_ERR_BADVALUE;
		for (; n > 0; n--, reg += ac + sc) {
			uint64_t base = read_cells(reg, ac), size = read_cells(reg + ac, sc);

			if (!size)
				continue;
			if (base + size < base || p->nbanks >= DT_MAX_BANKS)
				return -FDT_ERR_BADVALUE;
			for (i = p->nbanks++; i > 0 && p->bank[i - 1][0] > base; i--) {
				p->bank[i][0] = p->bank[i - 1][0];
				p->bank[i][1] = p->bank[i - 1][1];
			}
			p->bank[i][0] = base;
			p->bank[i][1] = size;
		}
	}
	if (node != -FDT_ERR_NOTFOUND)
		return node;
	p->nmemnodes = (unsigned int)k;
	if (!p->nbanks)
		return -FDT_ERR_NOTFOUND;
	for (i = 1; i < p->nbanks; i++)
		if (p->bank[i][0] < p->bank[i - 1][0] + p->bank[i - 1][1])
			return -FDT_ERR_BADVALUE;	/* overlapping banks */
	p->ram_base = p->bank[0][0];
	p->ram_size = p->bank[0][1];
	for (j = 1; j < p->nbanks && p->bank[j][0] == p->ram_base + p->ram_size; j++)
		p->ram_size += p->bank[j][1];
	for (; j < p->nbanks; j++)
		p->left_out += p->bank[j][1];
	/* RAM the firmware's pointers cannot reach (above 4 GiB on AArch32) is left out too. */
	if (p->ram_base > PA_PTR_MAX)
		return -FDT_ERR_BADVALUE;
	if (p->ram_size - 1 > PA_PTR_MAX - p->ram_base) {
		p->left_out += p->ram_size - (PA_PTR_MAX - p->ram_base + 1);
		p->ram_size = PA_PTR_MAX - p->ram_base + 1;
	}
	return 0;
}

int dt_read_platform(const void *fdt, struct dt_platform *p)
{
	int root_ac, root_sc, cpus, node, len, ac, err;
	const fdt32_t *reg;

	memset(p, 0, sizeof(*p));
	if (fdt_check_header(fdt))
		return -FDT_ERR_BADMAGIC;
	root_ac = fdt_address_cells(fdt, 0);
	root_sc = fdt_size_cells(fdt, 0);
	if (root_ac < 1 || root_ac > 2 || root_sc < 1 || root_sc > 2)
		return -FDT_ERR_BADNCELLS;
	err = read_memory(fdt, p, root_ac, root_sc);
	if (err)
		return err;

	cpus = fdt_path_offset(fdt, "/cpus");
	if (cpus < 0)
		return cpus;
	ac = fdt_address_cells(fdt, cpus);
	if (ac < 1 || ac > 2)
		return -FDT_ERR_BADNCELLS;
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);

		if (!type || strcmp(type, "cpu"))
			continue;
		reg = fdt_getprop(fdt, node, "reg", &len);
		if (!reg || len < ac * 4)
			return -FDT_ERR_BADVALUE;
		if (p->ncpus >= DT_MAX_CPUS)
			break;
		p->mpidr[p->ncpus++] = read_cells(reg, ac);
	}
	return p->ncpus ? 0 : -DT_E_NOCPU;
}

/* Append an (address, size) pair in @ac + @sc cells; return the cells used. */
static int put_pair(fdt32_t *cells, uint64_t a, uint64_t b, int ac, int sc)
{
	int n = 0;

	if (ac == 2)
		cells[n++] = cpu_to_fdt32(a >> 32);
	cells[n++] = cpu_to_fdt32((uint32_t)a);
	if (sc == 2)
		cells[n++] = cpu_to_fdt32(b >> 32);
	cells[n++] = cpu_to_fdt32((uint32_t)b);
	return n;
}

static int set_u64_pair(void *fdt, int node, const char *name, uint64_t a,
			uint64_t b, int ac, int sc)
{
	fdt32_t cells[4];

	return fdt_setprop(fdt, node, name, cells, put_pair(cells, a, b, ac, sc) * 4);
}

static int subnode(void *fdt, int parent, const char *name)
{
	int node = fdt_subnode_offset(fdt, parent, name);

	return node >= 0 ? node : fdt_add_subnode(fdt, parent, name);
}

static int patch_psci(void *fdt)
{
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2";
	int node, cpus, err;

	node = fdt_path_offset(fdt, "/psci");
	if (node >= 0)
		fdt_del_node(fdt, node);
	node = fdt_add_subnode(fdt, 0, "psci");
	if (node < 0)
		return node;
	err = fdt_setprop(fdt, node, "compatible", compat, sizeof(compat));
	if (!err)
		err = fdt_setprop_string(fdt, node, "method", "smc");
	if (err)
		return err;
	cpus = fdt_path_offset(fdt, "/cpus");
	if (cpus < 0)
		return cpus;
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);

		if (!type || strcmp(type, "cpu"))
			continue;
		err = fdt_setprop_string(fdt, node, "enable-method", "psci");
		if (err)
			return err;
	}
	return 0;
}

static int add_nomap(void *fdt, int rsv, const char *what, uint64_t base, uint64_t size,
		     int ac, int sc)
{
	char name[40];
	int node, err;

	fw_snprintf(name, sizeof(name), "%s@%llx", what, (unsigned long long)base);
	node = subnode(fdt, rsv, name);
	if (node < 0)
		return node;
	err = set_u64_pair(fdt, node, "reg", base, size, ac, sc);
	return err ? err : fdt_setprop(fdt, node, "no-map", NULL, 0);
}

int dt_plan_memory(const struct dt_boot_cfg *c, struct dt_mem_plan *p)
{
	uint64_t b = c->hotplug_block, ram_end = c->ram_base + c->ram_size, at = c->ram_base;
	uint32_t i;

	memset(p, 0, sizeof(*p));
	if (c->npending > DT_MAX_PENDING || (b & (b - 1)) || ram_end < c->ram_base)
		return -FDT_ERR_BADVALUE;
	for (i = 0; i < c->npending; i++) {
		uint64_t base = c->pending[i][0], end = base + c->pending[i][1], lo, hi;

		if (end <= base || base < at || end > ram_end)
			return -FDT_ERR_BADVALUE;	/* empty, unsorted or not RAM */
		at = end;
		lo = b ? (base + b - 1) & ~(b - 1) : end;
		hi = b ? end & ~(b - 1) : end;
		if (hi <= lo) {
			lo = hi = end;
		} else {
			p->hotplug[p->nhotplug][0] = lo;
			p->hotplug[p->nhotplug++][1] = hi - lo;
		}
		if (lo > base) {
			p->reserved[p->nreserved][0] = base;
			p->reserved[p->nreserved++][1] = lo - base;
		}
		if (end > hi) {
			p->reserved[p->nreserved][0] = hi;
			p->reserved[p->nreserved++][1] = end - hi;
		}
	}
	/* /memory: RAM with the hot-plug ranges (sorted, disjoint) cut out. */
	at = c->ram_base;
	for (i = 0; i <= p->nhotplug; i++) {
		uint64_t end = i < p->nhotplug ? p->hotplug[i][0] : ram_end;

		if (end > at) {
			p->mem[p->nmem][0] = at;
			p->mem[p->nmem++][1] = end - at;
		}
		if (i < p->nhotplug)
			at = p->hotplug[i][0] + p->hotplug[i][1];
	}
	return 0;
}

/* A property of (address, size) pairs; nothing when @n is 0. */
static int set_pairs(void *fdt, int node, const char *name, const uint64_t (*r)[2],
		     uint32_t n, int ac, int sc)
{
	fdt32_t cells[2 * DT_MAX_PENDING * 4];
	uint32_t i;
	int len = 0;

	if (!n)
		return 0;
	if (n > 2 * DT_MAX_PENDING)
		return -FDT_ERR_BADVALUE;
	for (i = 0; i < n; i++)
		len += put_pair(cells + len, r[i][0], r[i][1], ac, sc);
	return fdt_setprop(fdt, node, name, cells, len * 4);
}

/*
 * Each memory node keeps its part of the plan's /memory ranges (a NUMA node
 * keeps its numa-node-id and its own RAM); a node left with none is removed.
 */
static int patch_memory_nodes(void *fdt, const struct dt_mem_plan *m, int ac, int sc)
{
	int node, pairs, k = 0, err;

	while ((node = memory_node(fdt, k)) >= 0) {
		const fdt32_t *reg = reg_pairs(fdt, node, ac, sc, &pairs);
		uint64_t out[DT_MAX_PENDING + 1][2];
		uint32_t n = 0, i;

		if (!reg)
			return -FDT_ERR_BADVALUE;
		for (; pairs > 0; pairs--, reg += ac + sc) {
			uint64_t lo = read_cells(reg, ac), hi = lo + read_cells(reg + ac, sc);

			for (i = 0; i < m->nmem; i++) {
				uint64_t a = m->mem[i][0], b = a + m->mem[i][1];

				a = a > lo ? a : lo;
				b = b < hi ? b : hi;
				if (a >= b)
					continue;
				if (n >= DT_MAX_PENDING + 1)
					return -FDT_ERR_BADVALUE;
				out[n][0] = a;
				out[n++][1] = b - a;
			}
		}
		if (!n) {
			err = fdt_del_node(fdt, node);	/* the next node is now the k-th */
			if (err)
				return err;
			continue;
		}
		err = set_pairs(fdt, node, "reg", out, n, ac, sc);
		if (err)
			return err;
		k++;
	}
	return node == -FDT_ERR_NOTFOUND ? (k ? 0 : -FDT_ERR_NOTFOUND) : node;
}

static int patch_memory(void *fdt, const struct dt_boot_cfg *c, const struct dt_mem_plan *m,
			int ac, int sc)
{
	int rsv, err;

	err = patch_memory_nodes(fdt, m, ac, sc);
	if (err || !c->scratch_size)
		return err;

	rsv = subnode(fdt, 0, "reserved-memory");
	if (rsv < 0)
		return rsv;
	err = fdt_setprop_u32(fdt, rsv, "#address-cells", ac);
	err = err ? err : fdt_setprop_u32(fdt, rsv, "#size-cells", sc);
	err = err ? err : fdt_setprop(fdt, rsv, "ranges", NULL, 0);
	if (err)
		return err;
	err = add_nomap(fdt, rsv, "tsubaki-scratch", c->scratch_base, c->scratch_size, ac, sc);
	if (err || !c->spare_size)
		return err;
	/* The spare window: never the running kernel's, so it can restart there. */
	return add_nomap(fdt, rsv, "tsubaki-spare", c->spare_base, c->spare_size, ac, sc);
}

static uint64_t pow2_up(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/*
 * bootargs; when memory is to be hot-added, with DT_HOTPLUG_BOOTARG and the
 * dentry and inode hash sizes a kernel booted with all of @ram would choose
 * (one entry per 2 and 4 pages, as alloc_large_system_hash() sizes them).
 */
static int set_bootargs(void *fdt, int node, const char *args, int hotplug, uint64_t ram)
{
	size_t n = strlen(args);
	char extra[96], *p;
	int k, err;

	if (!hotplug)
		return fdt_setprop_string(fdt, node, "bootargs", args);
	k = fw_snprintf(extra, sizeof(extra), "%s%s dhash_entries=%llu ihash_entries=%llu",
			n ? " " : "", DT_HOTPLUG_BOOTARG, (unsigned long long)pow2_up(ram >> 13),
			(unsigned long long)pow2_up(ram >> 14));
	if (k < 0 || (size_t)k >= sizeof(extra))
		return -FDT_ERR_INTERNAL;
	err = fdt_setprop_placeholder(fdt, node, "bootargs", n + k + 1, (void **)&p);
	if (err)
		return err;
	memcpy(p, args, n);
	memcpy(p + n, extra, k + 1);
	return 0;
}

static int patch_chosen(void *fdt, const struct dt_boot_cfg *c, int hotplug)
{
	fdt64_t seed = cpu_to_fdt64(c->rng_seed);
	int node, err;

	node = fdt_path_offset(fdt, "/secure-chosen");
	if (node >= 0)
		fdt_del_node(fdt, node);
	node = subnode(fdt, 0, "chosen");
	if (node < 0)
		return node;
	fdt_delprop(fdt, node, "kaslr-seed");
	err = set_bootargs(fdt, node, c->bootargs ? c->bootargs : "", hotplug, c->ram_size);
	err = err ? err : fdt_setprop(fdt, node, "rng-seed", &seed, sizeof(seed));
	if (err || c->initrd_end <= c->initrd_start)
		return err;
	err = fdt_setprop_u64(fdt, node, "linux,initrd-start", c->initrd_start);
	return err ? err : fdt_setprop_u64(fdt, node, "linux,initrd-end", c->initrd_end);
}

/* Remove the virtio-mmio node whose registers start at @base: Linux must not see it. */
static int hide_device(void *fdt, uint64_t base, int ac)
{
	int node = -1;

	if (!base)
		return 0;
	while ((node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) >= 0) {
		int len;
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);

		if (reg && len >= ac * 4 && read_cells(reg, ac) == base)
			return fdt_del_node(fdt, node);
	}
	return 0;
}

/* /reserved-memory/tsubaki-pending@...: RAM of the crashed kernel not yet on disk. */
static int add_pending(void *fdt, const struct dt_mem_plan *m, int ac, int sc,
		       uint32_t *phandle)
{
	char name[40];
	int rsv, node, err;

	*phandle = 0;
	if (!m->nreserved)
		return 0;
	rsv = fdt_path_offset(fdt, "/reserved-memory");
	if (rsv < 0)
		return rsv;
	fw_snprintf(name, sizeof(name), "tsubaki-pending@%llx", (unsigned long long)m->reserved[0][0]);
	node = subnode(fdt, rsv, name);
	if (node < 0)
		return node;
	err = set_pairs(fdt, node, "reg", m->reserved, m->nreserved, ac, sc);
	if (err)
		return err;
	err = fdt_generate_phandle(fdt, phandle);
	return err ? err : fdt_setprop_u32(fdt, node, "phandle", *phandle);
}

static int patch_tsubaki(void *fdt, const struct dt_boot_cfg *c, const struct dt_mem_plan *m,
			 int ac, int sc)
{
	fdt32_t irq[3] = {
		cpu_to_fdt32(0),		/* SPI */
		cpu_to_fdt32(c->notify_spi),
		cpu_to_fdt32(1),		/* edge rising */
	};
	int node, err;

	node = subnode(fdt, 0, "tsubaki");
	if (node < 0)
		return node;
	err = fdt_setprop_string(fdt, node, "compatible", "tsubaki,collector-v1");
	err = err ? err : fdt_setprop_string(fdt, node, "method", "smc");
	err = err ? err : fdt_setprop(fdt, node, "interrupts", irq, sizeof(irq));
	err = err ? err : fdt_setprop_u32(fdt, node, "boot-count", c->boot_count);
	err = err ? err : fdt_setprop_string(fdt, node, "dump-state",
					     c->dump_state ? c->dump_state : "none");
	if (!err && c->sink)
		err = fdt_setprop_string(fdt, node, "dump-sink", c->sink);
	if (!err && c->live_size)
		err = set_u64_pair(fdt, node, "live-window", c->live_base, c->live_size, ac, sc);
	if (!err && c->spare_size)
		err = set_u64_pair(fdt, node, "spare-window", c->spare_base, c->spare_size,
				   ac, sc);
	return err ? err : set_pairs(fdt, node, "hotplug-memory", m->hotplug, m->nhotplug, ac, sc);
}

static int link_pending(void *fdt, uint32_t phandle)
{
	int node = fdt_path_offset(fdt, "/tsubaki");

	if (!phandle)
		return 0;
	if (node < 0)
		return node;
	return fdt_setprop_u32(fdt, node, "memory-region", phandle);
}

int dt_patch(void *fdt, const struct dt_boot_cfg *c)
{
	struct dt_mem_plan m;
	uint32_t phandle = 0;
	int ac, sc, err;

	err = fdt_check_header(fdt);
	if (err)
		return err;
	ac = fdt_address_cells(fdt, 0);
	sc = fdt_size_cells(fdt, 0);
	if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
		return -FDT_ERR_BADNCELLS;
	err = dt_plan_memory(c, &m);
	err = err ? err : patch_psci(fdt);
	err = err ? err : patch_memory(fdt, c, &m, ac, sc);
	err = err ? err : patch_chosen(fdt, c, m.nhotplug != 0);
	err = err ? err : hide_device(fdt, c->hide_base, ac);
	err = err ? err : add_pending(fdt, &m, ac, sc, &phandle);
	err = err ? err : patch_tsubaki(fdt, c, &m, ac, sc);
	err = err ? err : link_pending(fdt, phandle);
	return err;
}
