/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inventory: every CPU feature, kernel option and condition that the kernel's own x86 JIT
 * (arch/x86/net/bpf_jit_comp.c, on any kernel altjit supports) consults to decide what it emits,
 * and how altjit meets it:
 *   EMIT   altjit emits the same sequence at the same place, with the same kernel thunks
 *   STOCK  while it is on, altjit hands every program to the stock JIT (a reason in stats/dmesg)
 *   SAME   it changes no mitigation, and altjit's code needs nothing for it (reason given)
 * selftests/host/test_mitigations.sh reads this list and each fetched kernel's JIT: a name the
 * kernel consults that is missing here turns the test red (a Debian point release that adds a
 * mitigation to the JIT must be looked at before altjit runs there).
 */
#ifndef _ALTJIT_MITIGATIONS_H
#define _ALTJIT_MITIGATIONS_H

#define AJ_MITIGATIONS(X)							\
	X(X86_FEATURE_RETPOLINE, EMIT, "tail calls jmp through __x86_indirect_thunk_<reg>")	\
	X(X86_FEATURE_RETPOLINE_LFENCE, EMIT, "lfence; jmp *reg")			\
	X(CONFIG_RETPOLINE, EMIT, "int3 after a plain jmp *reg (SLS)")			\
	X(CONFIG_MITIGATION_RETPOLINE, EMIT, "int3 after a plain jmp *reg (SLS)")	\
	X(CONFIG_SLS, EMIT, "int3 after ret and after jmp *reg")			\
	X(CONFIG_MITIGATION_SLS, EMIT, "int3 after ret and after jmp *reg")		\
	X(cpu_wants_rethunk, EMIT, "returns jmp to x86_return_thunk")			\
	X(X86_FEATURE_INDIRECT_THUNK_ITS, EMIT, "indirect jumps through __x86_indirect_its_thunk_array")	\
	X(CONFIG_MITIGATION_ITS, EMIT, "its_static_thunk() exists: the ITS thunks")	\
	X(its_static_thunk, EMIT, "the same thunk: __x86_indirect_its_thunk_array + reg * ITS_THUNK_SIZE")	\
	X(__x86_indirect_thunk_array, EMIT, "the retpoline thunks")			\
	X(X86_FEATURE_CALL_DEPTH, EMIT, "x86_call_depth_emit_accounting() before each call; __x86_indirect_jump_thunk_array")	\
	X(x86_call_depth_emit_accounting, EMIT, "called by altjit itself before each call it emits")	\
	X(__x86_indirect_jump_thunk_array, EMIT, "tail calls under call depth tracking")	\
	X(X86_FEATURE_CLEAR_BHB_LOOP, EMIT, "unprivileged cBPF: push rax, rcx; call clear_bhb_loop; pop at exit")	\
	X(X86_FEATURE_CLEAR_BHB_HW, EMIT, "unprivileged cBPF: ibhf at exit")		\
	X(X86_FEATURE_HYPERVISOR, EMIT, "BHB loop in a guest: ibhf too")		\
	X(emit_spectre_bhb_barrier, EMIT, "aj_emit_exit_barrier(): the same bytes, before the pops")	\
	X(CONFIG_X86_KERNEL_IBT, EMIT, "endbr64 at the entry and the tail-call entry")	\
	X(X86_FEATURE_XMM2, EMIT, "BPF_NOSPEC: lfence (every x86-64 CPU has SSE2)")	\
	X(X86_FEATURE_BMI2, SAME, "shlx/sarx/shrx for shifts by a register: altjit uses cl, same result") \
	X(CONFIG_CALL_PADDING, SAME, "nops in the kCFI preamble of trampolines: no kCFI in gcc-built kernels") \
	X(CONFIG_FUNCTION_PADDING_CFI, SAME, "nops in the kCFI preamble (7.3): compat.h refuses CONFIG_CFI kernels") \
	X(CONFIG_UNWINDER_ORC, SAME, "bpf_jit_supports_exceptions(): altjit hands BPF exceptions to the stock JIT") \
	X(CONFIG_SMP, SAME, "per-CPU address moves use this_cpu_off (aj_target.this_cpu_off)")

#endif /* _ALTJIT_MITIGATIONS_H */
