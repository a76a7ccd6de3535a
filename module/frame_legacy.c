// SPDX-License-Identifier: GPL-2.0
/*
 * The legacy frame scheme (frame.c has optimized, the table of schemes, and what a scheme is).
 *
 * legacy — the fixed pre-5.8 frame: every function pushes rbx, r13, r14, r15 and the counter, so
 * the prologue has one size, and a tail call may jump past all of it and reuse the caller's frame:
 *
 *   bpf_func + 0      [endbr64] nop5 ; xor eax,eax | nop2 ; push rbp ; mov rbp,rsp
 *   resize entry      [endbr64]                      = the kernel's X86_TAIL_CALL_OFFSET
 *                     nopl 0x414a4c47(%rax)          marks the image as legacy ("GLJA")
 *                     sub rsp,STACK (always imm32) ; push rbx ; push r13 ; push r14 ; push r15
 *                     push rax                       counter (5.10, 6.1)
 *                   | cmp rax,33 ; ja 1f ; push rax ; mov rax,rsp ; jmp 2f ; 1: push rax ; 2: push rax
 *                                                    counter slots (6.12+), as the stock JIT's
 *   reuse entry       [endbr64]                      = end of the prologue
 *
 *          rbp      | saved rbp      |
 *          rbp - S  | BPF stack (S)  |  S = 512 when a program without bpf2bpf calls tail-calls
 *                   | rbx r13 r14 r15|
 *                   | counter        |  5.10, 6.1: the counter itself <- rsp
 *                   | counter | ptr  |  6.12+: the counter (or a pointer to it), a pointer to it <- rsp
 *
 *   In a body rsp stays at the last counter slot (jit_insn.c keeps no push across an instruction),
 *   so the counter (5.10, 6.1) or the pointer to the chain's one counter (6.12+) is always at
 *   [rsp], whichever frame the function runs in; a bpf2bpf call hands it to the callee in rax.
 *
 *   A program without bpf2bpf calls that tail-calls (the pre-5.8 case) reserves the largest BPF
 *   stack (512 bytes), counts in its frame and jumps to the target's reuse entry: the target runs
 *   in its frame. A program with bpf2bpf calls and tail calls cannot: a tail call from a subprogram
 *   leaves its callers' frames on the stack, and with one 512-byte frame kept per tail call, 33
 *   of them (tailcall_bpf2bpf_hierarchy_*) would need ~19 KiB, more than the kernel stack. So its
 *   functions reserve their own stack, and a tail call counts, pops the counter slots (rax: the
 *   counter, or the pointer), the four registers, sets rsp = rbp and jumps to the target's resize
 *   entry: the target builds its own frame there, as under the stock JIT. Its main function, when
 *   a program of the first kind jumped to its reuse entry, first unwinds that borrowed frame the
 *   same way and builds its own (its normal entry jumps over that stub):
 *
 *   resize entry      [endbr64] nopl marker ; jmp 1f ; int3 ...   padding up to the reuse entry
 *   reuse entry       [endbr64] pop rax [; pop rax] ; pop r15 ; pop r14 ; pop r13 ; pop rbx ; mov rsp,rbp
 *                 1:  sub rsp,STACK ; pushes and counter slots as above
 *
 *   Stack: such a program's frames hold what the stock JIT's hold plus at most 32 bytes (the
 *   four registers are always saved), and a tail call keeps exactly the frames the stock JIT
 *   keeps; a 512-byte frame is never kept under a tail call (its owner has no bpf2bpf calls, and
 *   a main function that has them leaves it). So a chain's stack under legacy is at most the
 *   stock JIT's + 32 bytes per BPF frame on it + one 576-byte frame; nothing is handed back for
 *   its stack.
 *
 *   Counting follows the kernel: 5.10 and 6.1 hand the counter on by value (a subprogram's tail
 *   calls count in its own copy), 6.12+ by pointer into one counter per chain; every try counts
 *   up to 6.12 (as the interpreter counts; 6.12's JIT counts found targets only), found targets
 *   only on 7.3. On 5.10 and 6.1 legacy code may only ever tail-call legacy code: its counter
 *   sits in rax's low half, the stock JIT's in the upper half (isolation.c keeps them apart).
 *
 *   6.12+ (the counter or its pointer in rax, as the stock JIT passes it): the resize entry is
 *   the stock tail-call entry, so stock and optimized tail calls may enter legacy images; a
 *   legacy tail call without bpf2bpf calls keeps its frame for a legacy target only (an
 *   indirect one compares the target's marker: reuse entry, else the stock exit; a direct one
 *   has its own jump, as optimized's keep mode, pointed by tailpoke.c at the reuse entry or the
 *   stock exit), and programs with bpf2bpf calls and tail calls go to the stock JIT. Legacy then
 *   shares the stock tail-call ABI: prog arrays mix freely (legacy_tc_abi()).
 */
#include "frame.h"

/* ---- legacy ---- */

/*
 * A program with bpf2bpf calls and tail calls: its frames are its own size and its tail calls
 * unwind them (tail calls from a subprogram would otherwise keep one 512-byte frame per hop).
 */
static bool legacy_mixed(const struct aj_ctx *ctx)
{
	return ctx->fn->has_subprogs && ctx->fn->tail_call_reachable;
}

/* The resize entry: the stock JIT's tail-call entry, where a target builds its own frame. */
static u32 legacy_resize_entry(const struct aj_target *t)
{
	return t->stock_tc_entry;
}

/* The marker: right after the resize entry's endbr64, at an instruction boundary of every image. */
static u32 legacy_marker_off(const struct aj_target *t)
{
	return legacy_resize_entry(t) + (t->ibt ? 4 : 0);
}

/* The reuse entry: past the whole prologue, where a target runs in its caller's frame. */
static u32 legacy_reuse_entry(const struct aj_target *t)
{
	return legacy_marker_off(t) + 7 + 7 + 7 + legacy_cnt_len(t);
}

/* Back to rsp == rbp, the caller's registers restored, the counter (or its pointer) in rax. */
static void legacy_unwind(struct aj_ctx *ctx)
{
	x86_pop(&ctx->b, X_RAX);
	if (ctx->t->tc_cnt_ptr)
		x86_pop(&ctx->b, X_RAX);	/* the counter, or the pointer when that was all */
	pop_callee(ctx, 0xf);
	x86_mov_rr(&ctx->b, true, X_RSP, X_RBP);
}

static void legacy_prologue(struct aj_ctx *ctx)
{
	const struct aj_target *t = ctx->t;
	struct aj_buf *b = &ctx->b;
	u32 unwind;

	frame_head(ctx, !ctx->fn->is_subprog && !ctx->fn->from_cbpf, true);
	if (b->len != legacy_resize_entry(t))
		ctx->err = -EFAULT;
	if (t->ibt)
		x86_endbr64(b);			/* the resize entry */
	aj_emit3(b, 0x0f, 0x1f, 0x80);		/* nopl disp32(%rax): the legacy marker */
	aj_emit_u32(b, AJ_LEGACY_MARKER);
	if (ctx->fn->is_subprog || !legacy_mixed(ctx)) {
		legacy_build(ctx);
		if (b->len != legacy_reuse_entry(t))
			ctx->err = -EFAULT;
		if (t->ibt)
			x86_endbr64(b);		/* the reuse entry */
		return;
	}
	/*
	 * A main function that mixes runs in a frame of its own size, also when a program of the
	 * other kind jumped to its reuse entry: there it unwinds that caller's frame and builds its
	 * own. The normal entry and the resize entry jump over that.
	 */
	unwind = (t->ibt ? 4 : 0) + (t->tc_cnt_ptr ? 2 : 1) + 7 + 3;
	x86_jmp_rel8(b, legacy_reuse_entry(t) + unwind - (b->len + 2));
	while (b->len < legacy_reuse_entry(t))
		x86_int3(b);
	if (t->ibt)
		x86_endbr64(b);			/* the reuse entry */
	legacy_unwind(ctx);
	if (b->len != legacy_reuse_entry(t) + unwind)
		ctx->err = -EFAULT;
	legacy_build(ctx);
}

static void legacy_epilogue(struct aj_ctx *ctx)
{
	aj_emit_exit_barrier(ctx);
	x86_pop(&ctx->b, X_RCX);	/* the counter */
	if (ctx->t->tc_cnt_ptr)
		x86_pop(&ctx->b, X_RCX);
	pop_callee(ctx, 0xf);
	x86_leave(&ctx->b);
	aj_frame_fp_end(ctx);
	aj_emit_return(ctx);
}

/*
 * Count a tail call: in the slot at [rsp] (5.10, 6.1), through the pointer at [rsp] (6.12+: into
 * the chain's one counter; rax keeps the pointer for legacy_tc_leave()). Wherever the frame came
 * from, rsp is at its counter slots in a body (nothing in jit_insn.c keeps rsp moved across an
 * instruction).
 */
static void legacy_tc_add(struct aj_ctx *ctx)
{
	if (ctx->t->tc_cnt_ptr) {
		aj_emit4(&ctx->b, 0x48, 0x83, 0x00, 0x01);	/* add qword [rax], 1 */
	} else {
		/* the pre-5.8 JIT's own steps (eax holds the count from legacy_tc_count()) */
		x86_alu_ri(&ctx->b, false, X_ADD, X_RAX, 1);
		x86_stx(&ctx->b, 4, X_RSP, 0, X_RAX);
	}
}

/*
 * Counting every try, the check and the increment come together; counting found targets only
 * (7.3), the increment waits for legacy_tc_leave(): a direct tail call's bypass jump lies in
 * between.
 */
static u32 legacy_tc_count(struct aj_ctx *ctx)
{
	struct aj_buf *b = &ctx->b;
	u32 out;

	if (ctx->t->tc_cnt_ptr) {
		x86_ldx(b, 8, X_RAX, X_RSP, 0);
		aj_emit4(b, 0x48, 0x83, 0x38, ctx->t->max_tail_calls);	/* cmp qword [rax], MAX */
	} else {
		/*
		 * As the pre-5.8 JIT counted (load, compare, add, store), so that legacy stays the
		 * reference it is in the benchmark; only the slot is addressed from rsp.
		 */
		x86_ldx(b, 4, X_RAX, X_RSP, 0);
		x86_alu_ri(b, false, X_CMP, X_RAX, ctx->t->max_tail_calls);
	}
	out = aj_jcc_fwd(ctx, X_CC_AE);
	if (!ctx->t->interp_tc_late)
		legacy_tc_add(ctx);
	return out;
}

/*
 * 6.12+: the stock JIT's counter convention is legacy's own (a counter, or a pointer to the
 * chain's one counter, in rax at X86_TAIL_CALL_OFFSET), and legacy's resize entry lies there: a
 * stock or optimized tail call may enter a legacy image, and a legacy tail call may leave its
 * frame the stock way (legacy_unwind) for any target. So a program without bpf2bpf calls keeps
 * its frame only for a legacy target (its reuse entry) and takes the stock ABI to any other:
 * legacy shares its prog arrays with the other schemes (legacy_tc_abi()).
 */
static bool legacy_stock_abi(const struct aj_target *t)
{
	return t->tc_cnt_ptr;
}

static void legacy_tc_leave(struct aj_ctx *ctx)
{
	if (ctx->t->interp_tc_late)
		legacy_tc_add(ctx);
	if (legacy_mixed(ctx)) {
		legacy_unwind(ctx);	/* to the target's resize entry */
		return;
	}
	if (!legacy_stock_abi(ctx->t))
		return;			/* the target runs in this frame */
	/*
	 * 6.12+, a direct tail call: altjit's own jump to a legacy target's reuse entry (frame
	 * kept) or to the next instruction: the stock exit, then the kernel's site (tc_entry).
	 * Without tailpoke following the slot, the stock exit only.
	 */
	frame_tc_hot_jump(ctx);
	legacy_unwind(ctx);
}

static u32 legacy_tc_entry(const struct aj_ctx *ctx)
{
	return legacy_mixed(ctx) || legacy_stock_abi(ctx->t) ? legacy_resize_entry(ctx->t) :
	       legacy_reuse_entry(ctx->t);
}

/*
 * The 4 bytes at the marker's offset in a legacy image: nopl disp32(%rax)'s opcode and the low
 * byte of the marker. At that offset every image a prog array can hold (eBPF, JIT'ed by stock,
 * optimized or legacy) starts an instruction the JIT chose, and only legacy's marker starts with
 * 0f 1f 80 and a non-zero displacement byte (the JITs' 7-byte NOP has 0f 1f 80 00): a program's
 * immediates cannot forge it. (Converted classic BPF lacks the counter-init slot, so the offset
 * may fall inside an instruction there, but such programs never enter a prog array.)
 */
#define AJ_LEGACY_MARKER_HEAD	(0x00801f0fu | (AJ_LEGACY_MARKER & 0xff) << 24)

/*
 * 6.12+, an indirect tail call (rcx: the target's struct bpf_prog; rax: the counter's pointer):
 * a legacy target is entered at its reuse entry in this frame, any other through the stock ABI.
 */
static bool legacy_tc_indirect(struct aj_ctx *ctx)
{
	const struct aj_target *t = ctx->t;

	if (legacy_mixed(ctx) || !legacy_stock_abi(t))
		return false;
	if (t->interp_tc_late)
		legacy_tc_add(ctx);
	/* the resize entry is X86_TAIL_CALL_OFFSET: legacy_unwind leaves the stock ABI for it */
	frame_tc_pick_entry(ctx, legacy_marker_off(t), AJ_LEGACY_MARKER_HEAD, legacy_reuse_entry(t),
			    legacy_unwind);
	return true;
}

static bool legacy_owns_image(const struct aj_target *t, const u8 *bpf_func);

/* A direct tail call's own jump (6.12+): a legacy target's reuse entry, or the stock exit (0). */
static u32 legacy_tc_direct_entry(const struct aj_target *t, const u8 *bpf_func)
{
	return legacy_owns_image(t, bpf_func) ? legacy_reuse_entry(t) : 0;
}

/* 5.10 and 6.1 keep the counter in another half of rax than their stock JIT: legacy only. */
static u8 legacy_tc_abi(const struct aj_target *t)
{
	return legacy_stock_abi(t) ? AJ_TC_ABI_STOCK : 1;
}

/*
 * 6.12+: a program with bpf2bpf calls and tail calls goes to the stock JIT, whose frame is the
 * one its tail calls and the kernel's own tests expect (there is no pre-5.8 frame for it; on 5.10
 * and 6.1 legacy builds its own, above).
 */
static const char *legacy_unsupported(const struct aj_target *t, bool subprogs, bool tail_calls)
{
	return legacy_stock_abi(t) && subprogs && tail_calls ? "bpf2bpf calls with tail calls" : NULL;
}

/*
 * As the running kernel's interpreter counts: every try, empty slots too, up to 6.12 (pre-5.8
 * semantics, which the JITs of 5.10 and 6.1 share); found targets only on 7.3, where the
 * interpreter and the stock JIT agree on it.
 */
static bool legacy_tc_count_late(const struct aj_target *t)
{
	return t->interp_tc_late;
}

/* The counter (5.10, 6.1) or the pointer to it (6.12+), at [rsp] in every legacy body. */
static void legacy_pass_counter(struct aj_ctx *ctx)
{
	if (ctx->fn->tail_call_reachable)
		x86_ldx(&ctx->b, 8, X_RAX, X_RSP, 0);
}

/*
 * A program without bpf2bpf calls that tail-calls reserves the largest stack any target may use:
 * the target runs in its frame. A program that mixes reserves its own.
 */
static void legacy_setup(struct aj_ctx *ctx)
{
	ctx->stack = ctx->fn->has_tail_call && !legacy_mixed(ctx) ? AJ_LEGACY_STACK :
		     (ctx->fn->stack_depth + 7) & ~7u;
	ctx->callee_regs = 0xf;
}

/* Is the image at bpf_func a legacy one? (Reads the prologue: the marker is at a fixed place.) */
static bool legacy_owns_image(const struct aj_target *t, const u8 *bpf_func)
{
	const u8 *p = bpf_func + legacy_marker_off(t);
	u32 marker;

	if (p[0] != 0x0f || p[1] != 0x1f || p[2] != 0x80)
		return false;
	memcpy(&marker, p + 3, 4);
	return marker == AJ_LEGACY_MARKER;
}

const struct aj_frame aj_frame_legacy = {
	.name = "legacy",
	.setup = legacy_setup,
	.unsupported = legacy_unsupported,
	.tc_abi = legacy_tc_abi,
	.owns_image = legacy_owns_image,
	/*
	 * 5.10/6.1: its prog arrays rely on altjit's isolation checks. Everywhere: altjit stays
	 * loaded while legacy images live (legacy_live), one rule for the A/B scheme on every kernel.
	 */
	.pins_module = true,
	.prologue = legacy_prologue,
	.epilogue = legacy_epilogue,
	.tc_count = legacy_tc_count,
	.tc_leave = legacy_tc_leave,
	.tc_entry = legacy_tc_entry,
	.tc_indirect = legacy_tc_indirect,
	.tc_direct_entry = legacy_tc_direct_entry,
	.tc_count_late = legacy_tc_count_late,
	.pass_counter = legacy_pass_counter,
};

