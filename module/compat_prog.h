/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The second half of the compatibility layer (compat.h): what the kernels altjit supports hand
 * the JIT inside a program that differs between them, and what altjit leaves whole to the stock
 * JIT on each (with the reason it logs). Kbuild's AJ_* flags and the kernel's own macros select.
 */
#ifndef _ALTJIT_COMPAT_PROG_H
#define _ALTJIT_COMPAT_PROG_H

#include "compat.h"

/*
 * ORC unwinds through a BPF frame by its frame pointer only inside [fp_start, fp_end) (7.3: from
 * the end of the prologue to just after the epilogue's leave); older kernels guess rbp anyway.
 */
#ifdef AJ_KSYM_FP_RANGE
#define aj_set_fp_range(prog, start, end) \
	do { (prog)->aux->ksym.fp_start = (start); (prog)->aux->ksym.fp_end = (end); } while (0)
#else
#define aj_set_fp_range(prog, start, end) do { } while (0)
#endif

static inline bool aj_insns_use_reg(const struct bpf_prog *prog, int reg)
{
	u32 i;

	for (i = 0; prog && i < prog->len; i++)
		if (prog->insnsi[i].dst_reg == reg || prog->insnsi[i].src_reg == reg)
			return true;
	return false;
}

/*
 * Whole-program features of this kernel that altjit leaves to the stock JIT (NULL: none). prog is
 * a whole program or subprogram 0 (which decides for all of them, main.c); where the kernel passes
 * env (7.3), the whole verified program and every subprogram's verifier state are looked at too.
 */
static inline const char *aj_kernel_unsupported(struct bpf_verifier_env *env,
						const struct bpf_prog *prog)
{
	const struct bpf_prog *whole = NULL;
	u32 i;

#ifdef AJ_JIT_TAKES_ENV
	whole = env ? env->prog : NULL;
#endif
	(void)whole;
	(void)i;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	if (prog->aux->exception_boundary || prog->aux->exception_cb)
		return "BPF exceptions";
	if (prog->aux->arena)
		return "BPF arena";
#endif
#ifdef BPF_REG_PARAMS
	/* 7.3: arguments 6+ of bpf2bpf calls and kfuncs in r9 and on the stack (BPF_REG_PARAMS) */
	if (aj_insns_use_reg(prog, BPF_REG_PARAMS) || aj_insns_use_reg(whole, BPF_REG_PARAMS))
		return "stack arguments (a call with more than five arguments)";
#endif
#ifdef AJ_PRIV_STACK
	/* a per-CPU stack with r9 as frame pointer, not counted against the 512-byte total */
	if (prog->aux->jits_use_priv_stack)
		return "private stack";
#ifdef AJ_JIT_TAKES_ENV
	for (i = 0; env && i < env->subprog_cnt; i++)
		if (env->subprog_info[i].priv_stack_mode == PRIV_STACK_ADAPTIVE)
			return "private stack";
#endif
#endif
#ifdef AJ_INSN_ARRAY
	/* gotox targets and the JIT'ed addresses the JIT writes back into the map */
	for (i = 0; i < prog->aux->used_map_cnt; i++)
		if (prog->aux->used_maps[i]->map_type == BPF_MAP_TYPE_INSN_ARRAY)
			return "instruction array maps (indirect jumps)";
#endif
	return NULL;
}

#endif /* _ALTJIT_COMPAT_PROG_H */
