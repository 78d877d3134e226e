/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Spinlock on exclusive load/store (ARMv8.0). Caveat: the firmware runs with
 * the EL3 MMU off, where exclusives target Device memory; QEMU supports that,
 * real silicon may not (see docs/design.md).
 */
#ifndef SPINLOCK_H
#define SPINLOCK_H
#include <stdint.h>

typedef struct {
	uint32_t v;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->v, __ATOMIC_RELAXED))
			;
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

#endif
