// SPDX-License-Identifier: GPL-2.0
/*
 * tsubaki_test - test hooks for the Tsubaki system tests. Never load it on a
 * production system: it lets userland issue raw SMCs and crash the kernel.
 *
 * /sys/kernel/tsubaki_test/smc   write "FID [A1 [A2 [A3]]]" (hex or decimal),
 *                                read back "A0 A1 A2 A3" of the last call
 * /sys/kernel/tsubaki_test/oops  write 1: NULL-pointer write (an oops)
 * /sys/kernel/tsubaki_test/race  write "FID0 FID1 [SKEW_NS]" from CPU0: CPU0
 *                                and CPU1 meet, then CPU0 calls FID0 and
 *                                CPU1, SKEW_NS later, calls FID1 (no args)
 * /sys/kernel/tsubaki_test/on_spin  write "MPIDR FID [SKEW_NS]": PSCI CPU_ON
 *                                of an offline CPU into a page that spins
 *                                with the MMU off, then FID (no args) on this
 *                                CPU SKEW_NS later
 * /sys/kernel/tsubaki_test/hang  write "irqoff|preempt CPUMASK": a kernel
 *                                thread on each CPU of the mask spins for
 *                                good, with IRQs masked (a hard lockup) or
 *                                only preemption off (a hang Linux's own
 *                                watchdogs may see, but never panics on)
 * /sys/kernel/tsubaki_test/gic_trap  write 1: read ICC_IAR0_EL1, a group-0
 *                                GIC register of the secure world
 */
#include <linux/arm-smccc.h>
#include <linux/cacheflush.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/smp.h>
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

struct race_arg {
	unsigned long fid;
	unsigned long skew_ns;
};

static atomic_t race_arrived;

/* Meet the other CPU (bounded), then make the call. Usually never returns. */
static void race_fn(void *data)
{
	struct race_arg *r = data;
	struct arm_smccc_res res;
	int i;

	atomic_inc(&race_arrived);
	for (i = 0; i < 10000000 && atomic_read(&race_arrived) < 2; i++)
		cpu_relax();
	if (r->skew_ns)
		ndelay(r->skew_ns);
	arm_smccc_smc(r->fid, 0, 0, 0, 0, 0, 0, 0, &res);
	pr_info("tsubaki_test: race smc 0x%lx on CPU%d returned 0x%lx\n", r->fid,
		raw_smp_processor_id(), res.a0);
}

static ssize_t race_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	static struct race_arg a0, a1;
	int cpu;

	a1.skew_ns = 0;
	if (sscanf(buf, "%li %li %lu", &a0.fid, &a1.fid, &a1.skew_ns) < 2)
		return -EINVAL;
	a0.skew_ns = 0;
	cpu = get_cpu();
	if (cpu != 0 || !cpu_online(1)) {
		put_cpu();
		return -EINVAL;		/* run it with "cpu 0", CPU1 online */
	}
	atomic_set(&race_arrived, 0);
	smp_call_function_single(1, race_fn, &a1, 0);
	race_fn(&a0);
	put_cpu();
	return count;
}

static ssize_t on_spin_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	unsigned long mpidr, fid, skew = 0;
	struct arm_smccc_res res;
	u32 *spin;

	if (sscanf(buf, "%li %li %lu", &mpidr, &fid, &skew) < 2)
		return -EINVAL;
	spin = (u32 *)__get_free_page(GFP_KERNEL);
	if (!spin)
		return -ENOMEM;
	spin[0] = 0x14000000;		/* b . */
	/* QEMU models no caches; silicon would need a clean to PoC here. */
	flush_icache_range((unsigned long)spin, (unsigned long)spin + 4);
	/* The page is never freed: that CPU spins in it until it is seized. */
	arm_smccc_smc(0xc4000003, mpidr, virt_to_phys(spin), 0, 0, 0, 0, 0, &res);
	pr_info("tsubaki_test: CPU_ON(%#lx) -> %ld\n", mpidr, (long)res.a0);
	if (skew)
		ndelay(skew);
	arm_smccc_smc(fid, 0, 0, 0, 0, 0, 0, 0, &res);
	return count;
}

/* The functions a hung CPU's PC must lie in: the tests look them up in /proc/kallsyms. */
static noinline void tsb_test_spin_irqoff(void)
{
	local_irq_disable();
	for (;;)
		cpu_relax();
}

static noinline void tsb_test_spin_preempt(void)
{
	for (;;)
		cpu_relax();
}

static int tsb_test_hang_fn(void *data)
{
	bool irqoff = data;

	preempt_disable();
	pr_emerg("tsubaki_test: cpu%d hangs (%s) at cntvct %llu\n", raw_smp_processor_id(),
		 irqoff ? "irqoff" : "preempt", (unsigned long long)read_sysreg(cntvct_el0));
	if (irqoff)
		tsb_test_spin_irqoff();
	tsb_test_spin_preempt();
	return 0;
}

static ssize_t hang_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	static struct task_struct *threads[8];
	void (*fn)(void);
	char mode[16];
	unsigned long mask;
	unsigned int cpu, self;
	bool irqoff;

	if (sscanf(buf, "%15s %li", mode, &mask) != 2)
		return -EINVAL;
	if (!strcmp(mode, "irqoff"))
		irqoff = true;
	else if (!strcmp(mode, "preempt"))
		irqoff = false;
	else
		return -EINVAL;
	/*
	 * Where the hung CPUs will be: "HANGFN <address> <name>+0x0/<size>". The
	 * raw address is what the tests need (this module is for tests only).
	 */
	fn = irqoff ? tsb_test_spin_irqoff : tsb_test_spin_preempt;
	pr_emerg("tsubaki_test: HANGFN %lx %pS\n", (unsigned long)fn, fn);
	/*
	 * Create them all before any runs: a thread that hangs the CPU kthreadd
	 * or this task is queued on would stop the rest from being made. This
	 * CPU's goes last, as this task returns to userland.
	 */
	memset(threads, 0, sizeof(threads));
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		if (cpu >= ARRAY_SIZE(threads) || !(mask & BIT(cpu)))
			continue;
		t = kthread_create(tsb_test_hang_fn, (void *)irqoff, "tsb_hang/%d", cpu);
		if (IS_ERR(t))
			return PTR_ERR(t);	/* the ones made never run: leaked, test only */
		kthread_bind(t, cpu);
		threads[cpu] = t;
	}
	self = get_cpu();
	for (cpu = 0; cpu < ARRAY_SIZE(threads); cpu++)
		if (threads[cpu] && cpu != self)
			wake_up_process(threads[cpu]);
	if (self < ARRAY_SIZE(threads) && threads[self])
		wake_up_process(threads[self]);
	put_cpu();
	return count;
}

static ssize_t gic_trap_store(struct kobject *kobj, struct kobj_attribute *attr,
			      const char *buf, size_t count)
{
	if (buf[0] != '1')
		return -EINVAL;
	pr_emerg("tsubaki_test: reading ICC_IAR0_EL1 on CPU%d\n", raw_smp_processor_id());
	pr_info("tsubaki_test: ICC_IAR0_EL1 = %llx\n",
		(unsigned long long)read_sysreg_s(SYS_ICC_IAR0_EL1));
	return count;
}

static struct kobj_attribute smc_attr = __ATTR(smc, 0600, smc_show, smc_store);
static struct kobj_attribute hang_attr = __ATTR(hang, 0200, NULL, hang_store);
static struct kobj_attribute gic_trap_attr = __ATTR(gic_trap, 0200, NULL, gic_trap_store);
static struct kobj_attribute race_attr = __ATTR(race, 0200, NULL, race_store);
static struct kobj_attribute on_spin_attr = __ATTR(on_spin, 0200, NULL, on_spin_store);
static struct kobj_attribute oops_attr = __ATTR(oops, 0200, NULL, oops_store);

static struct attribute *test_attrs[] = {
	&smc_attr.attr,
	&oops_attr.attr,
	&race_attr.attr,
	&on_spin_attr.attr,
	&hang_attr.attr,
	&gic_trap_attr.attr,
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
