// SPDX-License-Identifier: BSD-3-Clause
/*
 * The secure heap: a bump allocator over the platform's secure memory,
 * used at boot only (include/sram.h).
 */
#include <sram.h>
#include <string.h>

static uintptr_t heap_base, heap_end, heap_next, last;

void sram_init(uintptr_t base, size_t size)
{
	heap_base = heap_next = base;
	heap_end = base + size;
	last = 0;
}

void *sram_alloc(size_t size, size_t align)
{
	uintptr_t p;

	if (!align || (align & (align - 1)) || heap_next > heap_end)
		return NULL;
	p = (heap_next + align - 1) & ~(uintptr_t)(align - 1);
	if (p < heap_next || p > heap_end || size > heap_end - p)
		return NULL;
	heap_next = p + size;
	last = p;
	memset((void *)p, 0, size);
	return (void *)p;
}

void sram_shrink(void *p, size_t size)
{
	if ((uintptr_t)p == last && last && size <= heap_next - last)
		heap_next = last + size;
}

size_t sram_used(void)
{
	return heap_next - heap_base;
}

size_t sram_size(void)
{
	return heap_end - heap_base;
}
