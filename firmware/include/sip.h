/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The collector's SiP service (TSB_SMC_*, include/tsubaki/abi.h), in its SMC64
 * and SMC32 forms: services/sip.c.
 */
#ifndef SIP_H
#define SIP_H
#include <stdint.h>
#include <arch.h>

/* A SiP fast call @fid from the normal world on CPU @self: sets its results in @ctx. */
void sip_smc(uint32_t fid, struct cpu_ctx *ctx, unsigned int self);

#endif
