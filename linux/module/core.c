// SPDX-License-Identifier: GPL-2.0
/*
 * tsubaki - Linux side of the Tsubaki TrustZone crash-dump collector
 *
 * On a panic the secure firmware dumps memory, restarts Linux without a reset
 * and dumps the rest by DMA while the new kernel runs. This driver binds to
 * the firmware's /tsubaki DT node (docs/dt-binding-tsubaki.md) and does:
 *  - communication: SiP SMC ABI check (include/tsubaki/abi.h), VMCOREINFO
 *    registration, status in /sys/kernel/tsubaki (docs/ABI/testing/); a
 *    64-bit kernel makes SMC64 calls, a 32-bit one their SMC32 forms;
 *  - fault notification: a last-in-line panic notifier calls TSB_SMC_PANIC;
 *  - memory hand-back: after a crash restart (dump-state = "in-progress"),
 *    the RAM not yet dumped is either reserved and listed by memory-region,
 *    or left out of the boot memory map in whole memory blocks and listed by
 *    hotplug-memory (hotplug.c adds those; a kernel without memory hot-add,
 *    32-bit ARM, cannot, and says so). Blocks of it that the firmware
 *    grants are checked and freed to the page allocator, on its interrupt
 *    and by a 1 s poll in case one is lost. Nothing is freed on unload: what
 *    is left stays reserved (and while hot-plug memory is pending, the
 *    module cannot be unloaded).
 */
#include <linux/arm-smccc.h>
#include <linux/bitmap.h>
#include <linux/crash_core.h>
#include <linux/interrupt.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/panic_notifier.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <tsubaki/abi.h>
#include <tsubaki/grant_check.h>
#include <tsubaki/vmcore_elf.h>
#include "tsubaki.h"

/* Hand-back counters, shown in sysfs; written under tsb_lock. */
static u64 tsb_bytes_handed_back, tsb_bytes_pending;
static u64 tsb_bytes_lost;	/* granted, but out of the memory map and not hot-added */
static u64 tsb_handback_count, tsb_handback_ns_total, tsb_handback_ns_max;
u64 tsb_bytes_hot_added;	/* hotplug.c */

/* ---- Communication: ABI check, registration, status in sysfs ---- */

struct device *tsb_dev;
static struct kobject *tsb_kobj;

static u64 tsb_smc_ns_max;	/* the longest SiP call of this boot */

/*
 * The SMC32 form of each call (include/tsubaki/abi.h), for a 32-bit kernel:
 * which arguments and which results (bit n: a<n>) travel as 4 KiB page
 * numbers or counts. REGISTER's note address is split over r2 and r3.
 */
static const struct {
	u8 args, res;
} tsb_smc32_pages[] = {
	[TSB_SMC_GET_GRANT & 0xff] = { 0, BIT(1) | BIT(2) },
	[TSB_SMC_STATUS & 0xff] = { 0, BIT(1) | BIT(2) },
	[TSB_SMC_DISK_READ & 0xff] = { BIT(2), BIT(1) },
	[TSB_SMC_MEM_RELEASE & 0xff] = { BIT(1) | BIT(2), 0 },
};

static int tsb_smc32(struct tsb_res *res, u32 fid, u64 a1, u64 a2, u64 a3)
{
	unsigned int n = fid & 0xff, i;
	u8 in = n < ARRAY_SIZE(tsb_smc32_pages) ? tsb_smc32_pages[n].args : 0;
	u8 out = n < ARRAY_SIZE(tsb_smc32_pages) ? tsb_smc32_pages[n].res : 0;
	u64 a[4] = { 0, a1, a2, a3 };
	struct arm_smccc_res r;

	for (i = 1; i < ARRAY_SIZE(a); i++) {
		if (in & BIT(i)) {
			if (a[i] & (BIT(TSB_PAGE_SHIFT) - 1))
				goto invalid;	/* not a whole page: the ABI cannot say it */
			a[i] >>= TSB_PAGE_SHIFT;
		}
		if (a[i] > U32_MAX && !(fid == TSB_SMC_REGISTER && i == 2))
			goto invalid;
	}
	if (fid == TSB_SMC_REGISTER)
		arm_smccc_1_1_smc(TSB_SMC32(n), (unsigned long)a[1], lower_32_bits(a[2]),
				  upper_32_bits(a[2]), (unsigned long)a[3], &r);
	else
		arm_smccc_1_1_smc(TSB_SMC32(n), (unsigned long)a[1], (unsigned long)a[2],
				  (unsigned long)a[3], &r);
	*res = (struct tsb_res){ .a0 = r.a0, .a1 = r.a1, .a2 = r.a2, .a3 = r.a3 };
	if (out & BIT(1))
		res->a1 <<= TSB_PAGE_SHIFT;
	if (out & BIT(2))
		res->a2 <<= TSB_PAGE_SHIFT;
	return (int)res->a0;
invalid:
	*res = (struct tsb_res){ .a0 = (unsigned long)TSB_E_INVALID };
	return TSB_E_INVALID;
}

int tsb_smc(struct tsb_res *res, u32 fid, u64 a1, u64 a2, u64 a3)
{
	u64 t0 = ktime_get_ns(), dt;
	struct arm_smccc_res r;

	if (IS_ENABLED(CONFIG_ARM)) {
		tsb_smc32(res, fid, a1, a2, a3);
	} else {
		arm_smccc_1_1_smc(fid, (unsigned long)a1, (unsigned long)a2, (unsigned long)a3,
				  &r);
		*res = (struct tsb_res){ .a0 = r.a0, .a1 = r.a1, .a2 = r.a2, .a3 = r.a3 };
	}
	dt = ktime_get_ns() - t0;
	if (dt > READ_ONCE(tsb_smc_ns_max))
		WRITE_ONCE(tsb_smc_ns_max, dt);
	return (int)res->a0;
}

static const char * const tsb_states[] = {
	[TSB_STATE_IDLE] = "idle", [TSB_STATE_PRIMARY] = "primary",
	[TSB_STATE_SECONDARY] = "secondary", [TSB_STATE_COMPLETE] = "complete",
	[TSB_STATE_PARTIAL] = "partial", [TSB_STATE_NO_DISK] = "no-disk",
	[TSB_STATE_MEMORY] = "memory",
};

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct tsb_res res;

	tsb_smc(&res, TSB_SMC_STATUS, 0, 0, 0);
	return sysfs_emit(buf, "%s\n", res.a0 < ARRAY_SIZE(tsb_states) ?
			  tsb_states[res.a0] : "unknown");
}

/* A TSB_SMC_STATUS result, @reg (a1..a3), read live. */
#define TSB_STATUS_ATTR(name, reg)					\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	struct tsb_res res;						\
									\
	if (tsb_smc(&res, TSB_SMC_STATUS, 0, 0, 0) < 0)			\
		return -EIO;						\
	return sysfs_emit(buf, "%llu\n", res.reg);			\
}									\
static struct kobj_attribute name##_attr = __ATTR_RO(name)

/* A hand-back counter, tsb_<name>. */
#define TSB_STAT_ATTR(name)						\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%llu\n", READ_ONCE(tsb_##name));	\
}									\
static struct kobj_attribute name##_attr = __ATTR_RO(name)

/* A /tsubaki window property (root's cells): false if there is none. */
static bool tsb_window(const char *prop, u64 *base, u64 *size)
{
	struct device_node *np = tsb_dev->of_node;
	int na = of_n_addr_cells(np), ns = of_n_size_cells(np), len;
	const __be32 *p = of_get_property(np, prop, &len);

	if (!p || len != (na + ns) * (int)sizeof(*p))
		return false;
	*base = of_read_number(p, na);
	*size = of_read_number(p + na, ns);
	return true;
}

/* "<base> <size>" of a /tsubaki window property, or "none". */
static ssize_t tsb_window_show(const char *prop, char *buf)
{
	u64 base, size;

	if (!tsb_window(prop, &base, &size))
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "%#llx %#llx\n", base, size);
}

static ssize_t live_window_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return tsb_window_show("live-window", buf);
}

static ssize_t spare_window_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return tsb_window_show("spare-window", buf);
}

static ssize_t release_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t len);

static struct kobj_attribute state_attr = __ATTR_RO(state);
static struct kobj_attribute release_attr = __ATTR_WO(release);
static struct kobj_attribute live_window_attr = __ATTR_RO(live_window);
static struct kobj_attribute spare_window_attr = __ATTR_RO(spare_window);
TSB_STATUS_ATTR(bytes_dumped, a1);
TSB_STATUS_ATTR(bytes_total, a2);
TSB_STATUS_ATTR(dump_id, a3);
TSB_STAT_ATTR(bytes_handed_back);
TSB_STAT_ATTR(bytes_pending);
TSB_STAT_ATTR(handback_count);
TSB_STAT_ATTR(handback_ns_total);
TSB_STAT_ATTR(handback_ns_max);
TSB_STAT_ATTR(bytes_hot_added);
TSB_STAT_ATTR(smc_ns_max);

static struct attribute *tsb_attrs[] = {
	&state_attr.attr, &dump_id_attr.attr,
	&bytes_dumped_attr.attr, &bytes_total_attr.attr,
	&bytes_handed_back_attr.attr, &bytes_pending_attr.attr,
	&handback_count_attr.attr, &handback_ns_total_attr.attr,
	&handback_ns_max_attr.attr, &live_window_attr.attr,
	&spare_window_attr.attr, &release_attr.attr, &smc_ns_max_attr.attr,
	&bytes_hot_added_attr.attr, NULL,
};

static const struct attribute_group tsb_group = { .attrs = tsb_attrs };
static const struct attribute_group *tsb_groups[] = { &tsb_group, &tsb_vmcore_group, NULL };

/*
 * The VMCOREINFO the collector copies at a crash: the kernel's own, plus
 * where the struct pages are (SYMBOL(vmemmap), for the collector's dump
 * levels) and the CRASHTIME line its kexec path would add (makedumpfile
 * wants it). Kept in a
 * buffer of our own, as the kernel's note is only rewritten by kexec.
 */
static u8 *tsb_vmci_note;

static void tsb_vmci_fill(bool crashed)
{
	const u8 *src = phys_to_virt(paddr_vmcoreinfo_note());
	u32 namesz = tsb_get_le32(src), descsz = tsb_get_le32(src + 4);
	const char *text = (const char *)src + TSB_ELF_NHDR_SIZE + tsb_align4(namesz);
	size_t len = namesz == sizeof("VMCOREINFO") && descsz <= VMCOREINFO_BYTES ?
		     strnlen(text, descsz) : 0;
	char *desc = (char *)tsb_vmci_note + TSB_ELF_NHDR_SIZE + tsb_align4(sizeof("VMCOREINFO"));
	size_t room = VMCOREINFO_NOTE_SIZE - (desc - (char *)tsb_vmci_note) - 4;

	len = min(len, room);
	memmove(desc, text, len);
#ifdef CONFIG_SPARSEMEM_VMEMMAP
	/* where the struct pages are: the collector's filter= reads them */
	if (room > len)
		len += scnprintf(desc + len, room - len, "SYMBOL(vmemmap)=%lx\n",
				 (unsigned long)vmemmap);
#endif
	if (crashed && room > len)
		len += scnprintf(desc + len, room - len, "CRASHTIME=%lld\n",
				 (long long)ktime_get_real_seconds());
	memset(desc + len, 0, VMCOREINFO_NOTE_SIZE - (desc + len - (char *)tsb_vmci_note));
	tsb_le32(tsb_vmci_note, sizeof("VMCOREINFO"));
	tsb_le32(tsb_vmci_note + 4, len);
	tsb_le32(tsb_vmci_note + 8, 0);
	memcpy(tsb_vmci_note + TSB_ELF_NHDR_SIZE, "VMCOREINFO", sizeof("VMCOREINFO"));
}

static int tsb_vmci_init(void)
{
	tsb_vmci_note = devm_kzalloc(tsb_dev, VMCOREINFO_NOTE_SIZE, GFP_KERNEL);
	if (!tsb_vmci_note)
		return -ENOMEM;
	tsb_vmci_fill(false);
	return 0;
}

static int tsb_connect(struct device *dev)
{
	struct tsb_res res;
	int err;

	if (of_property_match_string(dev->of_node, "method", "smc") ||
	    arm_smccc_1_1_get_conduit() != SMCCC_CONDUIT_SMC) {
		dev_err(dev, "needs method = \"smc\" and an SMCCC 1.1 SMC conduit\n");
		return -ENODEV;
	}
	err = tsb_smc(&res, TSB_SMC_VERSION, 0, 0, 0);
	if (err < 0) {
		dev_err(dev, "no collector in firmware: TSB_SMC_VERSION error %d\n", err);
		return -ENODEV;
	}
	if (res.a0 >> 16 != TSB_ABI_MAJOR) {
		dev_err(dev, "collector ABI %lu.%lu, driver needs %d.x\n",
			res.a0 >> 16, res.a0 & 0xffff, TSB_ABI_MAJOR);
		return -ENODEV;
	}
	err = tsb_vmci_init();
	if (err)
		return err;
	err = tsb_smc(&res, TSB_SMC_REGISTER, TSB_ABI_VERSION, virt_to_phys(tsb_vmci_note),
		      VMCOREINFO_NOTE_SIZE);
	if (err) {
		dev_err(dev, "TSB_SMC_REGISTER error %d\n", err);
		return -ENODEV;
	}
	tsb_kobj = kobject_create_and_add("tsubaki", kernel_kobj);
	if (!tsb_kobj)
		return -ENOMEM;
	err = sysfs_create_groups(tsb_kobj, tsb_groups);
	if (err)
		kobject_put(tsb_kobj);
	return err;
}

/* ---- Fault notification ---- */

static int tsb_panic(struct notifier_block *nb, unsigned long event, void *msg)
{
	struct tsb_res res;
	int err;

	tsb_vmci_fill(true);
	err = tsb_smc(&res, TSB_SMC_PANIC, 0, 0, 0);	/* no return if OK */

	dev_emerg(tsb_dev, "collector refused the panic: error %d, no dump\n", err);
	return NOTIFY_DONE;
}

static struct notifier_block tsb_panic_nb = {
	.notifier_call = tsb_panic,
	.priority = INT_MIN,	/* after every other panic notifier */
};

/* ---- Memory hand-back ---- */

static LIST_HEAD(tsb_ranges);

/* Has a page of [@lo, @hi) (clipped to @r) been handed back already? */
static bool tsb_range_freed(const struct tsb_range *r, phys_addr_t lo, phys_addr_t hi)
{
	unsigned long first, last;

	lo = max(lo, r->base);
	hi = min(hi, r->end);
	if (lo >= hi)
		return false;
	first = PHYS_PFN(lo - r->base);
	last = PHYS_PFN(hi - r->base);
	return find_next_bit(r->freed, last, first) < last;
}

static DEFINE_MUTEX(tsb_lock);	/* serialises grant fetches */
static bool tsb_done, tsb_hotplug;
static ktime_t tsb_probed;
static void tsb_poll_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(tsb_poll, tsb_poll_fn);

static int tsb_add_range(struct device *dev, phys_addr_t base, phys_addr_t end, bool hotplug)
{
	struct tsb_range *r;
	int err;

	if (base >= end || !PAGE_ALIGNED(base) || !PAGE_ALIGNED(end))
		return -EINVAL;
	list_for_each_entry(r, &tsb_ranges, node) {
		if (base < r->end && r->base < end)
			return -EINVAL;
	}
	r = devm_kzalloc(dev, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	*r = (struct tsb_range){ .base = base, .end = end };
	r->freed = devm_bitmap_zalloc(dev, PHYS_PFN(end - base), GFP_KERNEL);
	if (!r->freed)
		return -ENOMEM;
	/* A range that cannot be hot-added stays pending, and unusable, this boot. */
	if (hotplug) {
		err = tsb_hp_setup(r);
		if (err == -ENOMEM)
			return err;
		/* No hot-add in this kernel: its grants are taken, the memory stays out. */
		r->lost = err == -EOPNOTSUPP;
	}
	list_add_tail(&r->node, &tsb_ranges);
	tsb_bytes_pending += end - base;
	return 0;
}

/*
 * Pending: every (address, size) in the reg of every memory-region (in the
 * boot memory map, reserved), and in /tsubaki/hotplug-memory (left out of it).
 */
static int tsb_parse_pending(struct device *dev, bool *hotplug)
{
	int na = of_n_addr_cells(dev->of_node), ns = of_n_size_cells(dev->of_node);
	const __be32 *p;
	struct device_node *rn;
	struct resource res;
	int i, j, len, err = 0;
	u64 lost = 0;

	for (i = 0; !err; i++) {
		rn = of_parse_phandle(dev->of_node, "memory-region", i);
		if (!rn)
			break;
		for (j = 0; !err && !of_address_to_resource(rn, j, &res); j++)
			err = tsb_add_range(dev, res.start, res.start + resource_size(&res), false);
		of_node_put(rn);
	}
	p = of_get_property(dev->of_node, "hotplug-memory", &len);
	*hotplug = p && len;
	if (p && (len % ((na + ns) * 4) || na > 2 || ns > 2))
		return -EINVAL;
	for (i = 0; p && !err && i < len / 4; i += na + ns) {
		u64 base = of_read_number(p + i, na), size = of_read_number(p + i + na, ns);

		if (base + size < base)
			return -EINVAL;
		err = tsb_add_range(dev, base, base + size, true);
		lost += size;
	}
	if (*hotplug && !IS_ENABLED(CONFIG_MEMORY_HOTPLUG)) {
		/* 32-bit ARM: the firmware's hotplug= option is of no use to this kernel */
		dev_err(dev, "%llu MiB of pending RAM were left out of the memory map to be hot-added, but this kernel cannot hot-add memory (no CONFIG_MEMORY_HOTPLUG): it stays unusable until the next boot; run the collector with hotplug=0\n",
			lost >> 20);
		*hotplug = false;
	}
	return err ?: list_empty(&tsb_ranges) ? -ENOENT : 0;
}

/* The part of a grant at @base that lies in one range: its size, 0 if none. */
static u64 tsb_piece(phys_addr_t base, phys_addr_t end, struct tsb_range **rp)
{
	struct tsb_range *r;

	list_for_each_entry(r, &tsb_ranges, node) {
		if (base >= r->base && base < r->end) {
			*rp = r;
			return min(end, r->end) - base;
		}
	}
	return 0;
}

/* May [base, base + size), all in @r, be handed back? */
static bool tsb_piece_ok(struct tsb_range *r, phys_addr_t base, u64 size)
{
	unsigned long pfn = PHYS_PFN(base), i;

	if (tsb_grant_in_range(base, size, r->base, r->end - r->base, PAGE_SIZE) != TSB_GRANT_OK ||
	    tsb_range_freed(r, base, base + size))
		return false;
	if (r->lost)
		return true;	/* not in the memory map: nothing to free */
	if (r->hotplug)
		return tsb_hp_grant_ok(r, base, size);
	for (i = 0; i < PHYS_PFN(size); i++) {
		if (!pfn_valid(pfn + i) || !PageReserved(pfn_to_page(pfn + i)))
			return false;
	}
	return true;
}

/* Frees pages of the boot memory map that the collector reserved. */
static void tsb_free_reserved(struct tsb_range *r, phys_addr_t base, u64 size)
{
	unsigned long pfn = PHYS_PFN(base), n = PHYS_PFN(size), i;

	for (i = 0; i < n; i++) {
		free_reserved_page(pfn_to_page(pfn + i));
		if (i % 1024 == 1023)
			cond_resched();
	}
	bitmap_set(r->freed, PHYS_PFN(base - r->base), n);
}

/*
 * Frees one block granted at @start and accounts for it; returns false (and
 * frees nothing) if the grant is not valid. A grant may span several of the
 * DT's ranges (the collector coalesces grant units it holds ready, and one
 * ledger range can be split into reserved and hot-plug parts), so long as
 * they leave no gap.
 */
static bool tsb_grant(phys_addr_t base, u64 size, ktime_t start)
{
	phys_addr_t a, end = base + size;
	struct tsb_range *r;
	u64 len, ns, lost = 0;

	if (!size || end < base)
		return false;
	for (a = base; a < end; a += len) {
		len = tsb_piece(a, end, &r);
		if (!len || !tsb_piece_ok(r, a, len))
			return false;
	}
	for (a = base; a < end; a += len) {
		len = tsb_piece(a, end, &r);
		if (r->hotplug) {
			tsb_hp_grant(r, a, len);
		} else if (r->lost) {
			bitmap_set(r->freed, PHYS_PFN(a - r->base), PHYS_PFN(len));
			lost += len;
		} else {
			tsb_free_reserved(r, a, len);
		}
	}
	ns = ktime_to_ns(ktime_sub(ktime_get(), start));
	WRITE_ONCE(tsb_bytes_lost, tsb_bytes_lost + lost);
	WRITE_ONCE(tsb_bytes_handed_back, tsb_bytes_handed_back + size - lost);
	WRITE_ONCE(tsb_bytes_pending, tsb_bytes_pending - size);
	WRITE_ONCE(tsb_handback_count, tsb_handback_count + 1);
	WRITE_ONCE(tsb_handback_ns_total, tsb_handback_ns_total + ns);
	WRITE_ONCE(tsb_handback_ns_max, max(tsb_handback_ns_max, ns));
	return true;
}

/*
 * While a hot-plug block holds pages not handed back, the module stays: its
 * online-page callback is what keeps them out of the page allocator should
 * the block be onlined (by hand) later.
 */
static bool tsb_pinned;

static void tsb_hotplug_unpin(void)
{
	if (!tsb_pinned)
		return;
	if (!tsb_hp_all_back()) {
		dev_warn(tsb_dev, "hot-plug memory not all handed back: the module stays loaded\n");
		return;
	}
	tsb_pinned = false;
	module_put(THIS_MODULE);
}

/* Takes every grant ready now; returns true while more are to come. */
static bool tsb_fetch_grants(void)
{
	struct tsb_res res;
	ktime_t start;
	int err;

	mutex_lock(&tsb_lock);
	if (tsb_hotplug)
		tsb_hp_retry();
	while (!tsb_done) {
		err = tsb_smc(&res, TSB_SMC_GET_GRANT, 0, 0, 0);
		start = ktime_get();
		if (err && err != TSB_E_NO_DATA) {
			dev_err_once(tsb_dev, "TSB_SMC_GET_GRANT error %d\n", err);
			break;
		}
		if (!err && res.a2 && !tsb_grant(res.a1, res.a2, start))
			dev_err_ratelimited(tsb_dev, "rejected grant %#llx+%#llx\n",
					    res.a1, res.a2);
		if (res.a3 & TSB_GRANT_LAST) {
			tsb_done = true;	/* stops the poll too */
			tsb_hotplug_unpin();
			dev_info(tsb_dev, "dump done: %llu bytes handed back in %lld ms, %llu stay reserved\n",
				 tsb_bytes_handed_back,
				 ktime_ms_delta(ktime_get(), tsb_probed),
				 tsb_bytes_pending);
			if (tsb_bytes_lost)
				dev_warn(tsb_dev, "%llu bytes dumped stay unusable until the next boot (not hot-added)\n",
					 tsb_bytes_lost);
		}
		if (err || !res.a2)
			break;
	}
	mutex_unlock(&tsb_lock);
	return !tsb_done;
}

/*
 * Memory mode (dump-sink = "memory"): no dump disk. The crashed kernel's
 * memory stays reserved until userland has saved it and releases it; each
 * released range comes back as a grant. Its own boot window, kept as the
 * next spare, is released too but never handed back.
 */
bool tsb_memory_mode;
static phys_addr_t tsb_spare_base, tsb_spare_end;

/* Copy pending memory that has not been handed back (freed) yet: 0 or -ENODATA. */
int tsb_copy_pending(phys_addr_t pa, void *buf, size_t len)
{
	phys_addr_t lo = pa & PAGE_MASK, hi = PAGE_ALIGN(pa + len);
	struct tsb_range *r;
	bool ok = false;
	void *p;

	mutex_lock(&tsb_lock);
	if (pa >= tsb_spare_base && pa + len <= tsb_spare_end && len) {
		ok = true;
	} else {
		list_for_each_entry(r, &tsb_ranges, node) {
			if (tsb_grant_in_range(lo, hi - lo, r->base, r->end - r->base,
					       PAGE_SIZE) == TSB_GRANT_OK) {
				ok = !tsb_range_freed(r, lo, hi);
				break;
			}
		}
	}
	p = ok ? memremap(pa, len, MEMREMAP_WB) : NULL;
	if (p) {
		memcpy(buf, p, len);
		memunmap(p);
	}
	mutex_unlock(&tsb_lock);
	return p ? 0 : -ENODATA;
}

/*
 * A range userland wants to release must not hold a page handed back already.
 * Whether it is the dump's at all, and not released before, the collector
 * decides: its ledger is the record that survives reboots and crashes.
 */
static int tsb_release_check(phys_addr_t base, u64 size)
{
	struct tsb_range *r;
	int err = 0;

	mutex_lock(&tsb_lock);
	list_for_each_entry(r, &tsb_ranges, node)
		if (tsb_range_freed(r, base, base + size))
			err = -EALREADY;
	mutex_unlock(&tsb_lock);
	return err;
}

static ssize_t release_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t len)
{
	unsigned long long base, size;
	unsigned long deadline = jiffies + 30 * HZ;
	struct tsb_res res;
	char extra;
	int err;

	if (!tsb_memory_mode)
		return -EOPNOTSUPP;	/* the collector writes the dump to its disk itself */
	if (sscanf(buf, "%lli %lli %c", &base, &size, &extra) != 2 || !size ||
	    !PAGE_ALIGNED(base) || !PAGE_ALIGNED(size) || base + size < base)
		return -EINVAL;
	err = tsb_release_check(base, size);
	if (err)
		return err;
	do {
		err = tsb_smc(&res, TSB_SMC_MEM_RELEASE, base, size, 0);
		if (err == TSB_E_AGAIN)
			msleep(20);	/* not checksummed yet */
	} while (err == TSB_E_AGAIN && time_before(jiffies, deadline));
	if (err) {
		dev_warn_ratelimited(tsb_dev, "release %#llx+%#llx refused: %d\n", base, size, err);
		return err == TSB_E_INVALID ? -EINVAL : err == TSB_E_DENIED ? -EALREADY :
		       err == TSB_E_AGAIN ? -EAGAIN : -EIO;
	}
	tsb_fetch_grants();
	return len;
}

static irqreturn_t tsb_irq_thread(int irq, void *data)
{
	tsb_fetch_grants();
	return IRQ_HANDLED;
}

static void tsb_poll_fn(struct work_struct *work)
{
	if (tsb_fetch_grants())
		queue_delayed_work(system_unbound_wq, &tsb_poll, HZ);
}

static void tsb_start_handback(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	int irq, err;

	err = tsb_hp_init();	/* before any block is added */
	if (err)
		dev_warn(dev, "no memory notifier (%d)\n", err);
	err = tsb_parse_pending(dev, &tsb_hotplug);
	if (!tsb_hotplug)
		tsb_hp_exit();
	if (err) {
		dev_err(dev, "bad pending ranges in the DT (%d): pending RAM stays reserved\n",
			err);
	} else {
		dev_info(dev, "dump in progress, %llu bytes pending%s\n", tsb_bytes_pending,
			 tsb_hotplug ? ", hot-added as it is handed back" : "");
		if (tsb_hotplug) {
			__module_get(THIS_MODULE);
			tsb_pinned = true;
		}
		irq = platform_get_irq(pdev, 0);
		if (irq < 0 || devm_request_threaded_irq(dev, irq, NULL, tsb_irq_thread,
							 IRQF_ONESHOT, "tsubaki", NULL))
			dev_warn(dev, "no notification interrupt: polling only\n");
		queue_delayed_work(system_unbound_wq, &tsb_poll, 0);
	}
}

/* ---- Driver ---- */

static int tsb_probe(struct platform_device *pdev)
{
	struct tsb_res res;
	int err;

	tsb_dev = &pdev->dev;	/* before sysfs appears */
	err = tsb_connect(&pdev->dev);
	if (err)
		return err;
	tsb_probed = ktime_get();
	err = tsb_vmcore_init(&pdev->dev);
	if (err) {
		kobject_put(tsb_kobj);
		return err;
	}
	atomic_notifier_chain_register(&panic_notifier_list, &tsb_panic_nb);
	dev_info(tsb_dev, "collector registered: panics will be dumped\n");
	err = tsb_watchdog_init(&pdev->dev);
	if (err)	/* the collector still dumps panics and hard lockups */
		dev_warn(tsb_dev, "no watchdog device: error %d\n", err);
	tsb_memory_mode = !of_property_match_string(tsb_dev->of_node, "dump-sink", "memory");
	if (tsb_memory_mode) {
		u64 base, size;

		if (tsb_window("spare-window", &base, &size) && base + size > base) {
			tsb_spare_base = base;
			tsb_spare_end = base + size;
		}
		dev_info(tsb_dev, "memory mode: a crash dump stays in RAM until it is saved\n");
	}
	if (!of_property_match_string(tsb_dev->of_node, "dump-state", "in-progress"))
		tsb_start_handback(pdev);
	/* Every boot: the collector times restarts (and starts a secondary dump). */
	err = tsb_smc(&res, TSB_SMC_BOOT_DONE, 0, 0, 0);
	if (err)
		dev_warn(tsb_dev, "TSB_SMC_BOOT_DONE error %d\n", err);
	return 0;
}

/* The IRQ is devm-managed: it goes after this, before the ranges. */
static int tsb_remove(struct platform_device *pdev)
{
	tsb_watchdog_exit();
	atomic_notifier_chain_unregister(&panic_notifier_list, &tsb_panic_nb);
	cancel_delayed_work_sync(&tsb_poll);
	if (tsb_hotplug)
		tsb_hp_exit();
	tsb_vmcore_exit();
	kobject_put(tsb_kobj);
	return 0;
}

static const struct of_device_id tsb_of_match[] = {
	{ .compatible = "tsubaki,collector-v1" },
	{ }
};
MODULE_DEVICE_TABLE(of, tsb_of_match);

static struct platform_driver tsb_driver = {
	.probe = tsb_probe,
	.remove = tsb_remove,
	.driver = {
		.name = "tsubaki",
		.of_match_table = tsb_of_match,
		.suppress_bind_attrs = true,
	},
};
module_platform_driver(tsb_driver);

MODULE_DESCRIPTION("Tsubaki TrustZone crash-dump collector: panic hand-off and memory hand-back");
MODULE_LICENSE("GPL");
