// SPDX-License-Identifier: BSD-3-Clause
/*
 * The Arm architecture calls of SMCCC 1.1 (services/smccc_arch.c).
 */
#include <stdint.h>
#include <smccc.h>
#include "unit.h"

static void test_version(void **state)
{
	int unaffected;

	(void)state;
	for (unaffected = 0; unaffected <= 1; unaffected++) {
		assert_int_equal(smccc_arch_call(SMCCC_VERSION, 0, unaffected), 0x10001);
		assert_int_equal(smccc_arch_call(SMCCC_VERSION, ~0ULL, unaffected), 0x10001);
	}
}

static void test_features_arch_calls(void **state)
{
	int unaffected;

	(void)state;
	for (unaffected = 0; unaffected <= 1; unaffected++) {
		assert_int_equal(smccc_arch_call(SMCCC_ARCH_FEATURES, SMCCC_VERSION,
						 unaffected), 0);
		assert_int_equal(smccc_arch_call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_FEATURES,
						 unaffected), 0);
	}
}

static void test_features_workarounds(void **state)
{
	static const uint32_t wa[] = {
		SMCCC_ARCH_WORKAROUND_1, SMCCC_ARCH_WORKAROUND_2, SMCCC_ARCH_WORKAROUND_3,
	};
	unsigned int i;

	(void)state;
	assert_int_equal(SMCCC_ARCH_WORKAROUND_1, 0x80008000U);
	assert_int_equal(SMCCC_ARCH_WORKAROUND_2, 0x80007fffU);
	assert_int_equal(SMCCC_ARCH_WORKAROUND_3, 0x80003fffU);
	for (i = 0; i < ARRAY_SIZE(wa); i++) {
		/* Linux: 1 is SMCCC_ARCH_WORKAROUND_RET_UNAFFECTED. */
		assert_int_equal(smccc_arch_call(SMCCC_ARCH_FEATURES, wa[i], 1), 1);
		assert_int_equal(smccc_arch_call(SMCCC_ARCH_FEATURES, wa[i], 7), 1);
		assert_int_equal(smccc_arch_call(SMCCC_ARCH_FEATURES, wa[i], 0), -1);
	}
}

static void test_features_unknown(void **state)
{
	static const uint64_t unknown[] = {
		0, 1, 0xffffffffU, SMCCC_ARCH_SOC_ID, 0x80000003U,
		0x80008001U, 0x80007ffeU, 0x80003ffeU, 0xc0008000U,
		0x84000000U,	/* PSCI_VERSION: not an arch call */
		0x00008000U,	/* WORKAROUND_1 without the fast-call bit */
	};
	unsigned int i;
	int unaffected;

	(void)state;
	for (unaffected = 0; unaffected <= 1; unaffected++)
		for (i = 0; i < ARRAY_SIZE(unknown); i++)
			if (smccc_arch_call(SMCCC_ARCH_FEATURES, unknown[i], unaffected) != -1)
				fail_msg("ARCH_FEATURES(0x%llx) != NOT_SUPPORTED",
					 (unsigned long long)unknown[i]);
}

/* The queried function ID is w1: the upper half of x1 is ignored. */
static void test_features_w1(void **state)
{
	(void)state;
	assert_int_equal(smccc_arch_call(SMCCC_ARCH_FEATURES,
					 0xdeadbeef00000000ULL | SMCCC_VERSION, 0), 0);
	assert_int_equal(smccc_arch_call(SMCCC_ARCH_FEATURES,
					 0x100000000ULL | SMCCC_ARCH_WORKAROUND_1, 1), 1);
	assert_int_equal(smccc_arch_call(SMCCC_ARCH_FEATURES, 0x100000000ULL, 1), -1);
}

static void test_unknown_calls(void **state)
{
	static const uint32_t unknown[] = {
		SMCCC_ARCH_SOC_ID, 0x80000003U, 0x8000ffffU, 0xc0000000U,
		0xc0000001U, 0x00000000U, 0x84000000U, 0xffffffffU,
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(unknown); i++)
		if (smccc_arch_call(unknown[i], SMCCC_VERSION, 1) != -1)
			fail_msg("call 0x%x != NOT_SUPPORTED", unknown[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_features_arch_calls),
		cmocka_unit_test(test_features_workarounds),
		cmocka_unit_test(test_features_unknown),
		cmocka_unit_test(test_features_w1),
		cmocka_unit_test(test_unknown_calls),
	};

	unit_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
