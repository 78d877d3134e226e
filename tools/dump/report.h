/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report: the list, info and verify commands of tsubaki-dump. Results go to
 * @out, messages ("tsubaki-dump: ...") to @err; each returns the exit
 * status: 0 ok, 1 data problem (TSB_E_DATA), 2 malformed input (TSB_E_FORMAT).
 */
#ifndef TSUBAKI_REPORT_H
#define TSUBAKI_REPORT_H

#include <stdbool.h>
#include <stdio.h>

int cmd_list(const char *path, FILE *out, FILE *err);
int cmd_info(const char *path, const char *sel, bool json, FILE *out, FILE *err);
int cmd_verify(const char *path, const char *sel, FILE *out, FILE *err);

#endif /* TSUBAKI_REPORT_H */
