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
 *                                GIC register of the secure world (arm64;
 *                                EOPNOTSUPP on ARM: GICv2 has no system
 *                                register interface to trap)
 * /sys/kernel/tsubaki_test/fuzz  write "N SEED": N random and boundary SMCs
 *                                over the SMCCC arch, PSCI and SiP ranges
 *                                (and any owner); read back the tally
 * /sys/kernel/tsubaki_test/disk_read  write "ID OFF LEN": one read through
 *                                the collector's dump reader (DISK_READ, then
 *                                DISK_POLL until it ends), any range the ABI
 *                                takes, not only tsubaki.ko's whole chunks;
 *                                read back "RET LEN VERDICT BAD SUM", SUM the
 *                                FNV-1a 64 of the bytes it brought (ARM:
 *                                SMC32, so OFF must be a whole page)
 *
 * On a 32-bit ARM kernel the calls are the SMC32 forms and SMC arguments
 * are 32 bits (include/tsubaki/abi.h).
 */
#include <linux/arm-smccc.h>
#include <linux/cacheflush.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/smp.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>

/* What differs between the two kernels: AArch64 and ARMv7-A (32-bit, SMC32 calls). */
#ifdef CONFIG_ARM
#include <asm/arch_timer.h>
#define TSB_TEST_CNTVCT()	__arch_counter_get_cntvct()
#define TSB_TEST_SPIN_INSN	0xeafffffe	/* A32 "b ." */
#define PSCI_CPU_ON		0x84000003UL	/* SMC32 */
#define TSB_SMC_DISK_READ	0x82000006UL
#define TSB_SMC_DISK_POLL	0x82000007UL
#define TSB_SMC32_PAGES		1	/* DISK_READ's offset and address: page numbers */
#else
#define TSB_TEST_CNTVCT()	read_sysreg(cntvct_el0)
#define TSB_TEST_SPIN_INSN	0x14000000	/* A64 "b ." */
#define PSCI_CPU_ON		0xc4000003UL	/* SMC64 */
#define TSB_SMC_DISK_READ	0xc2000006UL
#define TSB_SMC_DISK_POLL	0xc2000007UL
#define TSB_SMC32_PAGES		0
#endif

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
	spin[0] = TSB_TEST_SPIN_INSN;
	/* QEMU models no caches; silicon would need a clean to PoC here. */
	flush_icache_range((unsigned long)spin, (unsigned long)spin + 4);
	/* The page is never freed: that CPU spins in it until it is seized. */
	arm_smccc_smc(PSCI_CPU_ON, mpidr, virt_to_phys(spin), 0, 0, 0, 0, 0, &res);
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
		 irqoff ? "irqoff" : "preempt", (unsigned long long)TSB_TEST_CNTVCT());
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
#ifdef CONFIG_ARM
	/* GICv2: the CPU interface is memory-mapped, its group-0 view banked, not trapped. */
	return -EOPNOTSUPP;
#else
	pr_emerg("tsubaki_test: reading ICC_IAR0_EL1 on CPU%d\n", raw_smp_processor_id());
	pr_info("tsubaki_test: ICC_IAR0_EL1 = %llx\n",
		(unsigned long long)read_sysreg_s(SYS_ICC_IAR0_EL1));
	return count;
#endif
}

/* ---- SMC fuzzing ---- */

static u64 fuzz_state;
static unsigned long fuzz_calls, fuzz_ok, fuzz_err, fuzz_skipped, fuzz_max_ns;

static u64 fuzz_rand(void)
{
	/* xorshift64*: reproducible from the seed */
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return fuzz_state * 0x2545f4914f6cdd1dULL;
}

/* An argument: a boundary value, an address of interest, or random bits. */
static u64 fuzz_arg(void)
{
	static const u64 edge[] = {
		0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x1000, 0xfff, 0x10000, 0x7fffffff, 0x80000000,
		0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		~0ULL, ~0ULL - 1, ~0ULL - 4095,
		0x0e000000, 0x0e100000, 0x00000000, 0x04000000,	/* secure RAM, flash */
		0x40000000, 0x40001000, 0x5fe00000, 0x5ffff000, 0x60000000, 0x7fe00000,
		0x3ffff000, 0x80000000, 0x100000000ULL, 0x10001, 0x20000, 0x10000,
		512 * 1024, 512 * 1024 + 4096, 1 << 20,
	};
	u64 r = fuzz_rand();

	switch (r & 3) {
	case 0:
	case 1:
		return edge[(r >> 8) % ARRAY_SIZE(edge)];
	case 2:
		return edge[(r >> 8) % ARRAY_SIZE(edge)] + ((r >> 40) & 0xfff) - 0x800;
	default:
		return fuzz_rand();
	}
}

static u32 fuzz_fid(void)
{
	u64 r = fuzz_rand();
	u32 sixty4 = (r & 1) << 30, n = (r >> 8) & 0xffff;

	switch ((r >> 1) & 7) {
	case 0:
		return 0x80000000 | sixty4 | (n & 0x7fff);		/* SMCCC arch */
	case 1:
	case 2:
		return 0x84000000 | sixty4 | (n & 0x1f);		/* PSCI */
	case 3:
	case 4:
	case 5:
		return 0x82000000 | sixty4 | (n & 0x3f);		/* SiP: Tsubaki */
	case 6:
		return 0x80000000 | sixty4 | ((u32)(r >> 24) & 0x3f) << 24 | n;	/* any owner */
	default:
		return (u32)(r >> 32);				/* anything, yielding too */
	}
}

/*
 * Calls whose right answer ends or changes the system for good are kept out
 * or held to arguments that must be refused: the fuzzer tests what the
 * collector refuses, not that SYSTEM_OFF works. Return false to skip.
 */
static bool fuzz_allowed(u32 fid, u64 *a)
{
	switch (fid & ~0x40000000U) {
	case 0x82000002:		/* TSB PANIC */
	case 0x82000004:		/* TSB GET_GRANT: would take tsubaki.ko's memory */
	case 0x84000002:		/* CPU_OFF */
	case 0x84000008:		/* SYSTEM_OFF */
	case 0x84000009:		/* SYSTEM_RESET */
	case 0x84000012:		/* SYSTEM_RESET2 */
		return false;
	case 0x82000001:		/* TSB REGISTER: only ever refused */
		if (fid & 0x40000000)
			a[3] = a[3] ? a[3] | 0x1000000 : 0;	/* SMC64: the size */
		else
			a[3] |= 0x1000000;	/* SMC32: the address's high word, past 40 bits */
		return true;
	case 0x82000009:		/* TSB WATCHDOG: stop, or too long */
		if (a[1] && a[1] <= 3600)
			a[1] = 0;
		return true;
	case 0x84000003:		/* CPU_ON: at the secure world's RAM only */
		a[2] = 0x0e000000 + (a[2] & 0xfffff);
		return true;
	case 0x84000001:		/* CPU_SUSPEND: standby returns, power-down is refused */
		return true;
	default:
		return true;
	}
}

static ssize_t fuzz_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	unsigned long n, seed, i;
	struct arm_smccc_res res;

	if (sscanf(buf, "%lu %lu", &n, &seed) != 2 || !n || n > 10000000)
		return -EINVAL;
	mutex_lock(&smc_lock);
	fuzz_state = seed * 2 + 1;
	fuzz_calls = 0;
	fuzz_ok = 0;
	fuzz_err = 0;
	fuzz_skipped = 0;
	fuzz_max_ns = 0;
	for (i = 0; i < n; i++) {
		u64 a[4] = { fuzz_fid(), fuzz_arg(), fuzz_arg(), fuzz_arg() };
		u64 t0, dt;

		if (!fuzz_allowed((u32)a[0], a)) {
			fuzz_skipped++;
			continue;
		}
		t0 = ktime_get_ns();
		arm_smccc_smc(a[0], a[1], a[2], a[3], fuzz_rand(), fuzz_rand(), fuzz_rand(),
			      fuzz_rand(), &res);
		dt = ktime_get_ns() - t0;
		fuzz_calls++;
		if (dt > fuzz_max_ns)
			fuzz_max_ns = dt;
		if ((long)res.a0 < 0 || (u32)res.a0 == 0xffffffff)
			fuzz_err++;
		else
			fuzz_ok++;
		if (!(i & 1023))
			cond_resched();
	}
	mutex_unlock(&smc_lock);
	pr_info("tsubaki_test: FUZZ calls=%lu ok=%lu refused=%lu skipped=%lu max_ns=%lu\n",
		fuzz_calls, fuzz_ok, fuzz_err, fuzz_skipped, fuzz_max_ns);
	return count;
}

static ssize_t fuzz_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "calls=%lu ok=%lu refused=%lu skipped=%lu max_ns=%lu\n",
			  fuzz_calls, fuzz_ok, fuzz_err, fuzz_skipped, fuzz_max_ns);
}

#define TSB_E_AGAIN		(-7L)
static long dr_ret;
static unsigned long dr_len, dr_verdict, dr_bad;
static u64 dr_sum;

static ssize_t disk_read_store(struct kobject *kobj, struct kobj_attribute *attr,
			       const char *buf, size_t count)
{
	unsigned long id, len, deadline, i;
	unsigned long long off;
	struct arm_smccc_res res;
	const u8 *x;

	if (sscanf(buf, "%li %lli %li", &id, &off, &len) != 3 || !len || len > (512UL << 10))
		return -EINVAL;
	if (TSB_SMC32_PAGES && (off & 4095))
		return -EINVAL;	/* the SMC32 form takes a page number */
	mutex_lock(&smc_lock);
	dr_len = 0;
	dr_verdict = 0;
	dr_bad = 0;
	dr_sum = 0;
	arm_smccc_smc(TSB_SMC_DISK_READ, id, TSB_SMC32_PAGES ? off >> 12 : off, len, 0, 0, 0, 0,
		      &res);
	dr_ret = (long)res.a0;
	if (!dr_ret) {
		phys_addr_t pa = TSB_SMC32_PAGES ? (phys_addr_t)res.a1 << 12 : res.a1;

		deadline = jiffies + msecs_to_jiffies(20000);
		do {
			arm_smccc_smc(TSB_SMC_DISK_POLL, 0, 0, 0, 0, 0, 0, 0, &res);
			if ((long)res.a0 == TSB_E_AGAIN)
				usleep_range(50, 200);
		} while ((long)res.a0 == TSB_E_AGAIN && time_before(jiffies, deadline));
		dr_ret = (long)res.a0;
		dr_len = res.a1;
		dr_verdict = res.a2;
		dr_bad = res.a3;
		x = dr_ret ? NULL : memremap(pa, len, MEMREMAP_WC);
		if (x) {
			dr_sum = 0xcbf29ce484222325ULL;
			for (i = 0; i < len; i++)
				dr_sum = (dr_sum ^ x[i]) * 0x100000001b3ULL;
			memunmap((void *)x);
		}
	}
	mutex_unlock(&smc_lock);
	return count;
}

static ssize_t disk_read_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld %lu %lu %lu 0x%016llx\n", dr_ret, dr_len, dr_verdict, dr_bad,
			  (unsigned long long)dr_sum);
}

static struct kobj_attribute smc_attr = __ATTR(smc, 0600, smc_show, smc_store);
static struct kobj_attribute disk_read_attr = __ATTR(disk_read, 0600, disk_read_show,
						     disk_read_store);
static struct kobj_attribute fuzz_attr = __ATTR(fuzz, 0600, fuzz_show, fuzz_store);
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
	&fuzz_attr.attr,
	&disk_read_attr.attr,
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
