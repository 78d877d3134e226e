/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PL061_H
#define PL061_H
#include <stdint.h>

/* Drive GPIO @pin of the PL061 at @base as an output with @value. */
void pl061_set_output(uintptr_t base, unsigned int pin, int value);

#endif
