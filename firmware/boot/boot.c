// SPDX-License-Identifier: BSD-3-Clause
/*
 * Boot Linux from the image pack: on every boot the pristine Image and
 * initramfs are copied from secure flash and a fresh DT is made from the
 * pristine copy of QEMU's.
 */
#include <stdint.h>
#include <string.h>
#include <libfdt.h>
#include <arch.h>
#include <boot.h>
#include <cpu.h>
#include <dt.h>
#include <dump.h>
#include <fw_config.h>
#include <gicv3.h>
#include <log.h>
#include <plat.h>
#include <platform_def.h>
#include <psci.h>
#include <tsubaki/pack.h>

#define PRISTINE_DTB_SIZE	PLAT_DTB_MAX	/* fdt_open_into() needs totalsize */
#define DEFAULT_WINDOW		(64ULL << 20)

static struct {
	struct tsb_pack_view pack;
	const struct tsb_pack_entry *kernel, *initrd, *cmdline, *config;
	struct dt_platform plat;
	struct boot_layout layout;
	uint64_t window;
	unsigned int count;
} boot;

static uint8_t pristine_dtb[PRISTINE_DTB_SIZE] __attribute__((aligned(8)));

const struct dt_platform *boot_platform(void)
{
	return &boot.plat;
}

void boot_kernel_range(uint64_t *pa, uint64_t *size)
{
	*pa = boot.layout.kernel;
	*size = boot.layout.kernel_end - boot.layout.kernel;
}

unsigned int boot_count(void)
{
	return boot.count;
}

static const char *cfg_text(size_t *len)
{
	if (!boot.config) {
		*len = 0;
		return "";
	}
	*len = boot.config->size;
	return (const char *)boot.pack.base + boot.config->offset;
}

int boot_init(void)
{
	uint64_t text_offset, image_size;
	size_t clen;
	const char *ctext;
	int err;

	err = pack_parse((const void *)(PLAT_FLASH_BASE + PLAT_PACK_OFFSET),
			 PLAT_FLASH_SIZE - PLAT_PACK_OFFSET, &boot.pack);
	if (err)
		fw_panic("boot: no valid image pack in flash: %s", pack_strerror(err));
	boot.kernel = pack_find(&boot.pack, TSB_PACK_KERNEL);
	boot.initrd = pack_find(&boot.pack, TSB_PACK_INITRD);
	boot.cmdline = pack_find(&boot.pack, TSB_PACK_CMDLINE);
	boot.config = pack_find(&boot.pack, TSB_PACK_CONFIG);
	if (!boot.kernel)
		fw_panic("boot: the pack has no kernel");
	if (pack_verify_entry(&boot.pack, boot.kernel) ||
	    (boot.initrd && pack_verify_entry(&boot.pack, boot.initrd)))
		fw_panic("boot: image checksum mismatch in flash");
	if (boot.cmdline && (boot.cmdline->size == 0 ||
	    memchr(boot.pack.base + boot.cmdline->offset, 0, boot.cmdline->size) == NULL))
		fw_panic("boot: command line is not NUL-terminated");
	if (boot_image_info(boot.pack.base + boot.kernel->offset, boot.kernel->size,
			    &text_offset, &image_size))
		fw_panic("boot: kernel is not an arm64 Image");

	err = fdt_open_into((const void *)PLAT_QEMU_DTB, pristine_dtb, sizeof(pristine_dtb));
	if (!err)
		err = fdt_pack(pristine_dtb);
	if (err)
		fw_panic("boot: QEMU's DTB unusable: %s", fdt_strerror(err));
	err = dt_read_platform(pristine_dtb, &boot.plat);
	if (err)
		fw_panic("boot: cannot read the machine from the DTB (%d)", err);

	boot.window = DEFAULT_WINDOW;
	ctext = cfg_text(&clen);
	cfg_get_u64(ctext, clen, "window", &boot.window);
	if (boot.window == 0)
		boot.window = DEFAULT_WINDOW;	/* "window=0" means no dump */
	if (boot.window > boot.plat.ram_size - PLAT_SCRATCH_SIZE)
		boot.window = boot.plat.ram_size - PLAT_SCRATCH_SIZE;
	err = boot_plan_layout(boot.plat.ram_base, boot.plat.ram_size - PLAT_SCRATCH_SIZE,
			       boot.window, text_offset + image_size,
			       boot.initrd ? boot.initrd->size : 0, &boot.layout);
	if (err)
		fw_panic("boot: kernel and initramfs do not fit a %lu MiB boot window",
			 (unsigned long)(boot.window >> 20));
	boot.layout.kernel += text_offset;
	dump_setup(ctext, clen, boot.plat.ram_base, boot.plat.ram_size,
		   boot.plat.ram_base + boot.plat.ram_size - PLAT_SCRATCH_SIZE);
	NOTICE("boot: RAM 0x%lx+%lu MiB, %u CPUs, kernel %lu KiB, initramfs %lu KiB",
	       (unsigned long)boot.plat.ram_base, (unsigned long)(boot.plat.ram_size >> 20),
	       boot.plat.ncpus, (unsigned long)(boot.kernel->size >> 10),
	       (unsigned long)(boot.initrd ? boot.initrd->size >> 10 : 0));
	return 0;
}

/*
 * Copy only the 64-bit words that differ: QEMU is slow to store into memory
 * that holds translated code, and after a restart most of the old kernel is
 * still in place. Both ends are 8-byte aligned (pack entries are 4 KiB
 * aligned, destinations 2 MiB aligned).
 */
static void copy_if_differs(uint64_t dst, const void *src, uint64_t size)
{
	volatile uint64_t *d = (volatile uint64_t *)dst;
	const uint64_t *s = src;
	uint64_t i, n = size / 8;

	for (i = 0; i < n; i++)
		if (d[i] != s[i])
			d[i] = s[i];
	if (size & 7)
		memcpy((void *)(dst + n * 8), s + n, size & 7);
}

static void build_dt(void)
{
	struct dt_boot_cfg c;
	struct dump_boot_info bi;
	uint32_t i;
	void *fdt = (void *)boot.layout.dtb;
	int err;

	memset(&c, 0, sizeof(c));
	c.ram_base = boot.plat.ram_base;
	c.ram_size = boot.plat.ram_size;
	c.scratch_base = boot.plat.ram_base + boot.plat.ram_size - PLAT_SCRATCH_SIZE;
	c.scratch_size = PLAT_SCRATCH_SIZE;
	if (boot.initrd) {
		c.initrd_start = boot.layout.initrd;
		c.initrd_end = boot.layout.initrd_end;
	}
	c.bootargs = boot.cmdline ? (const char *)boot.pack.base + boot.cmdline->offset :
		     "console=ttyAMA0";
	c.boot_count = boot.count;
	c.rng_seed = plat_rng_seed();
	c.hide_base = PLAT_VIRTIO_BASE + PLAT_DUMP_SLOT * PLAT_VIRTIO_STRIDE;
	c.notify_spi = PLAT_NOTIFY_SPI;
	dump_boot_info(&bi);
	c.dump_state = bi.state;
	c.npending = bi.npending;
	for (i = 0; i < bi.npending && i < 8; i++) {
		c.pending[i][0] = bi.pending[i].base;
		c.pending[i][1] = bi.pending[i].size;
	}

	err = fdt_open_into(pristine_dtb, fdt, PLAT_DTB_MAX);
	if (!err)
		err = dt_patch(fdt, &c);
	if (!err)
		err = fdt_pack(fdt);
	if (err)
		fw_panic("boot: DT patch failed: %s", fdt_strerror(err));
}

void boot_linux(void)
{
	unsigned int self = (unsigned int)psci_self_index();
	uint64_t t0 = arch_counter();

	boot.count++;
	copy_if_differs(boot.layout.kernel, boot.pack.base + boot.kernel->offset,
			boot.kernel->size);
	if (boot.initrd)
		copy_if_differs(boot.layout.initrd, boot.pack.base + boot.initrd->offset,
				boot.initrd->size);
	build_dt();
	arch_dcache_clean_inval(boot.plat.ram_base, boot.layout.initrd_end - boot.plat.ram_base);
	arch_icache_inval_all();
	INFO("boot: images and DT ready in %lu us",
	     (unsigned long)((arch_counter() - t0) * 1000000 / arch_counter_freq()));
	psci_mark_boot_cpu_on(self);
	log_event("linux-entry", "boot=%u cpu=%u", boot.count, self);
	cpu_enter_ns(boot.layout.kernel, boot.layout.dtb);
}

void boot_restart(void)
{
	gicv3_ns_reset_distributor();
	gicv3_ns_reset_cpu(this_cpu()->mpidr);
	cpu_ns_reset();
	plat_ns_devices_reset();
	boot_linux();
}
