/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kernel: read the crashed kernel's virtual memory from a dump, without
 * debug info -- only VMCOREINFO (the addresses of the kernel image and of the
 * linear map, kallsyms) and the CPU records (include/tsubaki/vmcore_elf.h,
 * struct tsb_vmcore_map, shared with the Linux module):
 *
 *  - arm64, the kernel image: va in [_text, _end) (the KERNEL region) is
 *    pa = va - kimage_voffset;
 *  - arm64, the linear map: pa = va - PAGE_OFFSET + PHYS_OFFSET with
 *    PAGE_OFFSET = -(1 << VA_BITS), for va below PAGE_OFFSET + 2^(VA_BITS-1);
 *  - 32-bit ARM (an AArch32 dump), the linear map (lowmem), which holds the
 *    kernel image too: PAGE_OFFSET from SYMBOL(_stext), PHYS_OFFSET from the
 *    CPUs' TTBR1 or the RAM's base, checked against init_uts_ns
 *    (tsb_vmcore_map_a32()). Pointers are 4 bytes there.
 *
 * Used by the exporter to give each CPU's NT_PRSTATUS note the PID of the
 * task it was running and to step out of code the kernel image does not
 * cover (see export.h). Everything read is untrusted: reads are bounded and
 * fail cleanly when the memory is not in the dump.
 */
#ifndef TSUBAKI_KERNEL_H
#define TSUBAKI_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include <string.h>

#include "dumpfile.h"
#include "vmcoreinfo.h"
#include <tsubaki/vmcore_elf.h>

#define KMEM_PAGE		4096U

struct kmem {
	struct tsb_dump *dump;
	const struct vmci *vmci;
	/*
	 * The linear map (map.lin_ok), arm64's kernel image (map.have_image:
	 * kimage_voffset and the KERNEL region, [_text, _end) at
	 * map.image_start..image_end), ARM's text (map.text_start..text_end).
	 */
	struct tsb_vmcore_map map;
	/* one page of cache */
	bool cached;
	uint64_t cache_va;
	uint8_t cache[KMEM_PAGE];
	/* task_struct.thread_pid and struct pid numbers[0].nr, if found */
	int pid_state;		/* 0 not tried, 1 found, -1 not found */
	uint64_t off_thread_pid, off_pid_nr;
};

/*
 * Set up from @v (arm64: NUMBER(PHYS_OFFSET), NUMBER(VA_BITS), kimage_voffset;
 * ARM: SYMBOL(_stext), SYMBOL(swapper_pg_dir), init_uts_ns) and the dump's
 * header, CPU records and regions.
 */
void kmem_init(struct kmem *k, struct tsb_dump *dump, const struct vmci *v);

/* The linear-map address of @paddr..+@size, false if outside it. */
bool kmem_linear_va(const struct kmem *k, uint64_t paddr, uint64_t size,
		    uint64_t *va);
bool kmem_in_image(const struct kmem *k, uint64_t va);

/* @len bytes at kernel virtual address @va: 0, or -1 if not in the dump. */
int kmem_read(struct kmem *k, uint64_t va, void *buf, size_t len);

/* Look up @n kallsyms names; addrs[i] = 0 when not found. 0 or -1. */
int kmem_kallsyms(struct kmem *k, const char *const *names, uint64_t *addrs,
		  unsigned int n);

/* The PID of the task_struct at @task: 0, or -1 if it cannot be found. */
int kmem_task_pid(struct kmem *k, uint64_t task, uint32_t *pid);

/*
 * If @regs (tsb_vmcore_regs(): arm64 x0..x30, sp, pc, pstate at EL1; ARM
 * r0..r15, cpsr) has its pc outside the kernel image (ARM: its text), make
 * @regs the state of its first caller inside it (tsb_vmcore_unwind_cpu():
 * arm64 through the frame records, ARM from the stack). 1 if @regs was
 * changed, 0 if not needed (or nothing to unwind with), -1 if not possible.
 */
int kmem_unwind_into_image(struct kmem *k, uint64_t regs[TSB_ELF_PR_NREGS]);

#endif /* TSUBAKI_KERNEL_H */
