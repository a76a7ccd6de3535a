/* SPDX-License-Identifier: GPL-2.0 */
/*
 * altjit's code generator: what the pass driver (jit_core.c), the per-instruction code generation
 * (jit_insn.c) and the frame schemes (frame.c) share. Nothing here touches kernel objects: the
 * kernel glue (jit_kernel.c) and the userspace test harness each provide the few aj_env_*()
 * functions declared at the bottom, so the same code generator builds in both places.
 */
#ifndef _ALTJIT_JIT_H
#define _ALTJIT_JIT_H

#include "x86.h"
#include "jit_env.h"	/* struct bpf_insn and the BPF_* opcode macros, kernel or userspace */

/* BPF register -> x86-64 register, the kernel's own mapping (frames must interoperate). */
/* BPF_REG_AX: the blinding temporary; 11 up to 6.x, 12 on 7.3 (11 is BPF_REG_PARAMS there) */
#define AJ_REG_AX	BPF_REG_AX
#define AJ_NR_REGS	(AJ_REG_AX + 1)
extern const u8 aj_xreg[AJ_NR_REGS];
#define AJ_TMP		X_R11			/* scratch, never a BPF register */
#define AJ_TMP2		X_R9			/* second scratch (not a BPF register either) */

/* Facts about the running kernel that change the emitted code; filled once at load. */
struct aj_target {
	bool ibt;			/* ENDBR64 at the entry and at the tail-call entry */
	bool tc_cnt_ptr;		/* 6.12: frames hold a pointer to the main program's counter */
	bool sls_jmp;			/* int3 after an indirect jmp */
	bool sls_ret;			/* int3 after ret */
	u8 tc_nop_len;			/* the counter-init slot: xor eax,eax/nop2 (2) or xor rax,rax/nop3 (3) */
	u32 max_tail_calls;		/* tail calls allowed in one chain (33 on every kernel) */
	bool interp_tc_late;		/* 7.3: the interpreter counts found targets only */
	u32 stock_tc_entry;		/* the kernel's X86_TAIL_CALL_OFFSET */
	u32 array_max_entries_off;	/* offsetof(struct bpf_array, map.max_entries) */
	u32 array_ptrs_off;		/* offsetof(struct bpf_array, ptrs) */
	u32 prog_bpf_func_off;		/* offsetof(struct bpf_prog, bpf_func) */
	u64 indirect_thunks;		/* __x86_indirect_thunk_array when retpolines are on, else 0 */
	u32 thunk_size;			/* bytes between two registers' thunks */
	bool lfence_retpoline;		/* retpoline=lfence: lfence; jmp *reg */
	u64 return_thunk;		/* x86_return_thunk when return thunks are on, else 0 */
	u64 its_thunks;			/* ITS: __x86_indirect_its_thunk_array, else 0 (before retpolines) */
	u32 its_thunk_size;		/* bytes between two registers' ITS thunks */
	bool call_depth;		/* call-depth accounting before every call (retbleed=stuff) */
	u64 bhb_loop;			/* Spectre-BHB: clear_bhb_loop, called at exit of unprivileged cBPF */
	bool bhb_ibhf;			/* ... and/or the IBHF fence there */
	u64 probe_mem_limit;		/* TASK_SIZE_MAX + PAGE_SIZE: PROBE_MEM loads below it read 0 */
	u32 this_cpu_off;		/* &this_cpu_off, for per-CPU address moves (6.7+); 0: none */
	u8 patch_nop[5];		/* the kernel's 5-byte NOP at patch sites; all 0: 0f 1f 44 00 00 */
};

struct aj_ctx;

/*
 * A frame scheme: everything about a program's frame, in one place (frame.c). The code generator
 * calls these and nothing else knows the frame's layout.
 */
struct aj_frame {
	const char *name;
	/*
	 * What the scheme decides before any code: the BPF stack the frame reserves (ctx->stack)
	 * and the callee-saved registers it pushes (ctx->callee_regs).
	 */
	void (*setup)(struct aj_ctx *ctx);
	/*
	 * Why a program of this shape cannot be compiled with this frame on this kernel (it then
	 * goes whole to the stock JIT), or NULL: subprogs, it has bpf2bpf calls; tail_calls, it or a
	 * subprogram tail-calls. NULL hook: everything.
	 */
	const char *(*unsupported)(const struct aj_target *t, bool subprogs, bool tail_calls);
	/*
	 * The tail-call ABI on this kernel: programs may share a prog array only when their frames
	 * have the same id. AJ_TC_ABI_STOCK (also a NULL hook) is the stock JIT's: its tail calls
	 * enter any target at X86_TAIL_CALL_OFFSET with the stock counter convention, and its images
	 * take such calls there. A frame with another id must recognise its own images
	 * (owns_image), since the ABI of a program in a prog array is read from its image.
	 */
	u8 (*tc_abi)(const struct aj_target *t);
	bool (*owns_image)(const struct aj_target *t, const u8 *bpf_func);
	/*
	 * Whether each finished image holds a module reference until the kernel frees it: frames
	 * whose images rely on altjit's isolation checks staying loaded (needs owns_image).
	 */
	bool pins_module;
	/* Entry: patch site, rbp/rsp setup, counter, callee-saved registers. */
	void (*prologue)(struct aj_ctx *ctx);
	/* BPF_EXIT target: restore and return (r0 already in rax). */
	void (*epilogue)(struct aj_ctx *ctx);
	/*
	 * Tail call: tc_count counts the call against the chain's budget and returns its forward jump
	 * (aj_jcc_fwd()) taken when the budget is used up; tc_leave, once the target was found, leaves
	 * this frame the way the scheme's tail-call entry expects.
	 */
	u32 (*tc_count)(struct aj_ctx *ctx);
	void (*tc_leave)(struct aj_ctx *ctx);
	/* Offset from a target's bpf_func where this program's tail calls enter it. */
	u32 (*tc_entry)(const struct aj_ctx *ctx);
	/*
	 * Optional: an indirect tail call's way out once it is counted and the target found (rcx:
	 * the target's struct bpf_prog): leave this frame and jump, in place of tc_leave and a jump
	 * to bpf_func + tc_entry. Returns false when this program's frame has no such path (the
	 * generic one is used). A frame that picks its target's entry at run time does it here.
	 */
	bool (*tc_indirect)(struct aj_ctx *ctx);
	/*
	 * Optional: for a frame whose direct tail calls have a second patch site of altjit's own
	 * (tc_leave set ctx->tc_hot: a jmp rel32 in front of the frame's teardown, which the
	 * kernel's poke code does not know), where that jump goes when the slot holds the program
	 * whose image is at bpf_func: an offset from bpf_func, or 0 for the stock ABI path (the
	 * jump's own next instruction: the teardown, then the kernel's site). Run when the image is
	 * fixed up and at every update of the slot (tailpoke.c).
	 */
	u32 (*tc_direct_entry)(const struct aj_target *t, const u8 *bpf_func);
	/*
	 * Whether an indirect tail call counts only once the target was found (a call to an empty
	 * slot is free), as 6.12's JIT does; else it counts before the lookup, as pre-5.8 kernels did.
	 * Direct tail calls follow the same rule through tc_count/tc_leave.
	 */
	bool (*tc_count_late)(const struct aj_target *t);
	/* Before a bpf2bpf call: pass the tail-call counter (or its pointer) to the callee in rax. */
	void (*pass_counter)(struct aj_ctx *ctx);
};

#define AJ_TC_ABI_STOCK	0

extern const struct aj_frame aj_frame_legacy;
extern const struct aj_frame aj_frame_optimized;
/* Every scheme's frame, by enum altjit_scheme (NULL: stock, the kernel's own JIT). */
extern const struct aj_frame *const aj_frames[];

/* One BPF function (a whole program, or one subprogram) as the code generator sees it. */
struct aj_func {
	const struct bpf_insn *insns;
	u32 len;
	u32 stack_depth;		/* from the verifier */
	bool is_subprog;
	bool has_subprogs;		/* the program has bpf2bpf calls (this is one of its functions) */
	bool tail_call_reachable;
	bool from_cbpf;			/* converted classic BPF: no counter-init slot */
	bool has_tail_call;		/* holds a BPF_TAIL_CALL instruction itself */
	bool bhb_barrier;		/* cBPF loaded without CAP_SYS_ADMIN: BHB barrier at exit */
};

struct aj_ctx {
	struct aj_buf b;		/* this pass's output; b.image NULL while sizing */
	const struct aj_target *t;
	const struct aj_frame *frame;
	const struct aj_func *fn;
	u32 *addrs;			/* addrs[i]: offset where BPF insn i ends (i = 0: the prologue) */
	u64 image_ip;			/* where image byte 0 runs, for rel32 calls; 0 while unknown */
	u32 stack;			/* the BPF stack the frame reserves, 8-aligned */
	u8 callee_regs;			/* bit n: BPF R(6+n) is used */
	u8 frame_mode;			/* the frame's own per-program choice (setup; frame.c's) */
	bool extra_pass;		/* the final pass of a program with subprograms */
	u32 exit_off;			/* where the epilogue starts (previous pass) */
	u32 fp_end;			/* where the first epilogue has restored the caller's rbp */
	int insn_idx;			/* BPF instruction being emitted */
	u32 tc_hot;			/* a direct tail call's own jump (tc_direct_entry), 0: none */
	int err;
	void *env;			/* the environment's own state (kernel: the bpf_prog) */
};

/*
 * Short forward jumps to a label that is not known yet: aj_jcc_fwd()/aj_jmp_fwd() emit the jump and
 * return where its displacement ends; aj_bind_fwd() points it at the current position.
 */
static inline u32 aj_jcc_fwd(struct aj_ctx *ctx, int cc)
{
	x86_jcc_rel8(&ctx->b, cc, 0);
	return ctx->b.len;
}

static inline u32 aj_jmp_fwd(struct aj_ctx *ctx)
{
	x86_jmp_rel8(&ctx->b, 0);
	return ctx->b.len;
}

static inline void aj_bind_fwd(struct aj_ctx *ctx, u32 at)
{
	u32 d = ctx->b.len - at;

	if (!at)
		return;		/* no jump was emitted */
	if (d > 127)
		ctx->err = -E2BIG;
	else if (ctx->b.image)
		ctx->b.image[at - 1] = (u8)d;
}

/*
 * A patch site (fentry/fexit at a function's start, a direct tail call): the kernel's poke code
 * patches only sites holding exactly its own 5-byte NOP. 5.10 picks that NOP at boot (ideal_nops:
 * K8 NOPs on some CPUs, QEMU's included); later kernels always use 0f 1f 44 00 00.
 */
static inline void aj_emit_patch_nop(struct aj_ctx *ctx)
{
	if (ctx->t->patch_nop[0])
		aj_emit_bytes(&ctx->b, ctx->t->patch_nop, 5);
	else
		x86_nop5(&ctx->b);
}

/* frame.c */
/* The altjit frame whose image starts at bpf_func, when that frame marks its images; else NULL. */
const struct aj_frame *aj_image_frame(const struct aj_target *t, const u8 *bpf_func);

/* jit_insn.c: emit BPF instruction i (and i + 1 for LD_IMM64); returns how many it consumed. */
int aj_emit_insn(struct aj_ctx *ctx, int i);
/* A call or jump to an absolute address from the current position (rel32). */
void aj_emit_call_abs(struct aj_ctx *ctx, u64 target);
void aj_emit_jmp_abs(struct aj_ctx *ctx, u64 target);
/* An indirect jump through a register, following the kernel's retpoline settings. */
void aj_emit_indirect_jump(struct aj_ctx *ctx, int xreg);
/* ret, or a jump to the return thunk. */
void aj_emit_return(struct aj_ctx *ctx);
/* What every exit does before the frame is torn down (the Spectre-BHB barrier, when due). */
void aj_emit_exit_barrier(struct aj_ctx *ctx);

/* jit_core.c: the pass driver. */
struct aj_image_ops {
	/* Allocate the final image of size bytes; returns where to write and where it will run. */
	int (*alloc)(struct aj_ctx *ctx, u32 size, u8 **rw, u64 *ip);
};
int aj_compile(struct aj_ctx *ctx, const struct aj_image_ops *ops);
/* Which of R6-R9 a function uses (bit n: R(6+n)); all four when it tail-calls in legacy. */
u8 aj_callee_regs_used(const struct aj_func *fn);

/*
 * The environment (kernel or userspace) provides these.
 * aj_env_call_addr: where the BPF_CALL at insn i goes (0 with success while not yet known: the
 *   first pass of a program with subprograms).
 * aj_env_tail_call_is_direct: whether the tail call at insn i is to be emitted as a patchable
 *   direct jump (the kernel made a poke descriptor for it and altjit can patch it).
 * aj_env_tail_call_direct: the direct tail call at insn i was emitted: patch site (5-byte nop) at
 *   offset site, bypass jump at offset bypass, to targets' bpf_func + adj_off; hot: the frame's
 *   own jump in front of its teardown (tc_direct_entry), 0 when it has none.
 * aj_env_tail_call_managed: whether altjit follows the slots' updates (the hot jumps can be kept
 *   pointing at the right entry); without it, a frame must not emit one.
 * aj_env_probe_mem: a faulting-allowed load at offset insn_off (len bytes) into xreg dst.
 * aj_env_call_accounting: before a call to target: the kernel's call-depth accounting, if on.
 */
int aj_env_call_addr(struct aj_ctx *ctx, int i, u64 *addr);
int aj_env_tail_call_direct(struct aj_ctx *ctx, int i, u32 site, u32 bypass, u32 adj_off, u32 hot);
bool aj_env_tail_call_is_direct(struct aj_ctx *ctx, int i);
bool aj_env_tail_call_managed(struct aj_ctx *ctx);
int aj_env_probe_mem(struct aj_ctx *ctx, int i, u32 insn_off, u32 len, int dst);
void aj_env_call_accounting(struct aj_ctx *ctx, u64 target);

#endif /* _ALTJIT_JIT_H */
