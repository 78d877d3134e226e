/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * export: turn one dump into an ELF vmcore like Linux's /proc/vmcore: ELF64
 * EM_AARCH64 for an arm64 dump, ELF32 EM_ARM for a 32-bit ARM one (format
 * version 5, arch aarch32).
 *
 * PT_NOTE: an NT_PRPSINFO note, an NT_PRSTATUS "CORE" note per CPU in CPU
 * order (a CPU without a valid record gets zero registers, so that note i
 * is always CPU i), then the VMCOREINFO note. PT_LOADs: on arm64 the kernel
 * image (p_vaddr = paddr + kimage_voffset) if all of its chunks are on disk,
 * then one per run of OK chunks in the linear map (p_vaddr = paddr -
 * PHYS_OFFSET + PAGE_OFFSET, PAGE_OFFSET = -(1 << VA_BITS)); on ARM, whose
 * image is in the linear map, one per run of OK chunks split where lowmem
 * starts and ends (PAGE_OFFSET and PHYS_OFFSET as tsb_vmcore_map_a32() finds
 * them; RAM outside lowmem at p_vaddr 0xffffffff, RAM above 4 GiB left out).
 * Data is streamed through one buffer.
 *
 * pr_pid is, as in Linux, the PID of the task the CPU was running (drgn
 * only uses a CPU's registers for a task whose PID matches), found through
 * the task_struct in SP_EL0 (ARM: TPIDRURO; see kernel.h). When it cannot be
 * found, or a PID is already taken by another CPU's note (several idle CPUs
 * are all PID 0, and gdb merges threads with equal PIDs), the note gets
 * TSB_PID_MAX_LIMIT + cpu, which no task has. The panic CPU gets its PID
 * first.
 *
 * A CPU caught at EL1 outside the kernel image (in a module: drgn has no
 * unwind info for it and stops there) is given the registers of its first
 * caller inside the image instead, from the frame-record chain (ARM: the
 * first return address into the kernel's text on its stack) -- like Linux,
 * whose vmcore has the panicking CPU's registers from the kernel's own crash
 * path. The recorded registers are in 'tsubaki-dump info';
 * export_opts.raw_regs keeps them in the vmcore.
 */
#ifndef TSUBAKI_EXPORT_H
#define TSUBAKI_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dumpfile.h"

#define EXPORT_BUF	(1U << 20)

struct export_opts {
	FILE *msg;	/* warnings ("tsubaki-dump: export: ..."), or NULL */
	/* called as data is written (done <= total bytes of segment data) */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *ctx;
	bool raw_regs;	/* keep the recorded registers (no unwinding) */
};

/*
 * Write @dump as a vmcore to @fd (from offset 0; the caller gives an empty
 * file). 0, TSB_E_DATA (written, but a chunk's checksum did not match: data
 * exported as found, message in dump->disk->err) or TSB_E_FORMAT (not
 * written: I/O error or unusable input, message in dump->disk->err).
 */
int tsb_export(struct tsb_dump *dump, int fd, const struct export_opts *o);

#endif /* TSUBAKI_EXPORT_H */
