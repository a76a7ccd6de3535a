// SPDX-License-Identifier: GPL-2.0
/*
 * test_exec's seeded random programs (selftests/fuzz), on every variant (exec.h): program sets
 * with helpers and tail calls (direct and indirect), and programs with bpf2bpf calls compiled with
 * the kernel's two passes.
 */
#include <stdio.h>
#include <string.h>
#include "exec.h"
#include "interp.h"
#include "tap.h"
#include "../fuzz/gen.h"

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

/* One point per variant: run on the regression seeds, then on seeds first.. (nseeds of them). */
static void each_variant(const char *what, int (*run)(uint64_t, const struct variant *, int *),
			 const uint64_t *regress, size_t nregress, uint64_t first, unsigned nseeds)
{
	size_t v, k;
	unsigned s;

	for (v = 0; v < nr_variants; v++) {
		int reported = 0, fails = 0;

		for (k = 0; k < nregress; k++)
			fails += run(regress[k], &variants[v], &reported) != 0;
		for (s = 0; s < nseeds; s++)
			fails += run(first + s, &variants[v], &reported) != 0;
		tap(!fails, "%s: %s %s: seeds %llu..%llu, %d mismatches", what, variants[v].frame->name,
		    host_variant_name(variants[v].hv), (unsigned long long)first,
		    (unsigned long long)(first + nseeds - 1), fails);
	}
}

void test_random(uint64_t first, unsigned nseeds)
{
	stat_tail_calls = stat_steps = stat_runs = stat_direct = stat_insns = 0;
	each_variant("random programs", run_seed, regress_seeds,
		     sizeof(regress_seeds) / sizeof(regress_seeds[0]), first, nseeds);
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

void test_random_calls(uint64_t first, unsigned nseeds)
{
	stat_steps = stat_runs = stat_insns = 0;
	each_variant("random programs with bpf2bpf calls", run_calls_seed, NULL, 0, first, nseeds);
	printf("# random programs with bpf2bpf calls: %llu runs, %llu BPF instructions compiled, %llu executed by the interpreter\n",
	       (unsigned long long)stat_runs, (unsigned long long)stat_insns,
	       (unsigned long long)stat_steps);
}
