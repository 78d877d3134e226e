// SPDX-License-Identifier: BSD-3-Clause
/*
 * PSCI 1.1 on the QEMU virt machine: CPU power states, SYSTEM_OFF through
 * the secure GPIO, and SYSTEM_RESET as a warm restart (no hardware reset).
 */
#include <stdint.h>
#include <arch.h>
#include <cpu.h>
#include <gic.h>
#include <log.h>
#include <psci.h>
#include <restart.h>
#include <stimer.h>

static struct psci_sys psci;

void psci_setup(const uint64_t *mpidr, unsigned int n, uint64_t ns_base, uint64_t ns_end)
{
	unsigned int i;

	psci_sys_init(&psci, mpidr, n, ns_base, ns_end);
	for (i = 0; i < psci.ncpus; i++)
		if (cpu_register(i, psci.cpu[i].mpidr))
			fw_panic("psci: cpu%u (MPIDR 0x%llx) cannot exist on this platform", i,
				 (unsigned long long)psci.cpu[i].mpidr);
}

unsigned int psci_ncpus(void)
{
	return psci.ncpus;
}

int psci_self_index(void)
{
	return psci_index_of(&psci, this_cpu()->mpidr);
}

/*
 * Every CPU that is not in the normal world waits here: off, or on its way
 * on after CPU_ON. CPU0 also picks up a restart's request to boot Linux.
 */
void __attribute__((noreturn)) psci_park(void)
{
	int self = psci_self_index();

	for (;;) {
		restart_poll_boot_request();
		spin_lock(&psci.lock);
		if (self >= 0 && !restart_in_progress() &&
		    psci.cpu[self].state == PSCI_STATE_ON_PENDING) {
			uint64_t entry = psci.cpu[self].entry;
			uint64_t arg = psci.cpu[self].context_id;

			psci.cpu[self].state = PSCI_STATE_ON;
			spin_unlock(&psci.lock);
			VERBOSE("psci: cpu%d on at 0x%llx", self, (unsigned long long)entry);
			restart_cpu_enters_ns();	/* parks instead if a restart began */
			cpu_enter_ns(entry, arg);
		}
		spin_unlock(&psci.lock);
		arch_wait_event();
	}
}

void psci_restart_begin(void)
{
	unsigned int i;

	spin_lock(&psci.lock);
	for (i = 0; i < psci.ncpus; i++)
		if (psci.cpu[i].state == PSCI_STATE_ON_PENDING)
			psci.cpu[i].state = PSCI_STATE_OFF;
	spin_unlock(&psci.lock);
}

void psci_restart_states(unsigned int boot_cpu)
{
	unsigned int i;

	spin_lock(&psci.lock);
	for (i = 0; i < psci.ncpus; i++)
		psci.cpu[i].state = i == boot_cpu ? PSCI_STATE_ON : PSCI_STATE_OFF;
	spin_unlock(&psci.lock);
}

static int64_t psci_cpu_suspend(uint64_t power_state)
{
	if (power_state & (1UL << 16))
		return PSCI_E_INVALID_PARAMS;	/* no power-down states */
	arch_mb();
	arch_wait_interrupt();
	return PSCI_E_SUCCESS;
}

static int64_t psci_cpu_off(unsigned int self)
{
	struct pcpu *p = this_cpu();
	int ret;

	spin_lock(&psci.lock);
	ret = psci_cpu_off_check(&psci, self);
	if (ret == PSCI_E_SUCCESS)
		psci.cpu[self].state = PSCI_STATE_OFF;
	spin_unlock(&psci.lock);
	if (ret != PSCI_E_SUCCESS)
		return ret;
	VERBOSE("psci: cpu%u off", self);
	stimer_cpu_off();
	gic_ns_reset_cpu(p->index);
	cpu_ns_reset();
	__atomic_store_n(&p->ns_epoch, 0, __ATOMIC_RELEASE);
	arch_reset_stack_and_call(psci_park);
}

static int64_t psci_cpu_on(uint64_t target, uint64_t entry, uint64_t ctx_id, int smc64)
{
	int ret;

	spin_lock(&psci.lock);
	ret = restart_in_progress() ? PSCI_E_DENIED :
	      psci_cpu_on_claim(&psci, target, entry, ctx_id, smc64);
	spin_unlock(&psci.lock);
	if (ret == PSCI_E_SUCCESS) {
		arch_mb();
		arch_send_event();
	}
	return ret;
}

int64_t psci_smc_handler(uint32_t fid, struct cpu_ctx *ctx, unsigned int self)
{
	uint64_t a1 = smc_arg(ctx, 1), a2 = smc_arg(ctx, 2), a3 = smc_arg(ctx, 3);
	int64_t ret;

	switch (fid) {
	case PSCI_VERSION:
		return PSCI_VERSION_1_1;
	case PSCI_CPU_SUSPEND:
	case PSCI_CPU_SUSPEND64:
		return psci_cpu_suspend(fid == PSCI_CPU_SUSPEND ? (uint32_t)a1 : a1);
	case PSCI_CPU_OFF:
		return psci_cpu_off(self);
	case PSCI_CPU_ON:
	case PSCI_CPU_ON64:
		return psci_cpu_on(a1, a2, a3, fid == PSCI_CPU_ON64);
	case PSCI_AFFINITY_INFO:
	case PSCI_AFFINITY_INFO64:
		if (fid == PSCI_AFFINITY_INFO) {
			a1 &= 0xffffffffULL;
			a2 &= 0xffffffffULL;
		}
		spin_lock(&psci.lock);
		ret = psci_affinity_info(&psci, a1, a2);
		spin_unlock(&psci.lock);
		return ret;
	case PSCI_MIGRATE_INFO_TYPE:
		return PSCI_TOS_NOT_PRESENT_MP;
	case PSCI_SYSTEM_OFF:
		restart_system_off();
	case PSCI_SYSTEM_RESET:
		restart_request(RESTART_RESET, ctx);
	case PSCI_FEATURES:
		return psci_features((uint32_t)a1);
	default:
		return PSCI_E_NOT_SUPPORTED;
	}
}
