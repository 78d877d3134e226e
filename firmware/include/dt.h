/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device-tree reading and patching with libfdt. Plain C: links into the
 * firmware and into the host unit tests.
 */
#ifndef DT_H
#define DT_H
#include <stdint.h>

#define DT_MAX_CPUS	8
#define DT_MAX_PENDING	8
#define DT_MAX_BANKS	8	/* RAM ranges over all /memory nodes */

struct dt_platform {
	/*
	 * RAM: the contiguous run of banks that starts at the lowest one. The
	 * memory nodes may split it (a NUMA machine has a node per NUMA node);
	 * banks after a gap are left out, of the dump and of Linux's memory.
	 */
	uint64_t ram_base;
	uint64_t ram_size;
	unsigned int nbanks;		/* banks read, sorted by address */
	unsigned int nmemnodes;		/* enabled memory nodes */
	uint64_t bank[DT_MAX_BANKS][2];
	uint64_t left_out;		/* bytes of RAM after a gap, or out of the firmware's reach */
	unsigned int ncpus;
	uint64_t mpidr[DT_MAX_CPUS];
};

struct dt_boot_cfg {
	uint64_t ram_base;		/* /memory */
	uint64_t ram_size;
	uint64_t scratch_base;		/* reserved, no-map: the collector's */
	uint64_t scratch_size;
	uint64_t initrd_start;
	uint64_t initrd_end;
	const char *bootargs;
	uint32_t boot_count;
	uint64_t rng_seed;
	uint64_t hide_base;		/* a virtio-mmio node to remove, 0: none */
	const char *sink;		/* /tsubaki/dump-sink, NULL: none */
	uint32_t notify_spi;		/* SPI number (not INTID) */
	const char *dump_state;		/* "none", "in-progress", ... */
	uint64_t live_base;		/* the boot window this kernel runs in */
	uint64_t live_size;
	uint64_t spare_base;		/* spare-window mode: kept out, no-map; 0: none */
	uint64_t spare_size;
	uint32_t npending;		/* RAM not yet dumped, sorted by address */
	uint64_t pending[DT_MAX_PENDING][2];	/* base, size */
	/*
	 * Linux's memory block (hot-plug granule); 0: none. The block-aligned
	 * part of each pending range is left out of /memory and listed in
	 * /tsubaki/hotplug-memory: tsubaki.ko hot-adds it as it is handed back,
	 * so the kernel boots with no struct page to set up for it. The rest of
	 * a pending range is in /memory, reserved (mapped).
	 */
	uint64_t hotplug_block;
};

/* What the DT says about RAM: dt_plan_memory(). */
struct dt_mem_plan {
	uint32_t nmem, nreserved, nhotplug;
	uint64_t mem[DT_MAX_PENDING + 1][2];		/* /memory reg */
	uint64_t reserved[2 * DT_MAX_PENDING][2];	/* pending, inside /memory */
	uint64_t hotplug[DT_MAX_PENDING][2];		/* pending, left out of /memory */
};

/* The kernel command-line option appended when memory is to be hot-added. */
#define DT_HOTPLUG_BOOTARG	"memhp_default_state=online"

/* Error codes are libfdt's (negative FDT_ERR_*) or -DT_E_*. */
#define DT_E_NOMEM	1000
#define DT_E_NOCPU	1001

int dt_read_platform(const void *fdt, struct dt_platform *p);
/*
 * Split @cfg's RAM into /memory, reserved pending and hot-plug ranges. Fails
 * (-FDT_ERR_BADVALUE) on more than DT_MAX_PENDING ranges, a range outside
 * RAM, unsorted or overlapping ranges, or a hotplug_block that is not a
 * power of two.
 */
int dt_plan_memory(const struct dt_boot_cfg *cfg, struct dt_mem_plan *p);
/* Patch @fdt in place (it must have free space) for booting Linux. */
int dt_patch(void *fdt, const struct dt_boot_cfg *cfg);

#endif
