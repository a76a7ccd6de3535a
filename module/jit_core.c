// SPDX-License-Identifier: GPL-2.0
/*
 * The pass driver. Each pass emits prologue, body and epilogue; jumps are sized from the previous
 * pass's instruction offsets, so the image shrinks pass by pass until no offset moves. Then the
 * image is allocated and one more pass, identical by construction, writes it.
 */
#include "jit.h"

#define AJ_MAX_PASSES	20
#define AJ_INSN_GUESS	64	/* first pass: every instruction may take this many bytes */

u8 aj_callee_regs_used(const struct aj_func *fn)
{
	u8 mask = 0;
	u32 i;

	for (i = 0; i < fn->len; i++) {
		const struct bpf_insn *insn = &fn->insns[i];

		if (insn->dst_reg >= BPF_REG_6 && insn->dst_reg <= BPF_REG_9)
			mask |= 1 << (insn->dst_reg - BPF_REG_6);
		if (insn->src_reg >= BPF_REG_6 && insn->src_reg <= BPF_REG_9)
			mask |= 1 << (insn->src_reg - BPF_REG_6);
	}
	return mask;
}

/* One pass; returns whether any instruction moved. */
static bool emit_pass(struct aj_ctx *ctx)
{
	const struct aj_func *fn = ctx->fn;
	bool moved = false;
	u32 i = 0;

	ctx->b.len = 0;
	ctx->fp_end = 0;
	ctx->frame->prologue(ctx);
	if (ctx->addrs[0] != ctx->b.len) {
		ctx->addrs[0] = ctx->b.len;
		moved = true;
	}
	while (i < fn->len && !ctx->err) {
		int n;

		ctx->insn_idx = i;
		n = aj_emit_insn(ctx, i);
		if (n < 0) {
			ctx->err = n;
			break;
		}
		/* addrs[i + 1] is where instruction i ends; an LD_IMM64's second half ends there too */
		while (n-- > 0) {
			if (ctx->addrs[i + 1] != ctx->b.len) {
				ctx->addrs[i + 1] = ctx->b.len;
				moved = true;
			}
			i++;
		}
	}
	if (ctx->exit_off != ctx->b.len) {
		ctx->exit_off = ctx->b.len;
		moved = true;
	}
	ctx->frame->epilogue(ctx);
	return moved;
}

int aj_compile(struct aj_ctx *ctx, const struct aj_image_ops *ops)
{
	const struct aj_func *fn = ctx->fn;
	u32 i, size;
	int pass;
	u8 *rw;

	ctx->frame->setup(ctx);
	ctx->err = 0;
	if (ctx->extra_pass) {
		/* Same layout as the first time; only call targets change. */
		size = ctx->b.len;
		emit_pass(ctx);
		if (!ctx->err && ctx->b.len != size)
			ctx->err = -EFAULT;
		return ctx->err;
	}

	for (i = 0; i <= fn->len; i++)
		ctx->addrs[i] = AJ_INSN_GUESS * (i + 1);
	ctx->exit_off = AJ_INSN_GUESS * (fn->len + 1);
	ctx->b.image = NULL;
	ctx->image_ip = 0;
	for (pass = 0; pass < AJ_MAX_PASSES; pass++) {
		if (!emit_pass(ctx) || ctx->err)
			break;
	}
	if (ctx->err)
		return ctx->err;
	if (pass == AJ_MAX_PASSES)
		return -EAGAIN;	/* did not converge */

	size = ctx->b.len;
	ctx->err = ops->alloc(ctx, size, &rw, &ctx->image_ip);
	if (ctx->err)
		return ctx->err;
	ctx->b.image = rw;
	if (emit_pass(ctx) && !ctx->err)
		ctx->err = -EFAULT;	/* the writing pass must match the last one exactly */
	if (!ctx->err && ctx->b.len != size)
		ctx->err = -EFAULT;
	return ctx->err;
}
