// SPDX-License-Identifier: GPL-2.0
/*
 * altjit-bench --native: the emitted code on the real CPU, without a kernel, module or root.
 *
 * Each object is read with libbpf (opened, and "loaded" in gen_loader mode, which relocates without
 * any bpf() call: maps become indices, subprograms are appended). Then what the kernel's verifier
 * does that altjit's code generator relies on is done here, in userspace:
 *   - map loads become pointers to userspace maps (array, per-CPU array with one CPU, hash); the
 *     prog array becomes selftests/host's fake one (the kernel's layout, see env.h);
 *   - context accesses (xdp_md, __sk_buff for tc and the flow dissector) become one load or store
 *     of the field in a userspace stand-in for the kernel's context (a register analysis finds the
 *     accesses through the ctx pointer, spills included);
 *   - stack depth per function from the same analysis; bpf2bpf calls split into subprograms and
 *     compiled with the kernel's two-pass protocol (host_compile_funcs);
 *   - division guards and bpf_tail_call() (direct where the index is a constant) by host_fixup;
 *   - helpers are userspace functions: map_lookup_elem, map_update_elem, map_delete_elem,
 *     skb_load_bytes. (Unlike 6.1's verifier, array-map lookups are not inlined.)
 * Every program is compiled with altjit's legacy and optimized frames (module/frame.c, unchanged),
 * run once against selftests/host's reference interpreter (r0 and every byte of the maps, context
 * and packet must agree, or no number is reported), then timed in a tight loop, schemes interleaved.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "env.h"
#include "interp.h"

#define N_SCHEMES	2
#define MAX_NPROGS	16		/* programs used from one object */
#define MAX_FUNCS	32		/* functions of one program */
#define MAX_FN_INSNS	8192		/* instructions of one function after host_fixup */
#define NR_HELPERS	212
#define FUNC_TAIL_CALL	12

static const struct aj_frame *const frames[N_SCHEMES] = { &aj_frame_legacy, &aj_frame_optimized };
static const char *const scheme_names[N_SCHEMES] = { "legacy", "optimized" };

/* ---- userspace maps and the kernel context stand-in ---- */

struct nmap {
	uint32_t type, key_size, value_size, max_entries;
	uint32_t stride;		/* bytes per element (array: value rounded to 8; hash: a slot) */
	uint32_t nslots;		/* hash: slots (a power of two) */
	uint8_t *obj;			/* what programs get: this struct's address, then the data */
	uint8_t *data;			/* obj + NMAP_VALUE_OFF */
	size_t size;
	uint8_t *init;			/* initial contents (global data), or NULL */
	void *prog_array[N_SCHEMES];	/* BPF_MAP_TYPE_PROG_ARRAY: selftests/host's fake array per scheme */
};

/* A map as programs see it: a pointer to its struct nmap, and the elements at a fixed offset
 * (where the verifier's inlined array lookups find them, as in struct bpf_array). */
#define NMAP_VALUE_OFF	HOST_ARRAY_PTRS_OFF	/* 0x110, as offsetof(struct bpf_array, value) */

static struct nmap *nmap_of(uint64_t obj)
{
	struct nmap *m;

	memcpy(&m, (void *)(uintptr_t)obj, sizeof(m));
	return m;
}

/* What the verifier turns xdp_md / __sk_buff accesses into loads and stores of: one field each. */
struct nctx {
	void *data, *data_end, *data_meta;
	void *flow_keys;
	void *skb;			/* the flow dissector's skb: NULL, as in BPF_PROG_TEST_RUN */
	uint32_t len;			/* disp8, as in struct sk_buff; the fields below at disp32, too */
	uint8_t pad[128];
	uint32_t mark, priority, ingress_ifindex, ifindex, hash, rx_queue_index, egress_ifindex;
	uint32_t cb[5];
	uint16_t protocol, queue_mapping, tc_index, tc_classid;
};

/* ---- one benchmark ---- */

struct nfunc {
	uint32_t start, len, depth;
};

struct nprog {
	char name[64];
	struct bpf_insn *insns;		/* the interpreter's form: relocated, ctx converted */
	uint32_t len;
	int slot;			/* prog array slot, or -1 */
	struct nfunc funcs[MAX_FUNCS];
	uint32_t nfuncs;
	bool has_tail_call;
	bool *direct;			/* per instruction: a direct tail call (from host_fixup) */
	uint32_t *map_of;		/* per instruction: 1 + the map an ld_imm64 loads, or 0 */
	struct host_jit *jit[N_SCHEMES];	/* [nfuncs] each */
	struct bpf_insn *fixed[N_SCHEMES];	/* host_fixup output, MAX_FN_INSNS per function */
};

struct nresult {
	char why[160];			/* not compiled / wrong: the reason (row says so) */
	bool failed;			/* a failure (wrong result, crash), not just unsupported */
	unsigned image, prologue, epilogue;
	double ns[MAX_TRIALS];
	double median, min, max;
};

struct nbench {
	const struct native_spec *spec;
	char label[64];
	char why[160];			/* unsupported natively, for both schemes */
	enum bpf_prog_type type;
	struct nmap maps[32];
	uint32_t nmaps;
	int prog_array;			/* index in maps, or -1 */
	struct nprog progs[MAX_NPROGS];
	uint32_t nprogs;		/* progs[0] is the entry */
	struct nctx ctx;
	uint8_t packet[sizeof(pkt)];
	struct bpf_flow_keys keys;
	struct interp_region regions[40];
	uint32_t nregions;
	uint64_t ref_r0;
	uint8_t *ref_state;
	size_t state_size;
	struct nresult r[N_SCHEMES];
};

/* ---- helpers (userspace implementations, called by the images and by the interpreter) ---- */

#define HELPER __attribute__((force_align_arg_pointer))

static uint32_t key_hash(const uint8_t *k, uint32_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *k++) * 16777619u;
	return h;
}

/* A hash slot: [used u64][key rounded to 8][value rounded to 8]. */
static uint8_t *hash_slot(struct nmap *m, const void *key, bool insert)
{
	uint32_t i, h = key_hash(key, m->key_size);

	for (i = 0; i < m->nslots; i++) {
		uint8_t *s = m->data + (size_t)((h + i) & (m->nslots - 1)) * m->stride;
		uint64_t used;

		memcpy(&used, s, 8);
		if (used == 1 && !memcmp(s + 8, key, m->key_size))
			return s;
		if (used != 1 && insert) {
			used = 1;
			memcpy(s, &used, 8);
			memcpy(s + 8, key, m->key_size);
			return s;
		}
		if (!used)
			return NULL;
	}
	return NULL;
}

static uint8_t *hash_value(struct nmap *m, uint8_t *slot)
{
	return slot + 8 + ((m->key_size + 7) & ~7u);
}

static uint32_t hash_count(struct nmap *m)
{
	uint32_t i, n = 0;
	uint64_t used;

	for (i = 0; i < m->nslots; i++) {
		memcpy(&used, m->data + (size_t)i * m->stride, 8);
		n += used == 1;
	}
	return n;
}

static HELPER uint64_t h_map_lookup_elem(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	struct nmap *m = nmap_of(a);
	uint32_t idx;
	uint8_t *s;

	(void)c, (void)d, (void)e;
	switch (m->type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		memcpy(&idx, (void *)(uintptr_t)b, 4);
		return idx < m->max_entries ? (uint64_t)(uintptr_t)(m->data + (size_t)idx * m->stride) : 0;
	case BPF_MAP_TYPE_HASH:
		s = hash_slot(m, (void *)(uintptr_t)b, false);
		return s ? (uint64_t)(uintptr_t)hash_value(m, s) : 0;
	}
	return 0;
}

static HELPER uint64_t h_map_update_elem(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	struct nmap *m = nmap_of(a);
	uint32_t idx;
	uint8_t *s;

	(void)d, (void)e;
	switch (m->type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		memcpy(&idx, (void *)(uintptr_t)b, 4);
		if (idx >= m->max_entries)
			return (uint64_t)-E2BIG;
		memcpy(m->data + (size_t)idx * m->stride, (void *)(uintptr_t)c, m->value_size);
		return 0;
	case BPF_MAP_TYPE_HASH:
		s = hash_slot(m, (void *)(uintptr_t)b, false);
		if (!s) {
			if (hash_count(m) >= m->max_entries)
				return (uint64_t)-E2BIG;
			s = hash_slot(m, (void *)(uintptr_t)b, true);
		}
		if (!s)
			return (uint64_t)-E2BIG;
		memcpy(hash_value(m, s), (void *)(uintptr_t)c, m->value_size);
		return 0;
	}
	return (uint64_t)-EINVAL;
}

static HELPER uint64_t h_map_delete_elem(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	struct nmap *m = nmap_of(a);
	uint64_t tomb = 2;
	uint8_t *s;

	(void)c, (void)d, (void)e;
	if (m->type != BPF_MAP_TYPE_HASH)
		return (uint64_t)-EINVAL;
	s = hash_slot(m, (void *)(uintptr_t)b, false);
	if (!s)
		return (uint64_t)-ENOENT;
	memcpy(s, &tomb, 8);
	return 0;
}

/* bpf_skb_load_bytes(ctx, offset, to, len) from the packet the context points at. */
static HELPER uint64_t h_skb_load_bytes(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	const struct nctx *x = (const struct nctx *)(uintptr_t)a;
	uint32_t off = (uint32_t)b, len = (uint32_t)d;
	size_t have = (size_t)((uint8_t *)x->data_end - (uint8_t *)x->data);

	(void)e;
	if (off > 0xffff || !len || off + len > have) {
		memset((void *)(uintptr_t)c, 0, len);
		return (uint64_t)-EFAULT;
	}
	memcpy((void *)(uintptr_t)c, (uint8_t *)x->data + off, len);
	return 0;
}

static host_helper_fn helpers[NR_HELPERS];

static void helpers_init(void)
{
	helpers[BPF_FUNC_map_lookup_elem] = h_map_lookup_elem;
	helpers[BPF_FUNC_map_update_elem] = h_map_update_elem;
	helpers[BPF_FUNC_map_delete_elem] = h_map_delete_elem;
	helpers[BPF_FUNC_skb_load_bytes] = h_skb_load_bytes;
}

/* ---- the context: what the verifier's convert_ctx_access() makes of each field ---- */

struct ctx_field {
	uint16_t uoff;			/* offset in xdp_md / __sk_buff */
	uint8_t usize;			/* its size there (the only access size modelled) */
	uint16_t koff;			/* offset in struct nctx */
	uint8_t ksize;			/* load/store size there */
	bool writable;
};

#define FA(u, uf, k, w) \
	{ offsetof(u, uf), sizeof(((u *)0)->uf), offsetof(struct nctx, k), sizeof(((struct nctx *)0)->k), w }
#define F(u, k, w) FA(u, k, k, w)

static const struct ctx_field xdp_fields[] = {
	F(struct xdp_md, data, false), F(struct xdp_md, data_end, false),
	F(struct xdp_md, data_meta, false), F(struct xdp_md, ingress_ifindex, false),
	F(struct xdp_md, rx_queue_index, false), F(struct xdp_md, egress_ifindex, false),
	{ 0, 0, 0, 0, false },
};

static const struct ctx_field skb_fields[] = {
	F(struct __sk_buff, len, false), F(struct __sk_buff, mark, true),
	F(struct __sk_buff, queue_mapping, true), F(struct __sk_buff, protocol, false),
	F(struct __sk_buff, priority, true), F(struct __sk_buff, ingress_ifindex, false),
	F(struct __sk_buff, ifindex, false), F(struct __sk_buff, tc_index, true),
	FA(struct __sk_buff, cb[0], cb[0], true), FA(struct __sk_buff, cb[1], cb[1], true),
	FA(struct __sk_buff, cb[2], cb[2], true), FA(struct __sk_buff, cb[3], cb[3], true),
	FA(struct __sk_buff, cb[4], cb[4], true), F(struct __sk_buff, hash, true),
	F(struct __sk_buff, tc_classid, true), F(struct __sk_buff, data, false),
	F(struct __sk_buff, data_end, false), F(struct __sk_buff, data_meta, false),
	{ 0, 0, 0, 0, false },
};

static const struct ctx_field flow_fields[] = {
	F(struct __sk_buff, data, false), F(struct __sk_buff, data_end, false),
	F(struct __sk_buff, flow_keys, false),
	{ 0, 0, 0, 0, false },
};

static const struct ctx_field *ctx_fields(enum bpf_prog_type t)
{
	switch (t) {
	case BPF_PROG_TYPE_XDP: return xdp_fields;
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT: return skb_fields;
	case BPF_PROG_TYPE_FLOW_DISSECTOR: return flow_fields;
	default: return NULL;
	}
}

/* The context and packet before every run (BPF_PROG_TEST_RUN's setup for a 64-byte frame). */
static void reset_ctx(struct nbench *b)
{
	struct nctx *x = &b->ctx;

	memcpy(b->packet, pkt, sizeof(pkt));
	memset(x, 0, sizeof(*x));
	x->data = x->data_meta = b->packet;
	x->data_end = b->packet + sizeof(b->packet);
	x->len = sizeof(b->packet);
	x->protocol = htons(0x0800);
	x->ingress_ifindex = x->ifindex = 1;
	x->flow_keys = &b->keys;
}

/* The flow dissector's keys, reset before every run as the kernel's bpf_flow_dissect() does. */
static void reset_keys(struct nbench *b)
{
	memset(&b->keys, 0, sizeof(b->keys));
	memcpy(&b->keys.n_proto, b->packet + 12, 2);
	b->keys.nhoff = b->keys.thoff = 14;
}

static void reset_world(struct nbench *b)
{
	uint32_t k;

	reset_ctx(b);
	reset_keys(b);
	for (k = 0; k < b->nmaps; k++) {
		struct nmap *m = &b->maps[k];

		if (!m->data)
			continue;
		memset(m->data, 0, m->size);
		if (m->init)
			memcpy(m->data, m->init, m->value_size);
	}
}

/* Everything a run may change, in one buffer (the ctx, then every region). */
static size_t state_size(const struct nbench *b)
{
	size_t n = sizeof(b->ctx);
	uint32_t k;

	for (k = 0; k < b->nregions; k++)
		n += b->regions[k].size;
	return n;
}

static void save_state(const struct nbench *b, uint8_t *out)
{
	uint32_t k;

	memcpy(out, &b->ctx, sizeof(b->ctx));
	out += sizeof(b->ctx);
	for (k = 0; k < b->nregions; k++) {
		memcpy(out, b->regions[k].p, b->regions[k].size);
		out += b->regions[k].size;
	}
}

/* ---- the verifier's view: ctx accesses and stack depth, by a small register analysis ---- */

enum { RK_UNK, RK_CTX, RK_FP, RK_CTXOFF, RK_MAP };	/* RK_MAP: off = the map's index */

struct astate {
	bool seen;
	uint8_t kind[11];
	int32_t off[11];
	uint64_t ctx_spill;		/* bit s: the 8 bytes at fp - 8 * (s + 1) hold the ctx pointer */
};

static bool is_ldimm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_DW | BPF_IMM);
}

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
static int analyse(struct nbench *b, struct nprog *p)
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

/* ---- reading an object ---- */

static int map_setup(struct nbench *b, struct bpf_map *bm, struct nmap *m)
{
	size_t init_size = 0;
	const void *init;
	uint32_t kk;

	m->type = bpf_map__type(bm);
	m->key_size = bpf_map__key_size(bm);
	m->value_size = bpf_map__value_size(bm);
	m->max_entries = bpf_map__max_entries(bm);
	switch (m->type) {
	case BPF_MAP_TYPE_PROG_ARRAY:
		return 0;
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		if (m->max_entries > (1u << 20) || m->value_size > (1u << 16))
			break;
		m->stride = (m->value_size + 7) & ~7u;
		m->size = (size_t)m->stride * m->max_entries;
		init = bpf_map__initial_value(bm, &init_size);
		if (init && init_size && m->max_entries == 1) {
			m->init = malloc(init_size);
			if (m->init)
				memcpy(m->init, init, init_size);
		}
		break;
	case BPF_MAP_TYPE_HASH:
		if (m->max_entries > (1u << 16) || m->key_size > 512 || m->value_size > (1u << 16))
			break;
		kk = (m->key_size + 7) & ~7u;
		m->stride = 8 + kk + ((m->value_size + 7) & ~7u);
		for (m->nslots = 1; m->nslots < 2 * m->max_entries; m->nslots <<= 1)
			;
		m->size = (size_t)m->stride * m->nslots;
		break;
	default:
		break;
	}
	if (!m->size) {
		snprintf(b->why, sizeof(b->why), "map %s (type %u, %u entries) not modelled natively",
			 bpf_map__name(bm), m->type, m->max_entries);
		return -1;
	}
	m->obj = calloc(1, NMAP_VALUE_OFF + m->size);
	if (!m->obj)
		return -1;
	memcpy(m->obj, &m, sizeof(m));
	m->data = m->obj + NMAP_VALUE_OFF;
	if (b->nregions < sizeof(b->regions) / sizeof(b->regions[0]))
		b->regions[b->nregions++] = (struct interp_region){ m->data, m->size };
	return 0;
}

/* Relocated instructions of one program, in the interpreter's form. */
static int prog_setup(struct nbench *b, struct bpf_program *bp, struct nprog *p)
{
	const struct bpf_insn *src = bpf_program__insns(bp);
	size_t n = bpf_program__insn_cnt(bp), i;

	snprintf(p->name, sizeof(p->name), "%s", bpf_program__name(bp));
	p->slot = name_slot(p->name);
	if (!src || !n) {
		snprintf(b->why, sizeof(b->why), "%s: no instructions", p->name);
		return -1;
	}
	p->insns = calloc(n, sizeof(*p->insns));
	p->map_of = calloc(n, sizeof(*p->map_of));
	if (!p->insns || !p->map_of)
		return -1;
	memcpy(p->insns, src, n * sizeof(*src));
	p->len = (uint32_t)n;
	for (i = 0; i < n; i++) {
		struct bpf_insn *in = &p->insns[i];

		if (in->code == (BPF_JMP | BPF_CALL) && !in->src_reg && in->imm == FUNC_TAIL_CALL)
			p->has_tail_call = true;
		if (!is_ldimm64(in))
			continue;
		if (i + 1 >= n)
			return -1;
		if (in->src_reg == BPF_PSEUDO_MAP_IDX || in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) {
			uint32_t idx = (uint32_t)in->imm;
			struct nmap *m;
			uint64_t a;

			if (idx >= b->nmaps) {
				snprintf(b->why, sizeof(b->why), "%s: map index %u out of range", p->name, idx);
				return -1;
			}
			m = &b->maps[idx];
			if (m->type == BPF_MAP_TYPE_PROG_ARRAY) {
				if (in->src_reg != BPF_PSEUDO_MAP_IDX || (int)idx != b->prog_array) {
					snprintf(b->why, sizeof(b->why), "%s: more than one prog array", p->name);
					return -1;
				}
				/* the form host_fixup and the interpreter take */
				in->src_reg = BPF_PSEUDO_MAP_FD;
				in->imm = HOST_MAP_FD;
				i++;
				continue;
			}
			a = (uint64_t)(uintptr_t)m->obj;
			if (in->src_reg == BPF_PSEUDO_MAP_IDX)
				p->map_of[i] = idx + 1;
			if (in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) {
				if ((uint32_t)in[1].imm >= m->size) {
					snprintf(b->why, sizeof(b->why), "%s: map value offset out of range", p->name);
					return -1;
				}
				a = (uint64_t)(uintptr_t)(m->data + (uint32_t)in[1].imm);
			}
			in[0].src_reg = 0;
			in[0].imm = (int32_t)(uint32_t)a;
			in[1].imm = (int32_t)(uint32_t)(a >> 32);
		} else if (in->src_reg) {
			snprintf(b->why, sizeof(b->why), "%s: ld_imm64 kind %d not modelled natively", p->name,
				 in->src_reg);
			return -1;
		}
		i++;
	}
	if (analyse(b, p))
		return -1;
	p->direct = calloc(p->len, sizeof(*p->direct));
	return p->direct ? 0 : -1;
}

static int object_setup(struct nbench *b)
{
	LIBBPF_OPTS(gen_loader_opts, gopts);
	struct bpf_object *obj;
	struct bpf_program *bp, *entry = NULL;
	struct bpf_map *bm;
	int ret = -1;

	b->prog_array = -1;
	obj = bpf_object__open_file(b->spec->path, NULL);
	if (!obj) {
		snprintf(b->why, sizeof(b->why), "cannot open %s: %s", b->spec->path, strerror(errno));
		return -1;
	}
	/* gen_loader: libbpf relocates without any bpf() syscall (maps as indices) */
	if (bpf_object__gen_loader(obj, &gopts) || bpf_object__load(obj)) {
		snprintf(b->why, sizeof(b->why), "libbpf could not relocate %s", b->spec->path);
		goto out;
	}
	bpf_object__for_each_map(bm, obj) {
		struct nmap *m = &b->maps[b->nmaps];

		if (b->nmaps == sizeof(b->maps) / sizeof(b->maps[0])) {
			snprintf(b->why, sizeof(b->why), "too many maps");
			goto out;
		}
		if (map_setup(b, bm, m))
			goto out;
		if (m->type == BPF_MAP_TYPE_PROG_ARRAY && b->prog_array < 0)
			b->prog_array = (int)b->nmaps;
		b->nmaps++;
	}
	bpf_object__for_each_program(bp, obj)
		if (!entry && (!b->spec->prog[0] || !strcmp(bpf_program__name(bp), b->spec->prog)))
			entry = bp;
	if (!entry) {
		snprintf(b->why, sizeof(b->why), "no program %s in %s", b->spec->prog, b->spec->path);
		goto out;
	}
	b->type = bpf_program__type(entry);
	if (!ctx_fields(b->type)) {
		snprintf(b->why, sizeof(b->why), "program type %d not modelled natively", b->type);
		goto out;
	}
	snprintf(b->label, sizeof(b->label), "%s",
		 b->spec->label[0] ? b->spec->label : bpf_program__name(entry));
	if (prog_setup(b, entry, &b->progs[0]))
		goto out;
	b->nprogs = 1;
	/* the programs a prog array gets (by the trailing number of their names) */
	if (b->prog_array >= 0)
		bpf_object__for_each_program(bp, obj) {
			int slot = name_slot(bpf_program__name(bp));

			if (bp == entry) {
				b->progs[0].slot = slot < (int)b->maps[b->prog_array].max_entries ? slot : -1;
				continue;
			}
			if (slot < 0 || (uint32_t)slot >= b->maps[b->prog_array].max_entries ||
			    bpf_program__type(bp) != b->type)
				continue;
			if (b->nprogs == MAX_NPROGS) {
				snprintf(b->why, sizeof(b->why), "more than %d programs", MAX_NPROGS);
				goto out;
			}
			if (prog_setup(b, bp, &b->progs[b->nprogs]))
				goto out;
			b->nprogs++;
		}
	else
		b->progs[0].slot = -1;
	b->regions[b->nregions++] = (struct interp_region){ b->packet, sizeof(b->packet) };
	b->regions[b->nregions++] = (struct interp_region){ &b->keys, sizeof(b->keys) };
	ret = 0;
out:
	bpf_object__close(obj);
	return ret;
}

/* ---- compiling ---- */

static int compile(struct nbench *b, int s)
{
	struct nresult *r = &b->r[s];
	struct aj_target t;
	void *array = NULL;
	uint32_t k, f, mixed = 0;
	int err;

	host_target(&t, HV_SLS);	/* the Debian 6.1 kernel's layout, as in the guest under TCG */
	if (b->prog_array >= 0) {
		array = host_array_new(b->maps[b->prog_array].max_entries);
		if (!array)
			return -1;
		b->maps[b->prog_array].prog_array[s] = array;
	}
	for (k = 0; k < b->nprogs; k++)
		mixed |= b->progs[k].nfuncs > 1 && b->progs[k].has_tail_call;
	if (mixed && frames[s] == &aj_frame_legacy) {
		snprintf(r->why, sizeof(r->why),
			 "not compiled legacy: bpf2bpf calls with tail calls (the kernel gives it to the stock JIT)");
		return -1;
	}
	for (k = 0; k < b->nprogs; k++) {
		struct nprog *p = &b->progs[k];
		uint32_t depth[MAX_FUNCS];

		p->jit[s] = calloc(p->nfuncs, sizeof(struct host_jit));
		p->fixed[s] = calloc((size_t)p->nfuncs * MAX_FN_INSNS, sizeof(struct bpf_insn));
		if (!p->jit[s] || !p->fixed[s])
			return -1;
		for (f = 0; f < p->nfuncs; f++) {
			const struct nfunc *fn = &p->funcs[f];
			struct host_fixup_opts fo = { .map = array, .direct_tail_calls = true };
			struct host_jit *j = &p->jit[s][f];
			struct bpf_insn *in = malloc(fn->len * sizeof(*in));
			uint32_t i, c;
			int n;

			if (!in)
				return -1;
			memcpy(in, p->insns + fn->start, fn->len * sizeof(*in));
			/* bpf2bpf calls carry the callee's index (what host_compile_funcs resolves) */
			for (i = 0; i < fn->len; i++)
				if (in[i].code == (BPF_JMP | BPF_CALL) && in[i].src_reg == BPF_PSEUDO_CALL) {
					uint32_t target = fn->start + i + 1 + in[i].imm;

					for (c = 0; c < p->nfuncs && p->funcs[c].start != target; c++)
						;
					in[i].imm = (int32_t)c;
				}
			n = host_fixup(in, fn->len, p->fixed[s] + (size_t)f * MAX_FN_INSNS, MAX_FN_INSNS, &fo,
				       j->pokes, &j->nr_pokes, p->direct + fn->start);
			free(in);
			if (n < 0) {
				snprintf(r->why, sizeof(r->why), "%s: the verifier's rewrites failed (host_fixup)",
					 p->name);
				return -1;
			}
			j->insns = p->fixed[s] + (size_t)f * MAX_FN_INSNS;
			j->len = (uint32_t)n;
			j->helpers = helpers;
			j->nr_helpers = NR_HELPERS;
			j->tail_call_reachable = p->has_tail_call;
			depth[f] = fn->depth;
		}
		err = host_compile_funcs(p->jit[s], p->nfuncs, &t, frames[s], depth);
		if (err) {
			snprintf(r->why, sizeof(r->why), "%s: the code generator failed: %s (helper or instruction not modelled?)",
				 p->name, strerror(-err));
			r->failed = true;
			return -1;
		}
	}
	for (k = 0; array && k < b->nprogs; k++)
		if (b->progs[k].slot >= 0)
			host_array_set(array, (uint32_t)b->progs[k].slot, &b->progs[k].jit[s][0]);
	for (k = 0; array && k < b->nprogs; k++)
		for (f = 0; f < b->progs[k].nfuncs; f++)
			host_link(&b->progs[k].jit[s][f], array);

	{
		struct host_jit *j = b->progs[0].jit[s];

		r->image = 0;
		for (f = 0; f < b->progs[0].nfuncs; f++)
			r->image += j[f].size;
		r->prologue = prologue_bytes(j[0].image, j[0].size);
		r->epilogue = epilogue_bytes(j[0].image, j[0].size);
	}
	return 0;
}

/* ---- checking against the reference interpreter ---- */

static int reference(struct nbench *b)
{
	struct interp_prog slots[64], entry;
	struct interp_world w;
	struct interp_result res;
	uint32_t max = 0, k;

	memset(&w, 0, sizeof(w));
	memset(slots, 0, sizeof(slots));
	if (b->prog_array >= 0) {
		max = b->maps[b->prog_array].max_entries;
		if (max > 64)
			max = 64;
		for (k = 0; k < b->nprogs; k++)
			if (b->progs[k].slot >= 0 && (uint32_t)b->progs[k].slot < max)
				slots[b->progs[k].slot] = (struct interp_prog){
					b->progs[k].insns, b->progs[k].len, b->progs[k].direct };
	}
	reset_world(b);
	w.ctx = (uint8_t *)&b->ctx;
	w.ctx_size = sizeof(b->ctx);
	w.helpers = helpers;
	w.nr_helpers = NR_HELPERS;
	w.map_fd = HOST_MAP_FD;
	w.slots = slots;
	w.max_entries = max;
	w.max_tail_calls = 33;
	w.regions = b->regions;
	w.nr_regions = b->nregions;
	w.pseudo_calls = true;
	entry = (struct interp_prog){ b->progs[0].insns, b->progs[0].len, b->progs[0].direct };
	if (interp_run(&w, &entry, &res)) {
		snprintf(b->why, sizeof(b->why), "the reference interpreter refused it: %.100s", res.err);
		return -1;
	}
	b->ref_r0 = res.r0;
	b->state_size = state_size(b);
	b->ref_state = malloc(b->state_size);
	if (!b->ref_state)
		return -1;
	save_state(b, b->ref_state);
	return 0;
}

/* Run scheme s's image once in a child (a crash or hang kills only it), compare with the reference. */
static void check(struct nbench *b, int s)
{
	struct nresult *r = &b->r[s];
	char *why = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	if (why == MAP_FAILED) {
		snprintf(r->why, sizeof(r->why), "mmap: %s", strerror(errno));
		r->failed = true;
		return;
	}
	why[0] = 0;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		uint8_t *state = malloc(b->state_size);
		uint64_t bad = 0, r0;
		size_t k;

		alarm(10);
		reset_world(b);
		r0 = host_call(b->progs[0].jit[s][0].image, &b->ctx, &bad);
		if (bad) {
			snprintf(why, 4096, "callee-saved registers not restored (mask 0x%llx)",
				 (unsigned long long)bad);
			_exit(1);
		}
		if (r0 != b->ref_r0) {
			snprintf(why, 4096, "r0 0x%llx, the reference interpreter says 0x%llx",
				 (unsigned long long)r0, (unsigned long long)b->ref_r0);
			_exit(1);
		}
		if (!state)
			_exit(1);
		save_state(b, state);
		for (k = 0; k < b->state_size && state[k] == b->ref_state[k]; k++)
			;
		if (k < b->state_size) {
			snprintf(why, 4096, "memory differs from the reference interpreter's at state byte %zu", k);
			_exit(1);
		}
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		snprintf(r->why, sizeof(r->why), "fork: %s", strerror(errno));
		r->failed = true;
	} else if (WIFSIGNALED(status)) {
		snprintf(r->why, sizeof(r->why), "the image died: %s",
			 WTERMSIG(status) == SIGALRM ? "hung" : strsignal(WTERMSIG(status)));
		r->failed = true;
	} else if (WEXITSTATUS(status)) {
		snprintf(r->why, sizeof(r->why), "wrong result: %s", why[0] ? why : "?");
		r->failed = true;
	}
	munmap(why, 4096);
}

/* ---- timing ---- */

typedef uint64_t (*image_fn)(void *ctx);
static volatile uint64_t sink;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ns per invocation over n back-to-back calls (the flow dissector's keys reset before each). */
static double measure(struct nbench *b, int s, unsigned int n)
{
	image_fn f = (image_fn)(void *)b->progs[0].jit[s][0].image;
	void *ctx = &b->ctx;
	uint64_t acc = 0;
	unsigned int i;
	double t0, t1;

	reset_world(b);
	if (b->type == BPF_PROG_TYPE_FLOW_DISSECTOR) {
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			reset_keys(b);
			acc += f(ctx);
		}
		t1 = now_ns();
	} else {
		t0 = now_ns();
		for (i = 0; i < n; i++)
			acc += f(ctx);
		t1 = now_ns();
	}
	sink += acc;
	return (t1 - t0) / n;
}


/* ---- output ---- */

static bool usable(const struct nbench *b, int s)
{
	return !b->why[0] && !b->r[s].why[0];
}

static double vs_legacy(const struct nbench *b, int s)
{
	return usable(b, 0) && usable(b, s) && b->r[0].median > 0 ? b->r[s].median / b->r[0].median : 0;
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown CPU");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			char *p = strchr(line, ':') + 1;

			while (*p == ' ' || *p == '\t')
				p++;
			p[strcspn(p, "\n")] = 0;
			snprintf(buf, len, "%s", p);
			break;
		}
	fclose(f);
}

static void print_table(FILE *f, struct nbench *bs, int n, unsigned int repeat, int trials)
{
	char cpu[128];
	int i, s;

	cpu_model(cpu, sizeof(cpu));
	fprintf(f, "# altjit-bench --native: native (userspace, real CPU; no kernel): %s, %u runs per trial, %d trials, schemes interleaved\n",
		cpu, repeat, trials);
	fprintf(f, "# time: wall-clock ns per invocation of the emitted code, called in a tight loop (helpers are userspace functions)\n");
	fprintf(f, "%-18s %-10s %7s %9s %9s %12s %21s %9s\n", "program", "scheme", "image", "prologue",
		"epilogue", "ns/run", "spread (min..max)", "/legacy");
	for (i = 0; i < n; i++) {
		struct nbench *b = &bs[i];

		for (s = 0; s < N_SCHEMES; s++) {
			struct nresult *r = &b->r[s];

			if (b->why[0])
				fprintf(f, "%-18s %-10s   not supported natively: %s\n", b->label, scheme_names[s],
					b->why);
			else if (r->why[0])
				fprintf(f, "%-18s %-10s   %s%s\n", b->label, scheme_names[s],
					r->failed ? "FAILED: " : "not supported natively: ", r->why);
			else
				fprintf(f, "%-18s %-10s %7u %9u %9u %12.2f %10.2f..%-10.2f %9.3f\n", b->label,
					scheme_names[s], r->image, r->prologue, r->epilogue, r->median, r->min,
					r->max, vs_legacy(b, s));
		}
	}
	fprintf(f, "# stock: no native equivalent (the kernel's own JIT runs only in a kernel; see the in-guest report)\n");
	fprintf(f, "# checked first: r0 and every map, context and packet byte equal selftests/host's reference interpreter's (r0:");
	for (i = 0; i < n; i++)
		if (!bs[i].why[0])
			fprintf(f, " %s %llu", bs[i].label, (unsigned long long)bs[i].ref_r0);
	fprintf(f, ")\n");
}

static void print_csv(FILE *f, struct nbench *bs, int n)
{
	int i, s;

	fprintf(f, "program,scheme,image_bytes,prologue_bytes,epilogue_bytes,ns_median,ns_min,ns_max,vs_legacy,status\n");
	for (i = 0; i < n; i++)
		for (s = 0; s < N_SCHEMES; s++) {
			struct nbench *b = &bs[i];
			struct nresult *r = &b->r[s];

			if (usable(b, s))
				fprintf(f, "%s,%s,%u,%u,%u,%.2f,%.2f,%.2f,%.4f,ok\n", b->label, scheme_names[s],
					r->image, r->prologue, r->epilogue, r->median, r->min, r->max,
					vs_legacy(b, s));
			else
				fprintf(f, "%s,%s,,,,,,,,%s\n", b->label, scheme_names[s],
					r->failed ? "failed" : "unsupported");
		}
}

static void print_json(FILE *f, struct nbench *bs, int n, unsigned int repeat, int trials)
{
	char cpu[128];
	int i, s, first = 1;

	cpu_model(cpu, sizeof(cpu));
	fprintf(f, "{\"native\":true,\"cpu\":\"%s\",\"repeat\":%u,\"trials\":%d,\"results\":[", cpu, repeat,
		trials);
	for (i = 0; i < n; i++)
		for (s = 0; s < N_SCHEMES; s++) {
			struct nbench *b = &bs[i];
			struct nresult *r = &b->r[s];

			if (!usable(b, s))
				continue;
			fprintf(f, "%s{\"program\":\"%s\",\"scheme\":\"%s\",\"image_bytes\":%u,\"prologue_bytes\":%u,\"epilogue_bytes\":%u,\"ns_median\":%.2f,\"ns_min\":%.2f,\"ns_max\":%.2f,\"vs_legacy\":%.4f}",
				first ? "" : ",", b->label, scheme_names[s], r->image, r->prologue, r->epilogue,
				r->median, r->min, r->max, vs_legacy(b, s));
			first = 0;
		}
	fprintf(f, "]}\n");
}

/* ---- the run ---- */

int native_bench(const struct native_spec *specs, int n, unsigned int repeat, int trials,
		 const char *format, const char *outdir)
{
	struct nbench *bs = calloc(n, sizeof(*bs));
	int i, s, t, failed = 0;

	if (!bs)
		return 2;
	if (host_init()) {
		fprintf(stderr, "altjit-bench: no executable memory within rel32 reach of the helpers\n");
		return 2;
	}
	helpers_init();
	for (i = 0; i < n; i++) {
		struct nbench *b = &bs[i];

		b->spec = &specs[i];
		snprintf(b->label, sizeof(b->label), "%s", specs[i].label[0] ? specs[i].label :
			 specs[i].prog[0] ? specs[i].prog : specs[i].path);
		if (object_setup(b))
			continue;
		for (s = 0; s < N_SCHEMES; s++)
			compile(b, s);
		if (reference(b))
			continue;
		for (s = 0; s < N_SCHEMES; s++)
			if (!b->r[s].why[0])
				check(b, s);
	}
	/* warm up, then the trials, schemes interleaved */
	for (i = 0; i < n; i++)
		for (s = 0; s < N_SCHEMES; s++)
			if (usable(&bs[i], s))
				measure(&bs[i], s, repeat / 10 + 1);
	for (t = 0; t < trials; t++)
		for (i = 0; i < n; i++)
			for (s = 0; s < N_SCHEMES; s++)
				if (usable(&bs[i], s))
					bs[i].r[s].ns[t] = measure(&bs[i], s, repeat);
	for (i = 0; i < n; i++)
		for (s = 0; s < N_SCHEMES; s++) {
			if (usable(&bs[i], s))
				trial_stats(bs[i].r[s].ns, trials, &bs[i].r[s].min,
					    &bs[i].r[s].median, &bs[i].r[s].max);
			failed += bs[i].r[s].failed;
		}

	if (!strcmp(format, "csv"))
		print_csv(stdout, bs, n);
	else if (!strcmp(format, "json"))
		print_json(stdout, bs, n, repeat, trials);
	else
		print_table(stdout, bs, n, repeat, trials);
	if (outdir) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/results-native.csv", outdir);
		f = fopen(path, "w");
		if (f) {
			print_csv(f, bs, n);
			fclose(f);
		}
		/* and every compiled function: objdump -D -b binary -mi386:x86-64 FILE */
		for (i = 0; i < n; i++)
			for (s = 0; s < N_SCHEMES; s++) {
				uint32_t k, fn;

				if (!usable(&bs[i], s))
					continue;
				for (k = 0; k < bs[i].nprogs; k++)
					for (fn = 0; fn < bs[i].progs[k].nfuncs; fn++) {
						const struct host_jit *j = &bs[i].progs[k].jit[s][fn];

						snprintf(path, sizeof(path), "%s/native-%s-%s-%s-f%u.bin", outdir,
							 bs[i].label, scheme_names[s], bs[i].progs[k].name, fn);
						f = fopen(path, "w");
						if (f) {
							fwrite(j->image, 1, j->size, f);
							fclose(f);
						}
					}
			}
	}
	return failed ? 1 : 0;
}
