// SPDX-License-Identifier: GPL-2.0
/*
 * The random program generator (see gen.h for what its programs promise). Plain C99 plus the UAPI
 * header, no allocation: it builds with the host's compiler, in the guest's static tools, anywhere.
 */
#include "gen_impl.h"

/* ---- ALU ---- */

static void gen_alu(struct gen *g)
{
	static const uint8_t ops[] = {
		BPF_ADD, BPF_SUB, BPF_OR, BPF_AND, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH, BPF_MOV,
		BPF_NEG, BPF_END, BPF_MUL, BPF_DIV, BPF_MOD,
	};
	uint32_t nops = has(g, AJF_MULDIV) ? 14 : 11;
	bool is64 = has(g, AJF_ALU64) && (!has(g, AJF_ALU32) || chance(g, 50));
	uint8_t cls = is64 ? BPF_ALU64 : BPF_ALU;
	uint8_t op = ops[rnd(g, nops)];
	bool k = chance(g, 40);
	int dst = pick_dst(g), src = pick_src(g);
	int16_t off = 0;
	int32_t imm = rnd_imm(g);
	bool v4 = has(g, AJF_V4);

	switch (op) {
	case BPF_NEG:
		emit(g, cls | BPF_NEG | BPF_K, dst, 0, 0, 0);
		return;
	case BPF_END:
		imm = 16 << rnd(g, 3);
		if (v4 && is64)	/* bswap */
			emit(g, BPF_ALU64 | BPF_END | BPF_TO_LE, dst, 0, 0, imm);
		else
			emit(g, BPF_ALU | BPF_END | (chance(g, 50) ? BPF_TO_BE : BPF_TO_LE), dst, 0, 0, imm);
		return;
	case BPF_LSH:
	case BPF_RSH:
	case BPF_ARSH:
		imm = (int32_t)rnd(g, is64 ? 64 : 32);
		break;
	case BPF_MOV:
		if (!k && v4 && chance(g, 30)) {
			off = (int16_t)(8 << rnd(g, is64 ? 3 : 2));	/* movsx */
		}
		break;
	case BPF_DIV:
	case BPF_MOD:
		if (v4 && chance(g, 40))
			off = 1;				/* sdiv, smod */
		if (k && imm == 0)
			imm = 1 + (int32_t)rnd(g, 9);
		break;
	}
	if (k)
		emit(g, cls | op | BPF_K, dst, 0, off, imm);
	else
		emit(g, cls | op | BPF_X, dst, src, off, 0);
}

/* ---- memory ---- */

const uint8_t ajf_size_code[4] = { BPF_B, BPF_H, BPF_W, BPF_DW };

/* A place of 1 << lg bytes: on the stack (base R10) or in the ctx (base ctxreg); false if none. */
static bool pick_place(struct gen *g, uint32_t lg, bool write, bool atomic, int *base, int16_t *off)
{
	uint32_t sz = 1u << lg;
	bool stack = g->stack >= sz;
	bool ctx = g->memreg >= 0 && g->o->ctx_size >= sz && (!write || g->o->ctx_write) &&
		   (!atomic || g->o->ctx_atomic);

	/* a callback's caller's stack: drawn only there, other programs stay what they were */
	if (g->cbreg >= 0 && g->o->cb_ctx_size >= sz && chance(g, 30)) {
		*base = g->cbreg;
		*off = (int16_t)(rnd(g, g->o->cb_ctx_size / sz) * sz);
		return true;
	}
	if (!stack && !ctx)
		return false;
	if (stack && (!ctx || chance(g, 60))) {
		*base = BPF_REG_10;
		*off = (int16_t)(-(int32_t)g->stack + (int32_t)(rnd(g, g->stack / sz) * sz));
	} else {
		*base = g->memreg;
		*off = (int16_t)(rnd(g, g->o->ctx_size / sz) * sz);
	}
	return true;
}

static void gen_ldx(struct gen *g)
{
	uint32_t lg = rnd(g, 4);
	int base;
	int16_t off;
	uint8_t mode = BPF_MEM;

	if (!pick_place(g, lg, false, false, &base, &off))
		return;
	if (has(g, AJF_V4) && lg < 3 && chance(g, 35))
		mode = BPF_MEMSX;
	emit(g, BPF_LDX | mode | ajf_size_code[lg], pick_dst(g), base, off, 0);
}

static void gen_stx(struct gen *g)
{
	uint32_t lg = rnd(g, 4);
	int base;
	int16_t off;

	if (!pick_place(g, lg, true, false, &base, &off))
		return;
	emit(g, BPF_STX | BPF_MEM | ajf_size_code[lg], base, pick_src(g), off, 0);
}

static void gen_st(struct gen *g)
{
	uint32_t lg = rnd(g, 4);
	uint32_t sz = 1u << lg;
	int16_t off;

	/* the verifier refuses BPF_ST into the ctx: stack only */
	if (g->stack < sz)
		return;
	off = (int16_t)(-(int32_t)g->stack + (int32_t)(rnd(g, g->stack / sz) * sz));
	emit(g, BPF_ST | BPF_MEM | ajf_size_code[lg], BPF_REG_10, 0, off, rnd_imm(g));
}

static void gen_atomic_at(struct gen *g, int base, int16_t off, uint32_t lg)
{
	static const int32_t ops[] = {
		BPF_ADD, BPF_AND, BPF_OR, BPF_XOR, BPF_ADD | BPF_FETCH, BPF_AND | BPF_FETCH,
		BPF_OR | BPF_FETCH, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG,
	};
	int32_t op = ops[rnd(g, 10)];
	/* fetching forms write their source register back */
	int src = (op & BPF_FETCH) ? pick_dst(g) : pick_src(g);

	if (g->o->atomic_add_only)
		op = BPF_ADD;

	emit(g, BPF_STX | BPF_ATOMIC | ajf_size_code[lg], base, src, off, op);
}

static void gen_atomic(struct gen *g)
{
	uint32_t lg = 2 + rnd(g, 2);
	int base;
	int16_t off;

	if (pick_place(g, lg, true, true, &base, &off))
		gen_atomic_at(g, base, off, lg);
}

/* A load, store or atomic through a copy of a pointer in an ordinary register. */
static void gen_ptr(struct gen *g)
{
	uint32_t lg = rnd(g, 4), what = rnd(g, 4);
	int t = pick_dst(g), base, s;
	int16_t off;
	int32_t delta = 0;

	if (what == 3 && lg < 2)
		lg += 2;
	if (!pick_place(g, lg, what != 0, what == 3, &base, &off))
		return;
	if (base == BPF_REG_10)	/* a modified stack pointer is fine; a modified ctx pointer is not */
		delta = -(int32_t)(rnd(g, g->stack / 8 + 1) * 8);
	if (what == 2 && base != BPF_REG_10)
		what = 1;	/* no BPF_ST into the ctx */
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, t, base, 0, 0);
	if (delta)
		emit(g, BPF_ALU64 | BPF_ADD | BPF_K, t, 0, 0, delta);
	off = (int16_t)(off - delta);
	switch (what) {
	case 0:
		emit(g, BPF_LDX | BPF_MEM | ajf_size_code[lg], pick_dst(g), t, off, 0);
		break;
	case 1:
		do	/* never the pointer itself: its value is not the same in every run */
			s = pick_src(g);
		while (s == t);
		emit(g, BPF_STX | BPF_MEM | ajf_size_code[lg], t, s, off, 0);
		break;
	case 2:
		emit(g, BPF_ST | BPF_MEM | ajf_size_code[lg], t, 0, off, rnd_imm(g));
		break;
	default:
		s = t == BPF_REG_0 ? BPF_REG_1 : BPF_REG_0;
		emit(g, BPF_STX | BPF_ATOMIC | ajf_size_code[lg], t, s, off,
		     rnd(g, 2) || g->o->atomic_add_only ? BPF_ADD : BPF_XCHG);
	}
	/* the copy becomes a scalar again (on every path: nothing jumps in between) */
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, t, 0, 0, rnd_imm(g));
}

/* ---- calls ---- */

void ajf_reinit_args(struct gen *g, int from)
{
	int r;

	for (r = from; r <= 5; r++)
		emit_set(g, r);
}

static void gen_call(struct gen *g)
{
	const struct ajf_helper *h;
	int a;

	if (!g->o->nr_helpers)
		return;
	h = &g->o->helpers[rnd(g, g->o->nr_helpers)];
	if (h->ctx_args && g->ctxreg < 0)
		return;
	for (a = 1; a <= h->nargs && a <= 5; a++) {
		if (h->ctx_args & (1u << (a - 1)))
			continue;	/* below, once no scalar is copied from its register any more */
		if (h->zero_args & (1u << (a - 1)))
			emit(g, BPF_ALU64 | BPF_MOV | BPF_K, a, 0, 0, 0);
		else if (chance(g, 50))
			emit(g, BPF_ALU64 | BPF_MOV | BPF_X, a, pick_src(g), 0, 0);
		else
			emit_set(g, a);
	}
	for (a = 1; a <= h->nargs && a <= 5; a++)
		if (h->ctx_args & (1u << (a - 1)))
			emit(g, BPF_ALU64 | BPF_MOV | BPF_X, a, g->ctxreg, 0, 0);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, h->id);
	ajf_reinit_args(g, 1);
	g->info->has_call = true;
}

/* A bpf2bpf call of function k (> the current one): R2-R5 scalars, R1 the ctx or a scalar. */
static void gen_subcall_to(struct gen *g, uint32_t k)
{
	int a;

	if (g->nfix >= sizeof(g->fix) / sizeof(g->fix[0]))
		return;
	for (a = 5; a >= 1; a--) {	/* R1 last: the ctx must not be copied into another */
		if (a == 1 && g->need_ctx)
			emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, g->ctxreg, 0, 0);
		else if (chance(g, 50))
			emit(g, BPF_ALU64 | BPF_MOV | BPF_X, a, pick_src(g), 0, 0);
		else
			emit_set(g, a);
	}
	g->fix[g->nfix].at = g->n;
	g->fix[g->nfix].fn = k;
	g->nfix++;
	emit(g, BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0);
	g->called |= (uint8_t)(1u << k);
	ajf_reinit_args(g, 1);
	g->info->has_pseudo_call = true;
}

static void gen_subcall(struct gen *g)
{
	if (g->fn < g->o->nr_subprogs)
		gen_subcall_to(g, g->fn + 1 + rnd(g, g->o->nr_subprogs - g->fn));
}

static void gen_tail_call(struct gen *g)
{
	uint32_t idx = rnd(g, g->o->tail_call_max_index + 1);

	if (g->ctxreg < 0)
		return;
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, g->ctxreg, 0, 0);
	emit_ld_imm64(g, BPF_REG_2, BPF_PSEUDO_MAP_FD, (uint32_t)g->o->tail_call_map_fd);
	if (chance(g, 15))	/* the index is a u32: the upper half must not matter */
		emit_ld_imm64(g, BPF_REG_3, 0, ((uint64_t)(rnd(g, 0xffff) + 1) << 32) | idx);
	else
		emit(g, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, (int32_t)idx);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, AJF_FUNC_TAIL_CALL);
	ajf_reinit_args(g, 0);
	g->info->has_tail_call = true;
}

/* ---- control flow ---- */

static void gen_block(struct gen *g, uint32_t size);

static void emit_cond_jump(struct gen *g)
{
	static const uint8_t ops[] = {
		BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE,
		BPF_JSLT, BPF_JSLE,
	};
	bool j64 = has(g, AJF_JMP) && (!has(g, AJF_JMP32) || chance(g, 50));
	uint8_t cls = j64 ? BPF_JMP : BPF_JMP32;
	uint8_t op = ops[rnd(g, sizeof(ops))];

	int a = pick_src(g);

	/* equal operands and small constants often, so both sides of every edge get taken */
	if (chance(g, 50))
		emit(g, cls | op | BPF_K, a, 0, 0, chance(g, 40) ? (int32_t)rnd(g, 9) - 4 : rnd_imm(g));
	else
		emit(g, cls | op | BPF_X, a, chance(g, 15) ? a : pick_src(g), 0, 0);
}

/* Point the jump at index j to the current end. */
void ajf_bind(struct gen *g, uint32_t j)
{
	int32_t d = (int32_t)g->n - (int32_t)j - 1;

	if (j >= g->cap || g->overflow)
		return;
	if (g->out[j].code == (BPF_JMP32 | BPF_JA))
		g->out[j].imm = d;
	else
		g->out[j].off = (int16_t)d;
}

static uint32_t sub_size(struct gen *g)
{
	uint32_t max = g->left < 16 ? g->left : 16;

	return 1 + rnd(g, max + 1);
}

static void gen_if(struct gen *g)
{
	uint32_t j = g->n;

	emit_cond_jump(g);
	g->depth++;
	gen_block(g, sub_size(g));
	g->depth--;
	if (has(g, AJF_EXIT) && chance(g, 15)) {
		if (g->o->exit_zero || g->in_cb)	/* fentry: 0; a callback: 0 or 1 */
			emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
		emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	ajf_bind(g, j);
}

static void gen_if_else(struct gen *g)
{
	uint32_t j = g->n, e;

	emit_cond_jump(g);
	g->depth++;
	gen_block(g, sub_size(g));
	e = g->n;
	if (has(g, AJF_V4) && chance(g, 40))
		emit(g, BPF_JMP32 | BPF_JA, 0, 0, 0, 0);	/* gotol */
	else
		emit(g, BPF_JMP | BPF_JA, 0, 0, 0, 0);
	ajf_bind(g, j);
	gen_block(g, sub_size(g));
	g->depth--;
	ajf_bind(g, e);
}

static void gen_loop(struct gen *g)
{
	int c, r, tries = 0;
	uint32_t top;
	int32_t back;

	for (c = -1, r = 6 + (int)rnd(g, 4); tries < 4; tries++, r = r == 9 ? 6 : r + 1)
		if (is_scalar(g, r) && !(g->locked & (1u << r))) {
			c = r;
			break;
		}
	if (c < 0)
		return;
	emit(g, (chance(g, 50) ? BPF_ALU : BPF_ALU64) | BPF_MOV | BPF_K, c, 0, 0,
	     1 + (int32_t)rnd(g, g->o->loop_max ? g->o->loop_max : 1));
	top = g->n;
	g->locked |= 1u << c;
	g->depth++;
	g->loops++;
	gen_block(g, sub_size(g));
	g->loops--;
	g->depth--;
	g->locked &= ~(1u << c);
	if (chance(g, 50))
		emit(g, BPF_ALU64 | BPF_ADD | BPF_K, c, 0, 0, -1);
	else
		emit(g, BPF_ALU64 | BPF_SUB | BPF_K, c, 0, 0, 1);
	back = (int32_t)top - (int32_t)g->n - 1;
	switch (rnd(g, 3)) {
	case 0: emit(g, BPF_JMP | BPF_JNE | BPF_K, c, 0, (int16_t)back, 0); break;
	case 1: emit(g, BPF_JMP | BPF_JSGT | BPF_K, c, 0, (int16_t)back, 0); break;
	default: emit(g, BPF_JMP32 | BPF_JNE | BPF_K, c, 0, (int16_t)back, 0);
	}
	g->info->has_loop = true;
}

static void gen_item(struct gen *g)
{
	int tries;

	/* not in loops: loops of calls of loops would make run times multiply */
	if (g->o->nr_subprogs && g->fn < g->o->nr_subprogs && !g->loops && chance(g, 5))
		return gen_subcall(g);
	/* the new shapes: drawn only when asked for too */
	if (has(g, AJF_LOOP_CB) && !g->in_cb && !g->loops && chance(g, 6))
		return ajf_gen_loop_call(g, false);
	if (has(g, AJF_PROBE) && chance(g, 10))
		return ajf_gen_probe(g);
	/* drawn only when asked for: the programs of other options stay what they were */
	if (has(g, AJF_PKT | AJF_CTX_LOAD | AJF_LOOKUP) && chance(g, 12)) {
		uint32_t k = rnd(g, 3);

		if (k == 0 && has(g, AJF_PKT))
			return ajf_gen_pkt(g);
		if (k == 1 && has(g, AJF_CTX_LOAD))
			return ajf_gen_ctx_load(g);
		if (k == 2 && has(g, AJF_LOOKUP))
			return ajf_gen_lookup(g);
	}
	for (tries = 0; tries < 64; tries++) {
		uint32_t k = rnd(g, 100);

		if (k < 34) {
			if (has(g, AJF_ALU32 | AJF_ALU64))
				return gen_alu(g);
		} else if (k < 40) {
			if (has(g, AJF_LD_IMM64))
				return emit_ld_imm64(g, pick_dst(g), 0, rnd_imm64(g));
		} else if (k < 50) {
			if (has(g, AJF_JMP | AJF_JMP32) && g->depth < g->o->max_depth)
				return gen_if(g);
		} else if (k < 55) {
			if (has(g, AJF_JMP | AJF_JMP32) && g->depth < g->o->max_depth)
				return gen_if_else(g);
		} else if (k < 58) {
			if (has(g, AJF_LOOP) && g->depth < g->o->max_depth)
				return gen_loop(g);
		} else if (k < 68) {
			if (has(g, AJF_LDX))
				return gen_ldx(g);
		} else if (k < 75) {
			if (has(g, AJF_STX))
				return gen_stx(g);
		} else if (k < 79) {
			if (has(g, AJF_ST))
				return gen_st(g);
		} else if (k < 86) {
			if (has(g, AJF_ATOMIC))
				return gen_atomic(g);
		} else if (k < 91) {
			if (has(g, AJF_PTR))
				return gen_ptr(g);
		} else if (k < 96) {
			if (has(g, AJF_CALL))
				return gen_call(g);
		} else {
			if (has(g, AJF_TAIL_CALL) && (!g->fn || !g->o->tail_call_main_only))
				return gen_tail_call(g);
		}
	}
}

static void gen_block(struct gen *g, uint32_t size)
{
	while (size > 0 && g->left > 0 && !g->overflow) {
		uint32_t start = g->n, used;

		gen_item(g);
		used = g->n - start;
		if (!used)
			used = 1;	/* nothing fitted: count it anyway, so this ends */
		size = used >= size ? 0 : size - used;
		g->left = used >= g->left ? 0 : g->left - used;
	}
}

/* ---- whole programs ---- */

void ajf_opts_default(struct ajf_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->classes = AJF_DEFAULT;
	o->len = 48;
	o->stack_size = 64;
	o->max_depth = 3;
	o->loop_max = 4;
}

static uint32_t fn_max_len(const struct ajf_opts *o, uint32_t len, uint32_t stack)
{
	return 96 + 2 * len + stack / 2 + o->ctx_size / 2 + 24 * (o->max_depth + 1);
}

static uint32_t sub_len(const struct ajf_opts *o)
{
	return o->sub_len ? o->sub_len : o->len / 2;
}

static uint32_t cb_len(const struct ajf_opts *o)
{
	return o->cb_len ? o->cb_len : sub_len(o);
}

uint32_t ajf_max_len(const struct ajf_opts *o)
{
	uint32_t n = fn_max_len(o, o->len, o->stack_size);

	if (o->nr_subprogs)
		n += 24 * o->nr_subprogs +
		     o->nr_subprogs * (8 + fn_max_len(o, sub_len(o), o->sub_stack_size));
	if (o->classes & AJF_LOOP_CB)
		n += 32 + fn_max_len(o, cb_len(o), o->cb_stack_size);
	return n;
}

/* One function: prologue, body, epilogue. */
static void gen_function(struct gen *g, uint32_t fn)
{
	const struct ajf_opts *o = g->o;
	uint32_t off, k;
	int r;
	bool cb = (o->classes & AJF_LOOP_CB) && fn == o->nr_subprogs + 1;

	g->fn = fn;
	g->in_cb = cb;
	g->stack = cb ? o->cb_stack_size : fn ? o->sub_stack_size : o->stack_size;
	g->left = cb ? cb_len(o) : fn ? sub_len(o) : o->len;
	g->locked = 0;
	g->depth = 0;
	g->loops = 0;
	g->ctxreg = g->memreg = g->cbreg = -1;
	g->info->func_start[fn] = g->n;

	/* prologue: the ctx to a callee-saved register, every scalar register set, the stack written */
	if (g->need_ctx && !cb) {
		g->ctxreg = 6 + (int)rnd(g, 4);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, g->ctxreg, BPF_REG_1, 0, 0);
	}
	g->memreg = o->ctx_size && !o->mem_map ? g->ctxreg : -1;
	if (o->ctx_size && o->mem_map) {
		do
			g->memreg = 6 + (int)rnd(g, 4);
		while (g->memreg == g->ctxreg);
		emit_ld_imm64(g, g->memreg, BPF_PSEUDO_MAP_VALUE, (uint32_t)o->mem_map_fd);
	}
	/* a callback keeps its caller's stack (R2) in a callee-saved register */
	if (cb && o->cb_ctx_size) {
		do
			g->cbreg = 6 + (int)rnd(g, 4);
		while (g->cbreg == g->memreg);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, g->cbreg, BPF_REG_2, 0, 0);
	}
	/*
	 * a subprogram keeps the arguments it was given in R2-R5 (and R1 when it is no ctx); a
	 * callback its index in R1 (R3-R5 are not its arguments)
	 */
	for (r = 0; r <= 9; r++)
		if (is_scalar(g, r) && (cb ? r != 1 :
					!fn || r == 0 || r >= 6 || (r == 1 && g->need_ctx)))
			emit_set(g, r);
	for (off = 8; off <= g->stack; off += 8) {
		if (chance(g, 50))
			emit(g, BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, -(int16_t)off, rnd_imm(g));
		else
			emit(g, BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, pick_src(g), -(int16_t)off, 0);
	}

	/*
	 * bpf_loop first thing in the main function, where no branch can make it dead code, with
	 * a constant nr above 0: the verifier verifies the callback from there (a callback that no
	 * call verifies fails the load on 6.7+: ajf_gen_loop_call())
	 */
	if (!fn && (o->classes & AJF_LOOP_CB))
		ajf_gen_loop_call(g, true);
	gen_block(g, g->left);

	/* the main function calls every subprogram nothing called yet: all of them are reachable */
	if (!fn)
		for (k = 1; k <= o->nr_subprogs; k++)
			if (!(g->called & (1u << k)))
				gen_subcall_to(g, k);

	/* epilogue: fold every scalar register and stack slot into R0, dump registers to the ctx */
	for (r = 1; r <= 9; r++) {
		if (!is_scalar(g, r))
			continue;
		emit(g, BPF_ALU64 | BPF_MUL | BPF_K, BPF_REG_0, 0, 0, 0x01000193);
		emit(g, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_0, r, 0, 0);
	}
	if (o->ctx_write && g->memreg >= 0 && o->dump_off) {
		for (r = 0; r <= 9; r++)
			if (is_scalar(g, r))
				emit(g, BPF_STX | BPF_MEM | BPF_DW, g->memreg, r,
				     (int16_t)(o->dump_off + 8 * r), 0);
		/* what the body stored into the region, read back */
		for (off = 0; off + 8 <= o->ctx_size; off += 8) {
			emit(g, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, g->memreg, (int16_t)off, 0);
			emit(g, BPF_ALU64 | BPF_MUL | BPF_K, BPF_REG_0, 0, 0, 0x01000193);
			emit(g, BPF_ALU64 | BPF_XOR | BPF_X, BPF_REG_0, BPF_REG_1, 0, 0);
		}
	} else if (o->ctx_write && g->memreg >= 0) {
		for (r = 0, off = 0; r <= 9 && off + 8 <= o->ctx_size; r++)
			if (is_scalar(g, r)) {
				emit(g, BPF_STX | BPF_MEM | BPF_DW, g->memreg, r, (int16_t)off, 0);
				off += 8;
			}
	}
	for (off = 8; off <= g->stack; off += 8) {
		emit(g, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_10, -(int16_t)off, 0);
		emit(g, BPF_ALU64 | BPF_MUL | BPF_K, BPF_REG_0, 0, 0, 0x01000193);
		emit(g, BPF_ALU64 | BPF_XOR | BPF_X, BPF_REG_0, BPF_REG_1, 0, 0);
	}
	if (o->store_r0 && o->ctx_write && g->memreg >= 0 && o->ctx_size >= 8)
		emit(g, BPF_STX | BPF_MEM | BPF_DW, g->memreg, BPF_REG_0,
		     (int16_t)(o->dump_off ? o->dump_off + 80 : 0), 0);
	if (cb) {
		/* 1 (stop) when R0 & cb_break_mask is 0, else 0: R0 a constant on each path */
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_0, 0, 0);
		emit(g, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t)o->cb_break_mask);
		emit(g, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, 2, 0);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
		emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	} else if (o->exit_zero) {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	}
	emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

int ajf_generate(uint64_t seed, const struct ajf_opts *o, struct bpf_insn *out, uint32_t cap,
		 struct ajf_info *info)
{
	struct ajf_info dummy;
	struct gen g = {
		.rng = seed * 0x2545f4914f6cdd1dULL + 1,
		.o = o,
		.out = out,
		.cap = cap,
		.ctxreg = -1,
		.memreg = -1,
		.cbreg = -1,
	};
	uint32_t fn, k, nfn;
	bool ctx_helpers = false;
	bool cb = (o->classes & AJF_LOOP_CB) != 0;

	if (o->stack_size % 8 || o->stack_size > 512 || o->ctx_size % 8 ||
	    o->sub_stack_size % 8 || o->sub_stack_size > 512 || o->nr_subprogs > AJF_MAX_SUBPROGS ||
	    ((o->classes & AJF_CALL) && (!o->helpers || !o->nr_helpers)) ||
	    (cb && (o->cb_stack_size % 8 || o->cb_stack_size > 512 || o->cb_ctx_size % 8 ||
		    o->cb_ctx_size > o->stack_size)) ||
	    ((o->classes & AJF_PROBE) && (!o->ctx_write || !o->mem_map)))
		return -1;
	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	g.info = info;
	if (o->classes & AJF_CALL)
		for (k = 0; k < o->nr_helpers; k++)
			ctx_helpers |= o->helpers[k].ctx_args != 0;
	g.need_ctx = (o->ctx_size && !o->mem_map) || (o->classes & AJF_TAIL_CALL) || ctx_helpers ||
		     (o->classes & (AJF_PKT | AJF_CTX_LOAD | AJF_PROBE));

	nfn = 1 + o->nr_subprogs + cb;
	for (fn = 0; fn < nfn; fn++)
		gen_function(&g, fn);
	for (k = 0; k < g.nfix && !g.overflow; k++)
		out[g.fix[k].at].imm = (int32_t)info->func_start[g.fix[k].fn] - (int32_t)g.fix[k].at - 1;

	if (g.overflow)
		return -1;
	info->len = g.n;
	info->nr_funcs = nfn;
	info->stack_depth = o->stack_size;
	return (int)g.n;
}

