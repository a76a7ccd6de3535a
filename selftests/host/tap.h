/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal TAP output for the host tests: numbered lines, a plan at the end. */
#ifndef _ALTJIT_HOST_TAP_H
#define _ALTJIT_HOST_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/*
 * One count for the whole program, whichever of its files print points (test_exec's do): weak, so
 * that every file's definition is the same object.
 */
__attribute__((weak)) int tap_n, tap_failed;

static inline __attribute__((format(printf, 2, 3))) bool tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed++;
	return ok;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* _ALTJIT_HOST_TAP_H */
