// SPDX-License-Identifier: GPL-2.0
/*
 * The generator's kernel contexts (see gen.h): direct packet access, __sk_buff fields,
 * bpf_map_lookup_elem, bpf_loop callbacks and fentry PROBE_MEM loads. Called from gen.c's
 * gen_item() only when their class is asked for.
 */
#include "gen_impl.h"

/* __sk_buff offsets (UAPI): data, data_end, and u32 fields the same in every run of a set. */
#define SKB_DATA	76
#define SKB_DATA_END	80
static const int16_t skb_fields[] = { 0, 8, 16, 48, 52, 56, 60, 64 };	/* len mark protocol cb[] */

/*
 * A scalar register from R(lo) up to load into, or -1; one to store from. lo: 4 past the
 * scratch registers R1-R3 of a packet access, 6 after a helper call (R1-R5 are clobbered).
 */
static int pick_dst_from(struct gen *g, int lo)
{
	int r, tries;

	for (tries = 0; tries < 16; tries++) {
		r = lo + (int)rnd(g, 10 - lo);
		if (is_scalar(g, r) && !(g->locked & (1u << r)))
			return r;
	}
	return -1;
}

static int pick_src_from(struct gen *g, int lo)
{
	int r;

	do
		r = lo + (int)rnd(g, 10 - lo);
	while (!is_scalar(g, r));
	return r;
}

/* if (data + pkt_size <= data_end) { a load or store at data + off } with R1-R3 as scratch. */
void ajf_gen_pkt(struct gen *g)
{
	const struct ajf_opts *o = g->o;
	uint32_t lg = rnd(g, 4), sz = 1u << lg, what = rnd(g, 3), j;
	int16_t off;
	int d;

	if (g->ctxreg < 0 || g->fn || o->pkt_size < sz)
		return;
	off = (int16_t)(rnd(g, o->pkt_size / sz) * sz);
	emit(g, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_1, g->ctxreg, SKB_DATA, 0);
	emit(g, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, g->ctxreg, SKB_DATA_END, 0);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_1, 0, 0);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, (int32_t)o->pkt_size);
	j = g->n;
	emit(g, BPF_JMP | BPF_JGT | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
	d = pick_dst_from(g, 4);
	if (what == 0 && d >= 0)
		emit(g, BPF_LDX | BPF_MEM | ajf_size_code[lg], d, BPF_REG_1, off, 0);
	else if (what == 1)
		emit(g, BPF_STX | BPF_MEM | ajf_size_code[lg], BPF_REG_1, pick_src_from(g, 4), off, 0);
	else
		emit(g, BPF_ST | BPF_MEM | ajf_size_code[lg], BPF_REG_1, 0, off, rnd_imm(g));
	ajf_bind(g, j);
	g->info->has_pkt = true;
	/* the pointers become scalars again, on both paths */
	emit_set(g, BPF_REG_1);
	emit_set(g, BPF_REG_2);
	emit_set(g, BPF_REG_3);
}

void ajf_gen_ctx_load(struct gen *g)
{
	int d = pick_dst(g);

	if (g->ctxreg < 0)
		return;
	emit(g, BPF_LDX | BPF_MEM | BPF_W, d, g->ctxreg,
	     skb_fields[rnd(g, sizeof(skb_fields) / sizeof(skb_fields[0]))], 0);
}

/*
 * r0 = bpf_map_lookup_elem(&mem_map, &key) with key 0 (the region itself, through another
 * pointer) or 1 (none: NULL); if (r0) a load, store or atomic through it; R0 a scalar again.
 */
void ajf_gen_lookup(struct gen *g)
{
	const struct ajf_opts *o = g->o;
	uint32_t lg = rnd(g, 4), sz = 1u << lg, what = rnd(g, 3), j;
	int16_t off;
	int d;

	if (!o->mem_map || g->stack < 8 || o->ctx_size < 8)
		return;
	if (what == 2 && lg < 2)
		lg += 2, sz = 1u << lg;
	off = (int16_t)(rnd(g, o->ctx_size / sz) * sz);
	emit(g, BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -(int16_t)g->stack, chance(g, 85) ? 0 : 1);
	emit_ld_imm64(g, BPF_REG_1, BPF_PSEUDO_MAP_FD, (uint32_t)o->mem_map_fd);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -(int32_t)g->stack);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	j = g->n;
	emit(g, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 0, 0);
	d = pick_dst_from(g, 6);
	if (what == 0 && d >= 0)
		emit(g, BPF_LDX | BPF_MEM | ajf_size_code[lg], d, BPF_REG_0, off, 0);
	else if (what == 2)
		emit(g, BPF_STX | BPF_ATOMIC | ajf_size_code[lg], BPF_REG_0, pick_src_from(g, 6), off,
		     BPF_ADD);
	else
		emit(g, BPF_STX | BPF_MEM | ajf_size_code[lg], BPF_REG_0, pick_src_from(g, 6), off, 0);
	ajf_bind(g, j);
	emit_set(g, BPF_REG_0);
	ajf_reinit_args(g, 1);
	g->info->has_call = true;
	g->info->has_lookup = true;
}

/*
 * r0 = bpf_loop(nr, callback, ctx, 0): nr a constant or a register modulo cb_max_nr + 1, ctx the
 * caller's stack [-cb_ctx_size, 0) or NULL; R0 (the iterations run) stays, a scalar. first: nr a
 * constant 1..cb_max_nr. Kernels that verify callbacks as if called any number of times (6.7+:
 * check_helper_call() pushes the callback only while R1's upper bound is above the callback
 * depth) never verify it from a call whose nr is known 0; a callback no call verifies is removed
 * as dead code while its BPF_PSEUDO_FUNC address stays, and the load fails ("verifier bug: No
 * program to jit", seen on 6.18). The first call makes the callback verified.
 */
void ajf_gen_loop_call(struct gen *g, bool first)
{
	const struct ajf_opts *o = g->o;

	if (g->in_cb || g->stack < o->cb_ctx_size ||
	    g->nfix >= sizeof(g->fix) / sizeof(g->fix[0]))
		return;
	if (first) {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0,
		     (int32_t)(1 + rnd(g, o->cb_max_nr ? o->cb_max_nr : 1)));
	} else if (chance(g, 50)) {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, (int32_t)rnd(g, o->cb_max_nr + 1));
	} else {
		emit(g, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, pick_src(g), 0, 0);
		emit(g, BPF_ALU | BPF_MOD | BPF_K, BPF_REG_1, 0, 0, (int32_t)o->cb_max_nr + 1);
	}
	g->fix[g->nfix].at = g->n;
	g->fix[g->nfix].fn = o->nr_subprogs + 1;
	g->nfix++;
	emit_ld_imm64(g, BPF_REG_2, BPF_PSEUDO_FUNC, 0);
	if (o->cb_ctx_size) {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0);
		emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -(int32_t)o->cb_ctx_size);
	} else {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, 0);
	}
	/*
	 * flags: 0. The verifier inlines a bpf_loop whose flags it knows are 0 (6.0+), and the
	 * callback's address then goes unused; one call in two has flags x ^ x of a value loaded
	 * from the memory region, 0 to the CPU, unknown to the verifier: a real helper call that
	 * calls the callback through the address the JIT put in R2.
	 */
	if (g->memreg >= 0 && g->memreg != g->ctxreg && o->ctx_size >= 8 && chance(g, 50)) {
		emit(g, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_4, g->memreg, 0, 0);
		emit(g, BPF_ALU64 | BPF_XOR | BPF_X, BPF_REG_4, BPF_REG_4, 0, 0);
		g->info->nr_loop_calls_helper++;
	} else {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 0);
	}
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, AJF_FUNC_LOOP);
	ajf_reinit_args(g, 1);
	g->info->has_call = true;
	g->info->nr_loop_calls++;
}

/*
 * fentry on bpf_fentry_test7(NULL) or bpf_fentry_test8(&arg), arg->a NULL: p = arg (the ctx's
 * first u64), q = p->a (a PROBE_MEM load: 0 from NULL, or NULL), sometimes q2 = q->a (from NULL:
 * 0); the last one, the same in every run, is stored to the memory region (the epilogue folds
 * it), and the pointers become scalars again. The destinations held other scalars: a load that
 * left them would show.
 */
void ajf_gen_probe(struct gen *g)
{
	int p, q, q2 = -1;

	if (g->ctxreg < 0 || g->memreg < 0 || g->fn || !g->o->ctx_write || g->o->ctx_size < 8)
		return;
	p = pick_dst(g);
	do
		q = pick_dst(g);
	while (q == p);
	emit(g, BPF_LDX | BPF_MEM | BPF_DW, p, g->ctxreg, 0, 0);
	emit(g, BPF_LDX | BPF_MEM | BPF_DW, q, p, 0, 0);
	g->info->nr_probe_loads++;
	if (chance(g, 50)) {
		do
			q2 = pick_dst(g);
		while (q2 == p || q2 == q);
		emit(g, BPF_LDX | BPF_MEM | BPF_DW, q2, q, 0, 0);
		g->info->nr_probe_loads++;
	}
	emit(g, BPF_STX | BPF_MEM | BPF_DW, g->memreg, q2 >= 0 ? q2 : q,
	     (int16_t)(rnd(g, g->o->ctx_size / 8) * 8), 0);
	emit_set(g, p);
	emit_set(g, q);
	if (q2 >= 0)
		emit_set(g, q2);
}

