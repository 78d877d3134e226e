/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PSCI 1.1: function IDs, return codes, and the CPU power-state machine. The
 * state machine is plain C (services/psci_state.c) so that it links into host
 * unit tests; services/psci.c glues it to the hardware.
 */
#ifndef PSCI_H
#define PSCI_H
#include <stdint.h>
#include <spinlock.h>

#define PSCI_VERSION		0x84000000U
#define PSCI_CPU_SUSPEND	0x84000001U
#define PSCI_CPU_SUSPEND64	0xc4000001U
#define PSCI_CPU_OFF		0x84000002U
#define PSCI_CPU_ON		0x84000003U
#define PSCI_CPU_ON64		0xc4000003U
#define PSCI_AFFINITY_INFO	0x84000004U
#define PSCI_AFFINITY_INFO64	0xc4000004U
#define PSCI_MIGRATE_INFO_TYPE	0x84000006U
#define PSCI_SYSTEM_OFF		0x84000008U
#define PSCI_SYSTEM_RESET	0x84000009U
#define PSCI_FEATURES		0x8400000aU

#define PSCI_VERSION_1_1	0x10001

#define PSCI_E_SUCCESS		0
#define PSCI_E_NOT_SUPPORTED	(-1)
#define PSCI_E_INVALID_PARAMS	(-2)
#define PSCI_E_DENIED		(-3)
#define PSCI_E_ALREADY_ON	(-4)
#define PSCI_E_ON_PENDING	(-5)
#define PSCI_E_INTERN_FAIL	(-6)
#define PSCI_E_NOT_PRESENT	(-7)
#define PSCI_E_DISABLED		(-8)
#define PSCI_E_INVALID_ADDRESS	(-9)

#define PSCI_AFF_ON		0
#define PSCI_AFF_OFF		1
#define PSCI_AFF_ON_PENDING	2

#define PSCI_TOS_NOT_PRESENT_MP	2	/* MIGRATE_INFO_TYPE: no Trusted OS */

#define PSCI_MAX_CPUS		8

enum psci_cpu_state {
	PSCI_STATE_OFF = 0,
	PSCI_STATE_ON_PENDING,
	PSCI_STATE_ON,
};

struct psci_cpu {
	uint64_t mpidr;
	enum psci_cpu_state state;
	uint64_t entry;		/* valid while ON_PENDING */
	uint64_t context_id;
};

struct psci_sys {
	spinlock_t lock;
	unsigned int ncpus;
	struct psci_cpu cpu[PSCI_MAX_CPUS];
	uint64_t ns_base;	/* valid entry points: [ns_base, ns_end) */
	uint64_t ns_end;
};

/* Generic state machine; callers hold sys->lock around each call. */
void psci_sys_init(struct psci_sys *sys, const uint64_t *mpidr, unsigned int n,
		   uint64_t ns_base, uint64_t ns_end);
int psci_index_of(const struct psci_sys *sys, uint64_t mpidr);
int psci_cpu_on_claim(struct psci_sys *sys, uint64_t target, uint64_t entry,
		      uint64_t context_id, int is_smc64);
int psci_cpu_off_check(const struct psci_sys *sys, unsigned int self);
int psci_affinity_info(const struct psci_sys *sys, uint64_t target, uint64_t level);
int psci_features(uint32_t fid);
unsigned int psci_count_on(const struct psci_sys *sys);

/* Firmware glue (services/psci.c). */
struct cpu_ctx;
int64_t psci_smc_handler(uint32_t fid, struct cpu_ctx *ctx, unsigned int self);
/* Where every CPU waits in EL3 while it is not in the normal world. */
void __attribute__((noreturn)) psci_park(void);
/* Cold boot: the CPUs from the DT; registers their indices (cpu_register()). */
void psci_setup(const uint64_t *mpidr, unsigned int n, uint64_t ns_base, uint64_t ns_end);
int psci_self_index(void);
unsigned int psci_ncpus(void);
/*
 * For the restart sequence (firmware/restart/): a restart began, so no
 * CPU_ON still pending may complete; and Linux is entered on @boot_cpu,
 * which alone is on.
 */
void psci_restart_begin(void);
void psci_restart_states(unsigned int boot_cpu);

#endif
