// SPDX-License-Identifier: BSD-3-Clause
/*
 * PSCI 1.1 on the QEMU virt machine: CPU power states, SYSTEM_OFF through
 * the secure GPIO, and SYSTEM_RESET as a warm restart (no hardware reset).
 */
#include <stdint.h>
#include <arch.h>
#include <boot.h>
#include <cpu.h>
#include <dump.h>
#include <fw_time.h>
#include <gicv3.h>
#include <log.h>
#include <platform_def.h>
#include <plat.h>
#include <psci.h>
#include <smccc.h>

#define PULL_TIMEOUT_US		200000

static struct psci_sys psci;
static volatile uint32_t restart_in_progress;
static volatile uint32_t boot_request;

void psci_setup(const uint64_t *mpidr, unsigned int n, uint64_t ns_base, uint64_t ns_end)
{
	psci_sys_init(&psci, mpidr, n, ns_base, ns_end);
}

unsigned int psci_ncpus(void)
{
	return psci.ncpus;
}

int psci_self_index(void)
{
	return psci_index_of(&psci, this_cpu()->mpidr);
}

static void set_state(unsigned int idx, enum psci_cpu_state st)
{
	spin_lock(&psci.lock);
	psci.cpu[idx].state = st;
	spin_unlock(&psci.lock);
}

void __attribute__((noreturn)) psci_park(void)
{
	int self = psci_self_index();

	for (;;) {
		if (self == 0 && boot_request) {
			boot_request = 0;
			boot_restart();
		}
		spin_lock(&psci.lock);
		if (self >= 0 && !restart_in_progress &&
		    psci.cpu[self].state == PSCI_STATE_ON_PENDING) {
			uint64_t entry = psci.cpu[self].entry;
			uint64_t arg = psci.cpu[self].context_id;

			psci.cpu[self].state = PSCI_STATE_ON;
			spin_unlock(&psci.lock);
			VERBOSE("psci: cpu%d on at 0x%lx", self, (unsigned long)entry);
			cpu_enter_ns(entry, arg);
		}
		spin_unlock(&psci.lock);
		wfe();
	}
}

/* Linux is entered on CPU0 by the boot path: mark it on. */
void psci_mark_boot_cpu_on(unsigned int self)
{
	unsigned int i;

	spin_lock(&psci.lock);
	for (i = 0; i < psci.ncpus; i++)
		psci.cpu[i].state = PSCI_STATE_OFF;
	if (self < psci.ncpus)
		psci.cpu[self].state = PSCI_STATE_ON;
	restart_in_progress = 0;
	spin_unlock(&psci.lock);
}

void __attribute__((noreturn)) psci_pulled_in(void)
{
	struct pcpu *p = this_cpu();
	int self = psci_self_index();

	if (self >= 0)
		dump_cpu_seized((unsigned int)self, &p->ctx);
	gicv3_ns_reset_cpu(p->mpidr);
	cpu_ns_reset();
	if (self >= 0)
		set_state(self, PSCI_STATE_OFF);
	p->parked = 1;
	dsb_sy();
	sev();
	arch_reset_stack_and_call(psci_park);
}

void psci_pull_others(unsigned int self)
{
	uint64_t deadline;
	unsigned int i;

	spin_lock(&psci.lock);
	restart_in_progress = 1;
	for (i = 0; i < psci.ncpus; i++) {
		struct pcpu *p = &fw_pcpu[i];

		if (i == self)
			continue;
		if (psci.cpu[i].state == PSCI_STATE_ON_PENDING)
			psci.cpu[i].state = PSCI_STATE_OFF;
		if (psci.cpu[i].state != PSCI_STATE_ON)
			continue;
		p->parked = 0;
		p->pull_req = 1;
		dsb_sy();
		gicv3_send_sgi0(PLAT_SGI_PULL, psci.cpu[i].mpidr);
	}
	spin_unlock(&psci.lock);

	deadline = fw_deadline_us(PULL_TIMEOUT_US);
	for (i = 0; i < psci.ncpus; i++) {
		if (i == self || !fw_pcpu[i].pull_req)
			continue;
		while (!fw_pcpu[i].parked && !fw_deadline_passed(deadline))
			;
		if (!fw_pcpu[i].parked) {
			WARN("psci: cpu%u did not answer the pull-in SGI", i);
			fw_pcpu[i].pull_req = 0;
			set_state(i, PSCI_STATE_OFF);
		}
	}
}

void __attribute__((noreturn)) psci_restart_linux(unsigned int self)
{
	uint64_t deadline;

	if (self == 0)
		arch_reset_stack_and_call(boot_restart);
	/*
	 * Linux restarts on CPU0. If CPU0 is parked it picks the request up;
	 * if it never got there, restart here rather than not at all.
	 */
	gicv3_ns_reset_cpu(this_cpu()->mpidr);
	cpu_ns_reset();
	set_state(self, PSCI_STATE_OFF);
	if (fw_pcpu[0].parked || psci.cpu[0].state == PSCI_STATE_OFF) {
		boot_request = 1;
		dsb_sy();
		sev();
		deadline = fw_deadline_us(PULL_TIMEOUT_US);
		while (boot_request && !fw_deadline_passed(deadline))
			;
		if (!boot_request)
			arch_reset_stack_and_call(psci_park);
		boot_request = 0;
	}
	WARN("psci: CPU0 unavailable, restarting Linux on cpu%u", self);
	arch_reset_stack_and_call(boot_restart);
}

static int64_t psci_cpu_suspend(uint64_t power_state)
{
	if (power_state & (1UL << 16))
		return PSCI_E_INVALID_PARAMS;	/* no power-down states */
	dsb_sy();
	wfi();
	return PSCI_E_SUCCESS;
}

static int64_t psci_cpu_off(unsigned int self)
{
	int ret;

	unsigned int i;

	spin_lock(&psci.lock);
	ret = psci_cpu_off_check(&psci, self);
	if (ret == PSCI_E_SUCCESS) {
		psci.cpu[self].state = PSCI_STATE_OFF;
		/* A secondary dump must not wait for this CPU to come back. */
		for (i = 0; i < psci.ncpus; i++)
			if (psci.cpu[i].state == PSCI_STATE_ON) {
				dump_route_irq(psci.cpu[i].mpidr);
				break;
			}
	}
	spin_unlock(&psci.lock);
	if (ret != PSCI_E_SUCCESS)
		return ret;
	VERBOSE("psci: cpu%u off", self);
	gicv3_ns_reset_cpu(this_cpu()->mpidr);
	cpu_ns_reset();
	arch_reset_stack_and_call(psci_park);
}

static int64_t psci_cpu_on(uint64_t target, uint64_t entry, uint64_t ctx_id, int smc64)
{
	int ret;

	spin_lock(&psci.lock);
	ret = restart_in_progress ? PSCI_E_DENIED :
	      psci_cpu_on_claim(&psci, target, entry, ctx_id, smc64);
	spin_unlock(&psci.lock);
	if (ret == PSCI_E_SUCCESS) {
		dsb_sy();
		sev();
	}
	return ret;
}

static void __attribute__((noreturn)) psci_system_off(void)
{
	dump_quiesce("power off");
	log_event("system-off", "boot=%u", boot_count());
	plat_system_off();
}

int64_t psci_smc_handler(uint32_t fid, struct cpu_ctx *ctx, unsigned int self)
{
	uint64_t a1 = ctx->x[1], a2 = ctx->x[2], a3 = ctx->x[3];
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
		psci_system_off();
	case PSCI_SYSTEM_RESET:
		log_event("restart-request", "boot=%u cpu=%u", boot_count(), self);
		psci_pull_others(self);
		psci_restart_linux(self);
	case PSCI_FEATURES:
		return psci_features((uint32_t)a1);
	default:
		return PSCI_E_NOT_SUPPORTED;
	}
}
