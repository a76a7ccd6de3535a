/* SPDX-License-Identifier: GPL-2.0 */
/*
 * altjit: what the module and its userspace tools agree on.
 *
 * The module lives in /sys/kernel/altjit/:
 *   mode    reads "[stock] legacy optimized" (current scheme in brackets); write a name to switch.
 *   stats   one "name value" pair per line, names below.
 */
#ifndef _ALTJIT_UAPI_H
#define _ALTJIT_UAPI_H

#define ALTJIT_SYSFS_DIR	"/sys/kernel/altjit"
#define ALTJIT_SYSFS_MODE	ALTJIT_SYSFS_DIR "/mode"
#define ALTJIT_SYSFS_STATS	ALTJIT_SYSFS_DIR "/stats"

/* Code-generation schemes, in the order sysfs lists them. */
enum altjit_scheme {
	ALTJIT_STOCK,		/* the kernel's own JIT compiles */
	ALTJIT_LEGACY,		/* fixed pre-5.8 frame: rbx, r13-r15 and the counter always pushed */
	ALTJIT_OPTIMIZED,	/* callee-save-aware frame: push only what R6-R9 use */
	ALTJIT_NR_SCHEMES,
};

#define ALTJIT_SCHEME_NAMES { "stock", "legacy", "optimized" }

/*
 * Counters in the stats file. "requests" counts every call of the kernel's bpf_int_jit_compile()
 * that reached altjit. Each request ends in exactly one of the four "*_jited" outcomes, and every
 * request handed to the stock JIT is counted once more under the reason it was handed back.
 */
#define ALTJIT_STATS(X)								\
	X(requests,		"JIT requests redirected to altjit")			\
	X(stock_jited,		"handed to the stock JIT, which compiled it")		\
	X(stock_not_jited,	"handed to the stock JIT, which left it to the interpreter") \
	X(legacy_jited,		"compiled by altjit with the legacy frame")		\
	X(optimized_jited,	"compiled by altjit with the optimized frame")		\
	X(handed_back_mode,	"handed to the stock JIT: mode is stock")		\
	X(handed_back_unsupported, "handed to the stock JIT: something altjit does not compile") \
	X(handed_back_error,	"handed to the stock JIT: altjit failed (memory, image size)") \
	X(isolation_refused,	"loads and prog array updates refused: tail-call entries differ") \
	X(legacy_live,		"legacy images alive now (each holds a module reference)") \
	X(subprog_pending,	"subprograms between their two passes now (each holds a module reference)") \
	X(tc_sites,		"direct tail calls whose jump altjit follows now (keep-mode images)") \
	X(tc_sites_keep,	"... of which jump to a keep-mode target's keep entry now")

#endif /* _ALTJIT_UAPI_H */
