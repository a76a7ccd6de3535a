// SPDX-License-Identifier: GPL-2.0
/*
 * The row "stock-tc": what the stock JIT of Debian's 5.10 and 6.1 kernels spends on a tail call,
 * on real hardware. It is altjit's optimized frame (the same layout as that JIT's: same pushes,
 * same counter slot, same entry) with that JIT's own tail-call counter sequence in place of
 * optimized's: the counter is the upper half of the 8-byte slot the prologue pushed, read and
 * written as 4 bytes at rbp - stack - 4, and handed on with "pop rax" (the whole slot) after the
 * callee-saved registers are popped; "add rsp, imm32" then releases the BPF stack. The 4-byte
 * load right after the 8-byte push, and the 8-byte pop right after the 4-byte store, are the
 * accesses store-to-load forwarding cannot serve. Only the sequence is the kernel's (described
 * from its encodings, not its code); everything else is the optimized frame, so the difference
 * between this row and optimized is that sequence alone.
 */
#include "native.h"

static const u8 callee_xregs[4] = { X_RBX, X_R13, X_R14, X_R15 };

static u32 stock_tc_count(struct aj_ctx *ctx)
{
	struct aj_buf *b = &ctx->b;
	s32 off = -4 - (s32)ctx->stack;	/* the slot's upper half */
	u32 out;

	x86_ldx(b, 4, X_RAX, X_RBP, off);
	x86_alu_ri(b, false, X_CMP, X_RAX, ctx->t->max_tail_calls);
	out = aj_jcc_fwd(ctx, X_CC_AE);
	x86_alu_ri(b, false, X_ADD, X_RAX, 1);
	x86_stx(b, 4, X_RBP, off, X_RAX);
	return out;
}

static void stock_tc_leave(struct aj_ctx *ctx)
{
	struct aj_buf *b = &ctx->b;
	int n;

	for (n = 3; n >= 0; n--)
		if (ctx->callee_regs & (1 << n))
			x86_pop(b, callee_xregs[n]);
	x86_pop(b, X_RAX);			/* the whole slot: the count in the upper half */
	if (ctx->stack) {
		aj_emit3(b, 0x48, 0x81, 0xc4);	/* add rsp, imm32 */
		aj_emit_u32(b, ctx->stack);
	}
}

struct aj_frame native_stock_frame;

/*
 * The lean frame for every program, as the stock JIT has: optimized's keep-frame mode (programs
 * with indirect tail calls, frame_mode != 0) is altjit's own, not the kernel's.
 */
static void stock_setup(struct aj_ctx *ctx)
{
	ctx->frame_mode = 0;
	ctx->stack = (ctx->fn->stack_depth + 7) & ~7u;
	ctx->callee_regs = aj_callee_regs_used(ctx->fn);
}

/* Before main: a copy of the optimized frame with the stock tail-call sequence. */
__attribute__((constructor)) static void native_stock_init(void)
{
	native_stock_frame = aj_frame_optimized;
	native_stock_frame.name = "stock-tc";
	native_stock_frame.tc_count = stock_tc_count;
	native_stock_frame.tc_leave = stock_tc_leave;
	native_stock_frame.setup = stock_setup;
	native_stock_frame.tc_indirect = NULL;
}
