// SPDX-License-Identifier: GPL-2.0
/*
 * tsubaki_test - test hooks for the Tsubaki system tests. Never load it on a
 * production system: it lets userland issue raw SMCs and crash the kernel.
 *
 * /sys/kernel/tsubaki_test/smc   write "FID [A1 [A2 [A3]]]" (hex or decimal),
 *                                read back "A0 A1 A2 A3" of the last call
 * /sys/kernel/tsubaki_test/oops  write 1: NULL-pointer write (an oops)
 */
#include <linux/arm-smccc.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>

static DEFINE_MUTEX(smc_lock);
static struct arm_smccc_res last;
static struct kobject *test_kobj;

static ssize_t smc_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	ssize_t n;

	mutex_lock(&smc_lock);
	n = sysfs_emit(buf, "0x%lx 0x%lx 0x%lx 0x%lx\n", last.a0, last.a1, last.a2, last.a3);
	mutex_unlock(&smc_lock);
	return n;
}

static ssize_t smc_store(struct kobject *kobj, struct kobj_attribute *attr,
			 const char *buf, size_t count)
{
	unsigned long a[4] = { 0 };
	int n;

	n = sscanf(buf, "%li %li %li %li", &a[0], &a[1], &a[2], &a[3]);
	if (n < 1)
		return -EINVAL;
	mutex_lock(&smc_lock);
	arm_smccc_smc(a[0], a[1], a[2], a[3], 0, 0, 0, 0, &last);
	pr_info("tsubaki_test: smc 0x%lx 0x%lx 0x%lx 0x%lx -> 0x%lx\n",
		a[0], a[1], a[2], a[3], last.a0);
	mutex_unlock(&smc_lock);
	return count;
}

static ssize_t oops_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	if (buf[0] != '1')
		return -EINVAL;
	pr_emerg("tsubaki_test: writing through a NULL pointer on CPU%d\n",
		 raw_smp_processor_id());
	WRITE_ONCE(*(int *)NULL, 0x75626b74);
	return count;
}

static struct kobj_attribute smc_attr = __ATTR(smc, 0600, smc_show, smc_store);
static struct kobj_attribute oops_attr = __ATTR(oops, 0200, NULL, oops_store);

static struct attribute *test_attrs[] = {
	&smc_attr.attr,
	&oops_attr.attr,
	NULL,
};

static const struct attribute_group test_group = {
	.attrs = test_attrs,
};

static int __init tsubaki_test_init(void)
{
	int ret;

	test_kobj = kobject_create_and_add("tsubaki_test", kernel_kobj);
	if (!test_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(test_kobj, &test_group);
	if (ret)
		kobject_put(test_kobj);
	return ret;
}

static void __exit tsubaki_test_exit(void)
{
	kobject_put(test_kobj);
}

module_init(tsubaki_test_init);
module_exit(tsubaki_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Tsubaki system-test hooks (raw SMC, oops)");
