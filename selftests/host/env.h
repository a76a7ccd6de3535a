/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace home of altjit's code generator: what module/jit_kernel.c is to the kernel. It
 * provides the aj_env_*() functions jit.h asks for, executable memory within rel32 reach of this
 * binary's helpers, a prog array laid out the way struct aj_target says, the verifier's rewrites
 * the JIT relies on (host_fixup), and a call gate that runs an image as a C function and checks
 * it kept the C ABI's callee-saved registers.
 */
#ifndef _ALTJIT_HOST_ENV_H
#define _ALTJIT_HOST_ENV_H

#include <stdio.h>
#include "jit.h"

/* Where the fake kernel objects keep what the JIT reads (real kernels' values are similar). */
#define HOST_ARRAY_MAX_ENTRIES_OFF	0x24
#define HOST_ARRAY_PTRS_OFF		0x110
#define HOST_PROG_BPF_FUNC_OFF		0x30
#define HOST_PROG_OBJ_SIZE		0x40
#define HOST_MAX_ENTRIES		8
#define HOST_MAP_FD			3
#define HOST_PROBE_LIMIT		0x10000ULL	/* PROBE_MEM loads below this read 0 */

/* Target variants (bits). */
#define HV_IBT		(1u << 0)
#define HV_TC_PTR	(1u << 1)
#define HV_NOP3		(1u << 2)
#define HV_SLS		(1u << 3)	/* int3 after jmp *reg and ret */
#define HV_RETPOLINE	(1u << 4)	/* indirect jumps through a thunk array */
#define HV_LFENCE	(1u << 5)	/* lfence; jmp *reg */
#define HV_RETHUNK	(1u << 6)	/* ret through a return thunk */
#define HV_ITS		(1u << 7)	/* indirect jumps through ITS thunks (64 bytes apart) */
#define HV_BHB		(1u << 8)	/* BHB clearing loop + IBHF at the exit of unprivileged cBPF */
#define HV_CALLDEPTH	(1u << 9)	/* call-depth accounting (a marker NOP) before every call */
#define HV_TC_LATE	(1u << 10)	/* 7.3: the interpreter counts found tail-call targets only */

/* The call-depth stand-in: an 8-byte NOP the host env emits where the kernel's accounting goes. */
#define HOST_CD_MARK	0x0f, 0x1f, 0x84, 0x00, 0x41, 0x4a, 0x43, 0x44

/* Set up executable memory (near this binary) and the thunks; 0 or -1. */
int host_init(void);
/* Forget every image made since host_init (the thunks stay). */
void host_reset(void);
/* n bytes of executable memory (int3-filled), within rel32 reach of the helpers. */
void *host_exec_alloc(size_t n);
/* Bytes past a 64-byte boundary where host_exec_alloc places what it returns (default 0). */
extern size_t host_exec_shift;

void host_target(struct aj_target *t, unsigned hv);
/* The stand-ins' addresses: ITS thunk array, BHB clearing loop (clobbers rax and rcx). */
extern uint64_t host_its_thunks, host_bhb_loop;
const char *host_variant_name(unsigned hv);

/* The helpers (by id) as C functions: the interpreter calls these, the images call them too. */
typedef uint64_t (*host_helper_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
#define HOST_NR_HELPERS	6
extern host_helper_fn const host_helpers[HOST_NR_HELPERS];	/* [0] is NULL */
extern const uint8_t host_helper_nargs[HOST_NR_HELPERS];

/* Whether aj_env_tail_call_managed() says tailpoke follows direct tail calls (default true). */
extern bool host_tc_managed;

/* A direct tail call as the code generator reported it (aj_env_tail_call_direct). */
struct host_poke {
	uint32_t key;
	uint32_t site, bypass, adj_off;
	uint32_t hot;			/* the frame's own jump (tc_direct_entry), 0: none */
	bool emitted;
};
#define HOST_MAX_POKES	64

/* One program compiled by the real code generator. */
struct host_jit {
	struct bpf_insn *insns;		/* after host_fixup */
	uint32_t len;
	struct aj_func fn;
	struct aj_ctx ctx;
	uint32_t *addrs;
	uint8_t *image;
	uint32_t size;
	uint8_t *obj;			/* the fake struct bpf_prog: bpf_func at HOST_PROG_BPF_FUNC_OFF */
	struct host_poke pokes[HOST_MAX_POKES];
	uint32_t nr_pokes;
	uint32_t nr_call_addr;		/* aj_env_call_addr calls (one per call per pass) */
	uint32_t nr_probe;		/* aj_env_probe_mem calls with an image */
	uint32_t passes;		/* prologues emitted (optimized frame only, see host_compile) */
	/* Set by the caller before compiling (zero: the test harness's defaults). */
	const host_helper_fn *helpers;	/* helper calls (imm = id) go to helpers[id]; NULL: host_helpers */
	uint32_t nr_helpers;
	bool is_subprog;		/* a subprogram (host_compile_funcs sets it) */
	bool tail_call_reachable;	/* also without a tail call of its own */
	bool bhb_barrier;		/* as cBPF loaded without CAP_SYS_ADMIN */
	struct host_jit *funcs;		/* bpf2bpf calls: imm = the callee's index here */
	uint32_t nr_funcs;
};

struct host_fixup_opts {
	void *map;			/* what BPF_PSEUDO_MAP_FD loads of HOST_MAP_FD become */
	bool direct_tail_calls;		/* tail calls with a constant index become direct ones */
};

/*
 * What the kernel's verifier does to a loaded program before the JIT sees it, as far as the code
 * generator depends on it: guards for division and modulo by a register (x / 0 = 0, x % 0 = x,
 * signed x / -1 = -x, x % -1 = 0), signed division by the constant -1, map loads, bpf_tail_call()
 * into BPF_TAIL_CALL (imm = poke index + 1 for a direct one; direct[i], when not NULL, says so
 * for input instruction i). Returns the new length or -1.
 */
int host_fixup(const struct bpf_insn *in, uint32_t len, struct bpf_insn *out, uint32_t cap,
	       const struct host_fixup_opts *o, struct host_poke *pokes, uint32_t *nr_pokes,
	       bool *direct);

/*
 * Compile j->insns/j->len with frame for target t; j's fields are filled (j->obj stays). Returns 0
 * or the code generator's error. count_passes wraps the optimized frame to count passes.
 */
int host_compile(struct host_jit *j, const struct aj_target *t, const struct aj_frame *frame,
		 uint32_t stack_depth, bool count_passes);
void host_jit_free(struct host_jit *j);
/*
 * host_compile() of the n instructions at in, on a fresh state, for the target of the HV_* bits hv,
 * with or without the Spectre-BHB barrier at the exits (j->bhb_barrier).
 */
int host_compile_prog(struct host_jit *j, struct bpf_insn *in, uint32_t n, unsigned hv,
		      const struct aj_frame *frame, bool bhb);

/*
 * A program with bpf2bpf calls, compiled the way the kernel's jit_subprogs() drives a JIT: funcs[0]
 * is the main program, funcs[k] subprogram k (each with insns/len and, optionally, helpers; its
 * BPF_PSEUDO_CALLs carry the callee's index k in imm). Every function is compiled once with
 * placeholder call targets, then once more (the extra pass) with the callees' images known.
 * Returns 0 or the code generator's error.
 */
struct bpf_insn host_insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm);
int host_compile_funcs(struct host_jit *funcs, uint32_t n, const struct aj_target *t,
		       const struct aj_frame *frame, const uint32_t *stack_depth);

/* A prog array of max(max_entries, HOST_MAX_ENTRIES) slots, max_entries as given. */
void *host_array_new(uint32_t max_entries);
void host_array_set(void *array, uint32_t idx, struct host_jit *j);
/* Patch j's direct tail calls as the kernel's poke code would, from what array holds now. */
void host_link(struct host_jit *j, void *array);

/*
 * Run an image as u64 f(void *ctx). *bad gets a bit for each C callee-saved register the image did
 * not restore (1 rbx, 2 rbp, 4 r12, 8 r13, 16 r14, 32 r15, 64 rsp).
 */
uint64_t host_call(const void *image, void *ctx, uint64_t *bad);

/*
 * disasm.c (capstone; kept apart: capstone's headers and x86.h both name an x86_op_mem).
 * host_dis: decode [p, p + n) at address ip, Intel syntax; text[k] is instruction k ("mnemonic
 * operands"), len[k] its size. Returns how many were decoded (stops at the first undecodable byte).
 * host_disasm: print them to f, one a line, as TAP comments.
 */
#define HOST_DIS_TEXT	96
int host_dis(const uint8_t *p, uint32_t n, uint64_t ip, char (*text)[HOST_DIS_TEXT], uint32_t *len,
	     uint32_t max);
void host_disasm(FILE *f, const uint8_t *p, uint32_t n, uint64_t ip);

#endif /* _ALTJIT_HOST_ENV_H */
