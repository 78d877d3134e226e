// SPDX-License-Identifier: BSD-3-Clause
/*
 * The per-CPU records (cpu.h): laid out by plat_core_pos() of the MPIDR,
 * which is what the reset code can compute, and found by DT index.
 */
#include <stdint.h>
#include <cpu.h>
#include <plat.h>
#include <platform_def.h>

struct pcpu fw_pcpu[PLAT_MAX_CPUS];
static struct pcpu *cpu_by_index[PLAT_MAX_CPUS];

int cpu_register(unsigned int index, uint64_t mpidr)
{
	int pos = plat_core_pos(mpidr);

	if (pos < 0 || pos >= PLAT_MAX_CPUS || index >= PLAT_MAX_CPUS)
		return -1;
	fw_pcpu[pos].index = index;
	cpu_by_index[index] = &fw_pcpu[pos];
	return 0;
}

struct pcpu *cpu_pcpu(unsigned int index)
{
	return index < PLAT_MAX_CPUS ? cpu_by_index[index] : 0;
}
