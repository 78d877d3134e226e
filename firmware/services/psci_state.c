// SPDX-License-Identifier: BSD-3-Clause
/*
 * PSCI CPU power-state machine and argument checks. Everything arriving here
 * comes from the normal world and is validated; nothing here can fail hard.
 */
#include <stdint.h>
#include <string.h>
#include <psci.h>

#define MPIDR_AFF_MASK	0xff00ffffffULL

void psci_sys_init(struct psci_sys *sys, const uint64_t *mpidr, unsigned int n,
		   uint64_t ns_base, uint64_t ns_end)
{
	unsigned int i;

	memset(sys, 0, sizeof(*sys));
	if (n > PSCI_MAX_CPUS)
		n = PSCI_MAX_CPUS;
	sys->ncpus = n;
	for (i = 0; i < n; i++) {
		sys->cpu[i].mpidr = mpidr[i] & MPIDR_AFF_MASK;
		sys->cpu[i].state = PSCI_STATE_OFF;
	}
	sys->ns_base = ns_base;
	sys->ns_end = ns_end;
}

int psci_index_of(const struct psci_sys *sys, uint64_t mpidr)
{
	unsigned int i;

	if (mpidr & ~MPIDR_AFF_MASK)
		return -1;
	for (i = 0; i < sys->ncpus; i++)
		if (sys->cpu[i].mpidr == mpidr)
			return (int)i;
	return -1;
}

int psci_cpu_on_claim(struct psci_sys *sys, uint64_t target, uint64_t entry,
		      uint64_t context_id, int is_smc64)
{
	int idx;

	if (!is_smc64) {
		target &= 0xffffffffULL;
		entry &= 0xffffffffULL;
		context_id &= 0xffffffffULL;
	}
	idx = psci_index_of(sys, target);
	if (idx < 0)
		return PSCI_E_INVALID_PARAMS;
	if (entry < sys->ns_base || entry >= sys->ns_end || (entry & 3))
		return PSCI_E_INVALID_ADDRESS;
	switch (sys->cpu[idx].state) {
	case PSCI_STATE_ON:
		return PSCI_E_ALREADY_ON;
	case PSCI_STATE_ON_PENDING:
		return PSCI_E_ON_PENDING;
	case PSCI_STATE_OFF:
		break;
	}
	sys->cpu[idx].state = PSCI_STATE_ON_PENDING;
	sys->cpu[idx].entry = entry;
	sys->cpu[idx].context_id = context_id;
	return PSCI_E_SUCCESS;
}

unsigned int psci_count_on(const struct psci_sys *sys)
{
	unsigned int i, n = 0;

	for (i = 0; i < sys->ncpus; i++)
		if (sys->cpu[i].state != PSCI_STATE_OFF)
			n++;
	return n;
}

int psci_cpu_off_check(const struct psci_sys *sys, unsigned int self)
{
	if (self >= sys->ncpus || sys->cpu[self].state != PSCI_STATE_ON)
		return PSCI_E_DENIED;
	/* The last CPU running cannot power itself off. */
	if (psci_count_on(sys) <= 1)
		return PSCI_E_DENIED;
	return PSCI_E_SUCCESS;
}

int psci_affinity_info(const struct psci_sys *sys, uint64_t target, uint64_t level)
{
	int idx;

	if (level != 0)
		return PSCI_E_INVALID_PARAMS;
	idx = psci_index_of(sys, target);
	if (idx < 0)
		return PSCI_E_INVALID_PARAMS;
	switch (sys->cpu[idx].state) {
	case PSCI_STATE_ON:
		return PSCI_AFF_ON;
	case PSCI_STATE_ON_PENDING:
		return PSCI_AFF_ON_PENDING;
	default:
		return PSCI_AFF_OFF;
	}
}

int psci_features(uint32_t fid)
{
	switch (fid) {
	case PSCI_CPU_SUSPEND:
	case PSCI_CPU_SUSPEND64:
		return 0;	/* original power_state format, no OS-initiated mode */
	case PSCI_VERSION:
	case PSCI_CPU_OFF:
	case PSCI_CPU_ON:
	case PSCI_CPU_ON64:
	case PSCI_AFFINITY_INFO:
	case PSCI_AFFINITY_INFO64:
	case PSCI_MIGRATE_INFO_TYPE:
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
	case PSCI_FEATURES:
	case 0x80000000U:	/* SMCCC_VERSION */
		return PSCI_E_SUCCESS;
	default:
		return PSCI_E_NOT_SUPPORTED;
	}
}
