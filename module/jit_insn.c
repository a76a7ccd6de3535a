// SPDX-License-Identifier: GPL-2.0
/*
 * Per-instruction code generation: one BPF instruction in, x86-64 out. Register mapping and the
 * semantics follow the kernel's BPF instruction-set document; the frame is not touched here except
 * through ctx->frame (tail calls, bpf2bpf calls).
 */
#include "jit.h"

const u8 aj_xreg[AJ_NR_REGS] = {
	X_RAX,	/* R0: return value */
	X_RDI, X_RSI, X_RDX, X_RCX, X_R8,	/* R1-R5: arguments */
	X_RBX, X_R13, X_R14, X_R15,	/* R6-R9: callee-saved */
	X_RBP,	/* R10: frame pointer */
	[AJ_REG_AX] = X_R10,	/* AX: constant blinding */
};

static s64 rel_from(struct aj_ctx *ctx, u64 target, u32 insn_len)
{
	return (s64)(target - (ctx->image_ip + ctx->b.len + insn_len));
}

static void emit_rel32_abs(struct aj_ctx *ctx, u8 opcode, u64 target)
{
	s64 rel = 0;

	if (ctx->image_ip && target) {
		rel = rel_from(ctx, target, X86_CALL_LEN);
		if (!aj_is_imm32(rel))
			ctx->err = -ERANGE;
	}
	aj_emit1(&ctx->b, opcode);
	aj_emit_u32(&ctx->b, (u32)rel);
}

void aj_emit_call_abs(struct aj_ctx *ctx, u64 target)
{
	emit_rel32_abs(ctx, 0xe8, target);
}

void aj_emit_jmp_abs(struct aj_ctx *ctx, u64 target)
{
	emit_rel32_abs(ctx, 0xe9, target);
}

/* Through the running kernel's thunks, in the stock JIT's order of preference. */
void aj_emit_indirect_jump(struct aj_ctx *ctx, int xreg)
{
	const struct aj_target *t = ctx->t;

	if (t->its_thunks) {
		aj_emit_jmp_abs(ctx, t->its_thunks + (u64)xreg * t->its_thunk_size);
	} else if (t->lfence_retpoline) {
		x86_lfence(&ctx->b);
		x86_jmp_reg(&ctx->b, xreg);
	} else if (t->indirect_thunks) {
		aj_emit_jmp_abs(ctx, t->indirect_thunks + (u64)xreg * t->thunk_size);
	} else {
		x86_jmp_reg(&ctx->b, xreg);
		if (t->sls_jmp)
			x86_int3(&ctx->b);
	}
}

void aj_emit_return(struct aj_ctx *ctx)
{
	if (ctx->t->return_thunk) {
		aj_emit_jmp_abs(ctx, ctx->t->return_thunk);
	} else {
		x86_ret(&ctx->b);
		if (ctx->t->sls_ret)
			x86_int3(&ctx->b);
	}
}

/*
 * Spectre-BHB: classic BPF loaded without CAP_SYS_ADMIN clears the branch history before it
 * returns (clear_bhb_loop clobbers rax and rcx; rax holds the result) and/or fences it (IBHF),
 * exactly as the stock JIT does where it leaves.
 */
void aj_emit_exit_barrier(struct aj_ctx *ctx)
{
	const struct aj_target *t = ctx->t;

	if (!ctx->fn->bhb_barrier)
		return;
	if (t->bhb_loop) {
		x86_push(&ctx->b, X_RAX);
		x86_push(&ctx->b, X_RCX);
		aj_env_call_accounting(ctx, t->bhb_loop);
		aj_emit_call_abs(ctx, t->bhb_loop);
		x86_pop(&ctx->b, X_RCX);
		x86_pop(&ctx->b, X_RAX);
	}
	if (t->bhb_ibhf) {
		static const u8 ibhf[] = { 0xf3, 0x48, 0x0f, 0x1e, 0xf8 };

		aj_emit_bytes(&ctx->b, ibhf, sizeof(ibhf));
	}
}

/*
 * Whether an exit before the last instruction gets its own copy of the epilogue (pops, leave,
 * return: at most 16 bytes) instead of a jump to the one after the last instruction. The stock
 * JIT puts its epilogue at the first exit and jumps back to it from the others: whichever exit is
 * hot, one of the two layouts pays a jmp there. A copy costs nothing at run time; only the
 * Spectre-BHB barrier (a call and pushes, unprivileged cBPF) is too big to copy.
 */
static bool exit_inline(const struct aj_ctx *ctx)
{
	return !(ctx->fn->bhb_barrier && (ctx->t->bhb_loop || ctx->t->bhb_ibhf));
}

/* A jump to BPF instruction target (or to the epilogue), rel8 when the last pass says it fits. */
static void emit_jump_to(struct aj_ctx *ctx, int cc, u32 target_off, u32 from_off)
{
	s64 rel = (s64)target_off - (s64)from_off;

	if (cc < 0) {
		if (aj_is_imm8(rel))
			x86_jmp_rel8(&ctx->b, (s8)rel);
		else
			x86_jmp_rel32(&ctx->b, (s32)rel);
	} else {
		if (aj_is_imm8(rel))
			x86_jcc_rel8(&ctx->b, cc, (s8)rel);
		else
			x86_jcc_rel32(&ctx->b, cc, (s32)rel);
	}
}

/*
 * Distances come from the previous pass (addrs[] and exit_off), measured from the end of the
 * current instruction: a jump is always the last thing an instruction emits.
 */
static void emit_branch(struct aj_ctx *ctx, int cc, int i, int target)
{
	emit_jump_to(ctx, cc, ctx->addrs[target], ctx->addrs[i + 1]);
}

static void emit_mov_imm(struct aj_ctx *ctx, bool is64, int dst, s32 imm)
{
	if (is64)
		x86_mov_ri64(&ctx->b, dst, (u64)(s64)imm);
	else
		x86_mov_ri32(&ctx->b, false, dst, imm);
}

static int jmp_cc(u8 op)
{
	switch (op) {
	case BPF_JEQ: return X_CC_E;
	case BPF_JNE: return X_CC_NE;
	case BPF_JSET: return X_CC_NE;
	case BPF_JGT: return X_CC_A;
	case BPF_JGE: return X_CC_AE;
	case BPF_JLT: return X_CC_B;
	case BPF_JLE: return X_CC_BE;
	case BPF_JSGT: return X_CC_G;
	case BPF_JSGE: return X_CC_GE;
	case BPF_JSLT: return X_CC_L;
	case BPF_JSLE: return X_CC_LE;
	}
	return -1;
}

static int alu_op(u8 op)
{
	switch (op) {
	case BPF_ADD: return X_ADD;
	case BPF_SUB: return X_SUB;
	case BPF_AND: return X_AND;
	case BPF_OR: return X_OR;
	case BPF_XOR: return X_XOR;
	case BPF_LSH: return X_SHL;
	case BPF_RSH: return X_SHR;
	case BPF_ARSH: return X_SAR;
	}
	return -1;
}

/* dst op= src for shifts by a register: x86 shifts by cl only. */
static void emit_shift_reg(struct aj_ctx *ctx, bool is64, int op, int dst, int src)
{
	struct aj_buf *b = &ctx->b;
	int d;

	if (src == X_RCX) {
		x86_shift_cl(b, is64, op, dst);
		return;
	}
	/* r11 keeps rcx (or is the operand when dst is rcx); rcx is put back afterwards */
	d = dst == X_RCX ? AJ_TMP : dst;
	x86_mov_rr(b, true, AJ_TMP, X_RCX);
	x86_mov_rr(b, true, X_RCX, src);
	x86_shift_cl(b, is64, op, d);
	x86_mov_rr(b, true, X_RCX, AJ_TMP);
}

/* Division and modulo: rdx:rax by r11, keeping every other register. */
static void emit_div(struct aj_ctx *ctx, bool is64, bool mod, bool sign, int dst, int src,
		     bool src_is_imm, s32 imm)
{
	struct aj_buf *b = &ctx->b;

	if (dst != X_RAX)
		x86_push(b, X_RAX);
	if (dst != X_RDX)
		x86_push(b, X_RDX);
	if (src_is_imm)
		emit_mov_imm(ctx, is64, AJ_TMP, imm);
	else
		x86_mov_rr(b, is64, AJ_TMP, src);
	if (dst != X_RAX)
		x86_mov_rr(b, true, X_RAX, dst);
	if (sign) {
		if (is64)
			x86_cqo(b);
		else
			x86_cdq(b);
	} else {
		x86_alu_rr(b, false, X_XOR, X_RDX, X_RDX);
	}
	x86_grp3(b, is64, sign ? X_IDIV : X_DIV, AJ_TMP);
	if (mod) {
		if (dst != X_RDX)
			x86_mov_rr(b, is64, dst, X_RDX);
		else if (!is64)
			x86_mov_rr(b, false, X_RDX, X_RDX);
	} else {
		if (dst != X_RAX)
			x86_mov_rr(b, is64, dst, X_RAX);
		else if (!is64)
			x86_mov_rr(b, false, X_RAX, X_RAX);
	}
	if (dst != X_RDX)
		x86_pop(b, X_RDX);
	if (dst != X_RAX)
		x86_pop(b, X_RAX);
}

static int emit_alu(struct aj_ctx *ctx, const struct bpf_insn *insn)
{
	struct aj_buf *b = &ctx->b;
	bool is64 = BPF_CLASS(insn->code) == BPF_ALU64;
	bool k = BPF_SRC(insn->code) == BPF_K;
	int dst = aj_xreg[insn->dst_reg], src = aj_xreg[insn->src_reg];
	u8 op = BPF_OP(insn->code);
	s32 imm = insn->imm;

	switch (op) {
	case BPF_MOV:
		if (k) {
			emit_mov_imm(ctx, is64, dst, imm);
		} else if (is64 && insn->off == -1) {
			/* BPF_ADDR_PERCPU: dst = src + this CPU's per-CPU offset (6.7+ verifiers) */
			if (!ctx->t->this_cpu_off)
				return -EOPNOTSUPP;
			if (dst != src)
				x86_mov_rr(b, true, dst, src);
			x86_add_gs_disp32(b, dst, ctx->t->this_cpu_off);
		} else if (insn->off) {
			if (insn->off != 8 && insn->off != 16 && (insn->off != 32 || !is64))
				return -EINVAL;
			x86_movsx_rr(b, is64, insn->off / 8, dst, src);
		} else if (dst != src || !is64) {
			x86_mov_rr(b, is64, dst, src);
		}
		return 0;
	case BPF_ADD:
	case BPF_SUB:
	case BPF_AND:
	case BPF_OR:
	case BPF_XOR:
		if (k)
			x86_alu_ri(b, is64, alu_op(op), dst, imm);
		else
			x86_alu_rr(b, is64, alu_op(op), dst, src);
		return 0;
	case BPF_NEG:
		x86_grp3(b, is64, X_NEG, dst);
		return 0;
	case BPF_MUL:
		if (k)
			x86_imul_rri(b, is64, dst, dst, imm);
		else
			x86_imul_rr(b, is64, dst, src);
		return 0;
	case BPF_DIV:
	case BPF_MOD:
		if (insn->off > 1)
			return -EINVAL;
		emit_div(ctx, is64, op == BPF_MOD, insn->off == 1, dst, src, k, imm);
		return 0;
	case BPF_LSH:
	case BPF_RSH:
	case BPF_ARSH:
		if (!k) {
			emit_shift_reg(ctx, is64, alu_op(op), dst, src);
		} else if (imm & (is64 ? 63 : 31)) {
			x86_shift_ri(b, is64, alu_op(op), dst, imm & (is64 ? 63 : 31));
		} else if (!is64) {
			x86_mov_rr(b, false, dst, dst);	/* a shift by 0 still zero-extends */
		}
		return 0;
	case BPF_END:
		/* BPF_ALU | FROM_LE is a truncation on x86; FROM_BE and ALU64 (bswap) swap bytes */
		if (!is64 && BPF_SRC(insn->code) == BPF_TO_LE) {
			if (imm == 16)
				x86_movzx_rr(b, 2, dst, dst);
			else if (imm == 32)
				x86_mov_rr(b, false, dst, dst);
			else if (imm != 64)
				return -EINVAL;
			return 0;
		}
		if (imm == 16) {
			x86_rol16_8(b, dst);
			x86_movzx_rr(b, 2, dst, dst);
		} else if (imm == 32 || imm == 64) {
			x86_bswap(b, imm == 64, dst);
		} else {
			return -EINVAL;
		}
		return 0;
	}
	return -EOPNOTSUPP;
}

static int emit_jmp(struct aj_ctx *ctx, const struct bpf_insn *insn, int i)
{
	struct aj_buf *b = &ctx->b;
	bool is64 = BPF_CLASS(insn->code) == BPF_JMP;
	int dst = aj_xreg[insn->dst_reg], src = aj_xreg[insn->src_reg];
	u8 op = BPF_OP(insn->code);
	int cc = jmp_cc(op);

	if (cc < 0)
		return -EOPNOTSUPP;
	if (BPF_SRC(insn->code) == BPF_X) {
		if (op == BPF_JSET)
			x86_test_rr(b, is64, dst, src);
		else
			x86_alu_rr(b, is64, X_CMP, dst, src);
	} else if (op == BPF_JSET) {
		x86_test_ri(b, is64, dst, insn->imm);
	} else if (insn->imm == 0) {
		x86_test_rr(b, is64, dst, dst);
	} else {
		x86_alu_ri(b, is64, X_CMP, dst, insn->imm);
	}
	emit_branch(ctx, cc, i, i + 1 + insn->off);
	return 0;
}

/*
 * bpf_tail_call(ctx, array, index): r1 = ctx, r2 (rsi) = array, r3 (rdx) = index.
 *   if (index >= array->map.max_entries) goto out;
 *   count the call (the frame scheme knows where the counter lives, and whether it counts only
 *   once the target was found: after the NULL check)
 *   prog = array->ptrs[index]; if (!prog) goto out;
 *   leave this frame; goto *(prog->bpf_func + the scheme's tail-call entry), or the frame's own
 *   tc_indirect path (which may pick the entry by what the target is);
 * out:
 */
static void emit_tail_call_indirect(struct aj_ctx *ctx)
{
	const struct aj_target *t = ctx->t;
	struct aj_buf *b = &ctx->b;
	u32 out_bounds, out_count = 0, out_null;

	x86_mov_rr(b, false, X_RDX, X_RDX);
	aj_emit2(b, 0x39, 0x96);		/* cmp dword [rsi + disp32], edx */
	aj_emit_u32(b, t->array_max_entries_off);
	out_bounds = aj_jcc_fwd(ctx, X_CC_BE);
	if (!ctx->frame->tc_count_late(t))
		out_count = ctx->frame->tc_count(ctx);
	aj_emit4(b, 0x48, 0x8b, 0x8c, 0xd6);	/* mov rcx, [rsi + rdx*8 + disp32] */
	aj_emit_u32(b, t->array_ptrs_off);
	x86_test_rr(b, true, X_RCX, X_RCX);
	out_null = aj_jcc_fwd(ctx, X_CC_E);
	if (ctx->frame->tc_count_late(t))
		out_count = ctx->frame->tc_count(ctx);
	if (!ctx->frame->tc_indirect || !ctx->frame->tc_indirect(ctx)) {
		ctx->frame->tc_leave(ctx);
		x86_ldx(b, 8, X_RCX, X_RCX, t->prog_bpf_func_off);
		x86_alu_ri(b, true, X_ADD, X_RCX, ctx->frame->tc_entry(ctx));
		aj_emit_indirect_jump(ctx, X_RCX);
	}
	aj_bind_fwd(ctx, out_bounds);
	aj_bind_fwd(ctx, out_count);
	aj_bind_fwd(ctx, out_null);
}

/*
 * A tail call with a constant index (the verifier made a poke descriptor for it): no lookup at
 * run time. The kernel patches the 5-byte site with a jump to the target's tail-call entry when the
 * slot is filled, and the bypass jump with a NOP; the bytes must be exactly what its poke code
 * expects (jmp rel32 at the bypass, the 5-byte NOP at the site).
 *   count the call (goto out when the budget is used up)
 *   bypass: jmp out                    -> nop5 while the slot holds a program
 *   leave this frame                   (a frame may put a jump of its own in front, tc_leave)
 *   site:   nop5                       -> jmp target + tail-call entry
 * out:
 */
static int emit_tail_call_direct(struct aj_ctx *ctx, int i)
{
	struct aj_buf *b = &ctx->b;
	u32 out_count, bypass, site;

	out_count = ctx->frame->tc_count(ctx);
	bypass = b->len;
	x86_jmp_rel32(b, 0);
	ctx->tc_hot = 0;
	ctx->frame->tc_leave(ctx);
	site = b->len;
	aj_emit_patch_nop(ctx);
	if (b->image) {
		u32 rel = b->len - (bypass + X86_JMP32_LEN);

		memcpy(b->image + bypass + 1, &rel, 4);
	}
	aj_bind_fwd(ctx, out_count);
	return aj_env_tail_call_direct(ctx, i, site, bypass, ctx->frame->tc_entry(ctx), ctx->tc_hot);
}

static int emit_call(struct aj_ctx *ctx, const struct bpf_insn *insn, int i)
{
	u64 addr;
	int err;

	err = aj_env_call_addr(ctx, i, &addr);
	if (err)
		return err;
	if (insn->src_reg == BPF_PSEUDO_CALL)
		ctx->frame->pass_counter(ctx);
	aj_env_call_accounting(ctx, addr);
	aj_emit_call_abs(ctx, addr);
	return 0;
}

/*
 * A load from a pointer the verifier could not prove valid (BPF_PROBE_MEM): addresses in user
 * space or wrapping around read 0, and a fault on the load itself is fixed up by the kernel's
 * exception table (the entry says which register to clear and how long the load is).
 */
static int emit_probe_load(struct aj_ctx *ctx, const struct bpf_insn *insn, int i, bool sx)
{
	struct aj_buf *b = &ctx->b;
	int dst = aj_xreg[insn->dst_reg], src = aj_xreg[insn->src_reg];
	int size = bpf_size_bytes(BPF_SIZE(insn->code));
	u32 to_zero, to_load, to_end, at;
	s64 off = insn->off;

	x86_mov_ri64(b, AJ_TMP, ctx->t->probe_mem_limit + (off < 0 ? -off : off));
	x86_alu_rr(b, true, X_CMP, src, AJ_TMP);
	to_zero = aj_jcc_fwd(ctx, X_CC_B);
	x86_mov_rr(b, true, AJ_TMP, src);
	x86_alu_ri(b, true, X_ADD, AJ_TMP, insn->off);
	to_load = aj_jcc_fwd(ctx, X_CC_AE);	/* no carry: the sum did not wrap */
	aj_bind_fwd(ctx, to_zero);
	x86_alu_rr(b, false, X_XOR, dst, dst);
	to_end = aj_jmp_fwd(ctx);
	aj_bind_fwd(ctx, to_load);
	at = b->len;
	if (sx)
		x86_ldsx(b, size, dst, src, insn->off);
	else
		x86_ldx(b, size, dst, src, insn->off);
	aj_bind_fwd(ctx, to_end);
	return aj_env_probe_mem(ctx, i, at, b->len - at, dst);
}

static int emit_atomic(struct aj_ctx *ctx, const struct bpf_insn *insn)
{
	struct aj_buf *b = &ctx->b;
	int size = BPF_SIZE(insn->code) == BPF_DW ? 8 : 4;
	int dst = aj_xreg[insn->dst_reg], src = aj_xreg[insn->src_reg];
	s16 off = insn->off;
	int rd, rs, op;
	u32 loop;

	switch (insn->imm) {
	case BPF_ADD:
	case BPF_AND:
	case BPF_OR:
	case BPF_XOR:
		x86_lock_alu(b, size, alu_op(insn->imm), dst, off, src);
		return 0;
	case BPF_ADD | BPF_FETCH:
		x86_lock_xadd(b, size, dst, off, src);
		return 0;
	case BPF_XCHG:
		x86_xchg(b, size, dst, off, src);
		return 0;
	case BPF_CMPXCHG:
		x86_lock_cmpxchg(b, size, dst, off, src);
		if (size == 4)
			x86_mov_rr(b, false, X_RAX, X_RAX);
		return 0;
	case BPF_AND | BPF_FETCH:
	case BPF_OR | BPF_FETCH:
	case BPF_XOR | BPF_FETCH:
		/* cmpxchg loop; rax is cmpxchg's operand, so R0 moves to AX meanwhile */
		op = alu_op(insn->imm & ~BPF_FETCH);
		rd = dst == X_RAX ? aj_xreg[AJ_REG_AX] : dst;
		rs = src == X_RAX ? aj_xreg[AJ_REG_AX] : src;
		x86_mov_rr(b, true, aj_xreg[AJ_REG_AX], X_RAX);
		x86_ldx(b, size, X_RAX, rd, off);
		loop = b->len;
		x86_mov_rr(b, true, AJ_TMP, X_RAX);
		x86_alu_rr(b, size == 8, op, AJ_TMP, rs);
		x86_lock_cmpxchg(b, size, rd, off, AJ_TMP);
		x86_jcc_rel8(b, X_CC_NE, (s8)(loop - (b->len + 2)));
		if (src == X_RAX) {
			if (size == 4)
				x86_mov_rr(b, false, X_RAX, X_RAX);
		} else {
			x86_mov_rr(b, size == 8, src, X_RAX);
			x86_mov_rr(b, true, X_RAX, aj_xreg[AJ_REG_AX]);
		}
		return 0;
	}
	return -EOPNOTSUPP;
}

int aj_emit_insn(struct aj_ctx *ctx, int i)
{
	const struct bpf_insn *insn = &ctx->fn->insns[i];
	struct aj_buf *b = &ctx->b;
	int size = bpf_size_bytes(BPF_SIZE(insn->code));
	int err = 0, dst, src;
	u64 imm64;

	/* R0-R10 and AX only: 7.3's BPF_REG_PARAMS (11, stack arguments) is not altjit's */
	if ((insn->dst_reg > BPF_REG_10 && insn->dst_reg != AJ_REG_AX) ||
	    (insn->src_reg > BPF_REG_10 && insn->src_reg != AJ_REG_AX))
		return -EOPNOTSUPP;
	dst = aj_xreg[insn->dst_reg];
	src = aj_xreg[insn->src_reg];

	switch (BPF_CLASS(insn->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		err = emit_alu(ctx, insn);
		break;

	case BPF_JMP:
	case BPF_JMP32:
		switch (BPF_OP(insn->code)) {
		case BPF_JA:
			if (BPF_SRC(insn->code) != BPF_K)
				return -EOPNOTSUPP;
			if (BPF_CLASS(insn->code) == BPF_JMP32)	/* gotol */
				emit_branch(ctx, -1, i, i + 1 + insn->imm);
			else if (insn->off)
				emit_branch(ctx, -1, i, i + 1 + insn->off);
			break;
		case BPF_CALL:
			if (BPF_CLASS(insn->code) != BPF_JMP)
				return -EOPNOTSUPP;
			err = emit_call(ctx, insn, i);
			break;
		case BPF_TAIL_CALL:
			if (aj_env_tail_call_is_direct(ctx, i))
				err = emit_tail_call_direct(ctx, i);
			else
				emit_tail_call_indirect(ctx);
			break;
		case BPF_EXIT:
			if (BPF_CLASS(insn->code) != BPF_JMP)
				return -EOPNOTSUPP;
			if (i == (int)ctx->fn->len - 1)
				break;		/* falls through to the epilogue */
			if (exit_inline(ctx))
				ctx->frame->epilogue(ctx);
			else
				emit_jump_to(ctx, -1, ctx->exit_off, ctx->addrs[i + 1]);
			break;
		default:
			err = emit_jmp(ctx, insn, i);
		}
		break;

	case BPF_LD:
		if (insn->code != (BPF_LD | BPF_IMM | BPF_DW) || i + 1 >= (int)ctx->fn->len)
			return -EOPNOTSUPP;
		imm64 = (u64)(u32)insn[0].imm | ((u64)(u32)insn[1].imm << 32);
		/*
		 * A callback's address (bpf_loop, timers, ...) is a placeholder until the extra pass,
		 * which must not change the image's size: one encoding for every value.
		 */
		if (insn->src_reg == BPF_PSEUDO_FUNC)
			x86_movabs(b, dst, imm64);
		else
			x86_mov_ri64(b, dst, imm64);
		return 2;

	case BPF_LDX:
		switch (BPF_MODE(insn->code)) {
		case BPF_MEM:
			x86_ldx(b, size, dst, src, insn->off);
			break;
		case BPF_MEMSX:
			x86_ldsx(b, size, dst, src, insn->off);
			break;
		case BPF_PROBE_MEM:
			err = emit_probe_load(ctx, insn, i, false);
			break;
		case BPF_PROBE_MEMSX:
			err = emit_probe_load(ctx, insn, i, true);
			break;
		default:
			return -EOPNOTSUPP;
		}
		break;

	case BPF_ST:
		if (insn->code == (BPF_ST | BPF_NOSPEC)) {
			x86_lfence(b);
			break;
		}
		if (BPF_MODE(insn->code) != BPF_MEM)
			return -EOPNOTSUPP;
		x86_st_imm(b, size, dst, insn->off, insn->imm);
		break;

	case BPF_STX:
		if (BPF_MODE(insn->code) == BPF_MEM)
			x86_stx(b, size, dst, insn->off, src);
		else if (BPF_MODE(insn->code) == BPF_ATOMIC && insn->imm == BPF_LOAD_ACQ)
			x86_ldx(b, size, dst, src, insn->off);	/* x86 is TSO: a plain load */
		else if (BPF_MODE(insn->code) == BPF_ATOMIC && insn->imm == BPF_STORE_REL)
			x86_stx(b, size, dst, insn->off, src);	/* ... and a plain store */
		else if (BPF_MODE(insn->code) == BPF_ATOMIC && size >= 4)
			err = emit_atomic(ctx, insn);
		else
			return -EOPNOTSUPP;
		break;

	default:
		return -EOPNOTSUPP;
	}
	return err ? err : 1;
}
