/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the frame schemes share (frame.c: optimized and the table of schemes; frame_legacy.c:
 * legacy): the common head of every prologue, the callee-saved pushes, and legacy's frame build,
 * which optimized's keep-frame mode reuses. Only the frame files include this.
 */
#ifndef _ALTJIT_FRAME_H
#define _ALTJIT_FRAME_H

#include "jit.h"
#include "../include/altjit.h"

#define AJ_LEGACY_MARKER	0x414a4c47u
#define AJ_LEGACY_STACK		512

static const u8 aj_callee_xregs[4] = { X_RBX, X_R13, X_R14, X_R15 };

static inline void push_callee(struct aj_ctx *ctx, u8 mask)
{
	int n;

	for (n = 0; n < 4; n++)
		if (mask & (1 << n))
			x86_push(&ctx->b, aj_callee_xregs[n]);
}

static inline void pop_callee(struct aj_ctx *ctx, u8 mask)
{
	int n;

	for (n = 3; n >= 0; n--)
		if (mask & (1 << n))
			x86_pop(&ctx->b, aj_callee_xregs[n]);
}

/*
 * The part every scheme's prologue starts with, up to and including mov rbp,rsp. The counter-init
 * slot is left out for converted classic BPF, as the kernel's JIT does, except in the legacy frame,
 * whose prologue has one size for every program.
 */
static inline void frame_head(struct aj_ctx *ctx, bool init_counter, bool fixed)
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
static inline void aj_frame_fp_end(struct aj_ctx *ctx)
{
	if (!ctx->fp_end)
		ctx->fp_end = ctx->b.len;
}

static inline void sub_rsp_imm32(struct aj_ctx *ctx, u32 n)
{
	aj_emit3(&ctx->b, 0x48, 0x81, 0xec);	/* sub rsp, imm32 */
	aj_emit_u32(&ctx->b, n);
}

/*
 * 6.12+ (the stock JIT's first counter slot): rax holds the counter when this is the chain's entry
 * or a main program's tail callee, a pointer to it when a subprogram tail-called us: keep the
 * counter here and point at it, or keep the pointer. The pointer slot (push rax) follows.
 */
static inline void push_counter_or_ptr(struct aj_ctx *ctx)
{
	struct aj_buf *b = &ctx->b;

	aj_emit4(b, 0x48, 0x83, 0xf8, ctx->t->max_tail_calls);	/* cmp rax, MAX */
	x86_jcc_rel8(b, X_CC_A, 6);
	x86_push(b, X_RAX);
	x86_mov_rr(b, true, X_RAX, X_RSP);
	x86_jmp_rel8(b, 1);
	x86_push(b, X_RAX);
}

/* The counter slots: the counter (5.10, 6.1), or counter-or-pointer and pointer (6.12+). */
static inline u32 legacy_cnt_len(const struct aj_target *t)
{
	return t->tc_cnt_ptr ? 14 : 1;
}

/*
 * The stack, the four registers and the counter. 6.12+: rax holds a counter (the entry's 0, or
 * the value of a main frame a tail call tore down) or a pointer to the chain's counter (from a
 * subprogram, or a frame that held one): keep the counter here and point at it, or keep the
 * pointer, as the kernel's JIT does.
 */
static inline void legacy_build(struct aj_ctx *ctx)
{
	struct aj_buf *b = &ctx->b;

	sub_rsp_imm32(ctx, ctx->stack);
	push_callee(ctx, 0xf);
	if (ctx->t->tc_cnt_ptr)
		push_counter_or_ptr(ctx);
	x86_push(b, X_RAX);
}

/*
 * A direct tail call's own jump (struct aj_frame's tc_direct_entry), when tailpoke follows the
 * slot: a jmp rel32 that tailpoke points past a same-kind target's prologue or at the next
 * instruction, the frame's stock exit.
 */
static inline void frame_tc_hot_jump(struct aj_ctx *ctx)
{
	if (aj_env_tail_call_managed(ctx)) {
		ctx->tc_hot = ctx->b.len;
		x86_jmp_rel32(&ctx->b, 0);
	}
}

/*
 * An indirect tail call that picks the target's entry (rcx: the target's struct bpf_prog): a
 * target with marker (4 bytes at marker_off) is entered at kept_entry with this frame as it is;
 * any other leaves it through unwind (the stock ABI) to X86_TAIL_CALL_OFFSET.
 */
static inline void frame_tc_pick_entry(struct aj_ctx *ctx, u8 marker_off, u32 marker,
				       u32 kept_entry, void (*unwind)(struct aj_ctx *ctx))
{
	const struct aj_target *t = ctx->t;
	struct aj_buf *b = &ctx->b;
	u32 stock;

	x86_ldx(b, 8, X_RCX, X_RCX, t->prog_bpf_func_off);
	aj_emit3(b, 0x81, 0x79, marker_off);		/* cmp dword [rcx + disp8], imm32 */
	aj_emit_u32(b, marker);
	stock = aj_jcc_fwd(ctx, X_CC_NE);
	x86_alu_ri(b, true, X_ADD, X_RCX, kept_entry);
	aj_emit_indirect_jump(ctx, X_RCX);
	aj_bind_fwd(ctx, stock);
	unwind(ctx);
	x86_alu_ri(b, true, X_ADD, X_RCX, t->stock_tc_entry);
	aj_emit_indirect_jump(ctx, X_RCX);
}

#endif /* _ALTJIT_FRAME_H */
