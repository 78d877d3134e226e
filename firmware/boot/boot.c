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
#include <log.h>
#include <plat.h>
#include <platform_def.h>
#include <sram.h>
#include <tsubaki/pack.h>
#include <paddr.h>

#define DEFAULT_WINDOW		(64ULL << 20)
#define MiB(x)			((unsigned long long)((x) >> 20))

static struct {
	struct tsb_pack_view pack;
	const struct tsb_pack_entry *kernel, *initrd, *cmdline, *config;
	struct boot_image img;		/* the kernel image, as its header says */
	struct dt_platform plat;
	struct boot_windows win;
	struct boot_layout layout[2];	/* per window */
	uint64_t hotplug_block;		/* dt_boot_cfg.hotplug_block */
	unsigned int count;
} boot;

/* The platform's DT as it came, packed, in the secure heap (copy_pristine_dtb()). */
static void *pristine_dtb;
static size_t pristine_size;

/*
 * Keep the DT QEMU left in normal-world RAM, where every boot of Linux would
 * overwrite it, as a packed copy in the secure heap: its own size, not
 * PLAT_DTB_MAX.
 */
static void copy_pristine_dtb(void)
{
	const void *src = (const void *)PLAT_QEMU_DTB;
	size_t size;
	int err;

	err = fdt_check_header(src);
	if (err)
		fw_panic("boot: QEMU's DTB unusable: %s", fdt_strerror(err));
	size = fdt_totalsize(src);
	if (size > PLAT_DTB_MAX)
		fw_panic("boot: QEMU's DTB is %llu KiB, more than the %llu KiB a DT may take",
			 (unsigned long long)(size >> 10), (unsigned long long)(PLAT_DTB_MAX >> 10));
	pristine_dtb = sram_alloc(size, 8);
	if (!pristine_dtb)
		fw_panic("boot: no secure memory for a copy of the %llu KiB DTB",
			 (unsigned long long)(size >> 10));
	err = fdt_open_into(src, pristine_dtb, (int)size);
	if (!err)
		err = fdt_pack(pristine_dtb);
	if (err)
		fw_panic("boot: QEMU's DTB unusable: %s", fdt_strerror(err));
	pristine_size = fdt_totalsize(pristine_dtb);
	sram_shrink(pristine_dtb, pristine_size);
}

size_t boot_pristine_dt_size(void)
{
	return pristine_size;
}

const struct dt_platform *boot_platform(void)
{
	return &boot.plat;
}

const struct boot_windows *boot_windows(void)
{
	return &boot.win;
}

void boot_kernel_range(unsigned int w, uint64_t *pa, uint64_t *size)
{
	const struct boot_layout *l = &boot.layout[w & 1];

	*pa = l->kernel - boot.img.place + boot.img.run;
	*size = boot.img.run_size;
}

unsigned int boot_count(void)
{
	return boot.count;
}

const char *boot_config(size_t *len)
{
	if (!boot.config) {
		*len = 0;
		return "";
	}
	*len = boot.config->size;
	return (const char *)boot.pack.base + boot.config->offset;
}

static uint64_t align_window(uint64_t v)
{
	return (v + BOOT_WINDOW_ALIGN - 1) & ~(BOOT_WINDOW_ALIGN - 1);
}

/*
 * The boot windows from the options "window" and "spare", checked against
 * this machine at cold boot: an option that cannot work is refused here, with
 * the reason, and never at the first crash.
 */
static void plan_windows(const char *ctext, size_t clen, uint64_t kernel_bytes)
{
	struct boot_windows *w = &boot.win;
	uint64_t usable = boot.plat.ram_size - PLAT_SCRATCH_SIZE, window = 0, spare = 0;
	int explicit = !cfg_get_u64(ctext, clen, "window", &window);

	cfg_get_u64(ctext, clen, "spare", &spare);
	w->min = align_window(boot_window_min(boot.plat.ram_base + boot.plat.ram_size,
					      boot.plat.ram_size, kernel_bytes,
					      boot.initrd ? boot.initrd->size : 0,
					      boot.hotplug_block));
	w->base[0] = boot.plat.ram_base;
	if (explicit && window == 0) {
		w->mode = BOOT_MODE_NONE;
		window = w->min;		/* where the next kernel boots */
	} else if (explicit && window >= usable) {
		w->mode = BOOT_MODE_ALL;
		window = usable;
	} else {
		w->mode = spare ? BOOT_MODE_SPARE : BOOT_MODE_PRIMARY;
		if (!explicit) {
			window = DEFAULT_WINDOW > w->min ? DEFAULT_WINDOW : w->min;
		} else if (window < w->min) {
			ERROR("boot: window=%llu MiB refused: a kernel restarting on %llu MiB of RAM "
			      "needs %llu MiB before memory is handed back (image, initramfs twice, "
			      "struct page arrays and tables, slack); using %llu MiB",
			      MiB(window), MiB(boot.plat.ram_size), MiB(w->min), MiB(w->min));
			log_event("option-refused", "key=window value=%llu min=%llu",
				  (unsigned long long)window, (unsigned long long)w->min);
			window = w->min;
		}
		window = align_window(window);
		if (window > usable)
			window = usable;
	}
	if (w->mode == BOOT_MODE_SPARE && !(boot.img.can & BOOT_CAN_LOW_RAM)) {
		ERROR("boot: spare=1 refused: Linux on this architecture (%s) cannot use RAM below "
		      "the window it boots in, so a spare window below it would never come back; "
		      "using the primary-dump mode", boot.img.name);
		log_event("option-refused", "key=spare value=%llu", (unsigned long long)spare);
		w->mode = BOOT_MODE_PRIMARY;
	}
	if (spare && w->mode != BOOT_MODE_SPARE && (boot.img.can & BOOT_CAN_LOW_RAM))
		WARN("boot: spare=1 needs a sized window (not window=0 or all): spare ignored");
	if (w->mode == BOOT_MODE_SPARE && 2 * window > usable) {
		ERROR("boot: no room for a spare window: two %llu MiB windows do not fit %llu MiB "
		      "of RAM; falling back to the primary-dump mode", MiB(window), MiB(usable));
		log_event("spare-fallback", "window=%llu ram=%llu", (unsigned long long)window,
			  (unsigned long long)usable);
		w->mode = BOOT_MODE_PRIMARY;
	}
	w->size = window;
	w->base[1] = w->mode == BOOT_MODE_SPARE ? w->base[0] + window : 0;
	NOTICE("boot: %s mode, windows of %llu MiB (at least %llu MiB on this machine)%s",
	       w->mode == BOOT_MODE_SPARE ? "spare-window" :
	       w->mode == BOOT_MODE_PRIMARY ? "primary-dump" :
	       w->mode == BOOT_MODE_ALL ? "dump-all" : "no-dump",
	       MiB(window), MiB(w->min),
	       w->mode == BOOT_MODE_SPARE ? ": one window is kept spare, out of Linux's memory" : "");
}

/* Option hotplug=: Linux's memory block, a power of two of at least 4 MiB; 0: off. */
static void plan_hotplug(const char *ctext, size_t clen)
{
	uint64_t b = BOOT_HOTPLUG_BLOCK;
	int given = !cfg_get_u64(ctext, clen, "hotplug", &b);

	if (!(boot.img.can & BOOT_CAN_HOTPLUG)) {
		if (given && b) {
			ERROR("boot: hotplug=%llu refused: Linux on this architecture (%s) cannot "
			      "hot-add memory; pending RAM stays in its memory map, reserved",
			      (unsigned long long)b, boot.img.name);
			log_event("option-refused", "key=hotplug value=%llu", (unsigned long long)b);
		}
		boot.hotplug_block = 0;
		return;
	}
	if (given && b &&
	    (b < BOOT_HOTPLUG_MIN || (b & (b - 1)))) {
		ERROR("boot: hotplug=%llu refused: Linux's memory block is a power of two of at "
		      "least 4 MiB; using %llu MiB", (unsigned long long)b, MiB(BOOT_HOTPLUG_BLOCK));
		log_event("option-refused", "key=hotplug value=%llu", (unsigned long long)b);
		b = BOOT_HOTPLUG_BLOCK;
	}
	boot.hotplug_block = b;
}

int boot_init(void)
{
	size_t clen;
	const char *ctext;
	unsigned int w;
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
	if (boot_image_info(boot.pack.base + boot.kernel->offset, boot.kernel->size, &boot.img))
		fw_panic("boot: the kernel is not an image this architecture boots");

	copy_pristine_dtb();
	err = dt_read_platform(pristine_dtb, &boot.plat);
	if (err)
		fw_panic("boot: cannot read the machine from the DTB (%d)", err);
	if (boot.plat.nmemnodes > 1 || boot.plat.nbanks > 1)
		NOTICE("boot: RAM in %u banks over %u memory nodes", boot.plat.nbanks,
		       boot.plat.nmemnodes);
	if (boot.plat.left_out)
		WARN("boot: %llu MiB of RAM lie past a gap, or out of the firmware's reach, after "
		     "0x%llx: left out of Linux's memory and of the dump", MiB(boot.plat.left_out),
		     (unsigned long long)(boot.plat.ram_base + boot.plat.ram_size));

	ctext = boot_config(&clen);
	plan_hotplug(ctext, clen);	/* the windows' minimum depends on it */
	plan_windows(ctext, clen, boot_image_span(&boot.img));
	for (w = 0; w < (boot.win.mode == BOOT_MODE_SPARE ? 2U : 1U); w++) {
		err = boot_plan_layout(boot.win.base[w],
				       boot.plat.ram_base + boot.plat.ram_size - PLAT_SCRATCH_SIZE -
				       boot.win.base[w], boot.win.size, &boot.img,
				       boot.initrd ? boot.initrd->size : 0, &boot.layout[w]);
		if (err)
			fw_panic("boot: kernel and initramfs do not fit a %llu MiB boot window",
				 MiB(boot.win.size));
	}
	NOTICE("boot: RAM 0x%llx+%llu MiB, %u CPUs, kernel %llu KiB, initramfs %llu KiB",
	       (unsigned long long)boot.plat.ram_base, (unsigned long long)(boot.plat.ram_size >> 20),
	       boot.plat.ncpus, (unsigned long long)(boot.kernel->size >> 10),
	       (unsigned long long)(boot.initrd ? boot.initrd->size >> 10 : 0));
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
	volatile uint64_t *d = (volatile uint64_t *)pa_ptr(dst);
	const uint64_t *s = src;
	uint64_t i, n = size / 8;

	for (i = 0; i < n; i++)
		if (d[i] != s[i])
			d[i] = s[i];
	if (size & 7)
		memcpy(pa_ptr(dst + n * 8), s + n, size & 7);
}

static void build_dt(const struct dump_boot_info *bi, const struct boot_layout *l)
{
	struct dt_boot_cfg c;
	uint32_t i;
	void *fdt = pa_ptr(l->dtb);
	int err;

	memset(&c, 0, sizeof(c));
	c.ram_base = boot.plat.ram_base;
	c.ram_size = boot.plat.ram_size;
	c.scratch_base = boot.plat.ram_base + boot.plat.ram_size - PLAT_SCRATCH_SIZE;
	c.scratch_size = PLAT_SCRATCH_SIZE;
	if (boot.initrd) {
		c.initrd_start = l->initrd;
		c.initrd_end = l->initrd_end;
	}
	c.bootargs = boot.cmdline ? (const char *)boot.pack.base + boot.cmdline->offset :
		     "console=ttyAMA0";
	c.boot_count = boot.count;
	c.rng_seed = plat_rng_seed();
	/* Memory mode has no dump disk: the top slot, if anything, is Linux's own. */
	c.sink = bi->sink;
	if (!bi->sink || strcmp(bi->sink, "memory"))
		c.hide_base = PLAT_VIRTIO_BASE + PLAT_DUMP_SLOT * PLAT_VIRTIO_STRIDE;
	c.notify_spi = PLAT_NOTIFY_SPI;
	c.dump_state = bi->state;
	c.live_base = boot.win.base[bi->live];
	c.live_size = boot.win.size;
	if (boot.win.mode == BOOT_MODE_SPARE) {
		c.spare_base = boot.win.base[!bi->live];
		c.spare_size = boot.win.size;
	}
	c.hotplug_block = boot.hotplug_block;
	c.npending = bi->npending;
	for (i = 0; i < bi->npending && i < DT_MAX_PENDING; i++) {
		c.pending[i][0] = bi->pending[i].base;
		c.pending[i][1] = bi->pending[i].size;
	}

	err = fdt_open_into(pristine_dtb, fdt, PLAT_DTB_MAX);
	if (!err)
		err = dt_patch(fdt, &c);
	if (!err)
		err = fdt_pack(fdt);
	if (err)
		fw_panic("boot: DT patch failed: %s", fdt_strerror(err));
}

void boot_linux(const struct dump_boot_info *bi)
{
	const struct boot_layout *l = &boot.layout[bi->live & 1];
	unsigned int self = this_cpu()->index;
	uint64_t t0 = arch_counter();

	boot.count++;
	copy_if_differs(l->kernel, boot.pack.base + boot.kernel->offset, boot.kernel->size);
	if (boot.initrd)
		copy_if_differs(l->initrd, boot.pack.base + boot.initrd->offset,
				boot.initrd->size);
	build_dt(bi, l);
	arch_dcache_clean_inval(l->dtb, (boot.initrd ? l->initrd_end : l->kernel_end) - l->dtb);
	arch_icache_inval_all();
	INFO("boot: images and DT ready in %llu us",
	     (unsigned long long)((arch_counter() - t0) * 1000000 / arch_counter_freq()));
	log_event("linux-entry", "boot=%u cpu=%u window=%u", boot.count, self, bi->live);
	cpu_enter_kernel(l->kernel, l->dtb);
}
