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

/* One SiP call; returns x0 as a TSB_E_* status (an SMCCC status is a signed 32-bit int). */
int tsb_smc(struct arm_smccc_res *res, u32 fid, unsigned long a1, unsigned long a2,
	    unsigned long a3);

/* core.c: the pending RAM of a dump in progress, one per range */
struct tsb_range {
	struct list_head node;
	phys_addr_t base, end;
	unsigned long *freed;		/* one bit per page handed back */
	bool hotplug;			/* not in the boot memory map: hotplug.c */
	struct list_head hp_node;
	unsigned long *hp_added;	/* one bit per memory block hot-added */
	unsigned long *hp_online;	/* one bit per MAX_ORDER chunk onlined */
};

/* hotplug.c: pending RAM hot-added as it is handed back; tsb_lock held where noted */
extern u64 tsb_bytes_hot_added;	/* shown in sysfs */
int tsb_hp_init(void);
void tsb_hp_exit(void);
int tsb_hp_setup(struct tsb_range *r);
bool tsb_hp_grant_ok(struct tsb_range *r, phys_addr_t base, u64 size);	/* tsb_lock */
void tsb_hp_grant(struct tsb_range *r, phys_addr_t base, u64 size);	/* tsb_lock */
void tsb_hp_retry(void);						/* tsb_lock */
bool tsb_hp_all_back(void);						/* tsb_lock */

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
