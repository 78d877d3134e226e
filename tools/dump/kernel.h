/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kernel: read the crashed arm64 kernel's virtual memory from a dump, without
 * debug info -- only VMCOREINFO (the addresses of the kernel image and of the
 * linear map, kallsyms) and the CPU records:
 *
 *  - the kernel image: va in [_text, _end) (the KERNEL region) is
 *    pa = va - kimage_voffset;
 *  - the linear map: pa = va - PAGE_OFFSET + PHYS_OFFSET with
 *    PAGE_OFFSET = -(1 << VA_BITS), for va below PAGE_OFFSET + 2^(VA_BITS-1).
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

#include "dumpfile.h"
#include "vmcoreinfo.h"

#define KMEM_PAGE		4096U

struct linear_map {
	bool ok;
	uint64_t phys_offset;	/* NUMBER(PHYS_OFFSET) */
	uint64_t page_offset;	/* -(1 << NUMBER(VA_BITS)) */
	uint64_t span;		/* bytes the linear map covers */
};

struct kmem {
	struct tsb_dump *dump;
	const struct vmci *vmci;
	struct linear_map lin;
	bool have_image;		/* kimage_voffset and the KERNEL region */
	uint64_t kimage_voffset;
	uint64_t image_start, image_end;	/* [_text, _end) as virtual addresses */
	/* one page of cache */
	bool cached;
	uint64_t cache_va;
	uint8_t cache[KMEM_PAGE];
	/* task_struct.thread_pid and struct pid numbers[0].nr, if found */
	int pid_state;		/* 0 not tried, 1 found, -1 not found */
	uint64_t off_thread_pid, off_pid_nr;
};

/* Set up from @v (NUMBER(PHYS_OFFSET), NUMBER(VA_BITS), kimage_voffset). */
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
 * If @regs (x0..x30, sp, pc, pstate: EL1) has its pc outside the kernel
 * image, follow the frame-record chain from x29 to the first return address
 * inside the image and make @regs that caller's state at the call (pc = x30
 * = the return address, x29 = its frame record, sp = x29: GCC's arm64 frame
 * layout). 1 if @regs was changed, 0 if not needed, -1 if not possible.
 */
int kmem_unwind_into_image(struct kmem *k, uint64_t regs[34]);

#endif /* TSUBAKI_KERNEL_H */
