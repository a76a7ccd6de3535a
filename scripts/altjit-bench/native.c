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
 *     skb_load_bytes; array-map lookups are inlined where the map is known, as the verifier does.
 * The maps, helpers and context are native_world.c's; the analysis, native_analyse.c's; the
 * output, native_report.c's. This file reads the objects, compiles, checks and times.
 * Every program is compiled with altjit's legacy and optimized frames (module/frame.c, unchanged)
 * and with stock-tc, the optimized frame with the stock 5.10/6.1 JIT's tail-call sequence,
 * run once against selftests/host's reference interpreter (r0 and every byte of the maps, context
 * and packet must agree, or no number is reported), then timed in a tight loop, schemes interleaved.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "native.h"

const struct aj_frame *const frames[N_SCHEMES] = {
	&aj_frame_legacy, &aj_frame_optimized, &native_stock_frame
};
const char *const scheme_names[N_SCHEMES] = { "legacy", "optimized", "stock-tc" };

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

/* r's reason (through a va_list: the program names it quotes live in the same struct nbench) */
static void __attribute__((format(printf, 2, 3))) set_why(struct nresult *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

static int compile(struct nbench *b, int s)
{
	struct nresult *r = &b->r[s];
	struct aj_target t;
	void *array = NULL;
	uint32_t k, f;
	int err;

	host_target(&t, HV_SLS);	/* the Debian 6.1 kernel's layout, as in the guest under TCG */
	if (b->prog_array >= 0) {
		array = host_array_new(b->maps[b->prog_array].max_entries);
		if (!array)
			return -1;
		b->maps[b->prog_array].prog_array[s] = array;
	}
	/* what the module asks the frame first (jit_kernel.c); what it refuses, the stock JIT gets */
	for (k = 0; k < b->nprogs && frames[s]->unsupported; k++) {
		const struct nprog *p = &b->progs[k];
		const char *why = frames[s]->unsupported(&t, p->nfuncs > 1, p->has_tail_call);

		if (why) {
			set_why(r,
				 "not compiled %s: %s: %s (the kernel gives it to the stock JIT)",
				 frames[s]->name, p->name, why);
			return -1;
		}
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
				set_why(r, "%s: the verifier's rewrites failed (host_fixup)",
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
			set_why(r, "%s: the code generator failed: %s (helper or instruction not modelled?)",
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
/* ---- the run ---- */

/* Forget scheme s's images of b (before compiling them again elsewhere: -p). */
static void release(struct nbench *b, int s)
{
	uint32_t k, f;

	for (k = 0; k < b->nprogs; k++) {
		struct nprog *p = &b->progs[k];

		for (f = 0; p->jit[s] && f < p->nfuncs; f++)
			host_jit_free(&p->jit[s][f]);
		free(p->jit[s]);
		free(p->fixed[s]);
		p->jit[s] = NULL;
		p->fixed[s] = NULL;
	}
	if (b->prog_array >= 0) {
		free(b->maps[b->prog_array].prog_array[s]);
		b->maps[b->prog_array].prog_array[s] = NULL;
	}
}

/*
 * Placement p of -p: every image starts 8 * p bytes past a 64-byte boundary. A small program's
 * time moves by several percent with where its code lies (fetch blocks, branch targets): spread
 * over placements, the trials compare the frames rather than one layout of each. Each placement's
 * images are compiled and checked against the reference again.
 */
static void place(struct nbench *bs, int n, int p)
{
	int i, s;

	host_reset();
	host_exec_shift = (size_t)p * 8;
	for (i = 0; i < n; i++)
		for (s = 0; s < N_SCHEMES; s++) {
			if (!usable(&bs[i], s))
				continue;
			release(&bs[i], s);
			if (!compile(&bs[i], s))
				check(&bs[i], s);
		}
}

int native_bench(const struct native_spec *specs, int n, unsigned int repeat, int trials,
		 int placements, const char *format, const char *outdir)
{
	struct nbench *bs = calloc(n, sizeof(*bs));
	int i, s, t, p, per, failed = 0;

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
	/* per placement: warm up, then its share of the trials, schemes interleaved */
	per = trials / placements;
	trials = per * placements;
	for (p = 0; p < placements; p++) {
		if (p)
			place(bs, n, p);
		for (i = 0; i < n; i++)
			for (s = 0; s < N_SCHEMES; s++)
				if (usable(&bs[i], s))
					measure(&bs[i], s, repeat / 10 + 1);
		for (t = p * per; t < (p + 1) * per; t++)
			for (i = 0; i < n; i++)
				for (s = 0; s < N_SCHEMES; s++)
					if (usable(&bs[i], s))
						bs[i].r[s].ns[t] = measure(&bs[i], s, repeat);
	}
	for (i = 0; i < n; i++)
		for (s = 0; s < N_SCHEMES; s++) {
			if (usable(&bs[i], s))
				trial_stats(bs[i].r[s].ns, trials, &bs[i].r[s].min,
					    &bs[i].r[s].median, &bs[i].r[s].max);
			failed += bs[i].r[s].failed;
		}

	report(bs, n, repeat, trials, placements, format, outdir);
	return failed ? 1 : 0;
}
