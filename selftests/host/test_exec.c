// SPDX-License-Identifier: GPL-2.0
/*
 * Native execution: programs compiled by the real code generator into executable memory, run as
 * C functions of the ctx pointer, compared with the reference interpreter. Both frame schemes,
 * several target variants; hand-made per-instruction programs, pass-convergence programs, and the
 * seeded random programs of selftests/fuzz (with helpers, tail calls direct and indirect).
 *   test_exec [-n SEEDS_PER_VARIANT] [-s FIRST_SEED] [-v]
 */
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "env.h"
#include "interp.h"
#include "tap.h"
#include "../fuzz/gen.h"

#define CTX_SIZE	64
#define MAX_INSNS	4096

static bool verbose;
static uint64_t stat_tail_calls, stat_steps, stat_runs, stat_direct, stat_insns;

/* ---- running images safely ---- */

static sigjmp_buf crash_jb;
static volatile sig_atomic_t in_image;

static void on_signal(int sig)
{
	if (in_image)
		siglongjmp(crash_jb, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void setup_signals(void)
{
	static uint8_t altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGALRM };
	unsigned k;

	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	for (k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
		sigaction(sigs[k], &sa, NULL);
}

/* Run an image; 0, or the signal that stopped it (SIGALRM: it hung). */
static int run_image(const void *image, void *ctx, uint64_t *r0, uint64_t *bad)
{
	struct itimerval tv = { .it_value = { .tv_sec = 2 } }, off = { { 0, 0 }, { 0, 0 } };
	int sig;

	sig = sigsetjmp(crash_jb, 1);
	if (sig) {
		in_image = 0;
		setitimer(ITIMER_REAL, &off, NULL);
		return sig;
	}
	setitimer(ITIMER_REAL, &tv, NULL);
	in_image = 1;
	*r0 = host_call(image, ctx, bad);
	in_image = 0;
	setitimer(ITIMER_REAL, &off, NULL);
	return 0;
}

/*
 * Run a JIT'ed image on jctx and compare with the reference interpreter's result (want_r0, rctx):
 * 0 when they agree, else -1 with why saying how they differ.
 */
static int check_image(const void *image, uint8_t *jctx, const uint8_t *rctx, uint64_t want_r0,
		       char *why, size_t size)
{
	uint64_t r0 = 0, bad = 0;
	unsigned int k;
	int sig = run_image(image, jctx, &r0, &bad);

	if (sig)
		snprintf(why, size, "the image died: %s", sig == SIGALRM ? "hung" : strsignal(sig));
	else if (bad)
		snprintf(why, size, "callee-saved registers not restored: mask 0x%llx",
			 (unsigned long long)bad);
	else if (r0 != want_r0)
		snprintf(why, size, "r0: expected 0x%llx, got 0x%llx", (unsigned long long)want_r0,
			 (unsigned long long)r0);
	else if (memcmp(jctx, rctx, CTX_SIZE)) {
		for (k = 0; k < CTX_SIZE && jctx[k] == rctx[k]; k++)
			;
		snprintf(why, size, "ctx byte %u: expected 0x%02x, got 0x%02x", k, rctx[k], jctx[k]);
	} else
		return 0;
	return -1;
}


/* ---- one comparison ---- */

struct variant {
	const struct aj_frame *frame;
	unsigned hv;
};

struct progset {
	const struct bpf_insn *insns[HOST_MAX_ENTRIES];
	uint32_t len[HOST_MAX_ENTRIES];
	uint32_t stack[HOST_MAX_ENTRIES];
	uint32_t nprogs;
	int slot[HOST_MAX_ENTRIES];		/* prog in array slot i (-1: empty) */
	uint32_t max_entries;
};

static struct host_jit jits[HOST_MAX_ENTRIES];
static struct bpf_insn fixed[HOST_MAX_ENTRIES][MAX_INSNS];
static bool direct_site[HOST_MAX_ENTRIES][MAX_INSNS];

static void dump_set(const struct progset *ps, const struct variant *v)
{
	uint32_t k;

	for (k = 0; k < ps->nprogs; k++) {
		printf("# program %u (%u insns, stack %u)%s:\n", k, ps->len[k], ps->stack[k],
		       k == 0 ? " (entry)" : "");
		fflush(stdout);
		ajf_dump(stdout, ps->insns[k], ps->len[k]);
		if (verbose && jits[k].image) {
			printf("# image of program %u (%s):\n", k, v->frame->name);
			host_disasm(stdout, jits[k].image, jits[k].size, 0);
		}
	}
	fflush(stdout);
}

/*
 * Compile ps under v, run it on ctx_init through the images and the interpreter, compare r0, the
 * ctx and the C callee-saved registers. Returns 0 when equal; otherwise prints why (once: *quiet
 * counts mismatches so far) and returns -1.
 */
static int compare(const struct progset *ps, const struct variant *v, bool direct,
		   const uint8_t *ctx_init, const char *what, int *reported)
{
	struct aj_target t;
	struct interp_world w;
	struct interp_prog slots[HOST_MAX_ENTRIES], entry;
	struct interp_result res;
	uint8_t jctx[CTX_SIZE] __attribute__((aligned(8)));
	uint8_t rctx[CTX_SIZE] __attribute__((aligned(8)));
	char why[256] = "";
	void *array;
	uint32_t k;
	int err, n, ret = -1;

	host_target(&t, v->hv);
	array = host_array_new(ps->max_entries);
	for (k = 0; k < ps->nprogs; k++) {
		struct host_fixup_opts fo = { .map = array, .direct_tail_calls = direct };
		struct host_jit *j = &jits[k];

		n = host_fixup(ps->insns[k], ps->len[k], fixed[k], MAX_INSNS, &fo, j->pokes, &j->nr_pokes,
			       direct_site[k]);
		if (n < 0) {
			snprintf(why, sizeof(why), "host_fixup failed on program %u", k);
			goto out;
		}
		j->insns = fixed[k];
		j->len = (uint32_t)n;
		j->image = NULL;
		err = host_compile(j, &t, v->frame, ps->stack[k], false);
		if (err) {
			snprintf(why, sizeof(why), "program %u does not compile: %d", k, err);
			goto out;
		}
	}
	for (k = 0; k < ps->max_entries; k++)
		host_array_set(array, k, ps->slot[k] >= 0 ? &jits[ps->slot[k]] : NULL);
	for (k = 0; k < ps->nprogs; k++)
		host_link(&jits[k], array);

	memcpy(jctx, ctx_init, CTX_SIZE);
	memcpy(rctx, ctx_init, CTX_SIZE);
	memset(&w, 0, sizeof(w));
	for (k = 0; k < ps->max_entries; k++) {
		slots[k].insns = ps->slot[k] >= 0 ? ps->insns[ps->slot[k]] : NULL;
		slots[k].len = ps->slot[k] >= 0 ? ps->len[ps->slot[k]] : 0;
		slots[k].direct = ps->slot[k] >= 0 ? direct_site[ps->slot[k]] : NULL;
	}
	w.ctx = rctx;
	w.ctx_size = CTX_SIZE;
	w.helpers = host_helpers;
	w.nr_helpers = HOST_NR_HELPERS;
	w.map_fd = HOST_MAP_FD;
	w.slots = slots;
	w.max_entries = ps->max_entries;
	w.max_tail_calls = t.max_tail_calls;
	/*
	 * When a tail call counts, stated here and not taken from the code under test (frame.c's
	 * tc_count_late): the optimized frame follows the running kernel, whose JIT counts only
	 * found targets where it passes the counter by pointer (6.12: "Inc tail_call_cnt if the
	 * slot is populated"; 5.10/6.1 count first); the legacy frame follows the kernel's
	 * interpreter: pre-5.8 semantics up to 6.12 (a call to an empty slot counts too), found
	 * targets only on 7.3 (HV_TC_LATE). Direct and indirect alike.
	 */
	w.count_after_null = (v->frame == &aj_frame_optimized && (v->hv & HV_TC_PTR)) ||
			     (v->frame == &aj_frame_legacy && (v->hv & HV_TC_LATE));
	w.count_after_null_direct = w.count_after_null;
	entry.insns = ps->insns[0];
	entry.len = ps->len[0];
	entry.direct = direct_site[0];
	if (interp_run(&w, &entry, &res)) {
		snprintf(why, sizeof(why), "the reference interpreter failed: %s", res.err);
		goto out;
	}
	stat_runs++;
	stat_tail_calls += res.tail_calls;
	stat_steps += res.steps;
	for (k = 0; k < ps->nprogs; k++) {
		stat_direct += jits[k].nr_pokes;
		stat_insns += ps->len[k];
	}
	ret = check_image(jits[0].image, jctx, rctx, res.r0, why, sizeof(why));
out:
	if (ret && (*reported)++ < 2) {
		printf("# MISMATCH %s [%s %s%s]: %s\n", what, v->frame->name, host_variant_name(v->hv),
		       direct ? " direct" : "", why);
		dump_set(ps, v);
	}
	free(array);
	return ret;
}

static const struct variant variants[] = {
	{ &aj_frame_optimized, 0 },
	{ &aj_frame_optimized, HV_IBT },
	{ &aj_frame_optimized, HV_TC_PTR },
	{ &aj_frame_optimized, HV_NOP3 },
	{ &aj_frame_optimized, HV_TC_PTR | HV_NOP3 },
	{ &aj_frame_optimized, HV_IBT | HV_TC_PTR | HV_NOP3 },
	{ &aj_frame_optimized, HV_IBT | HV_NOP3 },
	{ &aj_frame_optimized, HV_IBT | HV_TC_PTR },
	{ &aj_frame_optimized, HV_IBT | HV_TC_PTR | HV_NOP3 | HV_SLS | HV_RETHUNK },
	{ &aj_frame_optimized, HV_RETPOLINE },
	{ &aj_frame_optimized, HV_LFENCE | HV_SLS },
	{ &aj_frame_optimized, HV_IBT | HV_TC_PTR | HV_NOP3 | HV_ITS | HV_CALLDEPTH | HV_RETHUNK },
	{ &aj_frame_legacy, 0 },
	{ &aj_frame_legacy, HV_IBT },
	{ &aj_frame_legacy, HV_TC_PTR },
	{ &aj_frame_legacy, HV_NOP3 },
	{ &aj_frame_legacy, HV_TC_PTR | HV_NOP3 },
	{ &aj_frame_legacy, HV_IBT | HV_TC_PTR | HV_NOP3 },
	{ &aj_frame_legacy, HV_IBT | HV_NOP3 },
	{ &aj_frame_legacy, HV_IBT | HV_TC_PTR },
	{ &aj_frame_legacy, HV_IBT | HV_SLS | HV_RETHUNK | HV_RETPOLINE },
	{ &aj_frame_legacy, HV_LFENCE },
	{ &aj_frame_legacy, HV_ITS | HV_CALLDEPTH | HV_SLS },
	{ &aj_frame_legacy, HV_IBT | HV_TC_PTR | HV_NOP3 | HV_TC_LATE },	/* 7.3 */
	{ &aj_frame_legacy, HV_TC_LATE },
	{ &aj_frame_optimized, HV_IBT | HV_TC_PTR | HV_NOP3 | HV_TC_LATE },
};
#define NR_VARIANTS	(sizeof(variants) / sizeof(variants[0]))

static void fill_ctx(uint8_t *ctx, uint64_t seed)
{
	uint32_t k;

	for (k = 0; k < CTX_SIZE; k++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		ctx[k] = (uint8_t)(seed >> 56);
	}
}

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
	for (v = 0; v < NR_VARIANTS; v++) {
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
		for (v = 0; v < NR_VARIANTS; v++)
			for (direct = 0; direct < 2; direct++) {
				struct progset ps = { .nprogs = 2, .max_entries = 3, .slot = { 0, 1, -1 } };

				ps.insns[0] = a.in;
				ps.len[0] = a.n;
				ps.stack[0] = 0;
				ps.insns[1] = b.in;
				ps.len[1] = b.n;
				ps.stack[1] = 200;
				memset(ctx, 0, sizeof(ctx));
				host_reset();
				fails += compare(&ps, &variants[v], direct, ctx,
						 shape ? "tail-call chain a<->b" : "tail-call limit", &reported) != 0;
				count++;
			}
	}
	tap(!fails, "native: tail-call chain limit, empty slots, frames of other shapes, direct and indirect, every variant (%d runs, %d mismatches)",
	    count, fails);
}

/* ---- random programs ---- */

static const struct ajf_helper helpers[] = {
	{ 1, 0, 0, 0 }, { 2, 2, 0, 0 }, { 3, 5, 0, 0 }, { 4, 1, 0, 0 }, { 5, 3, 0, 0 },
};

/* Regression seeds: programs that once showed a mismatch (kept whatever the seed range). */
static const uint64_t regress_seeds[] = { 0 };

/*
 * The program set of seed: an entry program and up to three tail-call targets in a prog array
 * of four slots, one of them empty (the entry is in a slot too: self tail calls run the chain to its
 * limit).
 */
static void random_set(uint64_t seed, struct progset *ps, struct bpf_insn (*buf)[MAX_INSNS], bool *direct)
{
	struct ajf_opts o;
	struct ajf_info info;
	uint32_t k, n = 1 + (uint32_t)(seed % 3);
	static const uint32_t stacks[] = { 0, 8, 64, 512, 24 };

	*direct = (seed / 3) % 2;
	memset(ps, 0, sizeof(*ps));
	ps->nprogs = n;
	ps->max_entries = 4;
	for (k = 0; k < 4; k++)
		ps->slot[k] = -1;
	/* slot 0: the entry itself, slot 1..: the others, slot 3 stays empty unless needed */
	for (k = 0; k < n; k++)
		ps->slot[k] = (int)k;
	if (n == 3 && seed % 2)
		ps->slot[2] = -1, ps->slot[3] = 2;
	for (k = 0; k < n; k++) {
		int len;

		ajf_opts_default(&o);
		o.classes = AJF_ALL;
		if (seed % 5 == 0)
			o.classes &= ~(AJF_CALL | AJF_TAIL_CALL);
		o.len = 16 + (uint32_t)((seed >> 3) + k * 37) % 80;
		o.stack_size = stacks[(seed + k) % 5];
		o.ctx_size = CTX_SIZE;
		o.ctx_write = true;
		o.ctx_atomic = true;
		o.helpers = helpers;
		o.nr_helpers = sizeof(helpers) / sizeof(helpers[0]);
		o.tail_call_map_fd = HOST_MAP_FD;
		o.tail_call_max_index = 5;
		len = ajf_generate(seed * 8 + k, &o, buf[k], MAX_INSNS, &info);
		if (len < 0)
			len = 0;
		ps->insns[k] = buf[k];
		ps->len[k] = (uint32_t)len;
		ps->stack[k] = info.stack_depth;
	}
}

static struct bpf_insn gen_buf[HOST_MAX_ENTRIES][MAX_INSNS];

static int run_seed(uint64_t seed, const struct variant *v, int *reported)
{
	struct progset ps;
	uint8_t ctx[CTX_SIZE];
	char what[64];
	bool direct;

	random_set(seed, &ps, gen_buf, &direct);
	if (!ps.len[0]) {
		if ((*reported)++ < 2)
			printf("# seed %llu: the generator failed\n", (unsigned long long)seed);
		return -1;
	}
	fill_ctx(ctx, seed);
	snprintf(what, sizeof(what), "seed %llu", (unsigned long long)seed);
	host_reset();
	return compare(&ps, v, direct, ctx, what, reported);
}

static void test_random(uint64_t first, unsigned nseeds)
{
	size_t v;
	unsigned s, k;

	stat_tail_calls = stat_steps = stat_runs = stat_direct = stat_insns = 0;
	for (v = 0; v < NR_VARIANTS; v++) {
		int reported = 0, fails = 0;

		for (k = 0; k < sizeof(regress_seeds) / sizeof(regress_seeds[0]); k++)
			fails += run_seed(regress_seeds[k], &variants[v], &reported) != 0;
		for (s = 0; s < nseeds; s++)
			fails += run_seed(first + s, &variants[v], &reported) != 0;
		tap(!fails, "random programs: %s %s: seeds %llu..%llu, %d mismatches",
		    variants[v].frame->name, host_variant_name(variants[v].hv), (unsigned long long)first,
		    (unsigned long long)(first + nseeds - 1), fails);
	}
	printf("# random programs: %llu runs, %llu BPF instructions compiled, %llu executed by the interpreter, %llu tail calls taken, %llu direct tail-call sites\n",
	       (unsigned long long)stat_runs, (unsigned long long)stat_insns,
	       (unsigned long long)stat_steps, (unsigned long long)stat_tail_calls,
	       (unsigned long long)stat_direct);
}

/*
 * Random programs with bpf2bpf calls (one to three subprograms, no tail calls: the reference
 * interpreter gives each call a frame of its own but has no model of the counter across calls),
 * compiled with the kernel's two passes (host_compile_funcs) and compared with the interpreter:
 * r0, the ctx and the C callee-saved registers.
 */
static struct host_jit cjits[1 + AJF_MAX_SUBPROGS];
static struct bpf_insn cbuf[MAX_INSNS], cfixed[1 + AJF_MAX_SUBPROGS][MAX_INSNS];

static int run_calls_seed(uint64_t seed, const struct variant *v, int *reported)
{
	struct ajf_opts o;
	struct ajf_info info;
	struct aj_target t;
	struct interp_world w;
	struct interp_prog entry;
	struct interp_result res;
	uint8_t ctx[CTX_SIZE], jctx[CTX_SIZE] __attribute__((aligned(8)));
	uint8_t rctx[CTX_SIZE] __attribute__((aligned(8)));
	uint32_t depth[1 + AJF_MAX_SUBPROGS], f, i, c, end;
	static const uint32_t stacks[] = { 0, 8, 24, 64 };
	char why[256] = "";
	int len, n, err, ret = -1;

	ajf_opts_default(&o);
	o.classes = AJF_ALL & ~AJF_TAIL_CALL;
	o.len = 16 + (uint32_t)(seed % 64);
	o.nr_subprogs = 1 + (uint32_t)(seed % AJF_MAX_SUBPROGS);
	o.stack_size = stacks[seed % 4];
	o.sub_stack_size = stacks[(seed / 4) % 4];
	o.sub_len = 8 + (uint32_t)((seed / 16) % 48);
	o.ctx_size = CTX_SIZE;
	o.ctx_write = true;
	o.ctx_atomic = true;
	o.helpers = helpers;
	o.nr_helpers = sizeof(helpers) / sizeof(helpers[0]);
	len = ajf_generate(seed * 8 + 7, &o, cbuf, MAX_INSNS, &info);
	if (len < 0) {
		if ((*reported)++ < 2)
			printf("# calls seed %llu: the generator failed\n", (unsigned long long)seed);
		return -1;
	}
	host_target(&t, v->hv);
	memset(cjits, 0, sizeof(cjits));
	for (f = 0; f < info.nr_funcs; f++) {
		struct host_fixup_opts fo = { .map = NULL, .direct_tail_calls = false };
		static struct bpf_insn in[MAX_INSNS];
		uint32_t start = info.func_start[f];

		end = f + 1 < info.nr_funcs ? info.func_start[f + 1] : (uint32_t)len;
		memcpy(in, cbuf + start, (end - start) * sizeof(*in));
		/* bpf2bpf calls carry the callee's index (what host_compile_funcs resolves) */
		for (i = 0; i < end - start; i++)
			if (in[i].code == (BPF_JMP | BPF_CALL) && in[i].src_reg == BPF_PSEUDO_CALL) {
				uint32_t target = start + i + 1 + in[i].imm;

				for (c = 0; c < info.nr_funcs && info.func_start[c] != target; c++)
					;
				in[i].imm = (int32_t)c;
			}
		n = host_fixup(in, end - start, cfixed[f], MAX_INSNS, &fo, cjits[f].pokes,
			       &cjits[f].nr_pokes, NULL);
		if (n < 0) {
			snprintf(why, sizeof(why), "host_fixup failed on function %u", f);
			goto out;
		}
		cjits[f].insns = cfixed[f];
		cjits[f].len = (uint32_t)n;
		depth[f] = f ? o.sub_stack_size : o.stack_size;
	}
	err = host_compile_funcs(cjits, info.nr_funcs, &t, v->frame, depth);
	if (err) {
		snprintf(why, sizeof(why), "does not compile: %d", err);
		goto out;
	}
	fill_ctx(ctx, seed);
	memcpy(jctx, ctx, CTX_SIZE);
	memcpy(rctx, ctx, CTX_SIZE);
	memset(&w, 0, sizeof(w));
	w.ctx = rctx;
	w.ctx_size = CTX_SIZE;
	w.helpers = host_helpers;
	w.nr_helpers = HOST_NR_HELPERS;
	w.map_fd = HOST_MAP_FD;
	w.max_tail_calls = t.max_tail_calls;
	w.pseudo_calls = true;
	entry.insns = cbuf;
	entry.len = (uint32_t)len;
	entry.direct = NULL;
	if (interp_run(&w, &entry, &res)) {
		snprintf(why, sizeof(why), "the reference interpreter failed: %s", res.err);
		goto out;
	}
	stat_runs++;
	stat_steps += res.steps;
	stat_insns += (uint64_t)len;
	ret = check_image(cjits[0].image, jctx, rctx, res.r0, why, sizeof(why));
out:
	if (ret && (*reported)++ < 2) {
		printf("# MISMATCH calls seed %llu [%s %s]: %s\n", (unsigned long long)seed,
		       v->frame->name, host_variant_name(v->hv), why);
		ajf_dump(stdout, cbuf, len < 0 ? 0 : (uint32_t)len);
	}
	for (f = 0; f <= AJF_MAX_SUBPROGS; f++)
		host_jit_free(&cjits[f]);
	return ret;
}

static void test_random_calls(uint64_t first, unsigned nseeds)
{
	size_t v;
	unsigned s;

	stat_steps = stat_runs = stat_insns = 0;
	for (v = 0; v < NR_VARIANTS; v++) {
		int reported = 0, fails = 0;

		for (s = 0; s < nseeds; s++)
			fails += run_calls_seed(first + s, &variants[v], &reported) != 0;
		tap(!fails, "random programs with bpf2bpf calls: %s %s: seeds %llu..%llu, %d mismatches",
		    variants[v].frame->name, host_variant_name(variants[v].hv), (unsigned long long)first,
		    (unsigned long long)(first + nseeds - 1), fails);
	}
	printf("# random programs with bpf2bpf calls: %llu runs, %llu BPF instructions compiled, %llu executed by the interpreter\n",
	       (unsigned long long)stat_runs, (unsigned long long)stat_insns,
	       (unsigned long long)stat_steps);
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
	test_random(first, nseeds);
	test_random_calls(first, nseeds / 4);
	return tap_done();
}
