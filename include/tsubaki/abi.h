/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * The Tsubaki collector's SMC ABI: one header for the secure firmware and the
 * Linux module (linux/module/). SiP service, fast calls.
 *
 * Arguments in x1..x3, results in x0..x3. x0 < 0 is an error (TSB_E_*).
 *
 * A 64-bit kernel calls the SMC64 IDs below. A 32-bit (ARMv7-A) kernel calls
 * the same services by their SMC32 IDs, TSB_SMC32(n), with 32-bit registers:
 *   - an address or size that is a whole number of 4 KiB pages travels as a
 *     page number or page count (TSB_PAGE_SHIFT), so 32 bits reach the 40-bit
 *     LPAE address space: GET_GRANT's x1, x2, STATUS's x1, x2, DISK_READ's
 *     offset x2 (in and out: its result x1 is the data's page number) and
 *     MEM_RELEASE's x1, x2;
 *   - REGISTER's note address is split: r2 its low word, r3 its high word,
 *     and its size moves to r4;
 *   - STATUS's dump id is its low 32 bits.
 * Everything else reads as for SMC64. The firmware answers both forms on
 * every architecture.
 */
#ifndef TSUBAKI_ABI_H
#define TSUBAKI_ABI_H

#define TSB_ABI_MAJOR		1
#define TSB_ABI_MINOR		2
#define TSB_ABI_VERSION		((TSB_ABI_MAJOR << 16) | TSB_ABI_MINOR)

#define TSB_SMC(n)		(0xc2000000U | (n))	/* fast, SMC64, SiP */
#define TSB_SMC32(n)		(0x82000000U | (n))	/* fast, SMC32, SiP */
#define TSB_SMC_IS_32(fid)	(((fid) & 0x40000000U) == 0)
#define TSB_SMC_AS_64(fid)	((fid) | 0x40000000U)	/* the SMC64 ID of either form */
#define TSB_PAGE_SHIFT		12	/* SMC32's page numbers and counts */

/* -> x0 = TSB_ABI_VERSION */
#define TSB_SMC_VERSION		TSB_SMC(0x00)
/*
 * x1 = ABI version the caller speaks, x2 = physical address of the kernel's
 * VMCOREINFO ELF note, x3 = its size in bytes. -> x0 = 0 | error.
 */
#define TSB_SMC_REGISTER	TSB_SMC(0x01)
/*
 * The kernel has panicked. x1 = flags (0). On success this does not return:
 * the collector dumps memory and restarts Linux. -> x0 = error otherwise.
 */
#define TSB_SMC_PANIC		TSB_SMC(0x02)
/* The restarted kernel is up (the paper's "restart done" point). -> x0 = 0 */
#define TSB_SMC_BOOT_DONE	TSB_SMC(0x03)
/*
 * Fetch memory that is now on disk and may be freed.
 * -> x0 = 0 and x1 = physical base, x2 = size (both page aligned), or
 *    x0 = TSB_E_NO_DATA when nothing is ready now.
 * x3 = TSB_GRANT_LAST when nothing more will follow for this dump.
 */
#define TSB_SMC_GET_GRANT	TSB_SMC(0x04)
/*
 * -> x0 = state (TSB_STATE_*), x1 = bytes on disk, x2 = bytes to dump (the
 * crashed kernel's RAM, less a spare window it never used), x3 = dump id
 */
#define TSB_SMC_STATUS		TSB_SMC(0x05)

#define TSB_GRANT_LAST		1

/*
 * Reading the dump disk from Linux (device mode, /dev/tsubaki/vmcore). A read
 * is started by TSB_SMC_DISK_READ and collected by TSB_SMC_DISK_POLL, so no
 * call holds a CPU in EL3 for more than one bounded step (a request queued,
 * one completion taken, at most TSB_DISK_READ_MAX bytes checksummed). One
 * read at a time, from any CPU; refused while the collector writes a dump.
 *
 * TSB_SMC_DISK_READ: x1 = dump id (0: the disk header, at offset 0 of the
 * disk), x2 = byte offset in that dump, x3 = length; both multiples of
 * TSB_DISK_READ_ALIGN, the length at most TSB_DISK_READ_MAX, the range inside
 * the dump's slot. -> x0 = 0 and x1 = the physical address the data will be
 * at (in the collector's scratch area, valid until the next read), or
 * TSB_E_BUSY (a dump is being written, or a read is in flight), TSB_E_NO_DATA
 * (no such dump on the disk), TSB_E_INVALID (range), TSB_E_NOT_SUPPORTED (no
 * dump disk), TSB_E_IO (the disk failed).
 *
 * TSB_SMC_DISK_POLL: -> x0 = TSB_E_AGAIN while the read is in flight; 0 when
 * done, x1 = bytes read, x2 = TSB_READ_* (the chunk checksums of data read
 * from the dump's data area), x3 = the first bad chunk for TSB_READ_BAD; or
 * TSB_E_IO, TSB_E_NO_DATA (no read started), TSB_E_INVALID (the dump's
 * metadata on disk is malformed: nothing can be checked).
 */
#define TSB_SMC_DISK_READ	TSB_SMC(0x06)
#define TSB_SMC_DISK_POLL	TSB_SMC(0x07)
/*
 * Memory mode (no dump disk, docs/design.md): the dump stays in RAM and Linux
 * saves it. TSB_SMC_DISK_READ of the dump in memory (its id, offsets below
 * TSB_META_SIZE) gives its metadata as on a disk -- TSB_E_BUSY until the
 * collector has checksummed every chunk -- and Linux reads the data from RAM.
 *
 * TSB_SMC_MEM_RELEASE: x1 = base, x2 = size: the range is saved and may be
 * handed back (it then comes back through TSB_SMC_GET_GRANT, except the
 * crashed kernel's window, the next spare). Whole chunks (the dump header's
 * chunk_size), every one still held. -> x0 = 0, or TSB_E_INVALID (unaligned,
 * outside the dump, or not its memory), TSB_E_DENIED (released already, or no
 * dump held in memory), TSB_E_AGAIN (not checksummed yet: retry).
 */
#define TSB_SMC_MEM_RELEASE	TSB_SMC(0x08)

/*
 * The watchdog (ABI 1.2): x1 = timeout in seconds, 1..TSB_WATCHDOG_MAX_S,
 * arms it or, armed, pings it (the countdown starts again from x1); x1 = 0
 * stops it. When it runs out, the collector takes a crash dump with the
 * cause watchdog and restarts Linux. Every restart stops it. -> x0 = 0, or
 * TSB_E_INVALID (timeout too long).
 */
#define TSB_SMC_WATCHDOG	TSB_SMC(0x09)
#define TSB_WATCHDOG_MAX_S	3600U

#define TSB_DISK_READ_MAX	(512U * 1024)
#define TSB_DISK_READ_ALIGN	4096U

#define TSB_READ_UNCHECKED	0	/* metadata, or not read from a chunk's start on */
#define TSB_READ_OK		1	/* every chunk that ends in the read matched */
#define TSB_READ_PARTIAL	2	/* so far so good: read on to the chunk's end */
#define TSB_READ_BAD		3	/* a chunk's data does not match its checksum */

#define TSB_E_OK		0
#define TSB_E_NOT_SUPPORTED	(-1)
#define TSB_E_INVALID		(-2)
#define TSB_E_DENIED		(-3)
#define TSB_E_NO_DATA		(-4)
#define TSB_E_VERSION		(-5)
#define TSB_E_BUSY		(-6)
#define TSB_E_AGAIN		(-7)
#define TSB_E_IO		(-8)

/* Collector states, as reported by TSB_SMC_STATUS and /sys/kernel/tsubaki/state. */
#define TSB_STATE_IDLE		0	/* no dump since power-on */
#define TSB_STATE_PRIMARY	1	/* primary dump (Linux is down) */
#define TSB_STATE_SECONDARY	2	/* secondary dump while Linux runs */
#define TSB_STATE_COMPLETE	3	/* last dump complete */
#define TSB_STATE_PARTIAL	4	/* last dump stopped early (disk full or failing) */
#define TSB_STATE_NO_DISK	5	/* last crash: no usable dump disk */
#define TSB_STATE_MEMORY	6	/* memory mode: a dump held in RAM, being saved by Linux */

#endif /* TSUBAKI_ABI_H */
