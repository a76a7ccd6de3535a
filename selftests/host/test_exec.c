// SPDX-License-Identifier: GPL-2.0
/*
 * Native execution: programs compiled by the real code generator into executable memory, run as
 * C functions of the ctx pointer, compared with the reference interpreter. Both frame schemes,
 * several target variants; hand-made per-instruction programs, pass-convergence programs, and the
 * seeded random programs of selftests/fuzz (with helpers, tail calls direct and indirect).
 * This file: the hand-made programs and main; exec_harness.c runs and compares (exec.h), and
 * exec_random.c holds the random programs.
 *   test_exec [-n SEEDS_PER_VARIANT] [-s FIRST_SEED] [-v]
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "exec.h"
#include "tap.h"
#include "../fuzz/gen.h"

/* ---- hand-made programs ---- */

#define I(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

struct pbuf {
	struct bpf_insn in[2048];
	uint32_t n;
};

static void P(struct pbuf *p, struct bpf_insn i)
{
	p->in[p->n++] = i;
}

static void P_ld64(struct pbuf *p, int r, uint64_t v)
{
	P(p, I(BPF_LD | BPF_DW | BPF_IMM, r, 0, 0, (int32_t)(uint32_t)v));
	P(p, I(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32)));
}

/* r0..r9 (r1 after saving the ctx in none) get distinct values */
static void P_init_regs(struct pbuf *p)
{
	int r;

	for (r = 0; r <= 9; r++)
		P_ld64(p, r, 0x0101010101010101ULL * (uint64_t)(r + 1) ^ 0x8000000000000000ULL);
}

/* r0 = fold of r0..r9; exit */
static void P_fold_exit(struct pbuf *p)
{
	int r;

	for (r = 1; r <= 9; r++) {
		P(p, I(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 0x01000193));
		P(p, I(BPF_ALU64 | BPF_XOR | BPF_X, 0, r, 0, 0));
	}
	P(p, I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

/*
 * run_pair: programs a (slot 0, no stack) and b (slot 1, 200 bytes of stack), with max_entries
 * slots (the rest empty), compiled for one variant with direct or indirect tail calls, run from a
 * on a zeroed ctx; compare()'s result.
 */
/* b's own frame when not NULL (a chain across two schemes); else both take the variant's */
static const struct aj_frame *pair_frame_b;

static int run_pair(const struct pbuf *a, const struct pbuf *b, uint32_t max_entries, size_t v,
		    int direct, uint8_t *ctx, const char *what, int *reported)
{
	struct progset ps = { .nprogs = 2, .max_entries = max_entries, .slot = { 0, 1, -1 } };

	ps.insns[0] = a->in;
	ps.len[0] = a->n;
	ps.stack[0] = 0;
	ps.insns[1] = b->in;
	ps.len[1] = b->n;
	ps.stack[1] = 200;
	ps.frame[1] = pair_frame_b;
	memset(ctx, 0, CTX_SIZE);
	host_reset();
	return compare(&ps, &variants[v], direct, ctx, what, reported);
}

static int run_single(const struct pbuf *p, uint32_t stack, const char *what, int *reported,
		      int *count)
{
	struct progset ps = { .nprogs = 1, .max_entries = 0 };
	uint8_t ctx[CTX_SIZE];
	int fails = 0;
	size_t v;

	ps.insns[0] = p->in;
	ps.len[0] = p->n;
	ps.stack[0] = stack;
	fill_ctx(ctx, p->n);
	/* the plain optimized and legacy variants: these instructions do not vary with the others */
	for (v = 0; v < nr_variants; v++) {
		if (variants[v].hv)
			continue;
		host_reset();
		fails += compare(&ps, &variants[v], false, ctx, what, reported) != 0;
		(*count)++;
	}
	return fails;
}

static const uint64_t alu_vals[][2] = {
	{ 0x8000000000000000ULL, 0xffffffffffffffffULL },	/* INT64_MIN, -1 */
	{ 0x0000000080000000ULL, 0x00000000ffffffffULL },	/* INT32_MIN, -1 (32-bit) */
	{ 0x123456789abcdef0ULL, 0 },				/* by zero */
	{ 0xfedcba9876543210ULL, 0x0000000100000007ULL },	/* upper bits in the source */
	{ 0x00000000ffffff85ULL, 0xffffffff0000003fULL },
	{ 0x7fffffffffffffffULL, 0x41ULL },			/* shift counts beyond the width */
};

/* Every ALU op, both widths, register and immediate forms, over all register pairs. */
static void test_alu_native(void)
{
	static const uint8_t ops[] = {
		BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD,
		BPF_XOR, BPF_MOV, BPF_ARSH,
	};
	int reported = 0, fails = 0, count = 0;
	unsigned o, cls, d, s, x, sgn;
	struct pbuf p;
	char what[96];

	for (o = 0; o < sizeof(ops); o++)
		for (cls = 0; cls < 2; cls++)
			for (sgn = 0; sgn < ((ops[o] == BPF_DIV || ops[o] == BPF_MOD) ? 2 : 1); sgn++)
				for (d = 0; d <= 9; d++)
					for (s = 0; s <= 9; s++) {
						uint8_t c = (cls ? BPF_ALU64 : BPF_ALU) | ops[o];

						x = (d * 10 + s + o) % (sizeof(alu_vals) / sizeof(alu_vals[0]));
						p.n = 0;
						P_init_regs(&p);
						P_ld64(&p, d, alu_vals[x][0]);
						if (s != d)
							P_ld64(&p, s, alu_vals[x][1]);
						P(&p, I(c | BPF_X, d, s, sgn, 0));
						/* and an immediate form with the source value's low half */
						if (s == (d + 1) % 10) {
							int32_t imm = (int32_t)alu_vals[x][1];

							if (ops[o] == BPF_LSH || ops[o] == BPF_RSH || ops[o] == BPF_ARSH)
								imm &= cls ? 63 : 31;
							if ((ops[o] == BPF_DIV || ops[o] == BPF_MOD) && !imm)
								imm = -1;
							P(&p, I(c | BPF_K, d, 0, sgn, imm));
						}
						P_fold_exit(&p);
						snprintf(what, sizeof(what), "alu op 0x%02x%s r%u r%u", c,
							 sgn ? " signed" : "", d, s);
						fails += run_single(&p, 0, what, &reported, &count);
					}
	tap(!fails, "native: every ALU op x width x signedness x register pair, reg and imm (%d runs, %d mismatches)",
	    count, fails);
}

/* Byte swaps and sign-extending moves on every register. */
static void test_end_movsx_native(void)
{
	int reported = 0, fails = 0, count = 0;
	unsigned d, s, k;
	struct pbuf p;
	char what[64];

	for (d = 0; d <= 9; d++)
		for (k = 0; k < 12; k++) {
			s = (d + k) % 10;
			p.n = 0;
			P_init_regs(&p);
			P_ld64(&p, d, 0x8182838485868788ULL + k);
			P_ld64(&p, s == d ? (d + 1) % 10 : s, 0xf0e0d0c0b0a09080ULL);
			if (k < 3)
				P(&p, I(BPF_ALU | BPF_END | BPF_TO_BE, d, 0, 0, 16 << k));
			else if (k < 6)
				P(&p, I(BPF_ALU | BPF_END | BPF_TO_LE, d, 0, 0, 16 << (k - 3)));
			else if (k < 9)
				P(&p, I(BPF_ALU64 | BPF_END | BPF_TO_LE, d, 0, 0, 16 << (k - 6)));
			else if (k < 11)
				P(&p, I(BPF_ALU | BPF_MOV | BPF_X, d, s, 8 << (k - 9), 0));
			else
				P(&p, I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 32, 0));
			P_fold_exit(&p);
			snprintf(what, sizeof(what), "end/movsx k=%u r%u r%u", k, d, s);
			fails += run_single(&p, 0, what, &reported, &count);
		}
	tap(!fails, "native: bswap, le/be, movsx on every register (%d runs, %d mismatches)", count, fails);
}

/* Every conditional jump, both widths, reg and imm, over register pairs and edge values. */
static void test_jmp_native(void)
{
	static const uint8_t ops[] = {
		BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE,
		BPF_JSLT, BPF_JSLE,
	};
	static const uint64_t vals[][2] = {
		{ 5, 5 }, { 0xffffffff00000001ULL, 1 }, { 0x80000000ULL, 0x7fffffffULL },
		{ 0x8000000000000000ULL, 1 }, { 0, 0xffffffffffffffffULL }, { 7, 0 },
	};
	int reported = 0, fails = 0, count = 0;
	unsigned o, cls, d, s, x, k;
	struct pbuf p;
	char what[64];

	for (o = 0; o < sizeof(ops); o++)
		for (cls = 0; cls < 2; cls++)
			for (d = 0; d <= 9; d++)
				for (k = 0; k < 3; k++) {
					uint8_t c = (cls ? BPF_JMP : BPF_JMP32) | ops[o];

					s = (d + 3 * k + 1) % 10;
					x = (d + k + o) % 6;
					p.n = 0;
					P_init_regs(&p);
					P_ld64(&p, d, vals[x][0]);
					P_ld64(&p, s, vals[x][1]);
					P(&p, I(c | BPF_X, d, s, 1, 0));
					P(&p, I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 0x1000));
					P(&p, I(c | BPF_K, d, 0, 1, (int32_t)vals[x][1]));
					P(&p, I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 0x20000));
					P(&p, I(c | BPF_K, d, 0, 1, 0));
					P(&p, I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 0x300000));
					P_fold_exit(&p);
					snprintf(what, sizeof(what), "jmp 0x%02x r%u r%u", c, d, s);
					fails += run_single(&p, 0, what, &reported, &count);
				}
	tap(!fails, "native: every conditional jump x width x reg/imm/zero over register pairs (%d runs, %d mismatches)",
	    count, fails);
}

/*
 * Stores, loads, load-acquire/store-release and atomics of every size through every base
 * register, at disp8/disp32 edges.
 */
static void test_mem_native(void)
{
	static const int16_t offs[] = { -129, -128, -1, 0, 1, 127, 128 };
	static const int32_t aops[] = {
		BPF_ADD, BPF_AND, BPF_OR, BPF_XOR, BPF_ADD | BPF_FETCH, BPF_AND | BPF_FETCH,
		BPF_OR | BPF_FETCH, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG,
	};
	static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	int reported = 0, fails = 0, count = 0;
	unsigned b, o, sz, k;
	struct pbuf p;
	char what[96];

	for (b = 0; b <= 9; b++)
		for (o = 0; o < sizeof(offs) / sizeof(offs[0]); o++)
			for (sz = 0; sz < 4; sz++) {
				unsigned v = (b + o) % 10 == b ? (b + 1) % 10 : (b + o) % 10;
				unsigned l = (b + sz + 2) % 10 == b ? (b + 3) % 10 : (b + sz + 2) % 10;
				int16_t off = offs[o];
				/* base + off is always fp - 256: aligned for every size */
				int32_t delta = -256 - off;

				p.n = 0;
				P_init_regs(&p);
				P(&p, I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -256, 0x5a5a5a5a));
				P(&p, I(BPF_ALU64 | BPF_MOV | BPF_X, b, 10, 0, 0));
				P(&p, I(BPF_ALU64 | BPF_ADD | BPF_K, b, 0, 0, delta));
				P(&p, I(BPF_STX | BPF_MEM | sizes[sz], b, v, off, 0));
				P(&p, I(BPF_LDX | BPF_MEM | sizes[sz], l, b, off, 0));
				/* 6.15+: store-release and load-acquire, plain movs on x86 */
				P(&p, I(BPF_STX | BPF_ATOMIC | sizes[sz], b, l, off, BPF_STORE_REL));
				P(&p, I(BPF_ALU64 | BPF_ADD | BPF_K, l, 0, 0, 0x1234567));
				P(&p, I(BPF_STX | BPF_ATOMIC | sizes[sz], l, b, off, BPF_LOAD_ACQ));
				P(&p, I(BPF_ST | BPF_MEM | sizes[sz], b, 0, off, -77));
				P(&p, I(BPF_LDX | BPF_MEMSX | sizes[sz], v == l ? 0 : v, b, off, 0));
				P(&p, I(BPF_ALU64 | BPF_MOV | BPF_K, b, 0, 0, 0));
				P_fold_exit(&p);
				snprintf(what, sizeof(what), "mem base r%u off %d size %u", b, off, 1u << sz);
				fails += run_single(&p, 512, what, &reported, &count);

				if (sz < 2)
					continue;
				for (k = 0; k < sizeof(aops) / sizeof(aops[0]); k++) {
					if (aops[k] == BPF_CMPXCHG && b == 0)
						continue;	/* r0 would be the pointer and the expected value */
					unsigned src = (b + k + 1) % 10 == b ? (b + 2) % 10 : (b + k + 1) % 10;

					p.n = 0;
					P_init_regs(&p);
					P(&p, I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -256, (int32_t)0x80000001));
					if (aops[k] == BPF_CMPXCHG && k % 2 == 0 && b != 0)
						P(&p, I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, (int32_t)0x80000001));
					P(&p, I(BPF_ALU64 | BPF_MOV | BPF_X, b, 10, 0, 0));
					P(&p, I(BPF_ALU64 | BPF_ADD | BPF_K, b, 0, 0, delta));
					P(&p, I(BPF_STX | BPF_ATOMIC | sizes[sz], b, src, off, aops[k]));
					P(&p, I(BPF_ALU64 | BPF_MOV | BPF_K, b, 0, 0, 0));
					P(&p, I(BPF_LDX | BPF_MEM | BPF_DW, b, 10, -256, 0));
					P_fold_exit(&p);
					snprintf(what, sizeof(what), "atomic 0x%x base r%u src r%u off %d size %u",
						 aops[k], b, src, off, 1u << sz);
					fails += run_single(&p, 512, what, &reported, &count);
				}
			}
	tap(!fails, "native: stores, loads, ldsx, load-acquire/store-release, atomics of every size through every base register at disp edges (%d runs, %d mismatches)",
	    count, fails);
}

/* ---- pass convergence ---- */

/* ALU padding of exactly n bytes of x86 (add rax, imm8: 4 bytes; add eax, imm8: 3 bytes). */
static void P_pad(struct pbuf *p, unsigned n, int tag)
{
	while (n % 4 && n >= 3) {
		P(p, I(BPF_ALU | BPF_ADD | BPF_K, 0, 0, 0, tag));
		n -= 3;
	}
	while (n >= 4) {
		P(p, I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, tag));
		n -= 4;
	}
}

/*
 * A chain of n forward jumps where jump k fits rel8 only once jump k+1 does: each pass shortens
 * one more, so the image settles after about n passes. Every jump is a JSET on a ctx word, so runs
 * with several ctx values take different paths.
 */
static void build_chain(struct pbuf *p, unsigned n, unsigned *first_jump)
{
	unsigned k, at[64], end;

	p->n = 0;
	P(p, I(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, 0, 0));
	P(p, I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0));
	*first_jump = p->n;
	for (k = 0; k < n; k++) {
		at[k] = p->n;
		/* test rdx, imm32 (7 bytes) + jcc: spans pad k + jump k+1 + pad k+1 */
		P(p, I(BPF_JMP | BPF_JSET | BPF_K, 2, 0, 0, 1 << (k % 31)));
		P_pad(p, k % 2 ? 58 : 59, (int)k + 1);
	}
	end = p->n;
	P_pad(p, 60, 99);
	for (k = 0; k < n; k++) {
		unsigned target = k + 2 < n ? at[k + 2] : end;

		p->in[at[k]].off = (int16_t)(target - at[k] - 1);
	}
	P(p, I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

static void test_convergence(void)
{
	static const unsigned depths[] = { 1, 4, 10, 16, 30 };
	struct aj_target t;
	unsigned d, k, fj;
	struct pbuf p;

	host_target(&t, 0);
	for (d = 0; d < sizeof(depths) / sizeof(depths[0]); d++) {
		struct progset ps = { .nprogs = 1 };
		struct host_jit *j = &jits[0];
		unsigned n = depths[d], rel8 = 0, bad_target = 0, passes;
		int err, reported = 0, fails = 0;
		uint8_t ctx[CTX_SIZE];

		build_chain(&p, n, &fj);
		host_reset();
		j->insns = p.in;
		j->len = p.n;
		j->nr_pokes = 0;
		err = host_compile(j, &t, &aj_frame_optimized, 0, true);
		passes = j->passes;
		if (err) {
			/*
			 * More dependent jumps than passes: the code generator gives up (-EAGAIN) and the
			 * module hands the program to the stock JIT. That is allowed; wrong code is not.
			 */
			tap(err == -EAGAIN && n > 18,
			    "convergence: chain of %u dependent jumps: refused with %d after %u passes%s", n,
			    err, passes, err == -EAGAIN ? " (no pass-limit padding: goes to the stock JIT)" : "");
			continue;
		}
		/* each jump: the last bytes of its instruction, pointing at its target's first byte */
		for (k = 0; k < n; k++) {
			unsigned i, idx = 0, m;
			int64_t rel;

			for (m = fj; m < p.n; m++)
				if (p.in[m].code == (BPF_JMP | BPF_JSET | BPF_K) && idx++ == k)
					break;
			i = m;
			if (j->addrs[i + 1] - j->addrs[i] == 7 + 2) {
				rel8++;
				rel = (int8_t)j->image[j->addrs[i + 1] - 1];
			} else {
				int32_t r32;

				memcpy(&r32, j->image + j->addrs[i + 1] - 4, 4);
				rel = r32;
			}
			if ((int64_t)j->addrs[i + 1] + rel != (int64_t)j->addrs[i + 1 + p.in[i].off])
				bad_target++;
		}
		ps.insns[0] = p.in;
		ps.len[0] = p.n;
		for (k = 0; k < 8; k++) {
			fill_ctx(ctx, k * 7919 + n);
			if (k == 0)
				memset(ctx, 0, 8);
			if (k == 1)
				memset(ctx, 0xff, 8);
			host_reset();
			fails += compare(&ps, &variants[0], false, ctx, "convergence chain", &reported) != 0;
		}
		tap(!bad_target && rel8 == n && !fails && passes >= n,
		    "convergence: chain of %u dependent jumps: %u passes, %u/%u rel8, %u misdirected, %d/8 runs differ",
		    n, passes, rel8, n, bad_target, fails);
	}
}

/* ---- PROBE_MEM ---- */

static void test_probe_mem(void)
{
	struct aj_target t;
	struct host_jit *j = &jits[0];
	static uint64_t word = 0x1122334455667788ULL;
	uint64_t r0, bad;
	struct pbuf p;
	int ok = 1, sig;
	/* NULL, a small address, one that wraps around with the offset, a real one */
	uint64_t ptrs[4] = { 0, 16, ~0ULL - 3, (uint64_t)(uintptr_t)&word - 8 };
	uint64_t want[4] = { 0, 0, 0, 0x1122334455667788ULL };
	unsigned k;

	host_target(&t, 0);
	for (k = 0; k < 4; k++) {
		p.n = 0;
		/* r2 = ctx word 0 (the pointer); r0 = probe load u64 [r2 + 8] (the verifier allows no
		 * negative offsets here: the kernel's JIT and altjit read 0 for them) */
		P(&p, I(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, 0, 0));
		P(&p, I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -1));
		P(&p, I(BPF_LDX | BPF_PROBE_MEM | BPF_DW, 0, 2, 8, 0));
		P(&p, I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		host_reset();
		j->insns = p.in;
		j->len = p.n;
		j->nr_pokes = 0;
		if (host_compile(j, &t, &aj_frame_optimized, 0, false) || j->nr_probe != 1) {
			ok = 0;
			break;
		}
		sig = run_image(j->image, ptrs + k, &r0, &bad);
		if (sig || bad || r0 != want[k]) {
			printf("# probe load from 0x%llx + 8: expected 0x%llx, got 0x%llx (signal %d)\n",
			       (unsigned long long)ptrs[k], (unsigned long long)want[k],
			       (unsigned long long)r0, sig);
			ok = 0;
		}
	}
	tap(ok, "native: PROBE_MEM loads below the limit read 0, others load");
}

/* ---- tail calls ---- */

/*
 * The chain limit and what counts against it: the entry bumps a ctx counter, tail-calls an empty
 * slot on odd counts and then itself; a second program with another frame shape (stack, R6-R9) is
 * the target of the even counts' first attempt. Run direct and indirect, on every variant.
 */
static void test_tail_calls(void)
{
	struct pbuf a, b;
	int reported = 0, fails = 0, count = 0;
	uint8_t ctx[CTX_SIZE];
	size_t v;
	int direct, shape;

	for (shape = 0; shape < 2; shape++) {
		a.n = 0;
		P(&a, I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0));
		P(&a, I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 1));
		P(&a, I(BPF_STX | BPF_ATOMIC | BPF_DW, 6, 2, 0, BPF_ADD));
		P(&a, I(BPF_LDX | BPF_MEM | BPF_DW, 7, 6, 0, 0));
		P(&a, I(BPF_JMP | BPF_JSET | BPF_K, 7, 0, 6, 1));
		P(&a, I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0));
		P(&a, I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_MAP_FD, 0, HOST_MAP_FD));
		P(&a, I(0, 0, 0, 0, 0));
		P(&a, I(BPF_ALU | BPF_MOV | BPF_K, 3, 0, 0, shape ? 1 : 2));	/* b, or empty */
		P(&a, I(BPF_JMP | BPF_CALL, 0, 0, 0, AJF_FUNC_TAIL_CALL));
		P(&a, I(BPF_ALU64 | BPF_ADD | BPF_K, 7, 0, 0, 0x100));
		P(&a, I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0));
		P(&a, I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_MAP_FD, 0, HOST_MAP_FD));
		P(&a, I(0, 0, 0, 0, 0));
		P(&a, I(BPF_ALU | BPF_MOV | BPF_K, 3, 0, 0, 0));		/* itself */
		P(&a, I(BPF_JMP | BPF_CALL, 0, 0, 0, AJF_FUNC_TAIL_CALL));
		P(&a, I(BPF_LDX | BPF_MEM | BPF_DW, 0, 6, 0, 0));
		P(&a, I(BPF_ALU64 | BPF_LSH | BPF_K, 0, 0, 0, 16));
		P(&a, I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 7, 0, 0));
		P(&a, I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		/* b: a different frame (stack, r6-r9), then back to a */
		b.n = 0;
		P(&b, I(BPF_ALU64 | BPF_MOV | BPF_X, 9, 1, 0, 0));
		P(&b, I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -200, 7));
		P(&b, I(BPF_LDX | BPF_MEM | BPF_DW, 8, 10, -200, 0));
		P(&b, I(BPF_STX | BPF_ATOMIC | BPF_DW, 9, 8, 8, BPF_ADD));
		P(&b, I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 9, 0, 0));
		P(&b, I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_MAP_FD, 0, HOST_MAP_FD));
		P(&b, I(0, 0, 0, 0, 0));
		P(&b, I(BPF_ALU | BPF_MOV | BPF_K, 3, 0, 0, 0));
		P(&b, I(BPF_JMP | BPF_CALL, 0, 0, 0, AJF_FUNC_TAIL_CALL));
		P(&b, I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -5));
		P(&b, I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		/* direct 2: direct, nobody following them (the lean frame's direct path) */
		for (v = 0; v < nr_variants; v++)
			for (direct = 0; direct < 3; direct++) {
				host_tc_managed = direct != 2;
				fails += run_pair(&a, &b, 3, v, direct != 0, ctx,
						  shape ? "tail-call chain a<->b" : "tail-call limit", &reported) != 0;
				host_tc_managed = true;
				count++;
			}
	}
	tap(!fails, "native: tail-call chain limit, empty slots, frames of other shapes, indirect, direct followed and not, every variant (%d runs, %d mismatches)",
	    count, fails);
}


/*
 * Chains that mix optimized's keep-frame mode with the lean frame, both ways, against the chain's
 * budget. k (slot 0) counts its runs in ctx[0] and tail-calls with an index the verifier cannot
 * see (ctx[0] & 1): itself (keep entry, frame kept) or d (slot 1). d counts in ctx[1], has another
 * frame (200 bytes of stack, R9) and tail-calls k with a constant index: indirect (both keep
 * mode), direct with tailpoke following it (both keep mode: d -> k through d's own jump to k's
 * keep entry), or direct with nobody following it (d keeps the lean frame: d -> k enters k's
 * stock entry through the poked site, k -> d leaves k's frame with the stock ABI). Either
 * returns ctx[0] + ctx[1]: 1 + 33 runs under every kernel's rule (no slot is empty).
 */
static void keep_chain_progs(struct pbuf *kp, struct pbuf *dp)
{
	struct pbuf *k = kp, *d = dp;

	k->n = 0;
	P(k, I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0));
	P(k, I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 1));
	P(k, I(BPF_STX | BPF_ATOMIC | BPF_DW, 6, 2, 0, BPF_ADD));
	P(k, I(BPF_LDX | BPF_MEM | BPF_DW, 3, 6, 0, 0));
	P(k, I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0));
	P(k, I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_MAP_FD, 0, HOST_MAP_FD));
	P(k, I(0, 0, 0, 0, 0));
	P(k, I(BPF_ALU64 | BPF_AND | BPF_K, 3, 0, 0, 1));
	P(k, I(BPF_JMP | BPF_CALL, 0, 0, 0, AJF_FUNC_TAIL_CALL));
	P(k, I(BPF_LDX | BPF_MEM | BPF_DW, 0, 6, 0, 0));
	P(k, I(BPF_LDX | BPF_MEM | BPF_DW, 1, 6, 8, 0));
	P(k, I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0));
	P(k, I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	d->n = 0;
	P(d, I(BPF_ALU64 | BPF_MOV | BPF_X, 9, 1, 0, 0));
	P(d, I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -200, 1));
	P(d, I(BPF_LDX | BPF_MEM | BPF_DW, 2, 10, -200, 0));
	P(d, I(BPF_STX | BPF_ATOMIC | BPF_DW, 9, 2, 8, BPF_ADD));
	P(d, I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 9, 0, 0));
	P(d, I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_MAP_FD, 0, HOST_MAP_FD));
	P(d, I(0, 0, 0, 0, 0));
	P(d, I(BPF_ALU | BPF_MOV | BPF_K, 3, 0, 0, 0));
	P(d, I(BPF_JMP | BPF_CALL, 0, 0, 0, AJF_FUNC_TAIL_CALL));
	P(d, I(BPF_LDX | BPF_MEM | BPF_DW, 0, 9, 0, 0));
	P(d, I(BPF_LDX | BPF_MEM | BPF_DW, 1, 9, 8, 0));
	P(d, I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0));
	P(d, I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

static void test_keep_chains(void)
{
	struct pbuf k, d;
	int reported = 0, fails = 0, count = 0, bad_total = 0;
	uint8_t ctx[CTX_SIZE];
	size_t v;
	int direct, mode;

	keep_chain_progs(&k, &d);
	/* mode 0: indirect; 1: direct, tailpoke following it; 2: direct, nobody following it */
	for (v = 0; v < nr_variants; v++)
		for (mode = 0; mode < 3; mode++) {
			int f;

			direct = mode != 0;
			host_tc_managed = mode != 2;
			f = run_pair(&k, &d, 2, v, direct, ctx, "keep/lean chain k<->d", &reported) != 0;
			host_tc_managed = true;
			if (!f && compare_r0 != 34) {
				bad_total++;
				f = 1;
			}
			/* under optimized, k is in keep mode, d unless its direct tail call is not followed */
			if (!f && variants[v].frame == &aj_frame_optimized &&
			    (!jits[0].ctx.frame_mode || (jits[1].ctx.frame_mode == 0) != (mode == 2))) {
				bad_total++;
				f = 1;
			}
			fails += f;
			count++;
		}
	tap(!fails && count == 3 * (int)nr_variants,
	    "native: chains keep mode <-> lean frame, both ways, indirect, direct followed and not: 34 runs (1 + 33 tail calls) on every variant (%d runs, %d mismatches, %d wrong totals or modes)",
	    count, fails, bad_total);
}

/*
 * 6.12+ (the counter by pointer): legacy shares prog arrays with the stock ABI (frame.c). The
 * keep chains' k and d under two schemes, both ways: k under the variant's frame, d under the
 * other; indirect and direct, followed or not. Each tail call from one scheme to the other
 * leaves its frame the stock way and enters the target at X86_TAIL_CALL_OFFSET (legacy's
 * resize entry, optimized's stock entry); within a scheme the frame may be kept. 1 + 33 runs.
 */
static void test_cross_chains(void)
{
	struct pbuf k, d;
	int reported = 0, fails = 0, count = 0, bad_total = 0;
	uint8_t ctx[CTX_SIZE];
	size_t v;
	int mode;

	keep_chain_progs(&k, &d);
	for (v = 0; v < nr_variants; v++) {
		if (!(variants[v].hv & HV_TC_PTR))
			continue;
		pair_frame_b = variants[v].frame == &aj_frame_legacy ? &aj_frame_optimized :
								       &aj_frame_legacy;
		for (mode = 0; mode < 3; mode++) {
			int f;

			host_tc_managed = mode != 2;
			f = run_pair(&k, &d, 2, v, mode != 0, ctx, "cross-scheme chain k<->d",
				     &reported) != 0;
			host_tc_managed = true;
			if (!f && compare_r0 != 34) {
				bad_total++;
				f = 1;
			}
			fails += f;
			count++;
		}
		pair_frame_b = NULL;
	}
	tap(!fails && count >= 3 * 8,
	    "native: 6.12+ chains legacy <-> optimized (keep and lean), both ways, indirect, direct followed and not: 34 runs (1 + 33 tail calls) on every variant with the counter by pointer (%d runs, %d mismatches, %d wrong totals)",
	    count, fails, bad_total);
}

int main(int argc, char **argv)
{
	unsigned nseeds = 400;
	uint64_t first = 1;
	int c;

	while ((c = getopt(argc, argv, "n:s:v")) != -1) {
		switch (c) {
		case 'n': nseeds = (unsigned)strtoul(optarg, NULL, 0); break;
		case 's': first = strtoull(optarg, NULL, 0); break;
		case 'v': verbose = true; break;
		default:
			fprintf(stderr, "usage: %s [-n SEEDS] [-s FIRST_SEED] [-v]\n", argv[0]);
			return 2;
		}
	}
	if (host_init()) {
		tap(false, "executable memory within rel32 reach of the helpers");
		return tap_done();
	}
	setup_signals();
	test_alu_native();
	test_end_movsx_native();
	test_jmp_native();
	test_mem_native();
	test_probe_mem();
	test_convergence();
	test_tail_calls();
	test_keep_chains();
	test_cross_chains();
	test_random(first, nseeds);
	test_random_calls(first, nseeds / 4);
	return tap_done();
}
