// SPDX-License-Identifier: BSD-3-Clause
/*
 * Device tree: read the machine from QEMU's DTB and patch a copy of it for
 * Linux. See docs/dt-binding-tsubaki.md for the /tsubaki node.
 */
#include <stdint.h>
#include <string.h>
#include <libfdt.h>
#include <dt.h>
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

/* The first enabled memory node: QEMU also describes the secure RAM, disabled. */
static int memory_node(const void *fdt)
{
	int node = -1;

	for (;;) {
		node = fdt_node_offset_by_prop_value(fdt, node, "device_type", "memory", 7);
		if (node < 0 || node_enabled(fdt, node))
			return node;
	}
}

int dt_read_platform(const void *fdt, struct dt_platform *p)
{
	int root_ac, root_sc, cpus, node, len, ac;
	const fdt32_t *reg;

	memset(p, 0, sizeof(*p));
	if (fdt_check_header(fdt))
		return -FDT_ERR_BADMAGIC;
	root_ac = fdt_address_cells(fdt, 0);
	root_sc = fdt_size_cells(fdt, 0);
	if (root_ac < 1 || root_ac > 2 || root_sc < 1 || root_sc > 2)
		return -FDT_ERR_BADNCELLS;
	node = memory_node(fdt);
	if (node < 0)
		return node;
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg || len < (root_ac + root_sc) * 4)
		return -FDT_ERR_BADVALUE;
	p->ram_base = read_cells(reg, root_ac);
	p->ram_size = read_cells(reg + root_ac, root_sc);

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

	fw_snprintf(name, sizeof(name), "%s@%lx", what, (unsigned long)base);
	node = subnode(fdt, rsv, name);
	if (node < 0)
		return node;
	err = set_u64_pair(fdt, node, "reg", base, size, ac, sc);
	return err ? err : fdt_setprop(fdt, node, "no-map", NULL, 0);
}

static int patch_memory(void *fdt, const struct dt_boot_cfg *c, int ac, int sc)
{
	int node, rsv, err;

	node = memory_node(fdt);
	if (node < 0)
		return node;
	err = set_u64_pair(fdt, node, "reg", c->ram_base, c->ram_size, ac, sc);
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

static int patch_chosen(void *fdt, const struct dt_boot_cfg *c)
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
	err = fdt_setprop_string(fdt, node, "bootargs", c->bootargs ? c->bootargs : "");
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
static int add_pending(void *fdt, const struct dt_boot_cfg *c, int ac, int sc,
		       uint32_t *phandle)
{
	fdt32_t cells[DT_MAX_PENDING * 4];
	char name[40];
	int rsv, node, err, n = 0;
	uint32_t i;

	*phandle = 0;
	if (!c->npending)
		return 0;
	if (c->npending > DT_MAX_PENDING)
		return -FDT_ERR_BADVALUE;
	rsv = fdt_path_offset(fdt, "/reserved-memory");
	if (rsv < 0)
		return rsv;
	fw_snprintf(name, sizeof(name), "tsubaki-pending@%lx", (unsigned long)c->pending[0][0]);
	node = subnode(fdt, rsv, name);
	if (node < 0)
		return node;
	for (i = 0; i < c->npending; i++)
		n += put_pair(cells + n, c->pending[i][0], c->pending[i][1], ac, sc);
	err = fdt_setprop(fdt, node, "reg", cells, n * 4);
	if (err)
		return err;
	err = fdt_generate_phandle(fdt, phandle);
	return err ? err : fdt_setprop_u32(fdt, node, "phandle", *phandle);
}

static int patch_tsubaki(void *fdt, const struct dt_boot_cfg *c, int ac, int sc)
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
	return err;
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
	uint32_t phandle = 0;
	int ac, sc, err;

	err = fdt_check_header(fdt);
	if (err)
		return err;
	ac = fdt_address_cells(fdt, 0);
	sc = fdt_size_cells(fdt, 0);
	if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
		return -FDT_ERR_BADNCELLS;
	err = patch_psci(fdt);
	err = err ? err : patch_memory(fdt, c, ac, sc);
	err = err ? err : patch_chosen(fdt, c);
	err = err ? err : hide_device(fdt, c->hide_base, ac);
	err = err ? err : add_pending(fdt, c, ac, sc, &phandle);
	err = err ? err : patch_tsubaki(fdt, c, ac, sc);
	err = err ? err : link_pending(fdt, phandle);
	return err;
}
