// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/tsubaki/vmcore: a dump as an ELF vmcore, laid out like /proc/vmcore
 * and byte for byte like `tsubaki-dump export` (include/tsubaki/vmcore_elf.h
 * is the one implementation of that layout).
 *
 * Device mode: the dump is on the collector's hidden dump disk. Its bytes
 * come through the collector (TSB_SMC_DISK_READ/POLL), which checks each
 * chunk against the dump's checksums on the way; a chunk at a time is kept
 * here. /sys/kernel/tsubaki/dumps lists the dumps on the disk and
 * vmcore_dump chooses one (docs/ABI/testing/sysfs-kernel-tsubaki).
 *
 * Nothing read from the disk is trusted: every header field is checked
 * before it is used, and a malformed dump only fails to open.
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kobject.h>
#include <linux/math64.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/crash_core.h>
#include <tsubaki/abi.h>
#include <tsubaki/dump_format.h>
#include <tsubaki/vmcore_elf.h>
#include "tsubaki.h"

/* ---- Dump reading: the collector's disk ---- */

#define TSB_READ_TIMEOUT_MS	30000

static DEFINE_MUTEX(tsb_vm_lock);	/* everything below */
static void *tsb_xfer;			/* the collector's transfer area, mapped */
static phys_addr_t tsb_xfer_pa;

/*
 * Read @len bytes at @off of dump @id (0: the disk header) into @buf, in
 * pieces of at most TSB_DISK_READ_MAX. *@verdict gets the TSB_READ_* of the
 * last piece. Returns 0 or -errno.
 */
static int tsb_disk_read(u64 id, u64 off, void *buf, size_t len, u64 *verdict)
{
	struct tsb_res res;
	unsigned long deadline;
	size_t n;
	int err;

	while (len) {
		n = min_t(size_t, len, TSB_DISK_READ_MAX);
		err = tsb_smc(&res, TSB_SMC_DISK_READ, id, off, n);
		if (err == TSB_E_BUSY)
			return -EBUSY;
		if (err == TSB_E_NO_DATA)
			return -ENOENT;
		if (err == TSB_E_NOT_SUPPORTED)
			return -ENODEV;
		if (err)
			return err == TSB_E_INVALID ? -EINVAL : -EIO;
		if (res.a1 != tsb_xfer_pa || !tsb_xfer) {
			if (tsb_xfer)
				memunmap(tsb_xfer);
			tsb_xfer_pa = res.a1;
			tsb_xfer = memremap(tsb_xfer_pa, TSB_DISK_READ_MAX, MEMREMAP_WC);
		}
		/* Collect the read even without a mapping: the next one waits for it. */
		deadline = jiffies + msecs_to_jiffies(TSB_READ_TIMEOUT_MS);
		do {
			err = tsb_smc(&res, TSB_SMC_DISK_POLL, 0, 0, 0);
			if (err == TSB_E_AGAIN)
				usleep_range(50, 200);
		} while (err == TSB_E_AGAIN && time_before(jiffies, deadline));
		if (err == TSB_E_NO_DATA)
			return -ENOENT;
		if (err == TSB_E_INVALID)
			return -EUCLEAN;	/* the dump's metadata is malformed */
		if (err)
			return -EIO;
		if (!tsb_xfer)
			return -ENOMEM;
		memcpy(buf, tsb_xfer, n);
		*verdict = res.a2;
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* ---- Dump reading: the vmcore of one dump ---- */

struct tsb_vmcore {
	u64 id;
	struct tsb_dump_header h;
	struct tsb_cpu_record cpu[TSB_MAX_CPUS];
	u8 vmci[TSB_VMCOREINFO_MAX];
	struct tsb_region reg[TSB_MAX_REGIONS];
	struct tsb_chunk *chunks;
	u8 *meta;		/* the metadata as read: header .. chunk table */
	size_t meta_len;
	int kernel_region;
	/* the crashed kernel's address space (from its VMCOREINFO) */
	const char *vtext;
	size_t vlen;
	struct tsb_vmcore_map map;
	/* the file */
	u8 *head;		/* ELF header, program headers, notes */
	size_t head_len;
	struct tsb_elf_seg *seg;
	unsigned int nsegs;
	u64 size;
	/* one chunk of data */
	u8 *cbuf;
	u64 cchunk;
	bool cvalid;
	u64 bad_chunks;
};

static struct tsb_vmcore *tsb_vm;	/* the open dump, or NULL */
static u64 tsb_vm_want;			/* chosen in sysfs; 0 = the newest */
static int tsb_vm_users;

static void tsb_vm_free(struct tsb_vmcore *v)
{
	if (!v)
		return;
	vfree(v->chunks);
	vfree(v->meta);
	kfree(v->head);
	kvfree(v->seg);
	vfree(v->cbuf);
	kfree(v);
}

static u64 tsb_chunk_len(const struct tsb_vmcore *v, u64 i)
{
	u64 left = v->h.ram_size - i * v->h.chunk_size;

	return min(left, v->h.chunk_size);
}

/* Bring chunk @i into the chunk buffer: 0 or -errno. */
static int tsb_load_chunk(struct tsb_vmcore *v, u64 i)
{
	u64 verdict = TSB_READ_UNCHECKED;
	int err;

	if (v->cvalid && v->cchunk == i)
		return 0;
	if (i >= v->h.nchunks || v->chunks[i].state != TSB_CHUNK_OK)
		return -ENODATA;
	v->cvalid = false;
	if (tsb_memory_mode) {
		/* the crashed kernel's RAM itself, checked against the collector's sum */
		err = tsb_copy_pending(v->h.ram_base + i * v->h.chunk_size, v->cbuf,
				       tsb_chunk_len(v, i));
		if (!err)
			verdict = tsb_sum64(0, v->cbuf, tsb_chunk_len(v, i)) ==
				  v->chunks[i].checksum ? TSB_READ_OK : TSB_READ_BAD;
	} else {
		err = tsb_disk_read(v->id, v->h.data_offset + i * v->h.chunk_size, v->cbuf,
				    round_up(tsb_chunk_len(v, i), TSB_DISK_READ_ALIGN), &verdict);
	}
	if (err)
		return err;
	if (verdict != TSB_READ_OK) {
		/* As tsubaki-dump export: the data as found, and say so. */
		v->bad_chunks++;
		dev_warn_ratelimited(tsb_dev, "dump %llu: chunk %llu (paddr %#llx) %s\n",
				     v->id, i, v->h.ram_base + i * v->h.chunk_size,
				     verdict == TSB_READ_BAD ? "does not match its checksum" :
				     "could not be checked");
	}
	v->cchunk = i;
	v->cvalid = true;
	return 0;
}

/* @len bytes of the crashed kernel's RAM at @pa, all in chunks on disk. */
static int tsb_read_phys(struct tsb_vmcore *v, u64 pa, void *buf, size_t len)
{
	u64 ram_end = v->h.ram_base + v->h.ram_size;

	if (pa < v->h.ram_base || pa >= ram_end || len > ram_end - pa)
		return -ENODATA;
	while (len) {
		u64 co, i = div64_u64_rem(pa - v->h.ram_base, v->h.chunk_size, &co);
		size_t n = min_t(u64, len, tsb_chunk_len(v, i) - co);
		int err = tsb_load_chunk(v, i);

		if (err)
			return err;
		memcpy(buf, v->cbuf + co, n);
		buf += n;
		pa += n;
		len -= n;
	}
	return 0;
}

static int tsb_read_phys_cb(void *ctx, u64 pa, void *buf, size_t len)
{
	return tsb_read_phys(ctx, pa, buf, len);
}

static int tsb_read_va(void *ctx, u64 va, void *buf, size_t len)
{
	struct tsb_vmcore *v = ctx;

	/* page by page, as each page may come from elsewhere */
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		u64 pa;

		if (!tsb_vmcore_va_to_pa(&v->map, va, &pa) || tsb_read_phys(v, pa, buf, n))
			return -1;
		buf += n;
		va += n;
		len -= n;
	}
	return 0;
}

static int tsb_vmci_u64(const struct tsb_vmcore *v, const char *key, unsigned int base, u64 *out)
{
	return tsb_vmci_number(v->vtext, v->vlen, key, base, out);
}

/* VMCOREINFO: as text for the lookups, as a note for the file. */
static void tsb_vm_vmcoreinfo(struct tsb_vmcore *v, long *note_len)
{
	size_t size = v->h.vmcoreinfo_size;

	v->vtext = "";
	v->vlen = 0;
	*note_len = tsb_vmcoreinfo_note_len(v->vmci, size);
	if (!size) {
		*note_len = -1;
	} else if (*note_len > 0) {
		u32 namesz = tsb_get_le32(v->vmci), descsz = tsb_get_le32(v->vmci + 4);

		v->vtext = (const char *)v->vmci + TSB_ELF_NHDR_SIZE + tsb_align4(namesz);
		v->vlen = strnlen(v->vtext, descsz);
	} else if (*note_len == 0 && v->vmci[0] >= 'A' && v->vmci[0] <= 'Z') {
		v->vtext = (const char *)v->vmci;
		v->vlen = strnlen(v->vtext, size);
	} else {
		*note_len = -1;
		dev_warn(tsb_dev, "dump %llu: malformed VMCOREINFO: left out\n", v->id);
	}
	if (v->h.arch == TSB_ARCH_AARCH32)
		tsb_vmcore_map_a32(&v->map, v->vtext, v->vlen, &v->h, v->cpu, v->reg,
				   tsb_read_phys_cb, v);
	else
		tsb_vmcore_map_a64(&v->map, v->vtext, v->vlen,
				   v->kernel_region >= 0 ? &v->reg[v->kernel_region] : NULL);
}

/*
 * Does the crashed kernel run this very build (same BUILD-ID in both
 * VMCOREINFOs)? Then its task_struct and struct pid are laid out as ours.
 */
static bool tsb_same_build(const struct tsb_vmcore *v)
{
	const char *mine_note = (const char *)phys_to_virt(paddr_vmcoreinfo_note());
	u32 namesz = tsb_get_le32((const u8 *)mine_note);
	u32 descsz = tsb_get_le32((const u8 *)mine_note + 4);
	const char *mine = mine_note + TSB_ELF_NHDR_SIZE + tsb_align4(namesz);
	const char *a, *b;
	long na, nb;

	if (namesz != sizeof("VMCOREINFO") || descsz > VMCOREINFO_BYTES)
		return false;
	na = tsb_vmci_find(v->vtext, v->vlen, "BUILD-ID", &a);
	nb = tsb_vmci_find(mine, strnlen(mine, descsz), "BUILD-ID", &b);
	return na > 0 && na == nb && !memcmp(a, b, na);
}

/* The PID of the task at @task in the crashed kernel (this build): 0 or -1. */
static int tsb_task_pid(struct tsb_vmcore *v, u64 task, u32 *pid)
{
	unsigned long p;

	if (tsb_read_va(v, task + offsetof(struct task_struct, thread_pid), &p, sizeof(p)) ||
	    tsb_read_va(v, p + offsetof(struct pid, numbers[0].nr), pid, sizeof(*pid)) ||
	    *pid >= TSB_PID_MAX_LIMIT)
		return -1;
	return 0;
}

/* The notes: NT_PRPSINFO if needed, a NT_PRSTATUS per CPU, VMCOREINFO. */
static int tsb_vm_notes(struct tsb_vmcore *v, u8 *notes, size_t *len)
{
	unsigned int n = v->h.ncpus, i;
	u32 pid[TSB_MAX_CPUS];
	u8 known[TSB_MAX_CPUS];
	u64 pac = 0;
	long vlen;
	int zero;
	size_t off = 0;
	bool same;

	tsb_vm_vmcoreinfo(v, &vlen);
	same = tsb_same_build(v);
	if (!same)
		dev_warn(tsb_dev, "dump %llu: the crashed kernel is another build: no PIDs in its CPU notes\n",
			 v->id);
	tsb_vmci_u64(v, "NUMBER(KERNELPACMASK)", 16, &pac);
	for (i = 0; i < n; i++) {
		u64 task;

		known[i] = same && tsb_vmcore_current(v->h.arch, &v->cpu[i], &task) &&
			   !tsb_task_pid(v, task, &pid[i]);
	}
	zero = tsb_vmcore_pids(n, v->h.panic_cpu, pid, known);
	{
		u8 desc[TSB_ELF_PRPSINFO_SIZE];
		char args[80];

		snprintf(args, sizeof(args), "Tsubaki dump %llu (boot %llu)", v->h.dump_id,
			 v->h.boot_count);
		tsb_elf_prpsinfo(desc, v->h.arch, tsb_vmcore_psinfo_pid(zero, n), "vmlinux", args);
		off += tsb_elf_put_note(notes + off, "CORE", TSB_ELF_NT_PRPSINFO, desc,
					tsb_elf_prpsinfo_size(v->h.arch));
	}
	for (i = 0; i < n; i++) {
		const struct tsb_cpu_record *r = &v->cpu[i];
		u64 regs[TSB_ELF_PR_NREGS];
		u8 desc[TSB_ELF_PRSTATUS_SIZE];

		tsb_vmcore_regs(v->h.arch, r, regs);
		if (r->valid && !tsb_cause_is_hang(v->h.cause))
			tsb_vmcore_unwind_cpu(&v->map, regs, pac, tsb_read_va, v);
		tsb_elf_prstatus(desc, v->h.arch, pid[i], regs);
		off += tsb_elf_put_note(notes + off, "CORE", TSB_ELF_NT_PRSTATUS, desc,
					tsb_elf_prstatus_size(v->h.arch));
	}
	if (vlen > 0) {
		memcpy(notes + off, v->vmci, vlen);
		off += vlen;
	} else if (vlen == 0) {
		off += tsb_elf_put_note(notes + off, "VMCOREINFO", 0, v->vtext, v->vlen);
	}
	*len = off;
	return 0;
}

/* Are all chunks under [pa, pa + size) on disk? */
static bool tsb_range_ok(const struct tsb_vmcore *v, u64 pa, u64 size)
{
	u64 i, first, last;

	if (!size || pa < v->h.ram_base || pa - v->h.ram_base >= v->h.ram_size ||
	    size > v->h.ram_size - (pa - v->h.ram_base))
		return false;
	first = div64_u64(pa - v->h.ram_base, v->h.chunk_size);
	last = div64_u64(pa + size - 1 - v->h.ram_base, v->h.chunk_size);
	for (i = first; i <= last; i++)
		if (v->chunks[i].state != TSB_CHUNK_OK)
			return false;
	return true;
}

static int tsb_add_seg(struct tsb_vmcore *v, unsigned int cap, u64 vaddr, u64 paddr, u64 size)
{
	if (v->nsegs >= cap)
		return -E2BIG;
	v->seg[v->nsegs++] = (struct tsb_elf_seg){ .vaddr = vaddr, .paddr = paddr, .size = size };
	return 0;
}

/*
 * The kernel image segment (arm64), then one per run of chunks on disk
 * (ARM: split where lowmem starts and ends, tsb_vmcore_piece()).
 */
static int tsb_vm_segs(struct tsb_vmcore *v)
{
	unsigned int cap = 1, runs = 0, err = 0;
	u64 i, j, n = v->h.nchunks;

	for (i = 0; i < n; i++)
		runs += v->chunks[i].state == TSB_CHUNK_OK &&
			(!i || v->chunks[i - 1].state != TSB_CHUNK_OK);
	cap += runs * (tsb_elf_is32(v->h.arch) ? 3 : 1);
	if (cap > TSB_ELF_MAX_SEGS)
		return -E2BIG;
	v->seg = kvcalloc(cap, sizeof(*v->seg), GFP_KERNEL);
	if (!v->seg)
		return -ENOMEM;
	if (v->map.have_image && tsb_range_ok(v, v->reg[v->kernel_region].paddr,
					      v->reg[v->kernel_region].size))
		err = tsb_add_seg(v, cap, v->map.image_start, v->reg[v->kernel_region].paddr,
				  v->reg[v->kernel_region].size);
	for (i = 0; !err && i < n; i = j) {
		u64 pa = v->h.ram_base + i * v->h.chunk_size, len, va, piece;
		int keep;

		for (j = i; j < n && v->chunks[j].state == TSB_CHUNK_OK; j++)
			;
		if (j == i) {
			j++;
			continue;
		}
		len = (j - 1) * v->h.chunk_size + tsb_chunk_len(v, j - 1) - i * v->h.chunk_size;
		for (; !err && len; pa += piece, len -= piece) {
			piece = tsb_vmcore_piece(&v->map, pa, len, &va, &keep);
			if (keep)
				err = tsb_add_seg(v, cap, va, pa, piece);
		}
	}
	return err;
}

/* The header fields the vmcore relies on (the collector checked the geometry). */
static int tsb_vm_check(struct tsb_vmcore *v)
{
	const struct tsb_dump_header *h = &v->h;
	unsigned int i;

	if (h->magic != TSB_DUMP_MAGIC || !tsb_dump_header_len(h->version) ||
	    h->dump_id != v->id || !h->ncpus || h->ncpus > TSB_MAX_CPUS ||
	    h->panic_cpu >= h->ncpus || h->vmcoreinfo_size > TSB_VMCOREINFO_MAX ||
	    h->nregions > TSB_MAX_REGIONS || !h->chunk_size || h->chunk_size > SZ_4M ||
	    !is_power_of_2(h->chunk_size) || !h->nchunks || h->nchunks > TSB_MAX_CHUNKS ||
	    h->ram_size > h->nchunks * h->chunk_size ||
	    h->ram_size <= (h->nchunks - 1) * h->chunk_size ||
	    h->ram_base > U64_MAX - h->ram_size || h->data_offset != TSB_META_SIZE ||
	    tsb_dump_arch(h) > TSB_ARCH_AARCH32)
		return -EUCLEAN;
	v->h.arch = tsb_dump_arch(h);	/* versions 1-4: AArch64 */
	v->kernel_region = -1;
	for (i = 0; i < h->nregions; i++)
		if (v->reg[i].kind == TSB_REGION_KERNEL)
			v->kernel_region = i;
	for (i = 0; i < h->nchunks; i++)
		if (v->chunks[i].state > TSB_CHUNK_EXCLUDED)
			return -EUCLEAN;
	return 0;
}

static int tsb_vm_build(struct tsb_vmcore *v)
{
	u8 *meta = vmalloc(TSB_META_SIZE), *notes = NULL;
	size_t notes_len, hlen;
	u64 verdict;
	int err;

	if (!meta)
		return -ENOMEM;
	err = tsb_disk_read(v->id, 0, meta, TSB_META_SIZE, &verdict);
	if (!err) {
		memcpy(&v->h, meta + TSB_OFF_HEADER, sizeof(v->h));
		memcpy(v->cpu, meta + TSB_OFF_CPUS, sizeof(v->cpu));
		memcpy(v->vmci, meta + TSB_OFF_VMCOREINFO, sizeof(v->vmci));
		memcpy(v->reg, meta + TSB_OFF_REGIONS, sizeof(v->reg));
		err = v->h.nchunks <= TSB_MAX_CHUNKS ? 0 : -EUCLEAN;
	}
	if (!err) {
		v->chunks = vmalloc(array_size(v->h.nchunks ?: 1, sizeof(*v->chunks)));
		if (v->chunks)
			memcpy(v->chunks, meta + TSB_OFF_CHUNKS,
			       v->h.nchunks * sizeof(*v->chunks));
		err = v->chunks ? tsb_vm_check(v) : -ENOMEM;
	}
	v->meta = meta;
	v->meta_len = err ? 0 : TSB_OFF_CHUNKS + v->h.nchunks * sizeof(*v->chunks);
	if (!err) {
		v->cbuf = vmalloc(round_up(v->h.chunk_size, TSB_DISK_READ_ALIGN));
		/* ncpus PRSTATUS, a PRPSINFO and VMCOREINFO, all bounded */
		notes = kzalloc((TSB_MAX_CPUS + 1) * 512 + TSB_VMCOREINFO_MAX + 64, GFP_KERNEL);
		err = v->cbuf && notes ? 0 : -ENOMEM;
	}
	if (!err)
		err = tsb_vm_notes(v, notes, &notes_len);
	if (!err)
		err = tsb_vm_segs(v);
	if (!err && tsb_elf_layout(v->h.arch, v->seg, v->nsegs, notes_len, &v->size))
		err = -EFBIG;
	if (!err) {
		hlen = tsb_elf_headers_size(v->h.arch, v->nsegs, 0);
		v->head_len = hlen + notes_len;
		v->head = kvzalloc(v->head_len, GFP_KERNEL);
		err = v->head ? 0 : -ENOMEM;
	}
	if (!err) {
		tsb_elf_put_headers(v->head, v->h.arch, v->seg, v->nsegs, notes_len);
		memcpy(v->head + hlen, notes, notes_len);
	}
	kfree(notes);
	return err;
}

/* ---- Dump reading: which dumps there are ---- */

static int tsb_read_disk_header(struct tsb_disk_header *d)
{
	u8 *blk = kmalloc(TSB_BLOCK, GFP_KERNEL);
	u64 verdict;
	int err;

	if (!blk)
		return -ENOMEM;
	/* The collector gives the copy of the two that counts. */
	err = tsb_disk_read(0, 0, blk, TSB_BLOCK, &verdict);
	if (!err) {
		memcpy(d, blk, sizeof(*d));
		if (d->magic != TSB_DISK_MAGIC || d->nslots > TSB_MAX_DUMPS ||
		    !tsb_disk_header_len(d->version) || tsb_disk_header_sum(d) != d->checksum)
			err = -ENOENT;	/* an unformatted disk holds no dumps */
	}
	kfree(blk);
	return err;
}

/* The dump held in memory (memory mode): 0, or -ENOENT. */
static int tsb_in_memory(u64 *id, u64 *bytes)
{
	struct tsb_res res;

	if (tsb_smc(&res, TSB_SMC_STATUS, 0, 0, 0) != TSB_STATE_MEMORY)
		return -ENOENT;
	*id = res.a3;
	*bytes = res.a2;
	return 0;
}

/* The newest dump on the disk, or the one in memory (0 if none). */
static int tsb_newest(u64 *id)
{
	struct tsb_disk_header *d;
	unsigned int i;
	u64 bytes;
	int err;

	if (tsb_memory_mode)
		return tsb_in_memory(id, &bytes);
	d = kmalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	err = tsb_read_disk_header(d);
	*id = 0;
	for (i = 0; !err && i < d->nslots; i++)
		if (d->slot[i].state != TSB_DUMP_EMPTY && d->slot[i].dump_id > *id)
			*id = d->slot[i].dump_id;
	kfree(d);
	return err ?: *id ? 0 : -ENOENT;
}

/* Open the chosen dump (or the newest) unless it is open already. */
static int tsb_vm_open_dump(void)
{
	struct tsb_vmcore *v;
	u64 id = tsb_vm_want;
	int err = 0;

	if (!id)
		err = tsb_newest(&id);
	if (err)
		return err;
	if (tsb_vm && tsb_vm->id == id)
		return 0;
	if (tsb_vm_users)
		return -EBUSY;	/* another dump is open */
	tsb_vm_free(tsb_vm);
	tsb_vm = NULL;
	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->id = id;
	err = tsb_vm_build(v);
	if (err) {
		if (err != -EBUSY)	/* busy: the collector is writing or checksumming */
			dev_warn(tsb_dev, "dump %llu: cannot present it as a vmcore (%d)\n", id,
				 err);
		tsb_vm_free(v);
		return err;
	}
	tsb_vm = v;
	return 0;
}

/* ---- Dump reading: the character device ---- */

static int tsb_vm_fop_open(struct inode *inode, struct file *file)
{
	int err;

	if (file->f_mode & FMODE_WRITE)
		return -EPERM;
	mutex_lock(&tsb_vm_lock);
	err = tsb_vm_open_dump();
	if (!err) {
		tsb_vm_users++;
		file->private_data = tsb_vm;
	}
	mutex_unlock(&tsb_vm_lock);
	return err;
}

static int tsb_vm_fop_release(struct inode *inode, struct file *file)
{
	mutex_lock(&tsb_vm_lock);
	tsb_vm_users--;
	mutex_unlock(&tsb_vm_lock);
	return 0;
}

/* Copy file bytes [pos, pos + len) of @v into @buf (a kernel buffer). */
static int tsb_vm_fill(struct tsb_vmcore *v, u64 pos, u8 *buf, size_t len)
{
	unsigned int i;

	while (len) {
		size_t n = len;
		int err = 0;

		if (pos < v->head_len) {
			n = min_t(u64, len, v->head_len - pos);
			memcpy(buf, v->head + pos, n);
		} else {
			for (i = 0; i < v->nsegs; i++)
				if (pos < v->seg[i].offset + v->seg[i].size)
					break;
			if (i == v->nsegs || pos < v->seg[i].offset) {
				/* padding before a segment's page-aligned data */
				n = min_t(u64, len, i == v->nsegs ? len : v->seg[i].offset - pos);
				memset(buf, 0, n);
			} else {
				u64 in = pos - v->seg[i].offset;

				n = min_t(u64, len, v->seg[i].size - in);
				err = tsb_read_phys(v, v->seg[i].paddr + in, buf, n);
			}
		}
		if (err)
			return err;
		buf += n;
		pos += n;
		len -= n;
	}
	return 0;
}

static ssize_t tsb_vm_fop_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct tsb_vmcore *v = file->private_data;
	u8 *kbuf;
	size_t done = 0;
	ssize_t ret = 0;

	if (*ppos < 0)
		return -EINVAL;
	if (*ppos >= v->size || !count)
		return 0;
	count = min_t(u64, count, v->size - *ppos);
	kbuf = kvmalloc(min_t(size_t, count, SZ_1M), GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	mutex_lock(&tsb_vm_lock);
	while (done < count) {
		size_t n = min_t(size_t, count - done, SZ_1M);
		int err = tsb_vm_fill(v, *ppos + done, kbuf, n);

		if (!err && copy_to_user(ubuf + done, kbuf, n))
			err = -EFAULT;
		if (err) {
			ret = err;
			break;
		}
		done += n;
		if (fatal_signal_pending(current))
			break;
	}
	mutex_unlock(&tsb_vm_lock);
	kvfree(kbuf);
	if (!done)
		return ret;
	*ppos += done;
	return done;
}

static loff_t tsb_vm_fop_llseek(struct file *file, loff_t off, int whence)
{
	struct tsb_vmcore *v = file->private_data;

	return fixed_size_llseek(file, off, whence, v->size);
}

static const struct file_operations tsb_vm_fops = {
	.owner = THIS_MODULE,
	.open = tsb_vm_fop_open,
	.release = tsb_vm_fop_release,
	.read = tsb_vm_fop_read,
	.llseek = tsb_vm_fop_llseek,
};

static struct miscdevice tsb_vm_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "tsubaki_vmcore",
	.nodename = "tsubaki/vmcore",
	.mode = 0400,
	.fops = &tsb_vm_fops,
};

/* ---- Dump reading: sysfs ---- */

static const char * const tsb_dump_states[] = {
	[TSB_DUMP_EMPTY] = "empty", [TSB_DUMP_IN_PROGRESS] = "in-progress",
	[TSB_DUMP_COMPLETE] = "complete", [TSB_DUMP_PARTIAL] = "partial",
};

static ssize_t dumps_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct tsb_disk_header *d;
	unsigned int i;
	ssize_t n = 0;
	u64 id, bytes;
	int err;

	if (tsb_memory_mode)
		return tsb_in_memory(&id, &bytes) ? 0 : sysfs_emit(buf, "%llu in-memory %llu\n",
								 id, bytes);
	d = kmalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	mutex_lock(&tsb_vm_lock);
	err = tsb_read_disk_header(d);
	mutex_unlock(&tsb_vm_lock);
	for (i = 0; !err && i < d->nslots; i++) {
		const struct tsb_disk_slot *s = &d->slot[i];

		if (s->state != TSB_DUMP_EMPTY && s->state <= TSB_DUMP_PARTIAL)
			n += sysfs_emit_at(buf, n, "%llu %s %llu\n", s->dump_id,
					   tsb_dump_states[s->state], s->size);
	}
	kfree(d);
	return err == -ENOENT ? 0 : err ?: n;
}

static ssize_t vmcore_dump_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	u64 id;

	mutex_lock(&tsb_vm_lock);
	id = tsb_vm ? tsb_vm->id : tsb_vm_want;
	mutex_unlock(&tsb_vm_lock);
	return sysfs_emit(buf, "%llu\n", id);
}

static ssize_t vmcore_dump_store(struct kobject *kobj, struct kobj_attribute *attr,
				 const char *buf, size_t len)
{
	u64 id;
	int err = kstrtou64(buf, 0, &id);

	if (err)
		return err;
	mutex_lock(&tsb_vm_lock);
	if (tsb_vm_users && (!tsb_vm || tsb_vm->id != id)) {
		err = -EBUSY;	/* /dev/tsubaki/vmcore is open on another dump */
	} else {
		tsb_vm_want = id;
		err = tsb_vm_open_dump();
	}
	mutex_unlock(&tsb_vm_lock);
	return err ?: len;
}

static ssize_t vmcore_size_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	int err;
	u64 size = 0;

	mutex_lock(&tsb_vm_lock);
	err = tsb_vm_open_dump();
	if (!err)
		size = tsb_vm->size;
	mutex_unlock(&tsb_vm_lock);
	return err ?: sysfs_emit(buf, "%llu\n", size);
}

static ssize_t vmcore_bad_chunks_show(struct kobject *kobj, struct kobj_attribute *attr,
				      char *buf)
{
	u64 n;

	mutex_lock(&tsb_vm_lock);
	n = tsb_vm ? tsb_vm->bad_chunks : 0;
	mutex_unlock(&tsb_vm_lock);
	return sysfs_emit(buf, "%llu\n", n);
}

static ssize_t vmcore_chunk_size_show(struct kobject *kobj, struct kobj_attribute *attr,
				      char *buf)
{
	int err;
	u64 cs = 0;

	mutex_lock(&tsb_vm_lock);
	err = tsb_vm_open_dump();
	if (!err)
		cs = tsb_vm->h.chunk_size;
	mutex_unlock(&tsb_vm_lock);
	return err ?: sysfs_emit(buf, "%llu\n", cs);
}

/*
 * The chosen dump's metadata as on the dump disk (header, CPU records,
 * VMCOREINFO, regions, chunk table with the collector's checksums): kept
 * next to a saved vmcore, it lets the file be checked later.
 */
static ssize_t vmcore_meta_read(struct file *f, struct kobject *kobj, struct bin_attribute *a,
				char *buf, loff_t off, size_t count)
{
	ssize_t n;
	int err;

	mutex_lock(&tsb_vm_lock);
	err = tsb_vm_open_dump();
	n = err ?: memory_read_from_buffer(buf, count, &off, tsb_vm->meta, tsb_vm->meta_len);
	mutex_unlock(&tsb_vm_lock);
	return n;
}

static struct kobj_attribute dumps_attr = __ATTR_RO(dumps);
static struct kobj_attribute vmcore_chunk_size_attr = __ATTR_RO(vmcore_chunk_size);
static BIN_ATTR_RO(vmcore_meta, 0);
static struct kobj_attribute vmcore_dump_attr = __ATTR_RW(vmcore_dump);
static struct kobj_attribute vmcore_size_attr = __ATTR_RO(vmcore_size);
static struct kobj_attribute vmcore_bad_chunks_attr = __ATTR_RO(vmcore_bad_chunks);

static struct attribute *tsb_vmcore_attrs[] = {
	&dumps_attr.attr, &vmcore_dump_attr.attr, &vmcore_size_attr.attr,
	&vmcore_bad_chunks_attr.attr, &vmcore_chunk_size_attr.attr, NULL,
};

static struct bin_attribute *tsb_vmcore_bin_attrs[] = { &bin_attr_vmcore_meta, NULL };

const struct attribute_group tsb_vmcore_group = {
	.attrs = tsb_vmcore_attrs,
	.bin_attrs = tsb_vmcore_bin_attrs,
};

int tsb_vmcore_init(struct device *dev)
{
	return misc_register(&tsb_vm_misc);
}

void tsb_vmcore_exit(void)
{
	misc_deregister(&tsb_vm_misc);
	mutex_lock(&tsb_vm_lock);
	tsb_vm_free(tsb_vm);
	tsb_vm = NULL;
	if (tsb_xfer)
		memunmap(tsb_xfer);
	tsb_xfer = NULL;
	mutex_unlock(&tsb_vm_lock);
}
