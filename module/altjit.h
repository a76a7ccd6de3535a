/* SPDX-License-Identifier: GPL-2.0 */
/* altjit module internals shared between its parts (hooks, sysfs, driver). */
#ifndef _ALTJIT_H
#define _ALTJIT_H

#include <linux/atomic.h>
#include <linux/filter.h>
#include "../include/altjit.h"

/* The scheme new programs are compiled with; switched through sysfs or the mode= parameter. */
extern int altjit_mode;
extern const char *const altjit_scheme_names[ALTJIT_NR_SCHEMES];
bool altjit_scheme_available(int scheme);

/* Counters (include/altjit.h lists them). */
enum altjit_stat {
#define AJ_STAT_ENUM(name, desc) AJ_STAT_##name,
	ALTJIT_STATS(AJ_STAT_ENUM)
#undef AJ_STAT_ENUM
	AJ_NR_STATS,
};
extern atomic64_t altjit_stats[AJ_NR_STATS];
static inline void aj_stat_inc(enum altjit_stat s)
{
	atomic64_inc(&altjit_stats[s]);
}

/* Kernel symbols altjit needs that the kernel does not export (main.c resolves them at load). */
struct altjit_syms {
	unsigned long (*kallsyms_lookup_name)(const char *name);
	struct bpf_prog *(*bpf_int_jit_compile)(struct bpf_prog *prog);
};
extern struct altjit_syms aj_syms;

/* hook.c: the redirect of bpf_int_jit_compile(). */
int altjit_hook_install(void);
void altjit_hook_remove(void);
/* The original bpf_int_jit_compile(), reached from inside the module without being redirected. */
struct bpf_prog *altjit_stock_jit(struct bpf_prog *prog);

/* sysfs.c */
int altjit_sysfs_init(void);
void altjit_sysfs_exit(void);

/* The entry every redirected JIT request lands in (main.c). */
struct bpf_prog *altjit_jit_compile(struct bpf_prog *prog);

#endif /* _ALTJIT_H */
