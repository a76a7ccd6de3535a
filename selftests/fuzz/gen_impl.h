/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generator's insides, shared by gen.c (ALU, memory, calls, control flow, whole programs)
 * and gen_kernel.c (what only a kernel runs: the packet, __sk_buff fields, map lookups,
 * bpf_loop callbacks, PROBE_MEM loads). Not for users of gen.h.
 */
#ifndef _ALTJIT_FUZZ_GEN_IMPL_H
#define _ALTJIT_FUZZ_GEN_IMPL_H

#include <string.h>
#include "gen.h"

struct gen {
	uint64_t rng;
	const struct ajf_opts *o;
	struct bpf_insn *out;
	uint32_t cap, n;
	bool overflow;
	int ctxreg;		/* R6-R9 holding the ctx pointer, or -1 */
	int memreg;		/* R6-R9 holding the memory region: ctxreg, the map value, or -1 */
	int cbreg;		/* in a bpf_loop callback: R6-R9 holding its caller's stack, or -1 */
	bool in_cb;		/* generating the callback */
	bool need_ctx;		/* every function keeps the ctx (and passes it on in R1) */
	uint32_t fn;		/* the function being generated (0: main) */
	uint32_t stack;		/* its stack size */
	uint8_t called;		/* subprograms called so far (bit k) */
	uint32_t nfix;		/* bpf2bpf calls to point at their function at the end */
	struct { uint32_t at, fn; } fix[64];
	uint16_t locked;	/* registers the body must not write (loop counters) */
	uint32_t left;		/* body instructions left to generate */
	uint32_t depth;
	uint32_t loops;		/* loops around the current point */
	struct ajf_info *info;
};


static inline uint64_t rnd64(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform-ish in [0, n) */
static inline uint32_t rnd(struct gen *g, uint32_t n)
{
	return n ? (uint32_t)(rnd64(g) % n) : 0;
}

static inline bool chance(struct gen *g, uint32_t percent)
{
	return rnd(g, 100) < percent;
}

static inline void emit(struct gen *g, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn *i;

	if (g->n >= g->cap) {
		g->overflow = true;
		return;
	}
	i = &g->out[g->n++];
	memset(i, 0, sizeof(*i));
	i->code = code;
	i->dst_reg = dst;
	i->src_reg = src;
	i->off = off;
	i->imm = imm;
}

static inline void emit_ld_imm64(struct gen *g, uint8_t dst, uint8_t src, uint64_t v)
{
	emit(g, BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, (int32_t)(uint32_t)v);
	emit(g, 0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
}

static inline bool has(struct gen *g, uint32_t cls)
{
	return (g->o->classes & cls) != 0;
}

/* Values near the edges of every encoding, and some noise. */
static inline int32_t rnd_imm(struct gen *g)
{
	static const int32_t edge[] = {
		0, 1, -1, 2, 7, 8, 31, 32, 63, 64, 127, 128, -128, -129, 255, 256, 0x7fff, -0x8000,
		0xffff, 0x10000, 0x7fffffff, (int32_t)0x80000000, (int32_t)0x80000001, -2,
	};

	switch (rnd(g, 4)) {
	case 0: return edge[rnd(g, sizeof(edge) / sizeof(edge[0]))];
	case 1: return (int32_t)rnd(g, 33) - 16;
	case 2: return (int32_t)(int8_t)rnd64(g);
	}
	return (int32_t)rnd64(g);
}

static inline uint64_t rnd_imm64(struct gen *g)
{
	static const uint64_t edge[] = {
		0, 1, ~0ULL, 0x7fffffffULL, 0x80000000ULL, 0xffffffffULL, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xffffffff00000000ULL, 0x123456789abcdefULL,
	};

	if (chance(g, 40))
		return edge[rnd(g, sizeof(edge) / sizeof(edge[0]))];
	return rnd64(g);
}

static inline bool is_scalar(struct gen *g, int r)
{
	return r >= 0 && r <= 9 && r != g->ctxreg && r != g->memreg && r != g->cbreg;
}

/* A register to read: any scalar. */
static inline int pick_src(struct gen *g)
{
	int r;

	do
		r = (int)rnd(g, 10);
	while (!is_scalar(g, r));
	return r;
}

/* A register to write: a scalar no loop counts with. R0-R5 always qualify. */
static inline int pick_dst(struct gen *g)
{
	int r;

	do
		r = (int)rnd(g, 10);
	while (!is_scalar(g, r) || (g->locked & (1u << r)));
	return r;
}

static inline void emit_set(struct gen *g, int r)
{
	if (chance(g, 25)) {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0, (int32_t)rnd(g, 9) - 4);
		return;
	}
	switch (rnd(g, 3)) {
	case 0:
		emit(g, BPF_ALU | BPF_MOV | BPF_K, r, 0, 0, rnd_imm(g));
		break;
	case 1:
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0, rnd_imm(g));
		break;
	default:
		emit_ld_imm64(g, r, 0, rnd_imm64(g));
	}
}


extern const uint8_t ajf_size_code[4];

/* gen.c */
void ajf_reinit_args(struct gen *g, int from);
void ajf_bind(struct gen *g, uint32_t j);

/* gen_kernel.c */
void ajf_gen_pkt(struct gen *g);
void ajf_gen_ctx_load(struct gen *g);
void ajf_gen_lookup(struct gen *g);
void ajf_gen_loop_call(struct gen *g, bool first);
void ajf_gen_probe(struct gen *g);

#endif /* _ALTJIT_FUZZ_GEN_IMPL_H */
