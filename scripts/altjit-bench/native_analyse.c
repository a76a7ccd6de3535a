// SPDX-License-Identifier: GPL-2.0
/*
 * altjit-bench --native: what the kernel's verifier does that altjit's code generator relies on
 * (native.h). A small register analysis over the relocated instructions finds the accesses through
 * the ctx pointer (spills included) and converts them, each function's stack depth, and the
 * array-map lookups the verifier inlines.
 */
#include <stdlib.h>
#include <string.h>
#include "native.h"

/* ---- the verifier's view: ctx accesses and stack depth, by a small register analysis ---- */

enum { RK_UNK, RK_CTX, RK_FP, RK_CTXOFF, RK_MAP };	/* RK_MAP: off = the map's index */

struct astate {
	bool seen;
	uint8_t kind[11];
	int32_t off[11];
	uint64_t ctx_spill;		/* bit s: the 8 bytes at fp - 8 * (s + 1) hold the ctx pointer */
};

static bool join(struct astate *dst, const struct astate *src)
{
	bool changed = false;
	int r;

	if (!dst->seen) {
		*dst = *src;
		dst->seen = true;
		return true;
	}
	for (r = 0; r < 11; r++)
		if (dst->kind[r] != RK_UNK &&
		    (dst->kind[r] != src->kind[r] || dst->off[r] != src->off[r])) {
			dst->kind[r] = RK_UNK;
			changed = true;
		}
	if ((dst->ctx_spill & src->ctx_spill) != dst->ctx_spill) {
		dst->ctx_spill &= src->ctx_spill;
		changed = true;
	}
	return changed;
}

/* Kind and offset of a memory access's base register. */
static int base_kind(const struct astate *s, int reg, int32_t *off)
{
	if (reg == BPF_REG_10) {
		*off = 0;
		return RK_FP;
	}
	*off = s->off[reg];
	return s->kind[reg];
}

static void clobber_spills(struct astate *s, int32_t o, uint32_t size)
{
	int32_t a;

	for (a = o & ~7; a < o + (int32_t)size; a += 8)
		if (a < 0 && a >= -512)
			s->ctx_spill &= ~(1ULL << (-a / 8 - 1));
}

/* What instruction i does to the state (for the fall-through / jump successors). */
static void transfer(const struct bpf_insn *in, struct astate *s, uint32_t map_of)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	int d = in->dst_reg, r;
	int32_t o;

	switch (cls) {
	case BPF_ALU64:
		if (op == BPF_MOV && BPF_SRC(in->code) == BPF_X && !in->off) {
			if (in->src_reg == BPF_REG_10) {
				s->kind[d] = RK_FP;
				s->off[d] = 0;
			} else {
				s->kind[d] = s->kind[in->src_reg];
				s->off[d] = s->off[in->src_reg];
			}
			return;
		}
		if ((op == BPF_ADD || op == BPF_SUB) && BPF_SRC(in->code) == BPF_K &&
		    s->kind[d] == RK_FP) {
			s->off[d] += op == BPF_ADD ? in->imm : -in->imm;
			return;
		}
		if (op != BPF_MOV && (s->kind[d] == RK_CTX || s->kind[d] == RK_CTXOFF)) {
			s->kind[d] = RK_CTXOFF;
			return;
		}
		s->kind[d] = RK_UNK;
		return;
	case BPF_ALU:
		s->kind[d] = RK_UNK;
		return;
	case BPF_LD:
		s->kind[d] = map_of ? RK_MAP : RK_UNK;
		s->off[d] = map_of ? (int32_t)map_of - 1 : 0;
		return;
	case BPF_LDX:
		if (base_kind(s, in->src_reg, &o) == RK_FP && BPF_SIZE(in->code) == BPF_DW &&
		    !((o + in->off) & 7) && o + in->off < 0 && o + in->off >= -512 &&
		    (s->ctx_spill >> (-(o + in->off) / 8 - 1)) & 1) {
			s->kind[d] = RK_CTX;
			s->off[d] = 0;
		} else {
			s->kind[d] = RK_UNK;
		}
		return;
	case BPF_ST:
	case BPF_STX:
		if (base_kind(s, d, &o) == RK_FP) {
			clobber_spills(s, o + in->off, bpf_size_bytes(BPF_SIZE(in->code)));
			if (cls == BPF_STX && BPF_MODE(in->code) == BPF_MEM &&
			    BPF_SIZE(in->code) == BPF_DW && s->kind[in->src_reg] == RK_CTX &&
			    !((o + in->off) & 7) && o + in->off < 0 && o + in->off >= -512)
				s->ctx_spill |= 1ULL << (-(o + in->off) / 8 - 1);
		}
		if (cls == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC) {
			if (in->imm == BPF_CMPXCHG)
				s->kind[BPF_REG_0] = RK_UNK;
			else if (in->imm & BPF_FETCH)
				s->kind[in->src_reg] = RK_UNK;
		}
		return;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_CALL)
			for (r = 0; r <= 5; r++)
				s->kind[r] = RK_UNK;
		return;
	}
}

/*
 * Array-map lookups the verifier inlines (inl[i]: 1 + the map at the call at i): r1 moves to the
 * elements, r0 = r1 + index * element size, or NULL out of bounds (privileged: no index masking).
 * Jumps and calls are moved to match; functions keep their order and depths.
 */
#define INLINE_LEN	7

static int inline_lookups(struct nbench *b, struct nprog *p, const uint8_t *inl)
{
	uint32_t n = p->len, i, k, extra = 0, *at, *map_of;
	struct bpf_insn *out;

	for (i = 0; i < n; i++)
		extra += inl[i] ? INLINE_LEN - 1 : 0;
	if (!extra)
		return 0;
	at = calloc(n + 1, sizeof(*at));
	out = calloc(n + extra, sizeof(*out));
	map_of = calloc(n + extra, sizeof(*map_of));
	if (!at || !out || !map_of) {
		free(at);
		free(out);
		free(map_of);
		return -1;
	}
	for (i = 0, k = 0; i < n; i++) {
		at[i] = k;
		if (inl[i]) {
			const struct nmap *m = &b->maps[inl[i] - 1];
			uint32_t sh = 0;

			while ((1u << sh) < m->stride)
				sh++;
			out[k++] = host_insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, NMAP_VALUE_OFF);
			out[k++] = host_insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_0, BPF_REG_2, 0, 0);
			out[k++] = host_insn(BPF_JMP | BPF_JGE | BPF_K, BPF_REG_0, 0, 3, (int32_t)m->max_entries);
			out[k++] = (1u << sh) == m->stride ? host_insn(BPF_ALU64 | BPF_LSH | BPF_K, BPF_REG_0, 0, 0, sh)
							   : host_insn(BPF_ALU64 | BPF_MUL | BPF_K, BPF_REG_0, 0, 0, m->stride);
			out[k++] = host_insn(BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_0, BPF_REG_1, 0, 0);
			out[k++] = host_insn(BPF_JMP | BPF_JA, 0, 0, 1, 0);
			out[k++] = host_insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
		} else {
			map_of[k] = p->map_of[i];
			out[k++] = p->insns[i];
		}
	}
	at[n] = k;
	for (i = 0; i < n; i++) {
		const struct bpf_insn *in = &p->insns[i];
		struct bpf_insn *o = &out[at[i]];
		uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);

		if (inl[i])
			continue;
		if (is_ldimm64(in)) {
			i++;
			continue;
		}
		if (cls != BPF_JMP && cls != BPF_JMP32)
			continue;
		if (op == BPF_CALL && in->src_reg == BPF_PSEUDO_CALL)
			o->imm = (int32_t)(at[i + 1 + in->imm] - at[i] - 1);
		else if (in->code == (BPF_JMP32 | BPF_JA))
			o->imm = (int32_t)(at[i + 1 + in->imm] - at[i] - 1);
		else if (op != BPF_CALL && op != BPF_EXIT)
			o->off = (int16_t)(at[i + 1 + in->off] - at[i] - 1);
	}
	for (k = 0; k < p->nfuncs; k++)
		p->funcs[k].start = at[p->funcs[k].start];
	for (k = 0; k < p->nfuncs; k++)
		p->funcs[k].len = (k + 1 < p->nfuncs ? p->funcs[k + 1].start : n + extra) - p->funcs[k].start;
	free(p->insns);
	free(p->map_of);
	free(at);
	p->insns = out;
	p->map_of = map_of;
	p->len = n + extra;
	return 0;
}

/*
 * Analyse prog->insns: which loads and stores go through the ctx pointer (converted here, in
 * place, or refused), where functions start, and each function's stack depth.
 */
int analyse(struct nbench *b, struct nprog *p)
{
	const struct ctx_field *fields = ctx_fields(b->type);
	struct bpf_insn *insns = p->insns;
	uint32_t n = p->len, i, k, *work, nwork = 0;
	struct astate *st;
	bool *start, *queued;
	uint8_t *inl;
	int ret = -1;

	st = calloc(n + 1, sizeof(*st));
	inl = calloc(n + 1, sizeof(*inl));
	work = calloc(n + 1, sizeof(*work));
	start = calloc(n + 1, sizeof(*start));
	queued = calloc(n + 1, sizeof(*queued));
	if (!st || !work || !start || !queued || !inl) {
		snprintf(b->why, sizeof(b->why), "out of memory");
		goto out;
	}
	/* function starts: 0 and every pseudo call's target */
	start[0] = true;
	for (i = 0; i < n; i++) {
		const struct bpf_insn *in = &insns[i];

		if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL) {
			int64_t t = (int64_t)i + 1 + in->imm;

			if (t < 0 || t >= n) {
				snprintf(b->why, sizeof(b->why), "%s: call out of the program", p->name);
				goto out;
			}
			start[t] = true;
		} else if (BPF_CLASS(in->code) == BPF_LD && !is_ldimm64(in)) {
			snprintf(b->why, sizeof(b->why), "%s: LD_ABS/LD_IND not modelled natively", p->name);
			goto out;
		} else if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg) {
			snprintf(b->why, sizeof(b->why), "%s: kfunc calls not modelled natively", p->name);
			goto out;
		}
		if (is_ldimm64(in))
			i++;
	}
	p->nfuncs = 0;
	for (i = 0; i < n; i++)
		if (start[i]) {
			if (p->nfuncs == MAX_FUNCS) {
				snprintf(b->why, sizeof(b->why), "%s: more than %d functions", p->name, MAX_FUNCS);
				goto out;
			}
			if (p->nfuncs)
				p->funcs[p->nfuncs - 1].len = i - p->funcs[p->nfuncs - 1].start;
			p->funcs[p->nfuncs++] = (struct nfunc){ .start = i };
		}
	p->funcs[p->nfuncs - 1].len = n - p->funcs[p->nfuncs - 1].start;

	/* the fixed point: r1 is the ctx at the entry */
	st[0].seen = true;
	st[0].kind[BPF_REG_1] = RK_CTX;
	work[nwork++] = 0;
	queued[0] = true;
	while (nwork) {
		struct astate s;
		const struct bpf_insn *in;
		uint8_t cls, op;
		uint32_t succ[2];
		int ns = 0, q;

		i = work[--nwork];
		queued[i] = false;
		s = st[i];
		in = &insns[i];
		cls = BPF_CLASS(in->code);
		op = BPF_OP(in->code);
		if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_EXIT)
			continue;
		if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL) {
			struct astate c = { .seen = true };
			uint32_t t = i + 1 + in->imm;
			int r;

			for (r = 1; r <= 5; r++)	/* arguments: the ctx pointer passes, fp ones do not */
				if (s.kind[r] == RK_CTX || s.kind[r] == RK_CTXOFF)
					c.kind[r] = s.kind[r];
			if (join(&st[t], &c) && !queued[t]) {
				queued[t] = true;
				work[nwork++] = t;
			}
		}
		transfer(in, &s, p->map_of[i]);
		if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL) {
			if (op == BPF_JA) {
				succ[ns++] = i + 1 + (cls == BPF_JMP32 ? in->imm : in->off);
			} else {
				succ[ns++] = i + 1;
				succ[ns++] = i + 1 + in->off;
			}
		} else {
			succ[ns++] = i + (is_ldimm64(in) ? 2 : 1);
		}
		for (q = 0; q < ns; q++) {
			if (succ[q] >= n) {
				snprintf(b->why, sizeof(b->why), "%s: jump out of the program at %u", p->name, i);
				goto out;
			}
			if (join(&st[succ[q]], &s) && !queued[succ[q]]) {
				queued[succ[q]] = true;
				work[nwork++] = succ[q];
			}
		}
	}

	/* what the fixed point says: depths, and the ctx accesses rewritten */
	for (k = 0; k < p->nfuncs; k++) {
		struct nfunc *f = &p->funcs[k];
		uint32_t depth = 0;

		for (i = f->start; i < f->start + f->len; i++) {
			struct bpf_insn *in = &insns[i];
			uint8_t cls = BPF_CLASS(in->code);
			const struct astate *s = &st[i];
			int32_t o;
			int r, kind, base;

			if (!s->seen)
				continue;
			for (r = 0; r < 11; r++)
				if (s->kind[r] == RK_FP && s->off[r] < 0 && (uint32_t)-s->off[r] > depth)
					depth = (uint32_t)-s->off[r];
			/* the verifier inlines array lookups when it knows the map (do_misc_fixups) */
			if (in->code == (BPF_JMP | BPF_CALL) && !in->src_reg &&
			    in->imm == BPF_FUNC_map_lookup_elem && s->kind[BPF_REG_1] == RK_MAP &&
			    b->maps[s->off[BPF_REG_1]].type == BPF_MAP_TYPE_ARRAY)
				inl[i] = (uint8_t)(s->off[BPF_REG_1] + 1);
			if (cls != BPF_LDX && cls != BPF_ST && cls != BPF_STX)
				continue;
			base = cls == BPF_LDX ? in->src_reg : in->dst_reg;
			kind = base_kind(s, base, &o);
			if (kind == RK_FP && o + in->off < 0 && (uint32_t)-(o + in->off) > depth)
				depth = (uint32_t)-(o + in->off);
			if (kind == RK_CTXOFF) {
				snprintf(b->why, sizeof(b->why), "%s: ctx access through a moved ctx pointer (insn %u)",
					 p->name, i);
				goto out;
			}
			if (kind != RK_CTX)
				continue;
			{
				const struct ctx_field *fl;
				uint32_t size = bpf_size_bytes(BPF_SIZE(in->code));
				bool store = cls != BPF_LDX;

				for (fl = fields; fl && fl->ksize; fl++)
					if (fl->uoff == in->off)
						break;
				if (!fl || !fl->ksize || (BPF_MODE(in->code) != BPF_MEM) ||
				    (store && !fl->writable) ||
				    size != fl->usize) {
					snprintf(b->why, sizeof(b->why),
						 "%s: ctx %s at offset %d, %u bytes, not modelled natively (insn %u)",
						 p->name, store ? "store" : "load", in->off, size, i);
					goto out;
				}
				in->off = (int16_t)fl->koff;
				in->code = (uint8_t)((in->code & ~0x18) |
						     (fl->ksize == 8 ? BPF_DW : fl->ksize == 4 ? BPF_W :
						      fl->ksize == 2 ? BPF_H : BPF_B));
			}
		}
		if (depth > 512) {
			snprintf(b->why, sizeof(b->why), "%s: stack deeper than 512 bytes?", p->name);
			goto out;
		}
		f->depth = depth;
	}
	ret = inline_lookups(b, p, inl);
out:
	free(inl);
	free(st);
	free(work);
	free(start);
	free(queued);
	return ret;
}
