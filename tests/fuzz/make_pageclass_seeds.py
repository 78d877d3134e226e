#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write seed inputs for tests/fuzz/fuzz_pageclass.c into DIR: small valid
crashed-kernel images -- a VMCOREINFO text and RAM at 0x40000000 holding
arm64 page tables (VA_BITS 39 and 48), a vmemmap mapped by a 2 MiB block or
by 4 KiB pages, and struct pages of free buddy blocks, anon, page cache,
slab and compound pages -- in the target's layout:

    [u16 LE text length][u8 chunk size][u8 flags][text][RAM image]

    python3 tests/fuzz/make_pageclass_seeds.py DIR
"""
import os
import struct
import sys

RAM_BASE = 0x40000000
PFN0 = RAM_BASE >> 12
PAGE = 4096
SP_PAGE = 8                     # struct pages from the 9th page of RAM on

# Linux 6.1 arm64 struct page
O_FLAGS, O_CHEAD, O_CORDER, O_MAPPING, O_PRIVATE, O_MAPCOUNT, O_REFCOUNT = 0, 8, 17, 24, 40, 48, 52
PG_LRU, PG_SLAB, PG_SWAPCACHE, PG_PRIVATE, PG_HEAD, PG_SWAPBACKED = 4, 9, 10, 13, 16, 19
BUDDY = 0xffffff7f
NOMAP = 0xffffffff
ANON = 0xffffff8001234561
FILE = 0xffffff8004567800


class Image:
    def __init__(self, va_bits, vmap, sz, npages):
        self.va_bits, self.sz, self.npages = va_bits, sz, npages
        self.ram = bytearray(npages * PAGE)
        self.next_table = 1
        self.root = RAM_BASE
        kimage = 0xffff800008000000 if va_bits == 48 else 0xffffffc008000000
        self.voffset = kimage - RAM_BASE
        vstart = 0xfffffc0000000000 if va_bits == 48 else 0xfffffffe00000000
        self.vm = {}            # vmemmap VA page -> PA
        nsp = (npages * sz + PAGE - 1) // PAGE
        if vmap == "block":
            self.map(vstart, RAM_BASE, 2)
            self.vmemmap = vstart + SP_PAGE * PAGE - PFN0 * sz
            for i in range(nsp):
                self.vm[vstart + (SP_PAGE + i) * PAGE] = RAM_BASE + (SP_PAGE + i) * PAGE
        else:
            for i in range(nsp):
                pa = RAM_BASE + (SP_PAGE + nsp - 1 - i) * PAGE
                self.map(vstart + i * PAGE, pa, 3)
                self.vm[vstart + i * PAGE] = pa
            self.vmemmap = vstart - PFN0 * sz
        for i in range(npages):
            self.page(i, 0, 0, NOMAP, 1)

    def u64(self, pa, v, n=8):
        off = pa - RAM_BASE
        self.ram[off:off + n] = (v & ((1 << (8 * n)) - 1)).to_bytes(n, "little")

    def rd64(self, pa):
        off = pa - RAM_BASE
        return struct.unpack_from("<Q", self.ram, off)[0]

    def slot(self, va, level):
        t = self.root
        for lv in range(0 if self.va_bits == 48 else 1, level):
            e = t + ((va >> (12 + 9 * (3 - lv))) & 511) * 8
            d = self.rd64(e)
            if not d & 1:
                nt = RAM_BASE + self.next_table * PAGE
                self.next_table += 1
                assert self.next_table <= SP_PAGE
                d = nt | 3
                self.u64(e, d)
            t = d & 0x0000fffffffff000
        return t + ((va >> (12 + 9 * (3 - level))) & 511) * 8

    def map(self, va, pa, level):
        self.u64(self.slot(va, level), pa | 0x400 | (3 if level == 3 else 1))

    def put(self, i, off, v, n):
        va = self.vmemmap + (PFN0 + i) * self.sz + off
        for b in range(n):
            a = va + b
            pa = self.vm[a & ~(PAGE - 1)] + (a & (PAGE - 1))
            self.ram[pa - RAM_BASE] = (v >> (8 * b)) & 0xff

    def page(self, i, flags, mapping, mapcount, refcount):
        for off, v, n in ((O_FLAGS, flags, 8), (O_MAPPING, mapping, 8), (O_MAPCOUNT, mapcount, 4),
                          (O_REFCOUNT, refcount, 4), (O_PRIVATE, 0, 8), (O_CHEAD, 0, 8),
                          (O_CORDER, 0, 1)):
            self.put(i, off, v, n)

    def buddy(self, i, order, private=None):
        for j in range(1 << order):
            if i + j < self.npages:
                self.page(i + j, 0, 0, NOMAP, 0)
        self.put(i, O_MAPCOUNT, BUDDY, 4)
        self.put(i, O_PRIVATE, order if private is None else private, 8)

    def compound(self, i, order, flags, mapping):
        self.page(i, flags | 1 << PG_HEAD, mapping, 0, 1)
        for j in range(1, 1 << order):
            self.page(i + j, 0, 0x400 if j > 1 else 0, NOMAP, 0)
            self.put(i + j, O_CHEAD, self.vmemmap + (PFN0 + i) * self.sz + 1, 8)
        self.put(i + 1, O_CORDER, order, 1)

    def vmcoreinfo(self):
        lines = [
            "OSRELEASE=6.1.192", "PAGESIZE=4096",
            "SYMBOL(swapper_pg_dir)=%x" % (self.root + self.voffset),
            "SIZE(page)=%d" % self.sz,
            "OFFSET(page.flags)=%d" % O_FLAGS, "OFFSET(page._refcount)=%d" % O_REFCOUNT,
            "OFFSET(page.mapping)=%d" % O_MAPPING, "OFFSET(page.lru)=8",
            "OFFSET(page._mapcount)=%d" % O_MAPCOUNT, "OFFSET(page.private)=%d" % O_PRIVATE,
            "OFFSET(page.compound_dtor)=16", "OFFSET(page.compound_order)=%d" % O_CORDER,
            "OFFSET(page.compound_head)=%d" % O_CHEAD,
            "LENGTH(zone.free_area)=11",
            "NUMBER(PG_lru)=%d" % PG_LRU, "NUMBER(PG_private)=%d" % PG_PRIVATE,
            "NUMBER(PG_swapcache)=%d" % PG_SWAPCACHE, "NUMBER(PG_swapbacked)=%d" % PG_SWAPBACKED,
            "NUMBER(PG_slab)=%d" % PG_SLAB, "NUMBER(PG_head_mask)=%d" % (1 << PG_HEAD),
            "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129",
            "NUMBER(VA_BITS)=%d" % self.va_bits,
            "NUMBER(kimage_voffset)=0x%x" % self.voffset,
            "NUMBER(PHYS_OFFSET)=0x%x" % RAM_BASE,
            "SYMBOL(vmemmap)=%x" % self.vmemmap,
            "CRASHTIME=1700000000",
        ]
        return ("\n".join(lines) + "\n").encode()

    def seed(self, chunk=16, flags=0):
        text = self.vmcoreinfo()
        return struct.pack("<HBB", len(text), chunk, flags) + text + bytes(self.ram)


def mixed(img):
    img.buddy(10, 0)
    img.buddy(16, 3)
    img.buddy(32, 4)
    img.buddy(11, 0, private=11)                    # order out of range
    img.buddy(12, 2)
    img.put(12, O_REFCOUNT, 1, 4)                   # a head in use
    img.page(2, 1 << PG_LRU | 1 << PG_SWAPBACKED, ANON, 0, 1)
    img.page(3, 1 << PG_LRU, FILE, 0, 2)
    img.page(4, 1 << PG_LRU | 1 << PG_PRIVATE, FILE, 0, 2)
    img.page(5, 1 << PG_SLAB | 1 << PG_LRU, ANON, NOMAP, 1)
    img.page(6, 1 << PG_SWAPCACHE | 1 << PG_SWAPBACKED, FILE, 0, 1)
    img.compound(48, 2, 1 << PG_LRU, ANON)
    img.compound(56, 3, 1 << PG_LRU | 1 << PG_PRIVATE, FILE)
    img.compound(52, 1, 1 << PG_SLAB, 0)
    return img


def seeds():
    yield "mixed-39-block", mixed(Image(39, "block", 64, 64)).seed(16)
    yield "mixed-39-pages", mixed(Image(39, "pages", 64, 64)).seed(7)
    yield "mixed-48-block", mixed(Image(48, "block", 64, 64)).seed(64)
    yield "mixed-48-pages-72", mixed(Image(48, "pages", 72, 64)).seed(5)
    big = Image(39, "block", 64, 64)
    big.buddy(0, 10)                                # one order-10 block over all of RAM
    yield "order10-39-block", big.seed(33)
    thp = Image(48, "pages", 64, 64)
    thp.compound(0, 5, 1 << PG_LRU | 1 << PG_SWAPBACKED, ANON)
    thp.buddy(32, 5)
    yield "thp-48-pages", thp.seed(9)
    small = mixed(Image(39, "block", 64, 64)).seed(16, flags=1)
    yield "mixed-prefixes", small[:4 + struct.unpack_from("<H", small)[0] + 16 * PAGE]


def main(argv):
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
