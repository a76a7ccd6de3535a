/* SPDX-License-Identifier: GPL-2.0 */
/* altjit module internals shared between its parts (hooks, sysfs, driver). */
#ifndef _ALTJIT_H
#define _ALTJIT_H

#include <linux/atomic.h>
#include <linux/filter.h>
#include <linux/version.h>
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
	struct bpf_prog *(*bpf_jit_blind_constants)(struct bpf_prog *fp);
	void (*bpf_jit_prog_release_other)(struct bpf_prog *fp, struct bpf_prog *fp_other);
	void (*bpf_prog_fill_jited_linfo)(struct bpf_prog *prog, const u32 *insn_to_jit_off);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 18, 0)
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	struct bpf_binary_header *(*bpf_jit_binary_pack_alloc)(unsigned int, u8 **, unsigned int,
			struct bpf_binary_header **, u8 **, bpf_jit_fill_hole_t);
	int (*bpf_jit_binary_pack_finalize)(struct bpf_binary_header *, struct bpf_binary_header *);
#else
	struct bpf_binary_header *(*bpf_jit_binary_pack_alloc)(unsigned int, u8 **, unsigned int,
			struct bpf_binary_header **, u8 **, bpf_jit_fill_hole_t, bool);
	int (*bpf_jit_binary_pack_finalize)(struct bpf_prog *, struct bpf_binary_header *,
					    struct bpf_binary_header *);
#endif
	void (*bpf_jit_binary_pack_free)(struct bpf_binary_header *, struct bpf_binary_header *);
	void *(*bpf_arch_text_copy)(void *dst, void *src, size_t len);
#else
	struct bpf_binary_header *(*bpf_jit_binary_alloc)(unsigned int, u8 **, unsigned int,
							  bpf_jit_fill_hole_t);
	void (*bpf_jit_binary_free)(struct bpf_binary_header *hdr);
	int (*set_memory_ro)(unsigned long addr, int numpages);
	int (*set_memory_x)(unsigned long addr, int numpages);
	struct vm_struct *(*find_vm_area)(const void *addr);
	void *ex_handler_bpf;
#endif
};
extern struct altjit_syms aj_syms;

/* hook.c: the redirects (in this order) and the originals, reachable from inside the module. */
enum { AJ_HOOK_JIT, AJ_HOOK_SELECT, AJ_HOOK_COMPAT, AJ_HOOK_FREE };
int altjit_hook_install(void);
void altjit_hook_remove(void);
unsigned long altjit_original(int n);
void altjit_enter(void);
void altjit_leave(void);
struct bpf_prog *altjit_stock_jit(struct bpf_prog *prog);
struct bpf_prog *altjit_orig_select_runtime(struct bpf_prog *fp, int *err);
bool altjit_orig_map_compatible(void *map, const struct bpf_prog *fp);
void altjit_orig_jit_free(struct bpf_prog *prog);

/* isolation.c: programs whose tail-call entries differ never share a prog array. */
struct bpf_prog *aj_select_runtime(struct bpf_prog *fp, int *err);
bool aj_map_compatible(void *map, const struct bpf_prog *fp);
void aj_legacy_image_get(void);
void aj_jit_free(struct bpf_prog *prog);
void altjit_isolation_exit(void);

/* sysfs.c */
bool altjit_sysfs_taken(void);
int altjit_sysfs_init(void);
void altjit_sysfs_exit(void);

/* jit_kernel.c */
struct aj_frame;
int altjit_target_init(void);
struct bpf_prog *altjit_compile(struct bpf_prog *prog, const struct aj_frame *frame, int *err,
				const char **why);

/* The entry every redirected JIT request lands in (main.c). */
struct bpf_prog *altjit_jit_compile(struct bpf_prog *prog);

#endif /* _ALTJIT_H */
