/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMC Calling Convention: function-ID fields, return codes, and the Arm
 * architecture calls (owner 0).
 */
#ifndef SMCCC_H
#define SMCCC_H
#include <stdint.h>

#define SMCCC_FAST		(1U << 31)
#define SMCCC_64		(1U << 30)
#define SMCCC_OWNER(fid)	(((fid) >> 24) & 0x3f)
#define SMCCC_OWNER_ARCH	0
#define SMCCC_OWNER_SIP		2
#define SMCCC_OWNER_STD		4

#define SMCCC_VERSION		0x80000000U
#define SMCCC_ARCH_FEATURES	0x80000001U
#define SMCCC_ARCH_SOC_ID	0x80000002U
#define SMCCC_ARCH_WORKAROUND_1	0x80008000U
#define SMCCC_ARCH_WORKAROUND_2	0x80007fffU
#define SMCCC_ARCH_WORKAROUND_3	0x80003fffU

#define SMCCC_VERSION_1_1	0x10001
#define SMCCC_SUCCESS		0
#define SMCCC_NOT_SUPPORTED	(-1)
#define SMCCC_NOT_REQUIRED	(-2)
#define SMCCC_INVALID_PARAMETER	(-3)
#define SMCCC_WA_UNAFFECTED	1

/*
 * smccc_arch_call() - the Arm architecture service (owner 0).
 * @unaffected: the platform's CPUs need no Spectre workaround.
 */
int64_t smccc_arch_call(uint32_t fid, uint64_t a1, int unaffected);

#endif
