// SPDX-License-Identifier: BSD-3-Clause
/*
 * Cold boot: CPU0 sets up the firmware and boots Linux; the other CPUs wait
 * in EL3 for PSCI CPU_ON.
 */
#include <stdint.h>
#include <arch.h>
#include <boot.h>
#include <cpu.h>
#include <dt.h>
#include <gic.h>
#include <log.h>
#include <plat.h>
#include <platform_def.h>
#include <dump.h>
#include <psci.h>
#include <restart.h>
#include <sram.h>
#include <watch.h>
#include <xlat.h>

#ifndef TSUBAKI_VERSION
#define TSUBAKI_VERSION "dev"
#endif

volatile uint32_t fw_ready;

/*
 * Secure memory in use: the image's fixed part against its budget (which the
 * linker enforces), and what was sized for this machine (the per-chunk tables: DUMP_CHUNK_BYTES a chunk).
 */
/*
 * Normal-world RAM, now that the DT said where it is: cacheable, but the
 * scratch area, which devices read and write (virtqueues, bounce buffers),
 * non-cacheable, so that no DMA buffer needs maintenance.
 */
static void map_ns_ram(const struct dt_platform *plat)
{
	uint64_t scratch = plat->ram_base + plat->ram_size - PLAT_SCRATCH_SIZE;
	int err;

	err = xlat_map(plat->ram_base, scratch - plat->ram_base, XLAT_NS_RAM);
	err = err ? err : xlat_map(scratch, PLAT_SCRATCH_SIZE, XLAT_NS_DMA);
	if (err)
		fw_panic("xlat: cannot map RAM 0x%llx+%llu MiB (%d)",
			 (unsigned long long)plat->ram_base,
			 (unsigned long long)(plat->ram_size >> 20), err);
	NOTICE("xlat: MMU and caches on; %zu of %zu KiB of translation tables",
	       xlat_table_bytes() >> 10, xlat_table_capacity() >> 10);
}

static void report_footprint(const struct dt_platform *plat)
{
	size_t fixed = plat_sram_fixed();

	NOTICE("secure RAM: %zu KiB fixed (budget %u KiB), %zu KiB sized at boot of a %zu KiB "
	       "heap: pristine DT %zu bytes, chunk tables %llu KiB for %llu MiB, codec %llu KiB",
	       fixed >> 10, SRAM_FIXED_BUDGET >> 10, sram_used() >> 10, sram_size() >> 10,
	       boot_pristine_dt_size(), (unsigned long long)(dump_table_bytes() >> 10),
	       (unsigned long long)(plat->ram_size >> 20),
	       (unsigned long long)(dump_codec_bytes() >> 10));
	log_event("secure-ram", "fixed=%zu budget=%u heap=%zu used=%zu dt=%zu tables=%llu "
		  "per_chunk=%u codec=%llu", fixed, SRAM_FIXED_BUDGET, sram_size(), sram_used(),
		  boot_pristine_dt_size(), (unsigned long long)dump_table_bytes(),
		  (unsigned int)DUMP_CHUNK_BYTES, (unsigned long long)dump_codec_bytes());
}

void __attribute__((noreturn)) fw_main_primary(unsigned int index)
{
	const struct dt_platform *plat;
	struct dump_boot_info bi;
	const char *cfg;
	size_t cfg_len, heap_size;
	uintptr_t heap;

	int map_err;

	cpu_el3_init(index);
	plat_early_init();
	/* MMU and caches on before the first lock: exclusives need normal memory. */
	map_err = plat_map_fixed();
	if (!map_err)
		xlat_enable(1);
	plat_secure_heap(&heap, &heap_size);
	sram_init(heap, heap_size);
	NOTICE("Tsubaki %s: secure firmware starting on cpu%u", TSUBAKI_VERSION, index);
	if (map_err)
		fw_panic("xlat: the fixed memory map failed (%d)", map_err);
	log_event("fw-start", "cpu=%u", index);
	gic_init();
	gic_cpu_init();
	boot_init();
	plat = boot_platform();
	map_ns_ram(plat);
	psci_setup(plat->mpidr, plat->ncpus, plat->ram_base, plat->ram_base + plat->ram_size);
	cfg = boot_config(&cfg_len);
	dump_setup(cfg, cfg_len, plat->ram_base, plat->ram_size,
		   plat->ram_base + plat->ram_size - PLAT_SCRATCH_SIZE, boot_windows());
	watch_setup(cfg, cfg_len);
	report_footprint(plat);
	psci_restart_states(this_cpu()->index);
	dump_boot_info(&bi);
	/* The other CPUs, MMU still off, read the tables and the flag from memory. */
	xlat_publish();
	arch_mb();
	fw_ready = 1;
	arch_dcache_clean_inval((uintptr_t)&fw_ready, sizeof(fw_ready));
	arch_send_event();
	restart_cpu_enters_ns();
	boot_linux(&bi);
}

void __attribute__((noreturn)) fw_main_secondary(unsigned int index)
{
	xlat_enable(0);
	cpu_el3_init(index);
	gic_cpu_init();
	psci_park();
}
