// SPDX-License-Identifier: GPL-2.0
/*
 * tsubaki.ko: pending RAM that the restarted kernel boots without.
 *
 * After a crash the collector leaves the memory blocks that are wholly
 * pending out of /memory and lists them in /tsubaki/hotplug-memory, so the
 * kernel boots with no struct page to set up for them (docs/design.md,
 * "Memory hot-add"). A block is hot-added when the first grant inside it
 * arrives. Onlining it (memhp_default_state=online, which the collector
 * appends to the command line, or by hand in /sys/devices/system/memory)
 * goes through our online-page callback: pages not handed back yet are held
 * out of the buddy allocator (PG_reserved, as memmap init leaves them), the
 * rest are released. A grant that lands in an online block releases its
 * pages at once.
 *
 * tsb_hp_lock orders the two sides: a page is released exactly once, by the
 * callback if its grant came first, by the grant otherwise.
 */
#include <linux/bitmap.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include "tsubaki.h"

/* ---- Memory hand-back: hot-add ---- */

#define TSB_HP_CHUNK	MAX_ORDER_NR_PAGES	/* the callback's unit, in pages */

static DEFINE_MUTEX(tsb_hp_lock);
static LIST_HEAD(tsb_hp_ranges);	/* the tsb_ranges with hotplug set */
static bool tsb_hp_have_cb;		/* our online-page callback is installed */
static bool tsb_hp_warned_offline;
static bool tsb_hp_add_failed;		/* a block to add again (tsb_hp_retry) */

static struct tsb_range *tsb_hp_find(unsigned long pfn)
{
	struct tsb_range *r;

	list_for_each_entry(r, &tsb_hp_ranges, hp_node)
		if (pfn >= PHYS_PFN(r->base) && pfn < PHYS_PFN(r->end))
			return r;
	return NULL;
}

/* Free [pfn, pfn + n) to the buddy allocator in the largest aligned blocks. */
static void tsb_hp_release(unsigned long pfn, unsigned long n)
{
	while (n) {
		unsigned int order = min_t(unsigned int, MAX_ORDER - 1, __ffs(pfn));

		while ((1UL << order) > n)
			order--;
		generic_online_page(pfn_to_page(pfn), order);
		pfn += 1UL << order;
		n -= 1UL << order;
	}
}

/* Under tsb_hp_lock: release the handed-back pages of [pfn, pfn + n) in @r. */
static void tsb_hp_release_freed(struct tsb_range *r, unsigned long pfn, unsigned long n)
{
	unsigned long first = pfn - PHYS_PFN(r->base), i = first, end = first + n, j;

	while (i < end) {
		i = find_next_bit(r->freed, end, i);
		if (i >= end)
			break;
		j = find_next_zero_bit(r->freed, end, i);
		tsb_hp_release(PHYS_PFN(r->base) + i, j - i);
		i = j;
	}
}

/* online_page_callback: called for each MAX_ORDER-aligned chunk being onlined. */
static void tsb_hp_online_page(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page), n = 1UL << order, c;
	struct tsb_range *r;

	mutex_lock(&tsb_hp_lock);
	r = tsb_hp_find(pfn);
	if (!r) {
		mutex_unlock(&tsb_hp_lock);
		generic_online_page(page, order);	/* not ours */
		return;
	}
	for (c = (pfn - PHYS_PFN(r->base)) / TSB_HP_CHUNK;
	     c * TSB_HP_CHUNK < pfn + n - PHYS_PFN(r->base); c++)
		set_bit(c, r->hp_online);
	tsb_hp_release_freed(r, pfn, n);
	mutex_unlock(&tsb_hp_lock);
}

/* A block is offlined only once all of it is back (held pages are PG_reserved). */
static int tsb_hp_memory_event(struct notifier_block *nb, unsigned long action, void *data)
{
	const struct memory_notify *m = data;
	unsigned long pfn = m->start_pfn, end = pfn + m->nr_pages, first, last;
	struct tsb_range *r;
	int ret = NOTIFY_OK;

	if (action != MEM_GOING_OFFLINE && action != MEM_OFFLINE)
		return NOTIFY_OK;
	mutex_lock(&tsb_hp_lock);
	list_for_each_entry(r, &tsb_hp_ranges, hp_node) {
		if (end <= PHYS_PFN(r->base) || pfn >= PHYS_PFN(r->end))
			continue;
		first = max(pfn, PHYS_PFN(r->base)) - PHYS_PFN(r->base);
		last = min(end, PHYS_PFN(r->end)) - PHYS_PFN(r->base);
		if (action == MEM_GOING_OFFLINE &&
		    find_next_zero_bit(r->freed, last, first) < last)
			ret = notifier_from_errno(-EBUSY);	/* not dumped yet */
		else if (action == MEM_OFFLINE)
			bitmap_clear(r->hp_online, first / TSB_HP_CHUNK,
				     DIV_ROUND_UP(last, TSB_HP_CHUNK) - first / TSB_HP_CHUNK);
	}
	mutex_unlock(&tsb_hp_lock);
	return ret;
}

static struct notifier_block tsb_hp_memory_nb = {
	.notifier_call = tsb_hp_memory_event,
};

/*
 * Adds the memory blocks of [lo, hi) in @r that hold a handed-back page and
 * are not added yet: 0 or the first error. Without our callback a block
 * goes online whole, so it is added only once all of it is back.
 */
static int tsb_hp_add_blocks(struct tsb_range *r, phys_addr_t lo, phys_addr_t hi)
{
	u64 bs = memory_block_size_bytes();
	unsigned long per = PHYS_PFN(bs), b, first;
	bool some, all;
	phys_addr_t a;
	int err;

	for (a = ALIGN_DOWN(lo, bs); a < hi && a < r->end; a += bs) {
		b = (a - r->base) / bs;
		if (test_bit(b, r->hp_added))
			continue;
		first = b * per;
		some = find_next_bit(r->freed, first + per, first) < first + per;
		all = find_next_zero_bit(r->freed, first + per, first) >= first + per;
		if (!some || (!tsb_hp_have_cb && !all))
			continue;
		err = add_memory_driver_managed(memory_add_physaddr_to_nid(a), a, bs,
						"System RAM (tsubaki)", MHP_NONE);
		if (err) {
			tsb_hp_add_failed = true;
			return err;
		}
		set_bit(b, r->hp_added);
		WRITE_ONCE(tsb_bytes_hot_added, tsb_bytes_hot_added + bs);
		if (!pfn_to_online_page(PHYS_PFN(a)) && !tsb_hp_warned_offline) {
			tsb_hp_warned_offline = true;
			dev_warn(tsb_dev, "hot-added memory at %pa stays offline: boot with %s or online it in /sys/devices/system/memory\n",
				 &a, "memhp_default_state=online");
		}
	}
	return 0;
}

int tsb_hp_setup(struct tsb_range *r)
{
	u64 bs = memory_block_size_bytes();
	size_t blocks, chunks;

	if (!IS_ALIGNED(r->base, bs) || !IS_ALIGNED(r->end, bs)) {
		dev_err(tsb_dev, "hotplug-memory %pa..%pa is not in whole %llu MiB memory blocks: it stays unusable until the next boot (firmware option hotplug=%llu)\n",
			&r->base, &r->end, bs >> 20, bs);
		return -EINVAL;
	}
	blocks = (r->end - r->base) / bs;
	chunks = DIV_ROUND_UP(PHYS_PFN(r->end - r->base), TSB_HP_CHUNK);
	r->hp_added = devm_bitmap_zalloc(tsb_dev, blocks, GFP_KERNEL);
	r->hp_online = devm_bitmap_zalloc(tsb_dev, chunks, GFP_KERNEL);
	if (!r->hp_added || !r->hp_online)
		return -ENOMEM;
	r->hotplug = true;
	mutex_lock(&tsb_hp_lock);
	list_add_tail(&r->hp_node, &tsb_hp_ranges);
	mutex_unlock(&tsb_hp_lock);
	return 0;
}

int tsb_hp_init(void)
{
	int err = set_online_page_callback(tsb_hp_online_page);

	tsb_hp_have_cb = !err;
	if (err)	/* another driver's (virtio-mem, a balloon): blocks go online whole */
		dev_warn(tsb_dev, "online-page callback taken (%d): memory blocks are hot-added only once fully handed back\n",
			 err);
	return register_memory_notifier(&tsb_hp_memory_nb);
}

void tsb_hp_exit(void)
{
	unregister_memory_notifier(&tsb_hp_memory_nb);
	if (tsb_hp_have_cb)
		restore_online_page_callback(tsb_hp_online_page);
	tsb_hp_have_cb = false;
}

/* Caller holds tsb_lock: may [base, base + size) of hot-plug range @r be handed back? */
bool tsb_hp_grant_ok(struct tsb_range *r, phys_addr_t base, u64 size)
{
	unsigned long first = PHYS_PFN(base - r->base), n = PHYS_PFN(size), i;
	bool ok = true;

	/* An online chunk's pages not handed back are ours: held, PG_reserved. */
	mutex_lock(&tsb_hp_lock);
	for (i = 0; i < n && ok; i++)
		ok = !test_bit((first + i) / TSB_HP_CHUNK, r->hp_online) ||
		     PageReserved(pfn_to_page(PHYS_PFN(base) + i));
	mutex_unlock(&tsb_hp_lock);
	return ok;
}

/*
 * Caller holds tsb_lock and checked the grant (tsb_hp_grant_ok): mark it
 * handed back and release what is online. Blocks are added after, and again
 * later (tsb_hp_retry) if that fails: the pages are on disk, so nothing is
 * lost, only late.
 */
void tsb_hp_grant(struct tsb_range *r, phys_addr_t base, u64 size)
{
	unsigned long first = PHYS_PFN(base - r->base), n = PHYS_PFN(size), i, c, len;
	int err;

	mutex_lock(&tsb_hp_lock);
	bitmap_set(r->freed, first, n);
	for (i = 0; i < n; i += len) {
		c = (first + i) / TSB_HP_CHUNK;
		len = min(n - i, (c + 1) * TSB_HP_CHUNK - first - i);
		if (test_bit(c, r->hp_online))
			tsb_hp_release(PHYS_PFN(base) + i, len);
	}
	mutex_unlock(&tsb_hp_lock);

	err = tsb_hp_add_blocks(r, base, base + size);	/* its callback takes tsb_hp_lock */
	if (err)
		dev_err_ratelimited(tsb_dev, "hot-adding %pa+%#llx failed (%d): retried later\n",
				    &base, size, err);
}

/* Caller holds tsb_lock: has every page of every hot-plug range been handed back? */
bool tsb_hp_all_back(void)
{
	struct tsb_range *r;

	list_for_each_entry(r, &tsb_hp_ranges, hp_node) {
		if (find_first_zero_bit(r->freed, PHYS_PFN(r->end - r->base)) <
		    PHYS_PFN(r->end - r->base))
			return false;
	}
	return true;
}

/*
 * Caller holds tsb_lock: add the blocks whose adding failed before. A block
 * not yet added that holds no handed-back page is skipped, so without a
 * failure this is nothing; and it is only walked after one.
 */
void tsb_hp_retry(void)
{
	struct tsb_range *r;

	if (!tsb_hp_add_failed)
		return;
	tsb_hp_add_failed = false;
	list_for_each_entry(r, &tsb_hp_ranges, hp_node)
		if (tsb_hp_add_blocks(r, r->base, r->end))
			break;
}
