// SPDX-License-Identifier: GPL-2.0
/*
 * The frame schemes: how a program's frame is built, torn down, and left for a tail call. This
 * file (optimized, the table of schemes), frame_legacy.c and what they share (frame.h) are the
 * only ones that know a frame's layout; the code generator reaches them through struct aj_frame.
 *
 * optimized — the callee-save-aware frame, laid out exactly as the running kernel's own JIT lays
 * out its frames, so prog arrays, trampolines and poke descriptors can mix the two:
 *
 *   bpf_func + 0      [endbr64]                      IBT kernels (6.12)
 *                     nop5                           fentry/fexit patch site
 *                     xor eax,eax | nop              counter init slot (main program with tail calls)
 *                     push rbp ; mov rbp,rsp
 *   tail-call entry   [endbr64]                      = the kernel's X86_TAIL_CALL_OFFSET
 *                     sub rsp,STACK                  only when the program has a stack
 *                     push rax                       counter (5.10, 6.1) or counter and pointer (6.12),
 *                                                    only when tail calls are reachable
 *                     push rbx/r13/r14/r15           only those of R6-R9 the program uses
 *
 *          rbp + 8  | return address |
 *          rbp      | saved rbp      |
 *          rbp - S  | BPF stack (S)  |  R10 = rbp
 *                   | counter        |  only with tail calls (6.12: counter/pointer, pointer)
 *                   | used R6-R9     |  <- rsp
 *
 *   A tail call pops the used R6-R9, hands the counter on in rax (5.10/6.1: in its upper half, as
 *   the kernel's JIT keeps it, computed rather than popped; 6.12: the pointer), releases the
 *   counter slot and the BPF stack and jumps to the target's tail-call entry: the target builds
 *   the rest of its own frame.
 *
 *   Its keep-frame mode, for a program without bpf2bpf calls that makes an indirect tail call:
 *   legacy's frame (all four registers, 512 bytes of BPF stack, the counter at [rsp]: 5.10/6.1 the
 *   count - 33 in its own slot, 6.12+ legacy's two slots) behind the same two stock entries,
 *   and a third entry after the whole prologue, where another such image's tail call keeps its
 *   frame:
 *
 *   bpf_func + 0      [endbr64] nop5
 *                     xor eax,eax as 33 c0 (6.12+: xor rax,rax as 48 33 c0): the counter's 0, and
 *                     the keep marker; the stock JIT and the other frames emit 31 c0 / 48 31 c0
 *                     or a NOP there
 *                     push rbp ; mov rbp,rsp
 *   stock entry       [endbr64]                      = X86_TAIL_CALL_OFFSET, the stock JIT's rax
 *                     shr rax,32 ; sub rax,33        5.10/6.1: count - 33, the count from rax's upper half
 *                     sub rsp,512 ; push rbx ; push r13 ; push r14 ; push r15
 *                     push rax | 6.12+: legacy's two counter slots
 *   keep entry        [endbr64]
 *
 *   An indirect tail call counts in the frame (5.10/6.1: add qword [rsp],1 ; jg out: the slot holds
 *   count - 33; 6.12+: through the pointer at [rsp]), loads the target's bpf_func and compares its 4 bytes at
 *   the marker's offset: a keep-mode image is entered at its keep entry with the frame as it is
 *   (its stack fits: the verifier's 512 bytes); any other (stock, the lean frame, an image of a
 *   kernel JIT'ed before altjit) gets the stock ABI: the counter slots and registers popped, the
 *   count in rax as the kernel's JIT passes it, rsp = rbp, a jump to X86_TAIL_CALL_OFFSET. The
 *   marker lies in the bytes every x86 image has before X86_TAIL_CALL_OFFSET, which the kernel's
 *   JIT fixes: no program's instructions or immediates can forge it. (A marker past the pushes,
 *   where a nopl after this prologue would sit, could be: in a stock image that offset may fall
 *   inside a movabs whose immediate is the program's own bytes. Legacy's marker is safe for the
 *   same reason this one is: at X86_TAIL_CALL_OFFSET (+4 after its endbr64 with IBT) every image
 *   a prog array can hold starts an instruction the JIT chose, and no JIT emits a nopl with that
 *   displacement.) It costs no instruction.
 *
 *   A direct tail call keeps the kernel's bypass and site, pointed by its poke code at the
 *   target's stock entry as for any image, and puts one jump of altjit's own between them:
 *
 *     count ; bypass: jmp out | nop5 ; [6.12+: add qword [rax],1]
 *     hot:  jmp rel32               -> a keep-mode target's keep entry, or the next instruction
 *           the stock exit (pops, rsp = rbp, the count in rax)
 *     site: nop5 | jmp target + X86_TAIL_CALL_OFFSET             (the kernel's)
 *   out:
 *
 *   tailpoke.c re-points the hot jump at every update of the slot, before the kernel's poke code
 *   runs (both ways of the hot jump are valid at any moment while the slot holds the target),
 *   and points every hot jump at its next instruction before altjit unloads: the images then
 *   take the stock ABI and need nothing of the module. Without tailpoke (the kernel function it
 *   redirects not found) only indirect tail calls ask for keep mode, and direct ones take the
 *   stock exit. Programs without tail calls keep the lean frame, byte for byte.
 *
 * legacy — the fixed pre-5.8 frame, with the reuse of the caller's frame by its tail calls: its
 * layout and diagrams are in frame_legacy.c.
 */
#include "frame.h"

/* ---- optimized ---- */

#define AJ_OPT_LEAN		0
#define AJ_OPT_KEEP		1	/* the keep-frame mode (see the top of this file) */
#define AJ_KEEP_STACK		512

static bool opt_keep(const struct aj_ctx *ctx)
{
	return ctx->frame_mode == AJ_OPT_KEEP;
}

/* Where a keep-mode image's marker is: the counter-init slot, right after the patch site. */
static u32 keep_marker_off(const struct aj_target *t)
{
	return (t->ibt ? 4 : 0) + 5;
}

/* The 4 bytes there: 33 c0 55 48 (xor eax,eax; push rbp; REX.W) or 48 33 c0 55, little-endian. */
static u32 keep_marker(const struct aj_target *t)
{
	return t->tc_nop_len == 3 ? 0x55c03348u : 0x4855c033u;
}

/* The keep entry: after the stock entry, the count's conversion, the stack, the registers, the slots. */
static u32 keep_entry(const struct aj_target *t)
{
	return t->stock_tc_entry + (t->ibt ? 4 : 0) + (t->tc_cnt_ptr ? 0 : 8) + 7 + 7 +
	       legacy_cnt_len(t);
}

static void keep_prologue(struct aj_ctx *ctx)
{
	const struct aj_target *t = ctx->t;
	struct aj_buf *b = &ctx->b;

	if (t->ibt)
		x86_endbr64(b);
	aj_emit_patch_nop(ctx);
	if (t->tc_nop_len == 3)
		aj_emit1(b, 0x48);
	aj_emit2(b, 0x33, 0xc0);			/* xor eax,eax (33 /r): the marker */
	x86_push(b, X_RBP);
	x86_mov_rr(b, true, X_RBP, X_RSP);
	if (b->len != t->stock_tc_entry)
		ctx->err = -EFAULT;
	if (t->ibt)
		x86_endbr64(b);				/* the stock entry */
	if (!t->tc_cnt_ptr) {
		/* 5.10/6.1: the slot holds count - MAX (see keep_tc_count) */
		x86_shift_ri(b, true, X_SHR, X_RAX, 32);
		x86_alu_ri(b, true, X_SUB, X_RAX, t->max_tail_calls);
	}
	legacy_build(ctx);
	if (b->len != keep_entry(t))
		ctx->err = -EFAULT;
	if (t->ibt)
		x86_endbr64(b);				/* the keep entry */
}

/*
 * Back to the stock ABI: rsp = rbp, the caller's registers, the count as the kernel's JIT hands it
 * on (5.10/6.1: the slot's count - MAX + MAX, in rax's upper half; 6.12+: the counter or the
 * pointer to it).
 */
static void keep_unwind(struct aj_ctx *ctx)
{
	struct aj_buf *b = &ctx->b;

	if (ctx->t->tc_cnt_ptr) {
		x86_pop(b, X_RAX);
		x86_pop(b, X_RAX);
	} else {
		x86_pop(b, X_RAX);
		x86_alu_ri(b, true, X_ADD, X_RAX, ctx->t->max_tail_calls);
		x86_shift_ri(b, true, X_SHL, X_RAX, 32);
	}
	pop_callee(ctx, 0xf);
	x86_mov_rr(b, true, X_RSP, X_RBP);
}

/*
 * 5.10/6.1: the slot at [rsp] holds count - MAX (the stock entry subtracts MAX, the stock exit adds
 * it back), so one add in place counts and its flags say whether the budget allowed it: a try is
 * allowed while count + 1 <= MAX, i.e. the sum <= 0; past the budget it only grows (64 bits: it
 * never wraps), as the kernel's check refuses every later try too. 6.12+: through the pointer at
 * [rsp], compared first, counted once the target was found.
 */
static u32 keep_tc_count(struct aj_ctx *ctx)
{
	struct aj_buf *b = &ctx->b;

	if (ctx->t->tc_cnt_ptr) {
		x86_ldx(b, 8, X_RAX, X_RSP, 0);
		aj_emit4(b, 0x48, 0x83, 0x38, ctx->t->max_tail_calls);	/* cmp qword [rax], MAX */
		return aj_jcc_fwd(ctx, X_CC_AE);
	}
	aj_emit4(b, 0x48, 0x83, 0x04, 0x24);				/* add qword [rsp], 1 */
	aj_emit1(b, 0x01);
	return aj_jcc_fwd(ctx, X_CC_G);
}

/* 6.12+ counts a found target only: the increment after the NULL check (or the bypass). */
static void keep_tc_add_late(struct aj_ctx *ctx)
{
	if (ctx->t->tc_cnt_ptr)
		aj_emit4(&ctx->b, 0x48, 0x83, 0x00, 0x01);	/* add qword [rax], 1 */
}

/* Is the image at bpf_func a keep-mode one (the marker, see the top of this file)? */
static bool keep_image(const struct aj_target *t, const u8 *bpf_func)
{
	u32 m;

	memcpy(&m, bpf_func + keep_marker_off(t), sizeof(m));
	return m == keep_marker(t);
}

/* A direct tail call's own jump: a keep-mode target's keep entry, or the stock ABI path (0). */
static u32 opt_tc_direct_entry(const struct aj_target *t, const u8 *bpf_func)
{
	return keep_image(t, bpf_func) ? keep_entry(t) : 0;
}

/*
 * rcx: the target's struct bpf_prog. A keep-mode target is entered past its prologue, in this
 * frame; any other through the stock ABI, out of the hot path.
 */
static bool opt_tc_indirect(struct aj_ctx *ctx)
{
	const struct aj_target *t = ctx->t;

	if (!opt_keep(ctx))
		return false;
	keep_tc_add_late(ctx);
	frame_tc_pick_entry(ctx, keep_marker_off(t), keep_marker(t), keep_entry(t), keep_unwind);
	return true;
}

/* Where the counter (5.10, 6.1) or the counter pointer (6.12) lives. */
static s32 opt_tcc_off(struct aj_ctx *ctx)
{
	return ctx->t->tc_cnt_ptr ? -16 - (s32)ctx->stack : -8 - (s32)ctx->stack;
}

static void opt_prologue(struct aj_ctx *ctx)
{
	bool tc = ctx->fn->tail_call_reachable;
	struct aj_buf *b = &ctx->b;

	if (opt_keep(ctx)) {
		keep_prologue(ctx);
		return;
	}
	frame_head(ctx, tc && !ctx->fn->is_subprog, false);
	if (ctx->t->ibt)
		x86_endbr64(b);
	if (ctx->stack)
		sub_rsp_imm32(ctx, ctx->stack);
	if (tc && ctx->t->tc_cnt_ptr) {
		if (!ctx->fn->is_subprog) {
			push_counter_or_ptr(ctx);
		} else {
			x86_push(b, X_RAX);
		}
		x86_push(b, X_RAX);
	} else if (tc) {
		x86_push(b, X_RAX);
	}
	push_callee(ctx, ctx->callee_regs);
}

static void opt_epilogue(struct aj_ctx *ctx)
{
	aj_emit_exit_barrier(ctx);
	if (opt_keep(ctx)) {
		x86_pop(&ctx->b, X_RCX);	/* the counter slots */
		if (ctx->t->tc_cnt_ptr)
			x86_pop(&ctx->b, X_RCX);
	}
	pop_callee(ctx, ctx->callee_regs);
	x86_leave(&ctx->b);
	aj_frame_fp_end(ctx);
	aj_emit_return(ctx);
}

static u32 opt_tc_count(struct aj_ctx *ctx)
{
	struct aj_buf *b = &ctx->b;
	s32 off = opt_tcc_off(ctx);
	u32 out;

	if (opt_keep(ctx))
		return keep_tc_count(ctx);
	if (ctx->t->tc_cnt_ptr) {
		/* if ((*tcc_ptr)++ >= MAX) goto out; the increment comes after the NULL check */
		x86_ldx(b, 8, X_RAX, X_RBP, off);
		aj_emit4(b, 0x48, 0x83, 0x38, ctx->t->max_tail_calls);	/* cmp qword [rax], MAX */
		return aj_jcc_fwd(ctx, X_CC_AE);
	}
	/*
	 * The counter is the slot's upper half, as the kernel's own JIT keeps it (and passes it on:
	 * rax's upper half at the tail-call entry). That JIT reads and writes just that half, 4
	 * bytes: right after the prologue's 8-byte push of the slot, such a load cannot be
	 * forwarded from the store buffer and stalls, and so does its pop of the slot after the
	 * 4-byte store. Here the slot is read and written whole, and the count stays in rax, in the
	 * upper half, for opt_tc_leave() to hand on: the same values, no stall.
	 */
	x86_ldx(b, 8, X_RAX, X_RBP, off);
	x86_shift_ri(b, true, X_SHR, X_RAX, 32);
	x86_alu_ri(b, false, X_CMP, X_RAX, ctx->t->max_tail_calls);
	out = aj_jcc_fwd(ctx, X_CC_AE);
	x86_alu_ri(b, false, X_ADD, X_RAX, 1);
	x86_shift_ri(b, true, X_SHL, X_RAX, 32);
	x86_stx(b, 8, X_RBP, off, X_RAX);
	return out;
}

static void opt_tc_leave(struct aj_ctx *ctx)
{
	struct aj_buf *b = &ctx->b;

	u32 drop = ctx->stack;

	if (opt_keep(ctx)) {
		/*
		 * A direct tail call, between the kernel's bypass and its site: altjit's own jump
		 * (tc_direct_entry) goes to a keep-mode target's keep entry with the frame as it
		 * is, or to its next instruction: the stock ABI, to the kernel's site.
		 */
		keep_tc_add_late(ctx);
		frame_tc_hot_jump(ctx);
		keep_unwind(ctx);
		return;
	}
	pop_callee(ctx, ctx->callee_regs);
	if (ctx->t->tc_cnt_ptr) {
		aj_emit4(b, 0x48, 0x83, 0x00, 0x01);	/* add qword [rax], 1 */
		x86_pop(b, X_RAX);
		x86_pop(b, X_RAX);	/* main: the counter; subprogram: the pointer */
	} else {
		drop += 8;	/* the counter slot: rax holds its value already (opt_tc_count) */
	}
	if (drop) {
		aj_emit3(b, 0x48, 0x81, 0xc4);	/* add rsp, imm32 */
		aj_emit_u32(b, drop);
	}
}

static u32 opt_tc_entry(const struct aj_ctx *ctx)
{
	return ctx->t->stock_tc_entry;
}

/* The running kernel's convention: 6.12's counter pointer comes with counting found targets only. */
static bool opt_tc_count_late(const struct aj_target *t)
{
	return t->tc_cnt_ptr;
}

static void opt_pass_counter(struct aj_ctx *ctx)
{
	if (opt_keep(ctx))
		ctx->err = -EINVAL;	/* keep mode is for programs without bpf2bpf calls */
	else if (ctx->fn->tail_call_reachable)
		x86_ldx(&ctx->b, 8, X_RAX, X_RBP, opt_tcc_off(ctx));
}

/*
 * The keep-frame mode: a program without bpf2bpf calls (its frame is never kept under another)
 * with an indirect tail call (which picks the target's entry at run time), or a direct one when
 * altjit follows the slot's updates (tailpoke.c points its own jump at the target's entry); with
 * direct ones that nobody follows it would pay the full frame for nothing.
 */
static bool opt_wants_keep(struct aj_ctx *ctx)
{
	const struct aj_func *fn = ctx->fn;
	u32 i;

	if (fn->has_subprogs || fn->is_subprog || !fn->has_tail_call || fn->from_cbpf ||
	    fn->stack_depth > AJ_KEEP_STACK)
		return false;
	for (i = 0; i < fn->len; i++)
		if (fn->insns[i].code == (BPF_JMP | BPF_TAIL_CALL) &&
		    (!aj_env_tail_call_is_direct(ctx, i) || aj_env_tail_call_managed(ctx)))
			return true;
	return false;
}

static void opt_setup(struct aj_ctx *ctx)
{
	if (opt_wants_keep(ctx)) {
		ctx->frame_mode = AJ_OPT_KEEP;
		ctx->stack = AJ_KEEP_STACK;
		ctx->callee_regs = 0xf;
		return;
	}
	ctx->frame_mode = AJ_OPT_LEAN;
	ctx->stack = (ctx->fn->stack_depth + 7) & ~7u;
	ctx->callee_regs = aj_callee_regs_used(ctx->fn);
}

const struct aj_frame aj_frame_optimized = {
	.name = "optimized",
	.setup = opt_setup,
	.tc_abi = AJ_TC_ABI_STOCK,	/* the stock JIT's entry and counter: they mix freely */
	.prologue = opt_prologue,
	.epilogue = opt_epilogue,
	.tc_count = opt_tc_count,
	.tc_leave = opt_tc_leave,
	.tc_entry = opt_tc_entry,
	.tc_indirect = opt_tc_indirect,
	.tc_direct_entry = opt_tc_direct_entry,
	.tc_count_late = opt_tc_count_late,
	.pass_counter = opt_pass_counter,
};

/* ---- the schemes ---- */

/* By enum altjit_scheme: a new scheme is a frame here and a name in include/altjit.h. */
const struct aj_frame *const aj_frames[ALTJIT_NR_SCHEMES] = {
	[ALTJIT_STOCK] = NULL,		/* the kernel's own JIT */
	[ALTJIT_LEGACY] = &aj_frame_legacy,
	[ALTJIT_OPTIMIZED] = &aj_frame_optimized,
};

const struct aj_frame *aj_image_frame(const struct aj_target *t, const u8 *bpf_func)
{
	int i;

	for (i = 0; i < ALTJIT_NR_SCHEMES; i++)
		if (aj_frames[i] && aj_frames[i]->owns_image && aj_frames[i]->owns_image(t, bpf_func))
			return aj_frames[i];
	return NULL;
}
