// SPDX-License-Identifier: GPL-2.0
/*
 * The frame schemes: how a program's frame is built, torn down, and left for a tail call. This is
 * the only file that knows a frame's layout; the code generator reaches it through struct aj_frame.
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
 *   same reason this one is: at X86_TAIL_CALL_OFFSET every stock image starts an instruction the
 *   JIT chose, and it never emits a nopl with that displacement.) It costs no instruction.
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
 * legacy — the fixed pre-5.8 frame: every function pushes rbx, r13, r14, r15 and the counter, so
 * the prologue has one size, and a tail call may jump past all of it and reuse the caller's frame:
 *
 *   bpf_func + 0      [endbr64] nop5 ; xor eax,eax | nop2 ; push rbp ; mov rbp,rsp
 *                     nopl 0x414a4c47(%rax)          marks the image as legacy ("GLJA")
 *   resize entry      [endbr64]
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
 *   resize entry      [endbr64] jmp 1f ; int3 ...    padding up to the reuse entry
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
 *   only on 7.3. Legacy code may only ever tail-call legacy code: the entries of the two schemes
 *   differ.
 */
#include "jit.h"
#include "../include/altjit.h"

#define AJ_LEGACY_MARKER	0x414a4c47u
#define AJ_LEGACY_STACK		512

static const u8 callee_xregs[4] = { X_RBX, X_R13, X_R14, X_R15 };

static void push_callee(struct aj_ctx *ctx, u8 mask)
{
	int n;

	for (n = 0; n < 4; n++)
		if (mask & (1 << n))
			x86_push(&ctx->b, callee_xregs[n]);
}

static void pop_callee(struct aj_ctx *ctx, u8 mask)
{
	int n;

	for (n = 3; n >= 0; n--)
		if (mask & (1 << n))
			x86_pop(&ctx->b, callee_xregs[n]);
}

/*
 * The part every scheme's prologue starts with, up to and including mov rbp,rsp. The counter-init
 * slot is left out for converted classic BPF, as the kernel's JIT does, except in the legacy frame,
 * whose prologue has one size for every program.
 */
static void frame_head(struct aj_ctx *ctx, bool init_counter, bool fixed)
{
	const struct aj_target *t = ctx->t;

	if (t->ibt)
		x86_endbr64(&ctx->b);
	aj_emit_patch_nop(ctx);
	if (!ctx->fn->from_cbpf || fixed) {
		if (init_counter)
			x86_alu_rr(&ctx->b, t->tc_nop_len == 3, X_XOR, X_RAX, X_RAX);
		else
			x86_nopn(&ctx->b, t->tc_nop_len);
	}
	x86_push(&ctx->b, X_RBP);
	x86_mov_rr(&ctx->b, true, X_RBP, X_RSP);
}

/*
 * ORC (7.3): rbp is the frame pointer from the end of the prologue up to the first leave of the
 * image, as the stock JIT says of its images: an exit's copy of the epilogue (jit_insn.c) returns
 * with the caller's rbp, so no later range could be right for every byte.
 */
static void aj_frame_fp_end(struct aj_ctx *ctx)
{
	if (!ctx->fp_end)
		ctx->fp_end = ctx->b.len;
}

static void sub_rsp_imm32(struct aj_ctx *ctx, u32 n)
{
	aj_emit3(&ctx->b, 0x48, 0x81, 0xec);	/* sub rsp, imm32 */
	aj_emit_u32(&ctx->b, n);
}

/*
 * 6.12+ (the stock JIT's first counter slot): rax holds the counter when this is the chain's entry
 * or a main program's tail callee, a pointer to it when a subprogram tail-called us: keep the
 * counter here and point at it, or keep the pointer. The pointer slot (push rax) follows.
 */
static void push_counter_or_ptr(struct aj_ctx *ctx)
{
	struct aj_buf *b = &ctx->b;

	aj_emit4(b, 0x48, 0x83, 0xf8, ctx->t->max_tail_calls);	/* cmp rax, MAX */
	x86_jcc_rel8(b, X_CC_A, 6);
	x86_push(b, X_RAX);
	x86_mov_rr(b, true, X_RAX, X_RSP);
	x86_jmp_rel8(b, 1);
	x86_push(b, X_RAX);
}

/* legacy's counter slots and frame build, which the keep-frame mode shares */
static u32 legacy_cnt_len(const struct aj_target *t);
static void legacy_build(struct aj_ctx *ctx);

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
	struct aj_buf *b = &ctx->b;
	u32 stock;

	if (!opt_keep(ctx))
		return false;
	keep_tc_add_late(ctx);
	x86_ldx(b, 8, X_RCX, X_RCX, t->prog_bpf_func_off);
	aj_emit3(b, 0x81, 0x79, keep_marker_off(t));	/* cmp dword [rcx + disp8], imm32 */
	aj_emit_u32(b, keep_marker(t));
	stock = aj_jcc_fwd(ctx, X_CC_NE);
	x86_alu_ri(b, true, X_ADD, X_RCX, keep_entry(t));
	aj_emit_indirect_jump(ctx, X_RCX);
	aj_bind_fwd(ctx, stock);
	keep_unwind(ctx);
	x86_alu_ri(b, true, X_ADD, X_RCX, t->stock_tc_entry);
	aj_emit_indirect_jump(ctx, X_RCX);
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
		if (aj_env_tail_call_managed(ctx)) {
			ctx->tc_hot = b->len;
			x86_jmp_rel32(b, 0);
		}
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

/* ---- legacy ---- */

/*
 * A program with bpf2bpf calls and tail calls: its frames are its own size and its tail calls
 * unwind them (tail calls from a subprogram would otherwise keep one 512-byte frame per hop).
 */
static bool legacy_mixed(const struct aj_ctx *ctx)
{
	return ctx->fn->has_subprogs && ctx->fn->tail_call_reachable;
}

/* The counter slots: the counter (5.10, 6.1), or counter-or-pointer and pointer (6.12+). */
static u32 legacy_cnt_len(const struct aj_target *t)
{
	return t->tc_cnt_ptr ? 14 : 1;
}

/* The resize entry: right after the marker, where a target builds its own frame. */
static u32 legacy_resize_entry(const struct aj_target *t)
{
	return (t->ibt ? 4 : 0) + 5 + t->tc_nop_len + 1 + 3 + 7;
}

/* The reuse entry: past the whole prologue, where a target runs in its caller's frame. */
static u32 legacy_reuse_entry(const struct aj_target *t)
{
	return legacy_resize_entry(t) + (t->ibt ? 4 : 0) + 7 + 7 + legacy_cnt_len(t);
}

/*
 * The stack, the four registers and the counter. 6.12+: rax holds a counter (the entry's 0, or
 * the value of a main frame a tail call tore down) or a pointer to the chain's counter (from a
 * subprogram, or a frame that held one): keep the counter here and point at it, or keep the
 * pointer, as the kernel's JIT does.
 */
static void legacy_build(struct aj_ctx *ctx)
{
	struct aj_buf *b = &ctx->b;

	sub_rsp_imm32(ctx, ctx->stack);
	push_callee(ctx, 0xf);
	if (ctx->t->tc_cnt_ptr)
		push_counter_or_ptr(ctx);
	x86_push(b, X_RAX);
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
	u32 section = 7 + 7 + legacy_cnt_len(t), stub;

	frame_head(ctx, !ctx->fn->is_subprog && !ctx->fn->from_cbpf, true);
	aj_emit3(b, 0x0f, 0x1f, 0x80);		/* nopl disp32(%rax): the legacy marker */
	aj_emit_u32(b, AJ_LEGACY_MARKER);
	if (t->ibt)
		x86_endbr64(b);			/* the resize entry */
	if (ctx->fn->is_subprog || !legacy_mixed(ctx)) {
		legacy_build(ctx);
		if (t->ibt)
			x86_endbr64(b);		/* the reuse entry */
		return;
	}
	/*
	 * A main function that mixes runs in a frame of its own size, also when a program of the
	 * other kind jumped to its reuse entry: there it unwinds that caller's frame and builds its
	 * own. The normal entry and the resize entry jump over that.
	 */
	stub = (t->ibt ? 4 : 0) + (t->tc_cnt_ptr ? 2 : 1) + 7 + 3;
	x86_jmp_rel8(b, section - 2 + stub);
	while (b->len < legacy_resize_entry(t) + (t->ibt ? 4 : 0) + section)
		x86_int3(b);
	if (t->ibt)
		x86_endbr64(b);			/* the reuse entry */
	legacy_unwind(ctx);
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

static void legacy_tc_leave(struct aj_ctx *ctx)
{
	if (ctx->t->interp_tc_late)
		legacy_tc_add(ctx);
	/* a program that mixes unwinds its frame; any other leaves it to the target */
	if (legacy_mixed(ctx))
		legacy_unwind(ctx);
}

static u32 legacy_tc_entry(const struct aj_ctx *ctx)
{
	return legacy_mixed(ctx) ? legacy_resize_entry(ctx->t) : legacy_reuse_entry(ctx->t);
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
	const u8 *p = bpf_func + (t->ibt ? 4 : 0) + 5 + t->tc_nop_len + 1 + 3;
	u32 marker;

	if (p[0] != 0x0f || p[1] != 0x1f || p[2] != 0x80)
		return false;
	memcpy(&marker, p + 3, 4);
	return marker == AJ_LEGACY_MARKER;
}

const struct aj_frame aj_frame_legacy = {
	.name = "legacy",
	.setup = legacy_setup,
	/* Its tail calls jump past the target's frame setup or its whole prologue: legacy only. */
	.tc_abi = 1,
	.owns_image = legacy_owns_image,
	/* Its prog arrays rely on altjit's isolation checks: stay loaded while its images live. */
	.pins_module = true,
	.prologue = legacy_prologue,
	.epilogue = legacy_epilogue,
	.tc_count = legacy_tc_count,
	.tc_leave = legacy_tc_leave,
	.tc_entry = legacy_tc_entry,
	.tc_count_late = legacy_tc_count_late,
	.pass_counter = legacy_pass_counter,
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
