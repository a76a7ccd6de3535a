/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The thin kernel-version compatibility layer: everything that differs between the kernels altjit
 * supports (5.10, 6.1, 6.12, 7.3) is named here once, so the rest of the module reads the same on
 * all. Interfaces that changed at a version not pinned down (between 6.12 and 7.3) are read off
 * the headers by Kbuild (AJ_JIT_TAKES_ENV and the like) rather than guessed from the version.
 */
#ifndef _ALTJIT_COMPAT_H
#define _ALTJIT_COMPAT_H

#include <linux/version.h>
#include <linux/ftrace.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/kallsyms.h>
#include <linux/vmalloc.h>
#include <asm/cpufeature.h>
#include <asm/set_memory.h>
#ifdef AJ_JIT_TAKES_ENV
#include <linux/bpf_verifier.h>
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
#error "altjit supports Linux 5.10 and newer"
#endif
/* kCFI/FineIBT need a hash preamble before every JIT'ed function; altjit emits none (Debian: off). */
#if defined(CONFIG_CFI) || defined(CONFIG_CFI_CLANG)
#error "altjit does not emit kCFI preambles: kernels built with CONFIG_CFI are not supported"
#endif

/*
 * The JIT entry point. Newer kernels (7.3) pass the verifier's env (NULL for classic BPF and
 * test_bpf) and blind constants in the core before calling the JIT; before, the JIT blinded them
 * itself (bpf_jit_blind_constants(prog)). The eBPF load path calls __bpf_prog_select_runtime(env,
 * ...) from the verifier there; bpf_prog_select_runtime() is only the wrapper cBPF uses.
 */
#ifdef AJ_JIT_TAKES_ENV
#define AJ_JIT_PARAMS			struct bpf_verifier_env *env, struct bpf_prog *prog
#define AJ_JIT_ENV			env
#define aj_orig_jit_compile(env, prog)	aj_call(bpf_int_jit_compile)(env, prog)
#define aj_jit_blind(prog)		(prog)
#define aj_jit_release_other(fp, other)	do { } while (0)
#define AJ_KSYMS_BLIND(X)
#else
#define AJ_JIT_PARAMS			struct bpf_prog *prog
#define AJ_JIT_ENV			NULL
#define aj_orig_jit_compile(env, prog)	aj_call(bpf_int_jit_compile)(prog)
#define aj_jit_blind(prog)		aj_call(bpf_jit_blind_constants)(prog)
#define aj_jit_release_other(fp, other)	aj_call(bpf_jit_prog_release_other)(fp, other)
#define AJ_KSYMS_BLIND(X)		X(bpf_jit_blind_constants, 1) X(bpf_jit_prog_release_other, 1)
#endif
#ifdef AJ_SELECT_RUNTIME_ENV
#define AJ_SELECT_RUNTIME_FN		"__bpf_prog_select_runtime"
#define AJ_SELECT_PARAMS		struct bpf_verifier_env *env, struct bpf_prog *fp, int *err
#define AJ_SELECT_ENV			env
#define aj_orig_select_runtime(env, fp, err) aj_call(__bpf_prog_select_runtime)(env, fp, err)
#define AJ_KSYMS_SELECT(X)		X(__bpf_prog_select_runtime, 1)
#else
#define AJ_SELECT_RUNTIME_FN		"bpf_prog_select_runtime"
#define AJ_SELECT_PARAMS		struct bpf_prog *fp, int *err
#define AJ_SELECT_ENV			NULL
#define aj_orig_select_runtime(env, fp, err) bpf_prog_select_runtime(fp, err)
#define AJ_KSYMS_SELECT(X)
#endif

/* sysfs binary attributes: .read takes a const struct bin_attribute * on newer kernels. */
#ifdef AJ_BIN_ATTR_CONST
typedef const struct bin_attribute aj_bin_attr_t;
#else
typedef struct bin_attribute aj_bin_attr_t;
#endif

/*
 * ftrace callbacks: 5.10 hands them the full pt_regs; 5.11 introduced struct ftrace_regs, whose
 * instruction-pointer setter was renamed in 6.11.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
typedef struct pt_regs aj_ftrace_regs_t;
static inline void aj_ftrace_set_ip(aj_ftrace_regs_t *regs, unsigned long ip)
{
	regs->ip = ip;
}
#define AJ_FTRACE_OPS_FLAGS (FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY | \
			     FTRACE_OPS_FL_RECURSION_SAFE)
#else
typedef struct ftrace_regs aj_ftrace_regs_t;
static inline void aj_ftrace_set_ip(aj_ftrace_regs_t *fregs, unsigned long ip)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
	ftrace_instruction_pointer_set(fregs, ip);
#else
	ftrace_regs_set_instruction_pointer(fregs, ip);
#endif
}
#define AJ_FTRACE_OPS_FLAGS (FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY | \
			     FTRACE_OPS_FL_RECURSION)
#endif

/*
 * The stock x86 JIT's conventions, per version (read from each series' arch/x86/net/bpf_jit_comp.c).
 *   5.10: tail-call entry at 11, no ENDBR, counter check "> 32" (33 calls), plain jmp *reg.
 *   6.1:  entry at 11 + ENDBR, counter check ">= 33", int3 after jmp *reg (retpoline/SLS configs).
 *   6.12: entry at 12 + ENDBR (xor rax,rax slot), a pointer to the main program's counter (6.10+).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define AJ_X86_TAIL_CALL_OFFSET	(12 + (IS_ENABLED(CONFIG_X86_KERNEL_IBT) ? 4 : 0))
#define AJ_TC_CNT_PTR		1
#else
#define AJ_X86_TAIL_CALL_OFFSET	(11 + (IS_ENABLED(CONFIG_X86_KERNEL_IBT) ? 4 : 0))
#define AJ_TC_CNT_PTR		0
#endif
#define AJ_IBT			IS_ENABLED(CONFIG_X86_KERNEL_IBT)
/*
 * The interpreter counts a tail call against the budget on every try (empty slot too) up to 6.12,
 * only once the target was found on 7.3 (as the x86 JIT does since 6.10). kernel/bpf/core.c is
 * in no header: the change lies between 6.12 and 7.3; 7.0 is assumed.
 */
#define AJ_INTERP_TC_COUNT_LATE	(LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0))
/* Tail calls one chain may make: 5.10 counts to MAX_TAIL_CALL_CNT (32) inclusive. */
#define AJ_TAIL_CALL_LIMIT	(MAX_TAIL_CALL_CNT == 32 ? 33 : MAX_TAIL_CALL_CNT)

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define AJ_SLS_RET		IS_ENABLED(CONFIG_MITIGATION_SLS)
#define AJ_SLS_JMP		(IS_ENABLED(CONFIG_MITIGATION_RETPOLINE) || AJ_SLS_RET)
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(5, 11, 0)
#define AJ_SLS_RET		IS_ENABLED(CONFIG_SLS)
#define AJ_SLS_JMP		(IS_ENABLED(CONFIG_RETPOLINE) || AJ_SLS_RET)
#else
#define AJ_SLS_RET		IS_ENABLED(CONFIG_SLS)
#define AJ_SLS_JMP		0
#endif

#define aj_wants_rethunk()	cpu_feature_enabled(X86_FEATURE_RETHUNK)

/* Images: the bpf_prog_pack allocator (6.x; its signatures changed in 6.2) or whole pages (5.10). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 18, 0)
#define AJ_HAVE_PROG_PACK	1
#ifdef AJ_PACK_ALLOC_WAS_CLASSIC	/* Kbuild reads it off filter.h */
#define aj_pack_alloc(prog, size, image, align, rw_hdr, rw_image, fill) \
	aj_call(bpf_jit_binary_pack_alloc)(size, image, align, rw_hdr, rw_image, fill, \
					   bpf_prog_was_classic(prog))
#else
#define aj_pack_alloc(prog, size, image, align, rw_hdr, rw_image, fill) \
	aj_call(bpf_jit_binary_pack_alloc)(size, image, align, rw_hdr, rw_image, fill)
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define aj_pack_finalize(prog, hdr, rw_hdr) aj_call(bpf_jit_binary_pack_finalize)(hdr, rw_hdr)
#else
#define aj_pack_finalize(prog, hdr, rw_hdr) aj_call(bpf_jit_binary_pack_finalize)(prog, hdr, rw_hdr)
#endif
#define AJ_KSYMS_IMAGE(X)	X(bpf_jit_binary_pack_alloc, 1) X(bpf_jit_binary_pack_finalize, 1) \
				X(bpf_jit_binary_pack_free, 1) X(bpf_arch_text_copy, 1)
#else
#define AJ_HAVE_PROG_PACK	0
#define AJ_KSYMS_IMAGE(X)	X(bpf_jit_binary_alloc, 1) X(bpf_jit_binary_free, 1) \
				X(set_memory_ro, 1) X(set_memory_x, 1) X(find_vm_area, 1)
#endif

/*
 * The kernel's __bpf_arch_text_poke() (not exported; reached through kallsyms). Before the
 * bpf_prog_pack era it took a fifth argument, text_live: whether the text is already live
 * (read-only, patched through text_poke_bp) or still being written (plain memcpy). altjit pokes
 * finished, read-only images: always live.
 */
#ifdef AJ_TEXT_POKE_OLD_NEW_T
/* 7.3: the old and the new instruction each have a type; NOP (or a NULL address) is the 5-byte NOP. */
int __bpf_arch_text_poke(void *ip, enum bpf_text_poke_type old_t, enum bpf_text_poke_type new_t,
			 void *old_addr, void *new_addr);
#define aj_text_poke(ip, t, old, new)	aj_call(__bpf_arch_text_poke)(ip, (old) ? (t) : BPF_MOD_NOP, \
							      (new) ? (t) : BPF_MOD_NOP, old, new)
#elif AJ_HAVE_PROG_PACK
int __bpf_arch_text_poke(void *ip, enum bpf_text_poke_type t, void *old_addr, void *new_addr);
#define aj_text_poke(ip, t, old, new)	aj_call(__bpf_arch_text_poke)(ip, t, old, new)
#else
int __bpf_arch_text_poke(void *ip, enum bpf_text_poke_type t, void *old_addr, void *new_addr,
			 const bool text_live);
#define aj_text_poke(ip, t, old, new)	aj_call(__bpf_arch_text_poke)(ip, t, old, new, true)
#endif

/* The prog array's map_poke_run (static in kernel/bpf/arraymap.c, the same on every kernel). */
void prog_array_map_poke_run(struct bpf_map *map, u32 key, struct bpf_prog *old,
			     struct bpf_prog *poke_new);

/* Kernel functions the mitigations need: call-depth accounting (6.2+, retbleed=stuff). */
#ifdef X86_FEATURE_CALL_DEPTH
#include <asm/alternative.h>
#define AJ_KSYMS_MITIGATION(X)	X(x86_call_depth_emit_accounting, 0)
#else
#define AJ_KSYMS_MITIGATION(X)
#endif

/* The prog-array compatibility check: per map since 5.18 (bpf_map->owner), per array before. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 18, 0)
#define AJ_MAP_COMPATIBLE_FN	"bpf_prog_map_compatible"
#define AJ_KSYMS_COMPAT(X)	X(bpf_prog_map_compatible, 1)
#define aj_orig_map_compatible(map, fp)	aj_call(bpf_prog_map_compatible)(map, fp)
#define aj_compat_map(arg)	((struct bpf_map *)(arg))
#else
#define AJ_MAP_COMPATIBLE_FN	"bpf_prog_array_compatible"
#define AJ_KSYMS_COMPAT(X)	X(bpf_prog_array_compatible, 1)
#define aj_orig_map_compatible(map, fp)	aj_call(bpf_prog_array_compatible)(map, fp)
#define aj_compat_map(arg)	(&((struct bpf_array *)(arg))->map)
#endif

/* Exception-table entries for BPF_PROBE_MEM loads: a type (5.16+) or a relative handler (5.10). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 16, 0)
#include <asm/extable_fixup_types.h>
#define aj_extable_set_handler(ex, rw_ex) ((rw_ex)->data = EX_TYPE_BPF)
#else
#define aj_extable_set_handler(ex, rw_ex) \
	((rw_ex)->handler = (int)((long)aj_syms.ex_handler_bpf - (long)&(ex)->handler))
#endif

#endif /* _ALTJIT_COMPAT_H */
