/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsubaki.ko internals shared by its parts: core.c (communication, fault
 * notification, memory hand-back, the driver), vmcore.c (reading dumps:
 * /dev/tsubaki/vmcore) and watchdog.c (the collector's watchdog).
 */
#ifndef TSUBAKI_MODULE_H
#define TSUBAKI_MODULE_H

#include <linux/arm-smccc.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/sysfs.h>

extern struct device *tsb_dev;

/* The results of a SiP call, as wide as the SMC64 form's on every kernel. */
struct tsb_res {
	unsigned long a0;
	u64 a1, a2, a3;
};

/*
 * One SiP call, by its SMC64 ID and with its SMC64 arguments (abi.h); a
 * 32-bit kernel makes the SMC32 form of it, addresses and sizes as page
 * numbers (core.c). Returns x0 as a TSB_E_* status (an SMCCC status is a
 * signed 32-bit int).
 */
int tsb_smc(struct tsb_res *res, u32 fid, u64 a1, u64 a2, u64 a3);

/* core.c: the pending RAM of a dump in progress, one per range */
struct tsb_range {
	struct list_head node;
	phys_addr_t base, end;
	unsigned long *freed;		/* one bit per page handed back */
	bool hotplug;			/* not in the boot memory map: hotplug.c */
	bool lost;			/* not in it, and this kernel cannot hot-add */
	struct list_head hp_node;
	unsigned long *hp_added;	/* one bit per memory block hot-added */
	unsigned long *hp_online;	/* one bit per MAX_ORDER chunk onlined */
};

/* hotplug.c: pending RAM hot-added as it is handed back; tsb_lock held where noted */
extern u64 tsb_bytes_hot_added;	/* shown in sysfs */
#ifdef CONFIG_MEMORY_HOTPLUG
int tsb_hp_init(void);
void tsb_hp_exit(void);
int tsb_hp_setup(struct tsb_range *r);
bool tsb_hp_grant_ok(struct tsb_range *r, phys_addr_t base, u64 size);	/* tsb_lock */
void tsb_hp_grant(struct tsb_range *r, phys_addr_t base, u64 size);	/* tsb_lock */
void tsb_hp_retry(void);						/* tsb_lock */
bool tsb_hp_all_back(void);						/* tsb_lock */
#else
/* A kernel that cannot hot-add memory (32-bit ARM): no range is ever hot-plug. */
static inline int tsb_hp_init(void) { return 0; }
static inline void tsb_hp_exit(void) { }
static inline int tsb_hp_setup(struct tsb_range *r) { return -EOPNOTSUPP; }
static inline bool tsb_hp_grant_ok(struct tsb_range *r, phys_addr_t base, u64 size)
{
	return false;
}

static inline void tsb_hp_grant(struct tsb_range *r, phys_addr_t base, u64 size) { }
static inline void tsb_hp_retry(void) { }
static inline bool tsb_hp_all_back(void) { return true; }
#endif

/* core.c: memory mode (the dump stays in RAM until userland saves it) */
extern bool tsb_memory_mode;
int tsb_copy_pending(phys_addr_t pa, void *buf, size_t len);

/* watchdog.c: /dev/watchdogN, kept by the collector */
int tsb_watchdog_init(struct device *dev);
void tsb_watchdog_exit(void);

/* vmcore.c */
extern const struct attribute_group tsb_vmcore_group;
int tsb_vmcore_init(struct device *dev);
void tsb_vmcore_exit(void);

#endif
