// SPDX-License-Identifier: BSD-3-Clause
/*
 * The secure timer's clients (see stimer.h).
 */
#include <stdint.h>
#include <arch.h>
#include <cpu.h>
#include <stimer.h>

/* Program this CPU's timer for its nearest deadline, or stop it. */
static void program(struct pcpu *p)
{
	uint64_t at = 0;
	unsigned int c;

	for (c = 0; c < STIMER_COUNT; c++)
		if (p->timer_at[c] && (!at || p->timer_at[c] < at))
			at = p->timer_at[c];
	arch_secure_timer_at(at);
}

void stimer_arm(enum stimer_client c, uint64_t us)
{
	struct pcpu *p = this_cpu();

	if (c >= STIMER_COUNT)
		return;
	p->timer_at[c] = us ? arch_counter() + us * arch_counter_freq() / 1000000ULL : 0;
	program(p);
}

void stimer_cpu_off(void)
{
	struct pcpu *p = this_cpu();
	unsigned int c;

	for (c = 0; c < STIMER_COUNT; c++)
		p->timer_at[c] = 0;
	arch_secure_timer_at(0);
}

void stimer_fiq(struct cpu_ctx *ctx)
{
	struct pcpu *p = this_cpu();
	uint64_t now = arch_counter();
	unsigned int c, due = 0;

	for (c = 0; c < STIMER_COUNT; c++)
		if (p->timer_at[c] && p->timer_at[c] <= now) {
			p->timer_at[c] = 0;
			due |= 1U << c;
		}
	program(p);
	/* The watch last: it may not return (it starts a crash restart). */
	if (due & (1U << STIMER_DUMP))
		dump_timer_fiq();
	if (due & (1U << STIMER_WATCH))
		watch_sample(ctx);
}

_Static_assert(STIMER_COUNT <= sizeof(((struct pcpu *)0)->timer_at) / sizeof(uint64_t),
	       "pcpu.timer_at");
