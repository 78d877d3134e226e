// SPDX-License-Identifier: BSD-3-Clause
/*
 * One CPU index everywhere: the position in the DT's /cpus (PSCI's table, the
 * dump's CPU records), mapped to the per-CPU data that the reset code laid out
 * by MPIDR (arch/aarch64/cpu.c, plat/qemu_virt/plat.c), built for the host.
 * A DT that lists the CPUs in another order than their MPIDRs must not mix
 * the two up.
 */
#include <stdint.h>
#include <string.h>
#include <cpu.h>
#include <plat.h>
#include <platform_def.h>
#include "unit.h"

/* ---- Stubs for what cpu.c and plat.c reach outside the code under test ---- */
char __stacks_end[PLAT_MAX_CPUS * PLAT_STACK_SIZE];

#define UNREACHED(proto)	proto { fail_msg("%s called", __func__); abort(); }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
UNREACHED(void arch_el3_exit(struct cpu_ctx *ctx))
UNREACHED(void pl011_init(uintptr_t base))
UNREACHED(void pl061_set_output(uintptr_t base, unsigned int pin, int value))
UNREACHED(int virtio_mmio_reset(uintptr_t base))
#pragma GCC diagnostic pop

static void test_core_pos(void **state)
{
	(void)state;
	assert_int_equal(plat_core_pos(0), 0);
	assert_int_equal(plat_core_pos(7), 7);
	assert_int_equal(plat_core_pos(0x80000003ULL & 0xff00ffffffULL), 3);
	assert_int_equal(plat_core_pos(0x100), PLAT_CLUSTER_SIZE);	/* Aff1 = 1 */
	assert_int_equal(plat_core_pos(8), -1);				/* Aff0 beyond a cluster */
	assert_int_equal(plat_core_pos(0x10000), -1);			/* Aff2 */
	assert_int_equal(plat_core_pos(1ULL << 32), -1);		/* Aff3 */
}

/* The DT lists the CPUs backwards: index i is MPIDR 3 - i. */
static void test_dt_order_is_the_index(void **state)
{
	unsigned int i;

	(void)state;
	memset(fw_pcpu, 0, sizeof(struct pcpu) * PLAT_MAX_CPUS);
	for (i = 0; i < 4; i++)
		assert_int_equal(cpu_register(i, 3 - i), 0);
	for (i = 0; i < 4; i++) {
		struct pcpu *p = cpu_pcpu(i);

		assert_ptr_equal(p, &fw_pcpu[3 - i]);
		assert_int_equal(p->index, i);
	}
	assert_null(cpu_pcpu(PLAT_MAX_CPUS));
	assert_null(cpu_pcpu(~0U));
}

static void test_register_rejects_impossible_cpus(void **state)
{
	(void)state;
	assert_int_equal(cpu_register(0, 8), -1);		/* no such position */
	assert_int_equal(cpu_register(0, 0x100), -1);		/* position 8: beyond the array */
	assert_int_equal(cpu_register(PLAT_MAX_CPUS, 0), -1);	/* index beyond the table */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_pos),
		cmocka_unit_test(test_dt_order_is_the_index),
		cmocka_unit_test(test_register_rejects_impossible_cpus),
	};

	unit_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
