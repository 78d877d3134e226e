// SPDX-License-Identifier: BSD-3-Clause
/*
 * The PSCI CPU power-state machine and its checks of normal-world arguments
 * (services/psci_state.c).
 */
#include <stdint.h>
#include <string.h>
#include <psci.h>
#include "unit.h"

#define NS_BASE		0x40000000ULL
#define NS_END		0x80000000ULL
#define ENTRY		0x40080000ULL

static const uint64_t qemu_mpidr[] = { 0, 1, 2, 3 };

static void init4(struct psci_sys *sys)
{
	psci_sys_init(sys, qemu_mpidr, 4, NS_BASE, NS_END);
}

static void test_init(void **state)
{
	struct psci_sys sys;
	unsigned int i;

	(void)state;
	memset(&sys, 0x5a, sizeof(sys));
	init4(&sys);
	assert_int_equal(sys.ncpus, 4);
	assert_int_equal(sys.ns_base, NS_BASE);
	assert_int_equal(sys.ns_end, NS_END);
	assert_int_equal(sys.lock.v, 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(sys.cpu[i].state, PSCI_STATE_OFF);
		assert_int_equal(psci_index_of(&sys, i), i);
	}
	assert_int_equal(psci_index_of(&sys, 4), -1);
	assert_int_equal(psci_count_on(&sys), 0);
}

static void test_init_clamps(void **state)
{
	uint64_t *mpidr;
	struct psci_sys sys;
	unsigned int i;

	(void)state;
	/* Heap-allocated, exactly sized: ASan sees any read past the end. */
	mpidr = malloc(12 * sizeof(*mpidr));
	assert_non_null(mpidr);
	for (i = 0; i < 12; i++)
		mpidr[i] = i;
	psci_sys_init(&sys, mpidr, 12, NS_BASE, NS_END);
	assert_int_equal(sys.ncpus, PSCI_MAX_CPUS);
	for (i = 0; i < PSCI_MAX_CPUS; i++)
		assert_int_equal(psci_index_of(&sys, i), i);
	for (; i < 12; i++) {
		assert_int_equal(psci_index_of(&sys, i), -1);
		assert_int_equal(psci_cpu_on_claim(&sys, i, ENTRY, 0, 1), PSCI_E_INVALID_PARAMS);
	}
	psci_sys_init(&sys, mpidr, 0, NS_BASE, NS_END);
	assert_int_equal(sys.ncpus, 0);
	assert_int_equal(psci_index_of(&sys, 0), -1);
	free(mpidr);
}

/* MPIDR_EL1 values carry RES1 bit 31 and the MT/U bits: only Aff0-3 count. */
static void test_init_masks_mpidr(void **state)
{
	static const uint64_t mpidr[] = {
		0x80000000ULL, 0x80000001ULL, 0xc0000100ULL, 0x8100000000ULL | 0x80010000ULL,
	};
	struct psci_sys sys;

	(void)state;
	psci_sys_init(&sys, mpidr, 4, NS_BASE, NS_END);
	assert_int_equal(psci_index_of(&sys, 0x0), 0);
	assert_int_equal(psci_index_of(&sys, 0x1), 1);
	assert_int_equal(psci_index_of(&sys, 0x100), 2);
	assert_int_equal(psci_index_of(&sys, 0x8100010000ULL), 3);
	assert_int_equal(psci_index_of(&sys, 0x80000001ULL), -1);	/* bit 31 */
	assert_int_equal(psci_index_of(&sys, 0x40000100ULL), -1);	/* bit 30 */
	assert_int_equal(psci_affinity_info(&sys, 0x8100010000ULL, 0), PSCI_AFF_OFF);
}

static void test_cpu_on_states(void **state)
{
	struct psci_sys sys;

	(void)state;
	init4(&sys);
	assert_int_equal(psci_cpu_on_claim(&sys, 1, ENTRY, 0x1234, 1), PSCI_E_SUCCESS);
	assert_int_equal(sys.cpu[1].state, PSCI_STATE_ON_PENDING);
	assert_int_equal(sys.cpu[1].entry, ENTRY);
	assert_int_equal(sys.cpu[1].context_id, 0x1234);
	assert_int_equal(psci_count_on(&sys), 1);

	/* A second CPU_ON while pending does not replace the entry point. */
	assert_int_equal(psci_cpu_on_claim(&sys, 1, ENTRY + 0x100, 0x99, 1), PSCI_E_ON_PENDING);
	assert_int_equal(sys.cpu[1].state, PSCI_STATE_ON_PENDING);
	assert_int_equal(sys.cpu[1].entry, ENTRY);
	assert_int_equal(sys.cpu[1].context_id, 0x1234);

	/* The glue marks it ON once it runs in the normal world. */
	sys.cpu[1].state = PSCI_STATE_ON;
	assert_int_equal(psci_cpu_on_claim(&sys, 1, ENTRY, 0, 1), PSCI_E_ALREADY_ON);
	assert_int_equal(psci_cpu_on_claim(&sys, 1, ENTRY, 0, 0), PSCI_E_ALREADY_ON);
	assert_int_equal(sys.cpu[1].state, PSCI_STATE_ON);

	/* The others are untouched. */
	assert_int_equal(sys.cpu[0].state, PSCI_STATE_OFF);
	assert_int_equal(sys.cpu[2].state, PSCI_STATE_OFF);
	assert_int_equal(sys.cpu[3].state, PSCI_STATE_OFF);
	assert_int_equal(psci_cpu_on_claim(&sys, 3, ENTRY, 0, 1), PSCI_E_SUCCESS);
	assert_int_equal(psci_count_on(&sys), 2);
}

static void test_cpu_on_bad_target(void **state)
{
	static const uint64_t bad[] = {
		4, 0xff, 0x100, 0x10000, 0x100000000ULL,	/* no such CPU */
		1ULL << 24, (1ULL << 24) | 1,			/* bits 31:24 */
		1ULL << 31, (1ULL << 30) | 1,
		1ULL << 40, (1ULL << 63) | 1, ~0ULL,		/* above Aff3 */
	};
	struct psci_sys sys;
	unsigned int i;

	(void)state;
	init4(&sys);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (psci_cpu_on_claim(&sys, bad[i], ENTRY, 0, 1) != PSCI_E_INVALID_PARAMS)
			fail_msg("CPU_ON64 target 0x%llx accepted", (unsigned long long)bad[i]);
		assert_int_equal(psci_affinity_info(&sys, bad[i], 0), PSCI_E_INVALID_PARAMS);
	}
	assert_int_equal(psci_count_on(&sys), 0);
}

static void test_cpu_on_bad_entry(void **state)
{
	static const uint64_t bad[] = {
		0, NS_BASE - 4, NS_BASE - 1, NS_END, NS_END + 4, ~0ULL & ~3ULL,
		NS_BASE + 1, NS_BASE + 2, NS_BASE + 3, ENTRY + 6,
	};
	struct psci_sys sys;
	unsigned int i;

	(void)state;
	init4(&sys);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (psci_cpu_on_claim(&sys, 2, bad[i], 0, 1) != PSCI_E_INVALID_ADDRESS)
			fail_msg("entry 0x%llx accepted", (unsigned long long)bad[i]);
		assert_int_equal(sys.cpu[2].state, PSCI_STATE_OFF);
	}
	/* The edges of [ns_base, ns_end) that are valid. */
	assert_int_equal(psci_cpu_on_claim(&sys, 1, NS_BASE, 0, 1), PSCI_E_SUCCESS);
	assert_int_equal(psci_cpu_on_claim(&sys, 2, NS_END - 4, 0, 1), PSCI_E_SUCCESS);
	assert_int_equal(sys.cpu[2].entry, NS_END - 4);
}

/* SMC32 calls: only the low 32 bits of each argument are defined. */
static void test_cpu_on_smc32_truncates(void **state)
{
	struct psci_sys sys;

	(void)state;
	init4(&sys);
	assert_int_equal(psci_cpu_on_claim(&sys, 0xdead000000000002ULL,
					   0xffffffff00000000ULL | ENTRY,
					   0xcafe0000beefULL, 0), PSCI_E_SUCCESS);
	assert_int_equal(sys.cpu[2].state, PSCI_STATE_ON_PENDING);
	assert_int_equal(sys.cpu[2].entry, ENTRY);
	assert_int_equal(sys.cpu[2].context_id, 0xbeef);

	/* The same arguments as SMC64 are rejected. */
	assert_int_equal(psci_cpu_on_claim(&sys, 0xdead000000000003ULL, ENTRY, 0, 1),
			 PSCI_E_INVALID_PARAMS);
	assert_int_equal(psci_cpu_on_claim(&sys, 3, 0x100000000ULL | ENTRY, 0, 1),
			 PSCI_E_INVALID_ADDRESS);
	assert_int_equal(sys.cpu[3].state, PSCI_STATE_OFF);
	/* ... and a 64-bit context ID is kept whole. */
	assert_int_equal(psci_cpu_on_claim(&sys, 3, ENTRY, 0xcafe0000beefULL, 1), PSCI_E_SUCCESS);
	assert_int_equal(sys.cpu[3].context_id, 0xcafe0000beefULL);
	/* Truncation cannot make a bad entry good or a good target bad. */
	assert_int_equal(psci_cpu_on_claim(&sys, 1, 0x4000000000000000ULL, 0, 0),
			 PSCI_E_INVALID_ADDRESS);
	assert_int_equal(psci_cpu_on_claim(&sys, 0xffffffff00000004ULL, ENTRY, 0, 0),
			 PSCI_E_INVALID_PARAMS);
}

static void test_cpu_off(void **state)
{
	struct psci_sys sys;

	(void)state;
	init4(&sys);
	/* Not a CPU, or not ON. */
	assert_int_equal(psci_cpu_off_check(&sys, 4), PSCI_E_DENIED);
	assert_int_equal(psci_cpu_off_check(&sys, PSCI_MAX_CPUS), PSCI_E_DENIED);
	assert_int_equal(psci_cpu_off_check(&sys, ~0U), PSCI_E_DENIED);
	assert_int_equal(psci_cpu_off_check(&sys, 0), PSCI_E_DENIED);

	/* The last ON CPU cannot go. */
	sys.cpu[0].state = PSCI_STATE_ON;
	assert_int_equal(psci_cpu_off_check(&sys, 0), PSCI_E_DENIED);
	assert_int_equal(psci_cpu_off_check(&sys, 1), PSCI_E_DENIED);

	/* A pending CPU is not ON yet. */
	assert_int_equal(psci_cpu_on_claim(&sys, 1, ENTRY, 0, 1), PSCI_E_SUCCESS);
	assert_int_equal(psci_cpu_off_check(&sys, 1), PSCI_E_DENIED);
	/* ... but it is coming: CPU0 may leave. */
	assert_int_equal(psci_cpu_off_check(&sys, 0), PSCI_E_SUCCESS);

	sys.cpu[1].state = PSCI_STATE_ON;
	assert_int_equal(psci_cpu_off_check(&sys, 0), PSCI_E_SUCCESS);
	assert_int_equal(psci_cpu_off_check(&sys, 1), PSCI_E_SUCCESS);
	assert_int_equal(psci_cpu_off_check(&sys, 2), PSCI_E_DENIED);
	sys.cpu[0].state = PSCI_STATE_OFF;
	assert_int_equal(psci_cpu_off_check(&sys, 1), PSCI_E_DENIED);
	/* The check does not change state. */
	assert_int_equal(sys.cpu[1].state, PSCI_STATE_ON);
}

static void test_affinity_info(void **state)
{
	struct psci_sys sys;
	uint64_t level;

	(void)state;
	init4(&sys);
	sys.cpu[0].state = PSCI_STATE_ON;
	assert_int_equal(psci_cpu_on_claim(&sys, 2, ENTRY, 0, 1), PSCI_E_SUCCESS);
	assert_int_equal(psci_affinity_info(&sys, 0, 0), PSCI_AFF_ON);
	assert_int_equal(psci_affinity_info(&sys, 1, 0), PSCI_AFF_OFF);
	assert_int_equal(psci_affinity_info(&sys, 2, 0), PSCI_AFF_ON_PENDING);
	assert_int_equal(psci_affinity_info(&sys, 3, 0), PSCI_AFF_OFF);
	sys.cpu[2].state = PSCI_STATE_ON;
	assert_int_equal(psci_affinity_info(&sys, 2, 0), PSCI_AFF_ON);

	for (level = 1; level <= 3; level++)
		assert_int_equal(psci_affinity_info(&sys, 0, level), PSCI_E_INVALID_PARAMS);
	assert_int_equal(psci_affinity_info(&sys, 0, 1ULL << 32), PSCI_E_INVALID_PARAMS);
	assert_int_equal(psci_affinity_info(&sys, 4, 0), PSCI_E_INVALID_PARAMS);
}

static void test_count_on(void **state)
{
	struct psci_sys sys;

	(void)state;
	init4(&sys);
	assert_int_equal(psci_count_on(&sys), 0);
	sys.cpu[0].state = PSCI_STATE_ON;
	assert_int_equal(psci_count_on(&sys), 1);
	sys.cpu[3].state = PSCI_STATE_ON_PENDING;
	assert_int_equal(psci_count_on(&sys), 2);
	/* Entries past ncpus are not CPUs. */
	sys.cpu[5].state = PSCI_STATE_ON;
	assert_int_equal(psci_count_on(&sys), 2);
}

static void test_features(void **state)
{
	static const uint32_t implemented[] = {
		PSCI_VERSION, PSCI_CPU_OFF, PSCI_CPU_ON, PSCI_CPU_ON64,
		PSCI_AFFINITY_INFO, PSCI_AFFINITY_INFO64, PSCI_MIGRATE_INFO_TYPE,
		PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET, PSCI_FEATURES,
		0x80000000U,	/* SMCCC_VERSION */
	};
	static const uint32_t unknown[] = {
		0, 0xffffffffU,
		0x84000005U,	/* MIGRATE */
		0xc4000005U,
		0x84000007U,	/* MIGRATE_INFO_UP_CPU */
		0x8400000bU,	/* CPU_FREEZE */
		0x8400000cU,	/* CPU_DEFAULT_SUSPEND */
		0x84000012U,	/* SYSTEM_RESET2 */
		0xc4000012U,
		0x8400000eU,	/* SYSTEM_SUSPEND */
		0xc4000002U,	/* no SMC64 CPU_OFF */
		0xc4000000U, 0xc4000008U, 0xc400000aU,
		0x04000003U,	/* CPU_ON without the fast-call bit */
		0x84000103U, 0x85000003U,
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(implemented); i++)
		if (psci_features(implemented[i]) != PSCI_E_SUCCESS)
			fail_msg("PSCI_FEATURES(0x%x) != SUCCESS", implemented[i]);
	/* CPU_SUSPEND: original power_state format, no OS-initiated mode. */
	assert_int_equal(psci_features(PSCI_CPU_SUSPEND), 0);
	assert_int_equal(psci_features(PSCI_CPU_SUSPEND64), 0);
	for (i = 0; i < ARRAY_SIZE(unknown); i++)
		if (psci_features(unknown[i]) != PSCI_E_NOT_SUPPORTED)
			fail_msg("PSCI_FEATURES(0x%x) != NOT_SUPPORTED", unknown[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_init_clamps),
		cmocka_unit_test(test_init_masks_mpidr),
		cmocka_unit_test(test_cpu_on_states),
		cmocka_unit_test(test_cpu_on_bad_target),
		cmocka_unit_test(test_cpu_on_bad_entry),
		cmocka_unit_test(test_cpu_on_smc32_truncates),
		cmocka_unit_test(test_cpu_off),
		cmocka_unit_test(test_affinity_info),
		cmocka_unit_test(test_count_on),
		cmocka_unit_test(test_features),
	};

	unit_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
