/* SPDX-License-Identifier: GPL-2.0 */
/* altjit module internals shared between its parts (hooks, sysfs, driver). */
#ifndef _ALTJIT_H
#define _ALTJIT_H

#include <linux/atomic.h>
#include <linux/filter.h>
#include <linux/static_call.h>
#include <linux/version.h>
#include "../include/altjit.h"
#include "compat.h"

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

/*
 * Kernel functions altjit calls that the kernel does not export (ksyms.c): X(symbol, required),
 * each called as aj_call(symbol)(...), a static call (a direct call: IBT-safe). The prototypes are
 * the kernel's own (compat.h declares the one the kernel keeps static).
 */
#define AJ_KSYMS_REST(X)							\
	AJ_KSYMS_BLIND(X)							\
	X(bpf_prog_fill_jited_linfo, 1)						\
	X(bpf_int_jit_compile, 1)						\
	X(bpf_jit_free, 1)							\
	AJ_KSYMS_COMPAT(X)							\
	AJ_KSYMS_SELECT(X)							\
	AJ_KSYMS_IMAGE(X)							\
	X(__bpf_arch_text_poke, 0)						\
	X(prog_array_map_poke_run, 0)						\
	AJ_KSYMS_MITIGATION(X)
#define AJ_KSYMS(X)	X(kallsyms_lookup_name, 1) AJ_KSYMS_REST(X)

#define AJ_KSYM_DECLARE(sym, req)	DECLARE_STATIC_CALL(aj_##sym, sym);
#define AJ_KSYM_DEFINE(sym, req)	DEFINE_STATIC_CALL_NULL(aj_##sym, sym);
#define AJ_KSYM_NAME(sym, req)		#sym,
#define AJ_KSYM_ENUM(sym, req)		AJ_KSYM_##sym,
#define aj_call(sym)			static_call(aj_##sym)

/* Data and addresses only (never called through). */
struct altjit_syms {
	unsigned long ex_handler_bpf;	/* 5.10: the extable handler's address */
};
extern struct altjit_syms aj_syms;

int altjit_resolve_symbols(void);
unsigned long aj_lookup(const char *name);
bool aj_ksym_present(int idx);
int aj_ksym_targets_show(char *buf);

/* hook.c: the redirects and the originals, reachable from inside the module. */
int altjit_hook_install(void);
void altjit_hook_remove(void);
void altjit_enter(void);
void altjit_leave(void);
struct bpf_prog *altjit_stock_jit(struct bpf_verifier_env *env, struct bpf_prog *prog);
struct bpf_prog *altjit_orig_select_runtime(struct bpf_verifier_env *env, struct bpf_prog *fp,
					    int *err);
bool altjit_orig_map_compatible(void *map, const struct bpf_prog *fp);
void altjit_orig_jit_free(struct bpf_prog *prog);

/* jit_kernel.c: the running kernel as the code generator sees it. */
struct aj_target;
extern struct aj_target aj_target;

/* tailpoke.c: the direct tail calls altjit follows (a frame's own jump, tc_direct_entry). */
struct aj_frame;
bool altjit_direct_tail_calls(void);	/* jit_kernel.c */
void altjit_tailpoke_hooked(bool on);
bool altjit_tailpoke_ready(void);
void altjit_tailpoke_add(const struct bpf_prog *prog, const struct aj_frame *frame,
			 const struct bpf_map *map, u32 key, u8 *hot, const struct bpf_prog *target);
void altjit_tailpoke_forget(const struct bpf_prog *prog);
void altjit_tailpoke_retire(void);
void aj_poke_run(struct bpf_map *map, u32 key, struct bpf_prog *old, struct bpf_prog *new);
void altjit_orig_poke_run(struct bpf_map *map, u32 key, struct bpf_prog *old,
			  struct bpf_prog *new);

/* isolation.c: programs whose tail-call entries differ never share a prog array. */
struct bpf_prog *aj_select_runtime(struct bpf_verifier_env *env, struct bpf_prog *fp, int *err);
bool aj_map_compatible(void *map, const struct bpf_prog *fp);
void aj_image_pin(void);
void aj_jit_free(struct bpf_prog *prog);
void altjit_jit_free_pending(struct bpf_prog *prog);
void altjit_isolation_exit(void);

/* sysfs.c */
void altjit_test_capture(const struct bpf_prog *prog);
bool altjit_sysfs_taken(void);
int altjit_sysfs_init(void);
void altjit_sysfs_exit(void);

/* jit_kernel.c */
struct aj_frame;
int altjit_target_init(void);
struct bpf_prog *altjit_compile(struct bpf_verifier_env *env, struct bpf_prog *prog,
				const struct aj_frame *frame, int *err, const char **why);

/*
 * Subprograms between their two passes (jit_kernel.c): the extra pass of a subprogram whose first
 * pass altjit compiled finds it here, with the scheme it was compiled with; the kernel freeing one
 * (a failed load) has altjit free what it holds. Each holds a module reference.
 */
int altjit_pending_scheme(const struct bpf_prog *prog);
bool altjit_pending_release(struct bpf_prog *prog);

/* faults.c: test-only fault injection (the test_fail module parameter). */
#define AJ_FAULTS(X)								\
	X(route,	"the task's scheme record of a program with subprograms")	\
	X(jit_data,	"the state kept between a subprogram's two passes")	\
	X(blind,	"constant blinding (the program is left to the interpreter)")	\
	X(finalize,	"making an image executable")				\
	X(owner,	"the owner record of a prog array")			\
	X(ideal_nops,	"5.10: the boot-time NOP table")
enum aj_fault {
#define AJ_FAULT_ENUM(name, desc) AJ_FAULT_##name,
	AJ_FAULTS(AJ_FAULT_ENUM)
#undef AJ_FAULT_ENUM
	AJ_NR_FAULTS,
};
bool aj_fault(enum aj_fault f, const struct bpf_prog *prog);

/* The entry every redirected JIT request lands in (main.c). */
struct bpf_prog *altjit_jit_compile(struct bpf_verifier_env *env, struct bpf_prog *prog);

AJ_KSYMS(AJ_KSYM_DECLARE)
enum { AJ_KSYMS(AJ_KSYM_ENUM) AJ_NR_KSYMS };

#endif /* _ALTJIT_H */
