// SPDX-License-Identifier: BSD-3-Clause
/*
 * dt_read_platform() and dt_patch() on the DTB of the real QEMU machine
 * (virt,secure=on,gic-version=3, 4 CPUs, 1 GiB, one virtio-blk device),
 * dumped by the Makefile and passed as argv[1] or $TSUBAKI_UNIT_DTB.
 */
#include <stdint.h>
#include <string.h>
#include <libfdt.h>
#include <dt.h>
#include "unit.h"

#define PATCH_BUF	(1U << 20)
#define RAM_BASE	0x40000000ULL
#define RAM_SIZE	0x40000000ULL
#define DUMP_BASE	0xa003e00ULL	/* PLAT_VIRTIO_BASE + 31 * 0x200 */
#define KEEP_BASE	0xa003c00ULL

static const char *dtb_path;
static void *qemu_dtb;		/* as dumped by QEMU */
static void *pristine;		/* fdt_open_into() + fdt_pack(), as boot_init() */

static const struct dt_boot_cfg test_cfg = {
	.ram_base = RAM_BASE,
	.ram_size = 0x3f000000ULL,		/* differs from QEMU's on purpose */
	.scratch_base = 0x7ee00000ULL,
	.scratch_size = 0x200000ULL,
	.initrd_start = 0x42000000ULL,
	.initrd_end = 0x42345678ULL,
	.bootargs = "console=ttyAMA0 rdinit=/sbin/init loglevel=7",
	.boot_count = 7,
	.rng_seed = 0x0123456789abcdefULL,
	.hide_base = DUMP_BASE,
	.notify_spi = 13,
	.dump_state = "in-progress",
};

/* ---- helpers ---------------------------------------------------------- */

static void *load_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/* A writable copy of the pristine DTB in a buffer of exactly @size bytes. */
static void *open_copy(size_t size)
{
	void *buf = malloc(size);

	assert_non_null(buf);
	assert_int_equal(fdt_open_into(pristine, buf, (int)size), 0);
	return buf;
}

static int node_at(const void *fdt, const char *path)
{
	int node = fdt_path_offset(fdt, path);

	if (node < 0)
		fail_msg("%s: %s", path, fdt_strerror(node));
	return node;
}

static uint64_t be_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;

	while (cells--)
		v = (v << 32) | fdt32_to_cpu(*p++);
	return v;
}

/* reg = <base size> with 2 address and 2 size cells (QEMU virt's root). */
static void assert_reg(const void *fdt, int node, uint64_t base, uint64_t size)
{
	int len;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);

	assert_non_null(reg);
	assert_int_equal(len, 16);
	assert_int_equal(be_cells(reg, 2), base);
	assert_int_equal(be_cells(reg + 2, 2), size);
}

static void assert_str_prop(const void *fdt, int node, const char *name,
			    const char *want)
{
	int len;
	const char *s = fdt_getprop(fdt, node, name, &len);

	if (!s)
		fail_msg("property %s missing", name);
	assert_int_equal(len, strlen(want) + 1);
	assert_string_equal(s, want);
}

static uint64_t u64_prop(const void *fdt, int node, const char *name)
{
	int len;
	const void *p = fdt_getprop(fdt, node, name, &len);
	fdt64_t v;

	if (!p || len != 8)
		fail_msg("property %s: missing or not 8 bytes", name);
	memcpy(&v, p, sizeof(v));	/* properties are only 4-byte aligned */
	return fdt64_to_cpu(v);
}

static uint32_t u32_prop(const void *fdt, int node, const char *name)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	if (!p || len != 4)
		fail_msg("property %s: missing or not 4 bytes", name);
	return fdt32_to_cpu(*p);
}

/* The root-level virtio,mmio node whose reg starts at @base, or -1. */
static int virtio_at(const void *fdt, uint64_t base)
{
	int node = -1;

	while ((node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) >= 0) {
		int len;
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);

		if (reg && len >= 8 && be_cells(reg, 2) == base)
			return node;
	}
	return -1;
}

static int count_compatible(const void *fdt, const char *compat)
{
	int node = -1, n = 0;

	while ((node = fdt_node_offset_by_compatible(fdt, node, compat)) >= 0)
		n++;
	return n;
}

/* Delete every node with device_type = "memory" (@only_first: just one). */
static void del_memory_nodes(void *fdt, int only_first)
{
	int node;

	while ((node = fdt_node_offset_by_prop_value(fdt, -1, "device_type",
						     "memory", 7)) >= 0) {
		assert_int_equal(fdt_del_node(fdt, node), 0);
		if (only_first)
			break;
	}
}

static int patch_copy(void **out, size_t size, const struct dt_boot_cfg *c)
{
	*out = open_copy(size);
	return dt_patch(*out, c);
}

/* Walk every node and property: the tree is well formed. */
static void assert_tree_valid(const void *fdt)
{
	int node, depth = 0, prop, n = 0;

	assert_int_equal(fdt_check_header(fdt), 0);
	for (node = 0; node >= 0 && depth >= 0; node = fdt_next_node(fdt, node, &depth)) {
		fdt_for_each_property_offset(prop, fdt, node) {
			const char *name;
			int len;

			assert_non_null(fdt_getprop_by_offset(fdt, prop, &name, &len));
			assert_non_null(name);
			assert_true(len >= 0);
		}
		assert_int_equal(prop, -FDT_ERR_NOTFOUND);
		assert_non_null(fdt_get_name(fdt, node, NULL));
		n++;
	}
	assert_true(depth < 0 || node == -FDT_ERR_NOTFOUND);
	assert_true(n > 40);
}

/* Everything dt_patch() promises, checked on @fdt patched with @c. */
static void check_patched(const void *fdt, const struct dt_boot_cfg *c)
{
	char name[64];
	int node, cpus, rsv, len, ncpu = 0, found = 0;
	const char *compat;
	const void *p;
	uint32_t irq[3];

	assert_tree_valid(fdt);

	/* /psci */
	node = node_at(fdt, "/psci");
	compat = fdt_getprop(fdt, node, "compatible", &len);
	assert_non_null(compat);
	assert_true(fdt_stringlist_contains(compat, len, "arm,psci-1.0"));
	assert_str_prop(fdt, node, "method", "smc");
	assert_int_equal(fdt_node_offset_by_compatible(fdt, node, "arm,psci-1.0"), -FDT_ERR_NOTFOUND);

	/* every cpu boots with PSCI */
	cpus = node_at(fdt, "/cpus");
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);

		if (!type || strcmp(type, "cpu"))
			continue;
		assert_str_prop(fdt, node, "enable-method", "psci");
		ncpu++;
	}
	assert_int_equal(ncpu, 4);

	/* /memory and the scratch reservation */
	node = node_at(fdt, "/memory@40000000");
	if (!c->hotplug_block)
		assert_reg(fdt, node, c->ram_base, c->ram_size);
	rsv = node_at(fdt, "/reserved-memory");
	assert_int_equal(u32_prop(fdt, rsv, "#address-cells"), 2);
	assert_int_equal(u32_prop(fdt, rsv, "#size-cells"), 2);
	p = fdt_getprop(fdt, rsv, "ranges", &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	snprintf(name, sizeof(name), "@%llx", (unsigned long long)c->scratch_base);
	fdt_for_each_subnode(node, fdt, rsv) {
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
		const char *n = fdt_get_name(fdt, node, NULL);

		if (!reg || len != 16 || be_cells(reg, 2) != c->scratch_base)
			continue;
		found++;
		assert_int_equal(be_cells(reg + 2, 2), c->scratch_size);
		assert_non_null(strstr(n, name));
		assert_string_equal(strstr(n, name), name);	/* unit address matches */
		p = fdt_getprop(fdt, node, "no-map", &len);
		assert_non_null(p);
		assert_int_equal(len, 0);
	}
	assert_int_equal(found, 1);

	/* /chosen */
	node = node_at(fdt, "/chosen");
	if (!c->hotplug_block)
		assert_str_prop(fdt, node, "bootargs", c->bootargs);
	assert_int_equal(u64_prop(fdt, node, "linux,initrd-start"), c->initrd_start);
	assert_int_equal(u64_prop(fdt, node, "linux,initrd-end"), c->initrd_end);
	assert_null(fdt_getprop(fdt, node, "kaslr-seed", &len));
	assert_int_equal(len, -FDT_ERR_NOTFOUND);
	assert_int_equal(u64_prop(fdt, node, "rng-seed"), c->rng_seed);
	assert_str_prop(fdt, node, "stdout-path", "/pl011@9000000");	/* kept */
	assert_int_equal(fdt_path_offset(fdt, "/secure-chosen"), -FDT_ERR_NOTFOUND);

	/* the collector's virtio device is hidden, the others stay */
	assert_int_equal(virtio_at(fdt, DUMP_BASE), -1);
	assert_true(virtio_at(fdt, KEEP_BASE) >= 0);
	assert_int_equal(count_compatible(fdt, "virtio,mmio"), 31);

	/* /tsubaki */
	node = node_at(fdt, "/tsubaki");
	assert_str_prop(fdt, node, "compatible", "tsubaki,collector-v1");
	assert_str_prop(fdt, node, "method", "smc");
	p = fdt_getprop(fdt, node, "interrupts", &len);
	assert_non_null(p);
	assert_int_equal(len, 12);
	memcpy(irq, p, sizeof(irq));
	assert_int_equal(fdt32_to_cpu(irq[0]), 0);
	assert_int_equal(fdt32_to_cpu(irq[1]), c->notify_spi);
	assert_int_equal(fdt32_to_cpu(irq[2]), 1);
	assert_int_equal(u32_prop(fdt, node, "boot-count"), c->boot_count);
	assert_str_prop(fdt, node, "dump-state", c->dump_state);
}

/* ---- fixtures --------------------------------------------------------- */

static int group_setup(void **state)
{
	size_t size;

	(void)state;
	qemu_dtb = load_file(dtb_path, &size);
	if (!qemu_dtb) {
		print_error("cannot read the DTB fixture %s\n", dtb_path);
		return -1;
	}
	if (fdt_check_header(qemu_dtb) || fdt_totalsize(qemu_dtb) > size) {
		print_error("%s is not a DTB\n", dtb_path);
		return -1;
	}
	pristine = malloc(size);
	if (!pristine || fdt_open_into(qemu_dtb, pristine, (int)size) ||
	    fdt_pack(pristine))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(qemu_dtb);
	free(pristine);
	return 0;
}

/* ---- dt_read_platform() ----------------------------------------------- */

static void test_read_platform_qemu(void **state)
{
	struct dt_platform p;
	unsigned int i;

	(void)state;
	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(dt_read_platform(qemu_dtb, &p), 0);
	assert_int_equal(p.ram_base, RAM_BASE);
	assert_int_equal(p.ram_size, RAM_SIZE);
	assert_int_equal(p.ncpus, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(p.mpidr[i], i);
	for (; i < DT_MAX_CPUS; i++)
		assert_int_equal(p.mpidr[i], 0);
}

/* Other RAM sizes, 2-cell CPU addresses (Aff3): read cell by cell. */
static void test_read_platform_cells(void **state)
{
	const fdt32_t mem[] = {
		cpu_to_fdt32(0x0), cpu_to_fdt32(0x80000000),
		cpu_to_fdt32(0x1), cpu_to_fdt32(0x20000000),
	};
	struct dt_platform p;
	void *fdt = open_copy(PATCH_BUF);
	int cpus, node;
	uint32_t i = 0;

	(void)state;
	node = node_at(fdt, "/memory@40000000");
	assert_int_equal(fdt_setprop(fdt, node, "reg", mem, sizeof(mem)), 0);
	cpus = node_at(fdt, "/cpus");
	assert_int_equal(fdt_setprop_u32(fdt, cpus, "#address-cells", 2), 0);
	fdt_for_each_subnode(node, fdt, cpus) {
		if (!fdt_getprop(fdt, node, "device_type", NULL))
			continue;
		assert_int_equal(fdt_setprop_u64(fdt, node, "reg",
						 0x100000000ULL * (i + 1) + 0x100 * i), 0);
		i++;
	}
	assert_int_equal(dt_read_platform(fdt, &p), 0);
	assert_int_equal(p.ram_base, 0x80000000ULL);
	assert_int_equal(p.ram_size, 0x120000000ULL);
	assert_int_equal(p.ncpus, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(p.mpidr[i], 0x100000000ULL * (i + 1) + 0x100 * i);
	free(fdt);
}

/* More CPUs than DT_MAX_CPUS: the first DT_MAX_CPUS, nothing overwritten. */
static void test_read_platform_many_cpus(void **state)
{
	struct dt_platform p[2];
	void *fdt = open_copy(PATCH_BUF);
	unsigned int i, j;
	int cpus;

	(void)state;
	cpus = node_at(fdt, "/cpus");
	for (i = 4; i < 12; i++) {
		char name[16];
		int node;

		snprintf(name, sizeof(name), "cpu@%u", i);
		node = fdt_add_subnode(fdt, cpus, name);
		assert_true(node >= 0);
		assert_int_equal(fdt_setprop_string(fdt, node, "device_type", "cpu"), 0);
		assert_int_equal(fdt_setprop_u32(fdt, node, "reg", i), 0);
	}
	memset(&p[1], 0x5a, sizeof(p[1]));
	assert_int_equal(dt_read_platform(fdt, &p[0]), 0);
	assert_int_equal(p[0].ncpus, DT_MAX_CPUS);
	for (i = 0; i < DT_MAX_CPUS; i++) {
		assert_true(p[0].mpidr[i] < 12);
		for (j = 0; j < i; j++)
			assert_true(p[0].mpidr[i] != p[0].mpidr[j]);
	}
	assert_int_equal(p[1].ram_base, 0x5a5a5a5a5a5a5a5aULL);
	free(fdt);
}

static void test_read_platform_bad_header(void **state)
{
	struct dt_platform p;
	void *fdt = open_copy(PATCH_BUF);

	(void)state;
	((uint8_t *)fdt)[0] ^= 0xff;
	assert_true(dt_read_platform(fdt, &p) < 0);
	free(fdt);
}

static void test_read_platform_no_memory(void **state)
{
	struct dt_platform p;
	void *fdt = open_copy(PATCH_BUF);

	(void)state;
	del_memory_nodes(fdt, 0);
	assert_int_equal(fdt_path_offset(fdt, "/memory@40000000"), -FDT_ERR_NOTFOUND);
	assert_true(dt_read_platform(fdt, &p) < 0);
	free(fdt);
}

/*
 * QEMU's secure=on DTB has a second device_type = "memory" node, the secure
 * RAM (secram@e000000, status = "disabled", secure-status = "okay"). Without
 * /memory, it must not be taken for the normal world's RAM.
 */
static void test_read_platform_skips_disabled_memory(void **state)
{
	struct dt_platform p;
	void *fdt;
	int err;

	(void)state;
	fdt = open_copy(PATCH_BUF);
	del_memory_nodes(fdt, 1);
	assert_int_equal(fdt_path_offset(fdt, "/memory@40000000"), -FDT_ERR_NOTFOUND);
	assert_true(fdt_path_offset(fdt, "/secram@e000000") >= 0);
	err = dt_read_platform(fdt, &p);
	free(fdt);
	assert_true(err < 0);
}

static void test_read_platform_no_cpus(void **state)
{
	struct dt_platform p;
	void *fdt = open_copy(PATCH_BUF);
	int node;

	(void)state;
	while ((node = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "cpu", 4)) >= 0)
		assert_int_equal(fdt_del_node(fdt, node), 0);
	assert_int_equal(dt_read_platform(fdt, &p), -DT_E_NOCPU);
	free(fdt);
}

/* ---- dt_patch() ------------------------------------------------------- */

static void test_patch_qemu(void **state)
{
	void *fdt;

	(void)state;
	/* The properties dt_patch() must remove or replace are there first. */
	assert_true(fdt_path_offset(pristine, "/secure-chosen") >= 0);
	assert_non_null(fdt_getprop(pristine, node_at(pristine, "/chosen"), "kaslr-seed", NULL));
	assert_true(virtio_at(pristine, DUMP_BASE) >= 0);
	assert_int_equal(count_compatible(pristine, "virtio,mmio"), 32);

	assert_int_equal(patch_copy(&fdt, PATCH_BUF, &test_cfg), 0);
	check_patched(fdt, &test_cfg);
	assert_int_equal(fdt_pack(fdt), 0);
	check_patched(fdt, &test_cfg);
	free(fdt);
}

/* After a crash: the RAM not yet dumped is reserved (mapped) and linked from /tsubaki. */
static void test_patch_pending(void **state)
{
	struct dt_boot_cfg c = test_cfg;
	const fdt32_t *reg;
	void *fdt;
	int node, len;

	(void)state;
	c.dump_state = "in-progress";
	c.npending = 2;
	c.pending[0][0] = 0x44000000;
	c.pending[0][1] = 0x10000000;
	c.pending[1][0] = 0x60000000;
	c.pending[1][1] = 0x1ee00000;
	assert_int_equal(patch_copy(&fdt, PATCH_BUF, &c), 0);
	check_patched(fdt, &c);
	node = node_at(fdt, "/reserved-memory/tsubaki-pending@44000000");
	assert_null(fdt_getprop(fdt, node, "no-map", NULL));
	reg = fdt_getprop(fdt, node, "reg", &len);
	assert_non_null(reg);
	assert_int_equal(len, 32);
	assert_int_equal(be_cells(reg, 2), 0x44000000);
	assert_int_equal(be_cells(reg + 2, 2), 0x10000000);
	assert_int_equal(be_cells(reg + 4, 2), 0x60000000);
	assert_int_equal(be_cells(reg + 6, 2), 0x1ee00000);
	/* memory-region points at it. */
	assert_int_equal(fdt_node_offset_by_phandle(fdt, u32_prop(fdt, node_at(fdt, "/tsubaki"),
								  "memory-region")), node);
	assert_str_prop(fdt, node_at(fdt, "/tsubaki"), "dump-state", "in-progress");
	free(fdt);

	/* More ranges than the binding carries: refused, not truncated. */
	c.npending = 9;
	assert_true(patch_copy(&fdt, PATCH_BUF, &c) < 0);
	free(fdt);
}

/* An (address, size) pair list property, compared with @want (@n pairs). */
static void assert_pairs(const void *fdt, int node, const char *name,
			 const uint64_t (*want)[2], int n)
{
	const fdt32_t *reg;
	int len, i;

	reg = fdt_getprop(fdt, node, name, &len);
	if (!n) {
		assert_null(reg);
		return;
	}
	assert_non_null(reg);
	assert_int_equal(len, n * 16);
	for (i = 0; i < n; i++) {
		assert_int_equal(be_cells(reg + 4 * i, 2), want[i][0]);
		assert_int_equal(be_cells(reg + 4 * i + 2, 2), want[i][1]);
	}
}

/*
 * Hot-plug: the block-aligned part of each pending range leaves /memory and
 * is listed in /tsubaki/hotplug-memory; the rest stays reserved in /memory;
 * the command line asks Linux to online hot-added memory.
 */
static void test_patch_hotplug(void **state)
{
	static const uint64_t mem[][2] = {
		{ 0x40000000, 0x08000000 }, { 0x58000000, 0x08000000 }, { 0x68000000, 0x17000000 },
	};
	static const uint64_t hot[][2] = {
		{ 0x48000000, 0x10000000 }, { 0x60000000, 0x08000000 },
	};
	static const uint64_t rsv[][2] = {
		{ 0x44000000, 0x04000000 }, { 0x58000000, 0x00100000 },
		{ 0x5c000000, 0x04000000 }, { 0x78000000, 0x06e00000 },
	};
	struct dt_boot_cfg c = test_cfg;
	void *fdt;
	int node;

	(void)state;
	c.hotplug_block = 0x08000000;
	c.npending = 3;
	c.pending[0][0] = 0x44000000;	/* a window's end .. past two blocks */
	c.pending[0][1] = 0x14100000;
	c.pending[1][0] = 0x5c000000;	/* half a block, then one whole */
	c.pending[1][1] = 0x0c000000;
	c.pending[2][0] = 0x78000000;	/* up to the scratch area: no whole block */
	c.pending[2][1] = 0x06e00000;
	assert_int_equal(patch_copy(&fdt, PATCH_BUF, &c), 0);
	check_patched(fdt, &c);
	assert_pairs(fdt, node_at(fdt, "/memory@40000000"), "reg", mem, 3);
	assert_pairs(fdt, node_at(fdt, "/tsubaki"), "hotplug-memory", hot, 2);
	node = node_at(fdt, "/reserved-memory/tsubaki-pending@44000000");
	assert_pairs(fdt, node, "reg", rsv, 4);
	assert_str_prop(fdt, node_at(fdt, "/chosen"), "bootargs",
			"console=ttyAMA0 rdinit=/sbin/init loglevel=7 " DT_HOTPLUG_BOOTARG
			" dhash_entries=131072 ihash_entries=65536");
	free(fdt);

	/* No whole block pending: nothing hot-plugged, the command line as given. */
	c.npending = 1;
	c.pending[0][0] = 0x44000000;
	c.pending[0][1] = 0x07000000;
	assert_int_equal(patch_copy(&fdt, PATCH_BUF, &c), 0);
	assert_reg(fdt, node_at(fdt, "/memory@40000000"), c.ram_base, c.ram_size);
	assert_null(fdt_getprop(fdt, node_at(fdt, "/tsubaki"), "hotplug-memory", NULL));
	assert_str_prop(fdt, node_at(fdt, "/chosen"), "bootargs", c.bootargs);
	free(fdt);

	/* All of it hot-plugged: no pending node, and an empty command line gains the option. */
	c.pending[0][0] = 0x48000000;
	c.pending[0][1] = 0x08000000;
	c.bootargs = "";
	assert_int_equal(patch_copy(&fdt, PATCH_BUF, &c), 0);
	assert_int_equal(fdt_path_offset(fdt, "/reserved-memory/tsubaki-pending@48000000"),
			 -FDT_ERR_NOTFOUND);
	assert_null(fdt_getprop(fdt, node_at(fdt, "/tsubaki"), "memory-region", NULL));
	assert_str_prop(fdt, node_at(fdt, "/chosen"), "bootargs",
			DT_HOTPLUG_BOOTARG " dhash_entries=131072 ihash_entries=65536");
	free(fdt);
}

/*
 * A NUMA machine as QEMU describes it (-numa, two nodes): one memory node
 * per NUMA node, each with its numa-node-id; here also a third bank after a
 * gap, which is left out.
 */
static void *numa_copy(void)
{
	static const uint64_t n1[][2] = { { 0x60000000, 0x20000000 } };
	static const uint64_t n0[][2] = { { 0x40000000, 0x20000000 } };
	static const uint64_t far[][2] = { { 0x100000000ULL, 0x10000000 } };
	static const struct { const char *name; const uint64_t (*reg)[2]; uint32_t nid; } add[] = {
		{ "memory@100000000", far, 0 }, { "memory@60000000", n1, 1 },
	};
	void *fdt = open_copy(PATCH_BUF);
	fdt32_t cells[4];
	unsigned int i;
	int node;

	node = node_at(fdt, "/memory@40000000");
	for (i = 0; i < 2; i++)
		cells[2 * i] = cpu_to_fdt32(n0[0][i] >> 32), cells[2 * i + 1] = cpu_to_fdt32(n0[0][i]);
	assert_int_equal(fdt_setprop(fdt, node, "reg", cells, sizeof(cells)), 0);
	assert_int_equal(fdt_setprop_u32(fdt, node, "numa-node-id", 0), 0);
	for (i = 0; i < ARRAY_SIZE(add); i++) {
		unsigned int j;

		node = fdt_add_subnode(fdt, 0, add[i].name);
		assert_true(node >= 0);
		for (j = 0; j < 2; j++)
			cells[2 * j] = cpu_to_fdt32(add[i].reg[0][j] >> 32),
			cells[2 * j + 1] = cpu_to_fdt32(add[i].reg[0][j]);
		assert_int_equal(fdt_setprop_string(fdt, node, "device_type", "memory"), 0);
		assert_int_equal(fdt_setprop(fdt, node, "reg", cells, sizeof(cells)), 0);
		assert_int_equal(fdt_setprop_u32(fdt, node, "numa-node-id", add[i].nid), 0);
	}
	return fdt;
}

static void test_read_platform_numa(void **state)
{
	struct dt_platform p;
	void *fdt = numa_copy();

	(void)state;
	assert_int_equal(dt_read_platform(fdt, &p), 0);
	assert_int_equal(p.nmemnodes, 3);
	assert_int_equal(p.nbanks, 3);
	assert_int_equal(p.bank[0][0], 0x40000000);	/* sorted */
	assert_int_equal(p.bank[1][0], 0x60000000);
	assert_int_equal(p.bank[2][0], 0x100000000ULL);
	/* the two nodes make one run of RAM; the bank after the gap is left out */
	assert_int_equal(p.ram_base, 0x40000000);
	assert_int_equal(p.ram_size, 0x40000000);
	assert_int_equal(p.left_out, 0x10000000);

	/* overlapping banks: refused */
	assert_int_equal(fdt_setprop_u64(fdt, node_at(fdt, "/memory@100000000"), "reg",
					 0x70000000), 0);
	assert_int_equal(fdt_appendprop_u64(fdt, node_at(fdt, "/memory@100000000"), "reg",
					    0x1000), 0);
	assert_int_equal(dt_read_platform(fdt, &p), -FDT_ERR_BADVALUE);
	/* a reg that is not whole pairs: refused */
	assert_int_equal(fdt_setprop_u32(fdt, node_at(fdt, "/memory@100000000"), "reg", 1), 0);
	assert_int_equal(dt_read_platform(fdt, &p), -FDT_ERR_BADVALUE);
	free(fdt);
}

/*
 * Patching a NUMA machine: each node keeps its own part of the RAM Linux may
 * use now, and its numa-node-id; hot-plug and pending ranges may cross the
 * nodes' boundary; the bank after the gap leaves the DT.
 */
static void test_patch_numa(void **state)
{
	static const uint64_t mem0[][2] = { { 0x40000000, 0x08000000 } };
	static const uint64_t mem1[][2] = { { 0x78000000, 0x08000000 } };
	static const uint64_t hot[][2] = { { 0x48000000, 0x30000000 } };
	struct dt_boot_cfg c = test_cfg;
	void *fdt = numa_copy(), *out = malloc(PATCH_BUF);
	int node;

	(void)state;
	assert_non_null(out);
	assert_int_equal(fdt_open_into(fdt, out, PATCH_BUF), 0);
	free(fdt);
	fdt = out;
	c.ram_size = 0x40000000;
	c.scratch_base = 0x7fe00000;
	c.hotplug_block = 0x08000000;
	c.npending = 1;
	c.pending[0][0] = 0x44000000;	/* node 0's second half and most of node 1 */
	c.pending[0][1] = 0x36000000;
	assert_int_equal(dt_patch(fdt, &c), 0);
	assert_tree_valid(fdt);
	node = node_at(fdt, "/memory@40000000");
	assert_pairs(fdt, node, "reg", mem0, 1);
	assert_int_equal(u32_prop(fdt, node, "numa-node-id"), 0);
	node = node_at(fdt, "/memory@60000000");
	assert_pairs(fdt, node, "reg", mem1, 1);
	assert_int_equal(u32_prop(fdt, node, "numa-node-id"), 1);
	assert_pairs(fdt, node_at(fdt, "/tsubaki"), "hotplug-memory", hot, 1);
	assert_int_equal(fdt_path_offset(fdt, "/memory@100000000"), -FDT_ERR_NOTFOUND);
	free(fdt);

	/* Node 1 wholly hot-plugged: its memory node goes until the RAM comes back. */
	fdt = numa_copy();
	out = malloc(PATCH_BUF);
	assert_non_null(out);
	assert_int_equal(fdt_open_into(fdt, out, PATCH_BUF), 0);
	free(fdt);
	fdt = out;
	c.scratch_base = 0x3fe00000;	/* (the test puts the scratch area out of the way) */
	c.pending[0][0] = 0x60000000;
	c.pending[0][1] = 0x20000000;
	assert_int_equal(dt_patch(fdt, &c), 0);
	assert_reg(fdt, node_at(fdt, "/memory@40000000"), 0x40000000, 0x20000000);
	assert_int_equal(fdt_path_offset(fdt, "/memory@60000000"), -FDT_ERR_NOTFOUND);
	free(fdt);
}

/* dt_plan_memory() refuses what would describe RAM wrongly. */
static void test_plan_memory_refuses(void **state)
{
	struct dt_boot_cfg c = test_cfg;
	struct dt_mem_plan m;

	(void)state;
	c.hotplug_block = 0x08000000;
	c.npending = 2;
	c.pending[0][0] = 0x50000000;
	c.pending[0][1] = 0x10000000;
	c.pending[1][0] = 0x48000000;		/* below the one before */
	c.pending[1][1] = 0x01000000;
	assert_int_equal(dt_plan_memory(&c, &m), -FDT_ERR_BADVALUE);
	c.pending[1][0] = 0x5f000000;		/* overlaps it */
	assert_int_equal(dt_plan_memory(&c, &m), -FDT_ERR_BADVALUE);
	c.pending[1][0] = 0x7e800000;		/* past the end of RAM */
	assert_int_equal(dt_plan_memory(&c, &m), -FDT_ERR_BADVALUE);
	c.pending[1][0] = 0x70000000;
	c.pending[1][1] = 0;			/* empty */
	assert_int_equal(dt_plan_memory(&c, &m), -FDT_ERR_BADVALUE);
	c.pending[1][1] = 0x01000000;
	assert_int_equal(dt_plan_memory(&c, &m), 0);
	assert_int_equal(m.nhotplug, 1);
	c.hotplug_block = 0x06000000;		/* not a power of two */
	assert_int_equal(dt_plan_memory(&c, &m), -FDT_ERR_BADVALUE);
	c.hotplug_block = 0;			/* off: everything reserved in /memory */
	assert_int_equal(dt_plan_memory(&c, &m), 0);
	assert_int_equal(m.nhotplug, 0);
	assert_int_equal(m.nreserved, 2);
	assert_int_equal(m.nmem, 1);
	c.npending = DT_MAX_PENDING + 1;
	assert_int_equal(dt_plan_memory(&c, &m), -FDT_ERR_BADVALUE);
}

/* Spare-window mode: /tsubaki says which window is live and which is spare; the spare is no-map. */
static void test_patch_windows(void **state)
{
	struct dt_boot_cfg c = test_cfg;
	const fdt32_t *p;
	void *fdt;
	int node, len;

	(void)state;
	c.live_base = 0x44000000;
	c.live_size = 0x4000000;
	c.spare_base = 0x40000000;
	c.spare_size = 0x4000000;
	assert_int_equal(patch_copy(&fdt, PATCH_BUF, &c), 0);
	check_patched(fdt, &c);
	node = node_at(fdt, "/reserved-memory/tsubaki-spare@40000000");
	assert_non_null(fdt_getprop(fdt, node, "no-map", NULL));
	assert_reg(fdt, node, 0x40000000, 0x4000000);
	node = node_at(fdt, "/tsubaki");
	p = fdt_getprop(fdt, node, "live-window", &len);
	assert_non_null(p);
	assert_int_equal(len, 16);
	assert_int_equal(be_cells(p, 2), 0x44000000);
	assert_int_equal(be_cells(p + 2, 2), 0x4000000);
	p = fdt_getprop(fdt, node, "spare-window", &len);
	assert_non_null(p);
	assert_int_equal(len, 16);
	assert_int_equal(be_cells(p, 2), 0x40000000);
	free(fdt);

	/* Primary-dump mode: a live window, no spare. */
	c.spare_base = c.spare_size = 0;
	assert_int_equal(patch_copy(&fdt, PATCH_BUF, &c), 0);
	assert_int_equal(fdt_path_offset(fdt, "/reserved-memory/tsubaki-spare@40000000"),
			 -FDT_ERR_NOTFOUND);
	assert_null(fdt_getprop(fdt, node_at(fdt, "/tsubaki"), "spare-window", NULL));
	assert_non_null(fdt_getprop(fdt, node_at(fdt, "/tsubaki"), "live-window", NULL));
	free(fdt);
}

/* QEMU without secure=on has an HVC /psci and so may others: replaced. */
static void test_patch_replaces_psci(void **state)
{
	void *fdt = open_copy(PATCH_BUF);
	int node, cpus, n = 0;

	(void)state;
	node = fdt_add_subnode(fdt, 0, "psci");
	assert_true(node >= 0);
	assert_int_equal(fdt_setprop_string(fdt, node, "compatible", "arm,psci-0.2"), 0);
	assert_int_equal(fdt_setprop_string(fdt, node, "method", "hvc"), 0);
	cpus = node_at(fdt, "/cpus");
	fdt_for_each_subnode(node, fdt, cpus) {
		fdt_delprop(fdt, node, "enable-method");
		if (fdt_getprop(fdt, node, "device_type", NULL))
			n++;
	}
	assert_int_equal(n, 4);

	assert_int_equal(dt_patch(fdt, &test_cfg), 0);
	check_patched(fdt, &test_cfg);
	node = -1;
	n = 0;
	while ((node = fdt_node_offset_by_prop_value(fdt, node, "method", "hvc", 4)) >= 0)
		n++;
	assert_int_equal(n, 0);
	free(fdt);
}

static void test_patch_no_initrd_no_hide(void **state)
{
	struct dt_boot_cfg c = test_cfg;
	void *fdt;
	int node;

	(void)state;
	c.initrd_start = 0;
	c.initrd_end = 0;
	c.hide_base = 0;
	c.bootargs = NULL;
	c.dump_state = NULL;
	assert_int_equal(patch_copy(&fdt, PATCH_BUF, &c), 0);
	node = node_at(fdt, "/chosen");
	assert_null(fdt_getprop(fdt, node, "linux,initrd-start", NULL));
	assert_null(fdt_getprop(fdt, node, "linux,initrd-end", NULL));
	assert_str_prop(fdt, node, "bootargs", "");
	assert_true(virtio_at(fdt, DUMP_BASE) >= 0);
	assert_int_equal(count_compatible(fdt, "virtio,mmio"), 32);
	assert_str_prop(fdt, node_at(fdt, "/tsubaki"), "dump-state", "none");
	free(fdt);
}

/*
 * No room: dt_patch() fails cleanly. Every buffer size between "no free
 * space" and "enough" either fails or gives a valid, complete tree; the
 * buffers are exactly sized heap blocks, so ASan catches any overrun.
 */
static void test_patch_too_small(void **state)
{
	size_t min = fdt_totalsize(pristine), extra;
	int failed = 0, ok = 0;
	void *fdt;

	(void)state;
	assert_true(patch_copy(&fdt, min, &test_cfg) < 0);
	free(fdt);

	for (extra = 0; extra <= 1024; extra += 4) {
		int err = patch_copy(&fdt, min + extra, &test_cfg);

		if (err) {
			assert_true(err < 0);
			failed++;
		} else {
			check_patched(fdt, &test_cfg);
			ok++;
		}
		free(fdt);
	}
	assert_true(failed > 0);
	assert_true(ok > 0);
}

static void test_patch_bad_header(void **state)
{
	/* magic, totalsize, off_dt_struct, last_comp_version */
	static const size_t offs[] = { 0, 3, 4, 8, 24 };
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		void *fdt = open_copy(PATCH_BUF);

		((uint8_t *)fdt)[offs[i]] ^= 0xff;
		assert_true(dt_patch(fdt, &test_cfg) < 0);
		free(fdt);
	}
}

/* A restart patches a fresh copy of the pristine DTB: same bytes each time. */
static void test_patch_twice(void **state)
{
	void *a, *b;

	(void)state;
	assert_int_equal(patch_copy(&a, PATCH_BUF, &test_cfg), 0);
	assert_int_equal(patch_copy(&b, PATCH_BUF, &test_cfg), 0);
	assert_int_equal(fdt_pack(a), 0);
	assert_int_equal(fdt_pack(b), 0);
	assert_int_equal(fdt_totalsize(a), fdt_totalsize(b));
	assert_memory_equal(a, b, fdt_totalsize(a));
	check_patched(b, &test_cfg);

	/* Patching an already patched tree again changes nothing that matters. */
	assert_int_equal(fdt_open_into(a, b, PATCH_BUF), 0);
	assert_int_equal(dt_patch(b, &test_cfg), 0);
	check_patched(b, &test_cfg);
	assert_int_equal(fdt_pack(b), 0);
	assert_int_equal(fdt_totalsize(a), fdt_totalsize(b));
	free(a);
	free(b);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_platform_qemu),
		cmocka_unit_test(test_read_platform_cells),
		cmocka_unit_test(test_read_platform_many_cpus),
		cmocka_unit_test(test_read_platform_bad_header),
		cmocka_unit_test(test_read_platform_no_memory),
		cmocka_unit_test(test_read_platform_skips_disabled_memory),
		cmocka_unit_test(test_read_platform_no_cpus),
		cmocka_unit_test(test_patch_qemu),
		cmocka_unit_test(test_patch_replaces_psci),
		cmocka_unit_test(test_patch_no_initrd_no_hide),
		cmocka_unit_test(test_patch_too_small),
		cmocka_unit_test(test_patch_bad_header),
		cmocka_unit_test(test_patch_twice),
		cmocka_unit_test(test_patch_pending),
		cmocka_unit_test(test_patch_hotplug),
		cmocka_unit_test(test_plan_memory_refuses),
		cmocka_unit_test(test_patch_windows),
		cmocka_unit_test(test_read_platform_numa),
		cmocka_unit_test(test_patch_numa),
	};

	unit_init();
	dtb_path = argc > 1 ? argv[1] : getenv("TSUBAKI_UNIT_DTB");
	if (!dtb_path) {
		fprintf(stderr, "usage: %s QEMU-VIRT.DTB (or set TSUBAKI_UNIT_DTB)\n", argv[0]);
		return 2;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
