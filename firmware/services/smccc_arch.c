// SPDX-License-Identifier: BSD-3-Clause
/*
 * The Arm architecture calls of SMCCC 1.1.
 */
#include <stdint.h>
#include <smccc.h>

int64_t smccc_arch_call(uint32_t fid, uint64_t a1, int unaffected)
{
	switch (fid) {
	case SMCCC_VERSION:
		return SMCCC_VERSION_1_1;
	case SMCCC_ARCH_FEATURES:
		switch ((uint32_t)a1) {
		case SMCCC_VERSION:
		case SMCCC_ARCH_FEATURES:
			return SMCCC_SUCCESS;
		case SMCCC_ARCH_WORKAROUND_1:
		case SMCCC_ARCH_WORKAROUND_2:
		case SMCCC_ARCH_WORKAROUND_3:
			/*
			 * "Unaffected" only when the platform says so (QEMU's TCG
			 * does not speculate); otherwise say the firmware has no
			 * workaround rather than claim one it does not apply.
			 */
			return unaffected ? SMCCC_WA_UNAFFECTED : SMCCC_NOT_SUPPORTED;
		default:
			return SMCCC_NOT_SUPPORTED;
		}
	default:
		return SMCCC_NOT_SUPPORTED;
	}
}
