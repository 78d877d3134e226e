// SPDX-License-Identifier: BSD-3-Clause
/*
 * TSB_SMC_REGISTER's checks of the normal world's arguments, through the real
 * SiP handler dump_smc() of dump/dump.c, built for the host against
 * tests/unit/host/arch.h. Everything dump.c calls outside the REGISTER path
 * is a stub below that fails the test if it is ever reached.
 */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <boot.h>
#include <cpu.h>
#include <dump.h>
#include <fw_time.h>
#include <gic.h>
#include <sip.h>
#include <log.h>
#include <restart.h>
#include <sram.h>
#include <stimer.h>
#include <virtio_blk.h>
#include <tsubaki/abi.h>
#include "unit.h"

#define RAM_BASE	0x40000000ULL
#define RAM_SIZE	0x40000000ULL
#define RAM_END		(RAM_BASE + RAM_SIZE)
#define SCRATCH		(RAM_END - 0x200000ULL)

/* ---- Stubs ---- */

static struct pcpu cpu0 = { .mpidr = 0x80000000 };

struct pcpu *cpu_pcpu(unsigned int index)
{
	return index == 0 ? &cpu0 : NULL;
}
static char last_log[512];
static unsigned int nlogs;

void log_printf(int level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
	nlogs++;
}

void log_event(const char *name, const char *fmt, ...)
{
	(void)fmt;
	fail_msg("log_event(%s) called", name);
}

void gic_spi_make_secure(unsigned int intid, uint8_t prio, unsigned int cpu)
{
	(void)intid;
	(void)prio;
	(void)cpu;
}

#define UNREACHED(proto)	proto { fail_msg("%s called", __func__); abort(); }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

UNREACHED(void gic_spi_set_pending(unsigned int intid))
UNREACHED(void gic_spi_route(unsigned int intid, unsigned int cpu))
UNREACHED(int64_t watch_smc_watchdog(uint64_t timeout_s))
UNREACHED(uint64_t fw_now_ns(void))
UNREACHED(uint64_t fw_deadline_us(uint64_t us))
UNREACHED(int fw_deadline_passed(uint64_t deadline))
UNREACHED(unsigned int boot_count(void))
UNREACHED(void boot_kernel_range(unsigned int w, uint64_t *pa, uint64_t *size))
UNREACHED(const struct tsb_cpu_record *restart_record(unsigned int cpu, uint32_t epoch,
						       enum restart_why *why_out))
UNREACHED(void restart_request(enum restart_why why, struct cpu_ctx *ctx))
UNREACHED(void restart_crash(uint32_t cause, uint32_t cpus, struct cpu_ctx *ctx))
UNREACHED(void stimer_arm(enum stimer_client c, uint64_t us))
UNREACHED(int vblk_init(struct vblk *d, uintptr_t base, uint64_t ring_pa))
UNREACHED(int vblk_submit(struct vblk *d, int write, uint64_t off, uint64_t pa,
			  uint32_t len, uint32_t tag))
UNREACHED(int vblk_reap(struct vblk *d, uint32_t *tag, int *ok))
UNREACHED(void vblk_ack_irq(struct vblk *d))
UNREACHED(void vblk_stop(struct vblk *d))
#pragma GCC diagnostic pop

/* ---- Tests ---- */

static int64_t smc_register(uint64_t ver, uint64_t pa, uint64_t size)
{
	struct cpu_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.x[0] = TSB_SMC_REGISTER;
	ctx.x[1] = ver;
	ctx.x[2] = pa;
	ctx.x[3] = size;
	sip_smc(TSB_SMC_REGISTER, &ctx, 0);
	return (int64_t)ctx.x[0];
}

/* The same call as a 32-bit kernel makes it: the address split, the size in r4. */
static int64_t smc32_register(uint64_t ver, uint64_t pa, uint64_t size)
{
	struct cpu_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.x[0] = TSB_SMC32(0x01);
	ctx.x[1] = ver;
	ctx.x[2] = pa & 0xffffffff;
	ctx.x[3] = pa >> 32;
	ctx.x[4] = size;
	sip_smc(TSB_SMC32(0x01), &ctx, 0);
	return (int64_t)ctx.x[0];
}

static int group_setup(void **state)
{
	static const struct boot_windows win = {
		.mode = BOOT_MODE_PRIMARY, .base = { RAM_BASE, 0 }, .size = 64 << 20,
	};
	static uint8_t heap[256 << 10] __attribute__((aligned(16)));

	(void)state;
	/* Before dump_setup() there is no RAM: nothing can be registered. */
	if (smc_register(TSB_ABI_VERSION, RAM_BASE, 0x1000) != TSB_E_INVALID)
		return -1;
	/* The chunk tables come from the secure heap: give it some host memory. */
	sram_init((uintptr_t)heap, sizeof(heap));
	dump_setup("", 0, RAM_BASE, RAM_SIZE, SCRATCH, &win);
	if (!dump_table_bytes() || dump_table_bytes() > sram_used())
		return -1;
	return 0;
}

static void test_version(void **state)
{
	struct cpu_ctx ctx;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	sip_smc(TSB_SMC_VERSION, &ctx, 0);
	assert_int_equal(ctx.x[0], TSB_ABI_VERSION);
	memset(&ctx, 0, sizeof(ctx));
	sip_smc(TSB_SMC32(0x00), &ctx, 0);
	assert_int_equal(ctx.x[0], TSB_ABI_VERSION);
}

static void test_register_ok(void **state)
{
	static const struct {
		uint64_t ver, pa, size;
	} ok[] = {
		{ TSB_ABI_VERSION, RAM_BASE, 1 },
		{ TSB_ABI_VERSION, RAM_BASE + 0x123458, 0x1000 },
		{ TSB_ABI_VERSION, RAM_BASE, TSB_VMCOREINFO_MAX },
		{ TSB_ABI_VERSION, RAM_END - TSB_VMCOREINFO_MAX, TSB_VMCOREINFO_MAX },
		{ TSB_ABI_VERSION, RAM_END - 4, 4 },
		{ TSB_ABI_VERSION, RAM_END - 4, 1 },
		{ TSB_ABI_MAJOR << 16, RAM_BASE + 4, 100 },		/* minor 0 */
		{ (TSB_ABI_MAJOR << 16) | 0xffff, RAM_BASE + 8, 100 },	/* newer minor */
	};
	unsigned int i, n;
	int64_t rc;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		n = nlogs;
		last_log[0] = 0;
		rc = smc_register(ok[i].ver, ok[i].pa, ok[i].size);
		if (rc != TSB_E_OK)
			fail_msg("REGISTER ver=0x%llx pa=0x%llx size=0x%llx: %lld",
				 (unsigned long long)ok[i].ver, (unsigned long long)ok[i].pa,
				 (unsigned long long)ok[i].size, (long long)rc);
		/* Accepted means recorded: the firmware says so. */
		assert_int_equal(nlogs, n + 1);
		assert_non_null(strstr(last_log, "registered"));
		/* The SMC32 form takes the same values. */
		rc = smc32_register(ok[i].ver, ok[i].pa, ok[i].size);
		if (rc != TSB_E_OK)
			fail_msg("SMC32 REGISTER pa=0x%llx size=0x%llx: %lld",
				 (unsigned long long)ok[i].pa, (unsigned long long)ok[i].size,
				 (long long)rc);
		assert_int_equal(nlogs, n + 2);
	}
}

/* An SMC32 call's registers count only by their low 32 bits (SMCCC). */
static void test_register_smc32_ignores_upper_halves(void **state)
{
	struct cpu_ctx ctx;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.x[0] = TSB_SMC32(0x01);
	ctx.x[1] = 0xdead000000000000ULL | TSB_ABI_VERSION;
	ctx.x[2] = 0xbeef000000000000ULL | (RAM_BASE + 0x1000);
	ctx.x[3] = 0xf00d000000000000ULL;		/* high word of the address: 0 */
	ctx.x[4] = 0xabcd000000000000ULL | 0x100;
	sip_smc(TSB_SMC32(0x01), &ctx, 0);
	assert_int_equal((int64_t)ctx.x[0], TSB_E_OK);
	/* A high word that puts the note above RAM is refused. */
	memset(&ctx, 0, sizeof(ctx));
	ctx.x[0] = TSB_SMC32(0x01);
	ctx.x[1] = TSB_ABI_VERSION;
	ctx.x[2] = RAM_BASE + 0x1000;
	ctx.x[3] = 1;
	ctx.x[4] = 0x100;
	sip_smc(TSB_SMC32(0x01), &ctx, 0);
	assert_int_equal((int64_t)ctx.x[0], TSB_E_INVALID);
}

static void test_register_bad_version(void **state)
{
	static const uint64_t bad[] = {
		0, 0xffff, (TSB_ABI_MAJOR + 1) << 16, (uint64_t)(TSB_ABI_MAJOR - 1) << 16,
		(1ULL << 32) | TSB_ABI_VERSION, (1ULL << 63) | TSB_ABI_VERSION, ~0ULL,
	};
	unsigned int i, n = nlogs;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (smc_register(bad[i], RAM_BASE, 0x1000) != TSB_E_VERSION)
			fail_msg("REGISTER version 0x%llx not refused", (unsigned long long)bad[i]);
	assert_int_equal(nlogs, n);
}

static void test_register_bad_range(void **state)
{
	static const struct {
		uint64_t pa, size;
		const char *why;
	} bad[] = {
		{ RAM_BASE, 0, "size 0" },
		{ RAM_BASE, TSB_VMCOREINFO_MAX + 1, "size > VMCOREINFO_MAX" },
		{ RAM_BASE, TSB_VMCOREINFO_MAX + 4, "size > VMCOREINFO_MAX (aligned)" },
		{ RAM_BASE, ~0ULL, "size ~0" },
		{ RAM_BASE, 1ULL << 63, "size 2^63" },
		{ 0, 0x1000, "pa 0" },
		{ RAM_BASE - 4, 0x1000, "below RAM, straddling its start" },
		{ RAM_BASE - 0x2000, 0x1000, "below RAM" },
		{ 0x0e000000ULL, 0x1000, "secure RAM" },
		{ RAM_END, 4, "at the end of RAM" },
		{ RAM_END - 4, 8, "straddling the end of RAM" },
		{ RAM_END - 0x1000, TSB_VMCOREINFO_MAX, "straddling the end of RAM" },
		{ RAM_END + 0x1000, 0x1000, "above RAM" },
		{ ~0ULL & ~3ULL, 4, "top of the address space" },
		{ 0ULL - 0x1000, 0x2000, "pa + size wraps" },
		{ RAM_BASE + 1, 0x1000, "pa not 4-byte aligned" },
		{ RAM_BASE + 2, 0x1000, "pa not 4-byte aligned" },
		{ RAM_BASE + 3, 0x1000, "pa not 4-byte aligned" },
		{ RAM_END - 1, 1, "pa not 4-byte aligned, last byte" },
	};
	unsigned int i, n = nlogs;
	int64_t rc;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		rc = smc_register(TSB_ABI_VERSION, bad[i].pa, bad[i].size);
		if (rc != TSB_E_INVALID)
			fail_msg("REGISTER pa=0x%llx size=0x%llx (%s): %lld, expected INVALID",
				 (unsigned long long)bad[i].pa, (unsigned long long)bad[i].size,
				 bad[i].why, (long long)rc);
		if (bad[i].size >> 32)
			continue;	/* not expressible as SMC32 */
		rc = smc32_register(TSB_ABI_VERSION, bad[i].pa, bad[i].size);
		if (rc != TSB_E_INVALID)
			fail_msg("SMC32 REGISTER pa=0x%llx size=0x%llx (%s): %lld, expected INVALID",
				 (unsigned long long)bad[i].pa, (unsigned long long)bad[i].size,
				 bad[i].why, (long long)rc);
	}
	assert_int_equal(nlogs, n);
	/* The version is checked first. */
	assert_int_equal(smc_register(0, 0, 0), TSB_E_VERSION);
}

static void test_unknown_fid(void **state)
{
	struct cpu_ctx ctx;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	sip_smc(TSB_SMC(0x7f), &ctx, 0);
	assert_int_equal((int64_t)ctx.x[0], TSB_E_NOT_SUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_register_ok),
		cmocka_unit_test(test_register_smc32_ignores_upper_halves),
		cmocka_unit_test(test_register_bad_version),
		cmocka_unit_test(test_register_bad_range),
		cmocka_unit_test(test_unknown_fid),
	};

	unit_init();
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
