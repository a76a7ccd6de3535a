// SPDX-License-Identifier: GPL-2.0
/*
 * altjit_fuzz: differential fuzzing in the guest (issue 4, point 7).
 *
 *   altjit_fuzz [-s FIRST_SEED] [-n COUNT | -t SECONDS] [-R SEEDFILE] [-S SCHEME,...] [-x] [-v] [-d]
 *
 * For each seed, selftests/fuzz/gen.c makes a set of one to three SCHED_CLS programs (ALU, JMP,
 * bounded loops, stack and map-value memory, atomics, helper calls, bpf2bpf calls, tail calls
 * through a real prog array that also holds the set's programs, direct packet access through
 * skb->data/data_end, loads of __sk_buff fields, bpf_map_lookup_elem and accesses through the
 * pointer it returns). The set is loaded and run (BPF_PROG_TEST_RUN, once, on a fixed packet)
 * under the kernel's interpreter (bpf_jit_enable=0), the stock JIT, altjit's legacy and
 * optimized schemes (/sys/kernel/altjit/mode), each time with a fresh prog array and memory map;
 * one seed in HARDEN_EVERY is loaded with net.core.bpf_jit_harden=2 (constant blinding) under
 * every JIT. What a run leaves is compared: the return value, the whole map value (the 64 bytes
 * the programs load from, store and update atomically, read back after the run; then each
 * function's register dump and final R0, a fold of every register, stack slot and of those 64
 * bytes) and the packet. A scheme that cannot be selected for a set fails its point.
 *
 * The reference is the interpreter where it can run the set (it cannot run programs with both
 * bpf2bpf calls and tail calls: those are compared with the stock JIT); the stock JIT is
 * compared with it too, and any difference fails but the one documented kernel divergence
 * (known_divergence()). Programs with both bpf2bpf calls and tail calls are never compiled
 * legacy (altjit gives them to the stock JIT), so a legacy prog array cannot hold them: such
 * sets skip legacy. A program the verifier refuses under the first scheme is a generator bug:
 * counted, its log's tail printed, not run.
 *
 * Seeds of SEEDFILE (first word of each line, '#' comments) run first and count as regression
 * seeds. On a mismatch: the seed, the scheme, expected and got, the programs (ajf_dump) and the
 * entry program's JIT image (hex, for objdump -D -b binary -mi386:x86-64) under both schemes.
 * TAP: programs and verifier rejections (rate under 2%), then one point per scheme (0
 * mismatches), then altjit's counters showing it compiled. Exit 0 iff every point passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "gen.h"		/* selftests/fuzz (the Makefile's FUZZ) */

#include "ajtest.h"

#define MEM_FD		100	/* the array map the programs write (fixed fds: generated once) */
#define PA_FD		101	/* the prog array */
#define MEM_SIZE	64	/* the area the programs load from, store and atomically update */
#define DUMP_OFF	MEM_SIZE	/* then each function's register dump (R0-R9) and final R0 */
#define VAL_SIZE	(DUMP_OFF + 88)	/* the whole map value, compared after each run */
#define HARDEN_EVERY	4	/* one seed in this many runs with net.core.bpf_jit_harden=2 */
#define HARDEN		"/proc/sys/net/core/bpf_jit_harden"
#define PKT_SIZE	64
#define NSLOTS		4
#define MAX_SET		3
#define MAX_INSNS	8192
#define MAX_REJECT_RATE	2.0	/* percent */

enum scheme { S_INTERP, S_STOCK, S_LEGACY, S_OPT, S_NR };
static const char *const scheme_names[S_NR] = { "interpreter", "stock", "legacy", "optimized" };

static bool verbose, dump_all, no_v4;
static int kmajor, kminor;

static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ---- the program set of a seed ---- */

/* Helpers a SCHED_CLS program may call whose results do not change from run to run. */
static const struct ajf_helper helpers[] = {
	{ BPF_FUNC_get_smp_processor_id, 0, 0, 0 },
	{ BPF_FUNC_get_numa_node_id, 0, 0, 0 },
	{ BPF_FUNC_csum_diff, 5, 0, 0x0f },		/* (NULL, 0, NULL, 0, seed) */
	{ BPF_FUNC_get_cgroup_classid, 1, 0x01, 0 },	/* (skb) */
	{ BPF_FUNC_get_route_realm, 1, 0x01, 0 },	/* (skb) */
	{ BPF_FUNC_get_hash_recalc, 1, 0x01, 0 },	/* (skb) */
};

struct progset {
	uint64_t seed;
	uint32_t nprogs;
	uint32_t len[MAX_SET];
	struct ajf_info info[MAX_SET];
	int slot[NSLOTS];		/* program in prog array slot i, or -1 */
	bool calls_and_tail;		/* a program with bpf2bpf calls and tail calls */
	bool interp_stack_bug;		/* would overflow the interpreter's stack on 6.9+ (see below) */
	bool harden;			/* JIT'ed with constant blinding (bpf_jit_harden=2) */
	uint8_t mem_init[VAL_SIZE];
	uint8_t pkt[PKT_SIZE];
	struct bpf_insn insns[MAX_SET][MAX_INSNS];	/* last: make_set clears what is above */
};

static bool make_set(uint64_t seed, struct progset *ps)
{
	static const uint32_t stacks[] = { 0, 8, 64, 512, 24, 128 };
	static const uint32_t small_stacks[] = { 0, 8, 24, 64 };
	static const uint32_t sub_stacks[] = { 0, 8, 16, 32 };
	uint64_t r = seed ^ 0x5eed5eed5eedULL;
	uint32_t k;

	memset(ps, 0, offsetof(struct progset, insns));
	ps->seed = seed;
	ps->nprogs = 1 + (uint32_t)(mix(&r) % MAX_SET);
	for (k = 0; k < NSLOTS; k++)
		ps->slot[k] = k < ps->nprogs ? (int)k : -1;
	if (ps->nprogs == 3 && mix(&r) % 2) {	/* a hole in the middle */
		ps->slot[2] = -1;
		ps->slot[3] = 2;
	}
	for (k = 0; k < ps->nprogs; k++) {
		struct ajf_opts o;
		uint64_t x = mix(&r);
		int n;

		ajf_opts_default(&o);
		o.classes = (AJF_ALL & ~AJF_V4) | AJF_PKT | AJF_CTX_LOAD | AJF_LOOKUP;
		if ((kmajor > 6 || (kmajor == 6 && kminor >= 6)) && !no_v4)
			o.classes |= AJF_V4;
		if (x % 5 == 0)
			o.classes &= ~(AJF_CALL | AJF_TAIL_CALL);
		if ((x >> 3) % 7 == 0)
			o.classes &= ~AJF_TAIL_CALL;
		o.len = 16 + (uint32_t)((x >> 8) % 160);
		o.nr_subprogs = (x >> 16) % 3 == 0 ? 1 + (uint32_t)((x >> 20) % AJF_MAX_SUBPROGS) : 0;
		if (o.nr_subprogs) {
			/* bpf2bpf + tail calls: no interpreter, no legacy; not too often */
			if ((x >> 44) % 3)
				o.classes &= ~AJF_TAIL_CALL;
			o.stack_size = small_stacks[(x >> 24) % 4];
			o.sub_stack_size = sub_stacks[(x >> 28) % 4];
			o.sub_len = 8 + (uint32_t)((x >> 32) % 64);
			o.len = 16 + (uint32_t)((x >> 8) % 96);
		} else {
			o.stack_size = stacks[(x >> 24) % 6];
		}
		o.max_depth = 2 + (uint32_t)((x >> 36) % 2);
		o.loop_max = 1 + (uint32_t)((x >> 40) % 4);
		o.ctx_size = MEM_SIZE;
		o.ctx_write = true;
		o.ctx_atomic = true;
		o.mem_map = true;
		o.mem_map_fd = MEM_FD;
		o.atomic_add_only = kmajor < 5 || (kmajor == 5 && kminor < 12);
		o.store_r0 = true;
		o.dump_off = DUMP_OFF;
		o.pkt_size = PKT_SIZE;
		/* before 6.10 (tail_call_cnt_ptr), stock too counts tail calls by value */
		o.tail_call_main_only = kmajor < 6 || (kmajor == 6 && kminor < 10);
		o.helpers = helpers;
		o.nr_helpers = sizeof(helpers) / sizeof(helpers[0]);
		o.tail_call_map_fd = PA_FD;
		o.tail_call_max_index = NSLOTS + 1;
		if (ajf_max_len(&o) > MAX_INSNS)
			return false;
		n = ajf_generate(seed * 8 + k, &o, ps->insns[k], MAX_INSNS, &ps->info[k]);
		if (n < 0)
			return false;
		ps->len[k] = (uint32_t)n;
		if (ps->info[k].has_pseudo_call && ps->info[k].has_tail_call)
			ps->calls_and_tail = true;
	}
	/*
	 * Kernels >= 6.9 (do_misc_fixups() ends with aux->stack_depth = subprogs[0].stack_depth,
	 * undoing the MAX_BPF_STACK it sets for tail calls without a JIT) run a tail-call target
	 * in the interpreter frame of the caller's own stack size: a target with a larger stack
	 * writes past it into the kernel stack (seed 6 oopses 6.12 without altjit loaded). Such sets
	 * skip the interpreter there.
	 */
	if (kmajor > 6 || (kmajor == 6 && kminor >= 9)) {
		uint32_t big = 0, j;

		for (k = 0; k < ps->nprogs; k++)
			big = ps->info[k].stack_depth > big ? ps->info[k].stack_depth : big;
		for (k = 0; k < ps->nprogs; k++) {
			j = ps->info[k].stack_depth ? ps->info[k].stack_depth : 1;
			if (ps->info[k].has_tail_call && ((j + 31) & ~31u) < big)
				ps->interp_stack_bug = true;
		}
	}
	for (k = 0; k < VAL_SIZE; k++)
		ps->mem_init[k] = (uint8_t)mix(&r);
	ps->harden = seed % HARDEN_EVERY == HARDEN_EVERY - 1;
	/* Ethernet, IPv4 ethertype, then noise */
	for (k = 0; k < PKT_SIZE; k++)
		ps->pkt[k] = (uint8_t)mix(&r);
	ps->pkt[0] &= 0xfe;
	ps->pkt[12] = 0x08;
	ps->pkt[13] = 0x00;
	ps->pkt[14] = 0x45;
	return true;
}

static void dump_set(const struct progset *ps)
{
	uint32_t k;

	printf("# seed %llu: %u program(s); prog array slots:", (unsigned long long)ps->seed,
	       ps->nprogs);
	for (k = 0; k < NSLOTS; k++)
		printf(" %d", ps->slot[k]);
	printf(" (map fds: memory %d, prog array %d)%s\n", MEM_FD, PA_FD,
	       ps->harden ? "; bpf_jit_harden=2" : "");
	for (k = 0; k < ps->nprogs; k++) {
		uint32_t f;

		printf("# program %u (%u insns%s%s%s%s%s), functions at", k, ps->len[k],
		       ps->info[k].has_pkt ? ", packet access" : "",
		       ps->info[k].has_lookup ? ", map lookups" : "",
		       ps->info[k].has_call ? ", helper calls" : "",
		       ps->info[k].has_pseudo_call ? ", bpf2bpf calls" : "",
		       ps->info[k].has_tail_call ? ", tail calls" : "");
		for (f = 0; f < ps->info[k].nr_funcs; f++)
			printf(" %u", ps->info[k].func_start[f]);
		printf(":\n");
		fflush(stdout);
		ajf_dump(stdout, ps->insns[k], ps->len[k]);
		fflush(stdout);
	}
}

/* ---- loading and running ---- */

static int btf_fd = -1;
static __u32 btf_func_ids[1 + AJF_MAX_SUBPROGS];

/* "int f(void *)" for every function: bpf2bpf calls with tail calls need func info. */
static int make_btf(void)
{
	char name[1 + AJF_MAX_SUBPROGS][16];
	const char *names[1 + AJF_MAX_SUBPROGS];
	struct btf *btf;
	int k;

	for (k = 0; k <= AJF_MAX_SUBPROGS; k++) {
		snprintf(name[k], sizeof(name[k]), "ajf_f%d", k);
		names[k] = name[k];
	}
	btf = func_btf_load(names, 1 + AJF_MAX_SUBPROGS, btf_func_ids);
	if (!btf)
		return -1;
	/* keep the fd, drop the rest */
	btf_fd = dup(btf__fd(btf));
	btf__free(btf);
	return btf_fd < 0 ? -1 : 0;
}

static char vlog[1 << 20];

static int load_prog(const struct progset *ps, uint32_t k, bool with_log)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	struct bpf_func_info fi[1 + AJF_MAX_SUBPROGS];
	const struct ajf_info *in = &ps->info[k];
	uint32_t f;

	if (in->nr_funcs > 1) {
		for (f = 0; f < in->nr_funcs; f++)
			fi[f] = (struct bpf_func_info){ .insn_off = in->func_start[f],
							.type_id = btf_func_ids[f] };
		opts.prog_btf_fd = btf_fd;
		opts.func_info = fi;
		opts.func_info_cnt = in->nr_funcs;
		opts.func_info_rec_size = sizeof(fi[0]);
	}
	if (with_log) {
		vlog[0] = 0;
		opts.log_buf = vlog;
		opts.log_size = sizeof(vlog);
		opts.log_level = 1;
	}
	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "ajf", "GPL", ps->insns[k], ps->len[k], &opts);
}

static void print_log_tail(int lines)
{
	char *p = vlog + strlen(vlog);
	int n = 0;

	while (p > vlog && n <= lines)
		if (*--p == '\n')
			n++;
	if (*p == '\n')
		p++;
	while (*p) {
		char *e = strchr(p, '\n');

		if (!e)
			e = p + strlen(p);
		printf("#   | %.*s\n", (int)(e - p), p);
		p = *e ? e + 1 : e;
	}
}

struct result {
	bool ran;
	int err;		/* load/run errno (0: ran) */
	const char *what;	/* where it failed */
	__u32 retval;
	uint8_t mem[VAL_SIZE];
	uint8_t pkt[256];
	__u32 pkt_len;
	int fds[MAX_SET];
	bool jited[MAX_SET];
};

static int fresh_maps(void)
{
	int m = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ajf_mem", 4, VAL_SIZE, 1, NULL);
	int p = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "ajf_pa", 4, 4, NSLOTS, NULL);
	int ret = 0;

	if (m < 0 || p < 0 || dup2(m, MEM_FD) < 0 || dup2(p, PA_FD) < 0)
		ret = -1;
	if (m >= 0)
		close(m);
	if (p >= 0)
		close(p);
	return ret;
}

static bool prog_jited(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(fd, &info, &len) && info.jited_prog_len > 0;
}

/* Load every program of ps, fill the prog array, run the entry; fds stay open in r. */
static void run_set(const struct progset *ps, struct result *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, t);
	__u32 key = 0, k;
	int fd;

	memset(r, 0, sizeof(*r));
	for (k = 0; k < MAX_SET; k++)
		r->fds[k] = -1;
	if (fresh_maps()) {
		r->err = errno;
		r->what = "map create";
		return;
	}
	for (k = 0; k < ps->nprogs; k++) {
		fd = load_prog(ps, k, false);
		if (fd < 0) {
			r->err = errno;
			r->what = "load";
			return;
		}
		r->fds[k] = fd;
		r->jited[k] = prog_jited(fd);
	}
	for (k = 0; k < NSLOTS; k++) {
		if (ps->slot[k] < 0)
			continue;
		fd = r->fds[ps->slot[k]];
		if (bpf_map_update_elem(PA_FD, &k, &fd, BPF_ANY)) {
			r->err = errno;
			r->what = "prog array update";
			return;
		}
	}
	if (bpf_map_update_elem(MEM_FD, &key, ps->mem_init, BPF_ANY)) {
		r->err = errno;
		r->what = "memory map update";
		return;
	}
	t.data_in = ps->pkt;
	t.data_size_in = PKT_SIZE;
	t.data_out = r->pkt;
	t.data_size_out = sizeof(r->pkt);
	t.repeat = 1;
	if (bpf_prog_test_run_opts(r->fds[0], &t)) {
		r->err = errno;
		r->what = "test run";
		return;
	}
	r->retval = t.retval;
	r->pkt_len = t.data_size_out;
	if (bpf_map_lookup_elem(MEM_FD, &key, r->mem)) {
		r->err = errno;
		r->what = "memory map lookup";
		return;
	}
	r->ran = true;
}

static void close_result(struct result *r)
{
	int k;

	for (k = 0; k < MAX_SET; k++)
		if (r->fds[k] >= 0)
			close(r->fds[k]);
	for (k = 0; k < MAX_SET; k++)
		r->fds[k] = -1;
}

/* NULL when a and b agree, else what differs (in buf). */
static const char *differ(const struct result *want, const struct result *got, char *buf, size_t len)
{
	uint32_t k;

	if (!got->ran) {
		snprintf(buf, len, "%s failed: %s", got->what, strerror(got->err));
		return buf;
	}
	if (got->retval != want->retval) {
		snprintf(buf, len, "retval: expected 0x%08x, got 0x%08x", want->retval, got->retval);
		return buf;
	}
	for (k = 0; k < VAL_SIZE; k++)
		if (got->mem[k] != want->mem[k]) {
			uint64_t a, b;

			memcpy(&a, want->mem + (k & ~7u), 8);
			memcpy(&b, got->mem + (k & ~7u), 8);
			snprintf(buf, len, "map value byte %u: u64 at %u expected 0x%016llx, got 0x%016llx",
				 k, k & ~7u, (unsigned long long)a, (unsigned long long)b);
			return buf;
		}
	if (got->pkt_len != want->pkt_len || memcmp(got->pkt, want->pkt, got->pkt_len)) {
		snprintf(buf, len, "packet differs (length %u vs %u)", want->pkt_len, got->pkt_len);
		return buf;
	}
	return NULL;
}

static void dump_image(const char *label, int fd)
{
	struct jit_image im = { 0 };
	__u32 n, i;

	if (fd < 0 || jit_image_get(fd, &im) || !im.len) {
		printf("# image (%s): not JIT'ed\n", label);
		jit_image_free(&im);
		return;
	}
	n = im.len;
	printf("# image of the entry (%s, %u bytes; xxd -r -p | objdump -D -b binary -mi386:x86-64):\n",
	       label, n);
	for (i = 0; i < n; i++)
		printf("%s%02x%s", i % 32 ? "" : "#   ", im.bytes[i],
		       (i % 32 == 31 || i == n - 1) ? "\n" : "");
	jit_image_free(&im);
}

/* ---- the campaign ---- */

struct tally {
	long programs, sets, rejected, runs[S_NR], mismatches[S_NR], vs_stock[S_NR], skipped[S_NR];
	long interp_jited, interp_stack_bug, divergences, regress, regress_mismatch, mem_written, tail_sets, call_sets, helper_sets;
	long handed_back[S_NR];		/* sets with a program altjit gave to the stock JIT */
	long mode_failed[S_NR];		/* sets not run: the scheme could not be selected */
	long known_div, new_div;	/* stock vs interpreter: documented kernel divergences, others */
	long pkt_sets, lookup_sets, hardened, pkt_written;
	long wrong_jit[S_NR];		/* stock runs compiled by altjit */
	uint32_t retvals[64];		/* distinct reference return values seen (up to 64) */
	int nretvals;
	unsigned long long first, last;
	int reported;
};

static const char *scheme_mode[S_NR] = { NULL, "stock", "legacy", "optimized" };

/* Programs altjit handed to the stock JIT so far (not for the mode: for what it cannot compile). */
static long long handed_back_total(void)
{
	return read_stat("handed_back_unsupported") + read_stat("handed_back_error");
}
static bool scheme_ok[S_NR];

static int set_scheme(enum scheme s)
{
	if (write_text(JIT_ENABLE, s == S_INTERP ? "0" : "1"))
		return -1;
	/* without altjit, stock is what there is */
	if (s != S_INTERP && write_text(MODE_PATH, scheme_mode[s]) &&
	    (s != S_STOCK || access(MODE_PATH, F_OK) == 0))
		return -1;
	return 0;
}

static struct progset set_buf;
static struct result res[S_NR];

/*
 * Where we are, in PROGRESS_PATH (and on stderr with -v): if a program hangs or the kernel dies,
 * whoever ran us can tell which seed and scheme it was.
 */
#define PROGRESS_PATH	"/tmp/altjit_fuzz.progress"
static void progress(uint64_t seed, const char *what)
{
	char buf[96];
	int fd = open(PROGRESS_PATH, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	snprintf(buf, sizeof(buf), "seed %llu %s\n", (unsigned long long)seed, what);
	if (fd >= 0) {
		ssize_t n = write(fd, buf, strlen(buf));

		(void)n;
		close(fd);
	}
	if (verbose)
		fprintf(stderr, "# %s", buf);
}

/*
 * The stock JIT's own difference from the interpreter, documented (90-fuzz.seeds, seeds 4028 and
 * 4792 of the generator before packet access): 6.12's x86 JIT counts a tail call only when the
 * prog array slot is populated ("Inc tail_call_cnt if the slot is populated", in both its direct
 * and indirect tail calls, arch/x86/net/bpf_jit_comp.c), while the interpreter counts before it
 * looks at the slot (kernel/bpf/core.c, JMP_TAIL_CALL); 5.10's and 6.1's JIT count as the
 * interpreter does (0 differences in 5000 sets each). So on 6.12+ a chain that tries empty slots
 * reaches the limit of 33 sooner in the interpreter. Only a set with
 * tail calls and an empty slot below max_entries can show it; any other difference between the
 * stock JIT and the interpreter is unexplained and fails.
 */
static bool known_divergence(const struct progset *ps)
{
	bool tail = false, hole = false;
	uint32_t k;

	for (k = 0; k < ps->nprogs; k++)
		tail |= ps->info[k].has_tail_call;
	for (k = 0; k < NSLOTS; k++)
		hole |= ps->slot[k] < 0;
	return (kmajor > 6 || (kmajor == 6 && kminor >= 12)) && tail && hole;
}

/* Fuzz one seed; true when some scheme disagreed. */
static bool one_seed(uint64_t seed, struct tally *t, bool regress)
{
	struct progset *ps = &set_buf;
	enum scheme s, ref;
	bool bad = false, reject = false, tried[S_NR] = { false }, stock_div;
	char why[256], why2[256];
	uint32_t k;
	int fd;

	if (!make_set(seed, ps)) {
		printf("# seed %llu: the generator failed\n", (unsigned long long)seed);
		t->rejected++;
		return false;
	}
	t->sets++;
	t->programs += ps->nprogs;
	if (dump_all)
		dump_set(ps);
	/* the verifier's word first, with its log (stock JIT: every program loads there) */
	progress(seed, "verifier");
	set_scheme(S_STOCK);
	if (fresh_maps()) {
		printf("# seed %llu: maps: %s\n", (unsigned long long)seed, strerror(errno));
		return false;
	}
	for (k = 0; k < ps->nprogs && !reject; k++) {
		fd = load_prog(ps, k, true);
		if (fd < 0) {
			reject = true;
			t->rejected++;
			if (t->reported++ < 20) {
				printf("# seed %llu: program %u rejected by the verifier (%s); log tail:\n",
				       (unsigned long long)seed, k, strerror(errno));
				print_log_tail(12);
				if (verbose)
					dump_set(ps);
			}
		} else {
			close(fd);
		}
	}
	if (reject)
		return false;
	for (s = 0; s < S_NR; s++) {
		res[s].ran = false;
		for (k = 0; k < MAX_SET; k++)
			res[s].fds[k] = -1;
		if (s == S_INTERP && ps->interp_stack_bug)
			t->interp_stack_bug++;
		if (!scheme_ok[s] || (s == S_INTERP && (ps->calls_and_tail || ps->interp_stack_bug)) ||
		    (s == S_LEGACY && ps->calls_and_tail)) {
			t->skipped[s]++;
			continue;
		}
		if (set_scheme(s) || write_text(HARDEN, ps->harden ? "2" : "0")) {
			/* a set not run because its scheme could not be set is a failure, not a skip */
			t->mode_failed[s]++;
			if (t->mode_failed[s] < 4)
				printf("# seed %llu: %s: cannot select it: %s\n", (unsigned long long)seed,
				       scheme_names[s], strerror(errno));
			continue;
		}
		progress(seed, scheme_names[s]);
		{
			/* each variant must really be compiled by its scheme: a program that altjit
			 * handed to the stock JIT would compare stock with stock */
			long long hb0 = handed_back_total();
			long long alt0 = read_stat("legacy_jited") + read_stat("optimized_jited");

			run_set(ps, &res[s]);
			if ((s == S_LEGACY || s == S_OPT) && handed_back_total() != hb0) {
				if (t->handed_back[s]++ < 3)
					printf("# seed %llu: %s: %lld programs handed to the stock JIT\n",
					       (unsigned long long)seed, scheme_names[s],
					       handed_back_total() - hb0);
			}
			if (s == S_STOCK && read_stat("legacy_jited") + read_stat("optimized_jited") != alt0)
				t->wrong_jit[s]++;
		}
		tried[s] = true;
		t->runs[s]++;
		if (s == S_INTERP)
			for (k = 0; k < ps->nprogs; k++)
				t->interp_jited += res[s].jited[k];
	}
	ref = res[S_INTERP].ran ? S_INTERP : S_STOCK;
	/* what the programs did, to show the comparisons can fail */
	if (res[ref].ran) {
		int i;

		/* the area the bodies store to, not the register dump */
		t->mem_written += !!memcmp(res[ref].mem, ps->mem_init, MEM_SIZE);
		t->pkt_written += res[ref].pkt_len != PKT_SIZE || memcmp(res[ref].pkt, ps->pkt, PKT_SIZE);
		for (i = 0; i < t->nretvals && t->retvals[i] != res[ref].retval; i++)
			;
		if (i == t->nretvals && i < 64)
			t->retvals[t->nretvals++] = res[ref].retval;
	}
	for (k = 0; k < ps->nprogs; k++)
		if (ps->info[k].has_tail_call)
			break;
	t->tail_sets += k < ps->nprogs;
	for (k = 0; k < ps->nprogs; k++)
		if (ps->info[k].has_pseudo_call)
			break;
	t->call_sets += k < ps->nprogs;
	for (k = 0; k < ps->nprogs; k++)
		if (ps->info[k].has_call)
			break;
	t->helper_sets += k < ps->nprogs;
	for (k = 0; k < ps->nprogs; k++)
		if (ps->info[k].has_pkt)
			break;
	t->pkt_sets += k < ps->nprogs;
	for (k = 0; k < ps->nprogs; k++)
		if (ps->info[k].has_lookup)
			break;
	t->lookup_sets += k < ps->nprogs;
	if (!res[ref].ran) {
		/* the reference itself failed to run: every scheme counts it */
		printf("# seed %llu: %s: %s failed: %s\n", (unsigned long long)seed, scheme_names[ref],
		       res[ref].what, strerror(res[ref].err));
		t->mismatches[ref]++;
		bad = true;
	}
	/*
	 * Where the kernel's own JIT and interpreter disagree (6.12 counts a tail call into an empty
	 * slot in the interpreter, not in the JIT's direct tail calls), that is the kernel's, not
	 * altjit's: it is listed; optimized must then do what stock does (same frame, same ABI),
	 * legacy (pre-5.8 counting) what either does. Otherwise every scheme must equal both.
	 */
	stock_div = ref == S_INTERP && tried[S_STOCK] &&
		    differ(&res[S_INTERP], &res[S_STOCK], why2, sizeof(why2));
	if (stock_div) {
		t->divergences++;
		if (known_divergence(ps)) {
			t->known_div++;
			printf("# kernel divergence (documented: empty-slot tail calls, 6.12+), seed %llu kernel %d.%d: stock JIT vs interpreter: %s\n",
			       (unsigned long long)seed, kmajor, kminor, why2);
		} else {
			t->new_div++;
			bad = true;
			printf("# UNEXPLAINED divergence, seed %llu kernel %d.%d: stock JIT vs interpreter: %s\n",
			       (unsigned long long)seed, kmajor, kminor, why2);
			if (t->reported++ < 20)
				dump_set(ps);
		}
	}
	for (s = 0; s < S_NR && res[ref].ran; s++) {
		const char *d;

		if (s == ref || !tried[s] || (s == S_STOCK && ref == S_INTERP))
			continue;
		d = differ(&res[ref], &res[s], why, sizeof(why));
		if (s == S_OPT && res[S_STOCK].ran && (stock_div || !d))
			d = differ(&res[S_STOCK], &res[s], why, sizeof(why));
		if (s == S_LEGACY && d && stock_div && !differ(&res[S_STOCK], &res[s], why2, sizeof(why2)))
			d = NULL;
		if (!d)
			continue;
		t->mismatches[s]++;
		bad = true;
		if (t->reported++ < 20) {
			printf("# MISMATCH seed %llu kernel %d.%d scheme %s (reference: %s): %s\n",
			       (unsigned long long)seed, kmajor, kminor, scheme_names[s],
			       scheme_names[ref], d);
			dump_set(ps);
			dump_image(scheme_names[S_STOCK], res[S_STOCK].fds[0]);
			dump_image(scheme_names[s], res[s].fds[0]);
		}
	}
	if (bad)
		printf("# regression candidate: %llu\n", (unsigned long long)seed);
	if (regress) {
		t->regress++;
		t->regress_mismatch += bad;
	}
	write_text(HARDEN, "0");
	t->hardened += ps->harden;
	for (s = 0; s < S_NR; s++)
		close_result(&res[s]);
	return bad;
}

static void kernel_version(void)
{
	struct utsname u;

	uname(&u);
	if (sscanf(u.release, "%d.%d", &kmajor, &kminor) != 2)
		kmajor = kminor = 0;
}

int main(int argc, char **argv)
{
	unsigned long long first = 1, count = 0;
	double seconds = 0, t0;
	const char *seedfile = NULL;
	char mode0[64] = "", jit0[16] = "1", harden0[16] = "0";
	struct tally t = { 0 };
	long long legacy0, opt0;
	double rate;
	int c, s;

	const char *only = NULL;

	while ((c = getopt(argc, argv, "s:n:t:R:S:vdx")) != -1) {
		switch (c) {
		case 's': first = strtoull(optarg, NULL, 0); break;
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 't': seconds = atof(optarg); break;
		case 'R': seedfile = optarg; break;
		case 'v': verbose = true; break;
		case 'd': dump_all = true; break;
		case 'x': no_v4 = true; break;
		case 'S': only = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-s FIRST_SEED] [-n COUNT | -t SECONDS] [-R SEEDFILE] [-S SCHEME,...] [-x] [-v] [-d]\n",
				argv[0]);
			return 2;
		}
	}
	if (!count && !seconds)
		count = 100;
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_header();
	kernel_version();
	libbpf_set_print(NULL);
	read_line(JIT_ENABLE, jit0, sizeof(jit0));
	read_line(HARDEN, harden0, sizeof(harden0));
	if (read_line(MODE_PATH, mode0, sizeof(mode0)) && (!only || strstr(only, "legacy") ||
							       strstr(only, "optimized"))) {
		point(false, "altjit is loaded (%s)", MODE_PATH);
		return tap_finish();
	}
	if (make_btf()) {
		point(false, "BTF for bpf2bpf func info loads (%s)", strerror(errno));
		return tap_finish();
	}
	for (s = 0; s < S_NR; s++)
		scheme_ok[s] = (!only || strstr(only, scheme_names[s])) && !set_scheme(s);
	legacy0 = read_stat("legacy_jited");
	opt0 = read_stat("optimized_jited");
	t0 = now();

	if (seedfile) {
		FILE *f = fopen(seedfile, "r");
		char line[256];
		unsigned long long seed;

		if (!f) {
			point(false, "regression seeds in %s (%s)", seedfile, strerror(errno));
		} else {
			while (fgets(line, sizeof(line), f))
				if (sscanf(line, "%llu", &seed) == 1)
					one_seed(seed, &t, true);
			fclose(f);
		}
	}
	t.first = first;
	for (t.last = first;; t.last++) {
		if (count && t.last - first >= count)
			break;
		if (seconds && now() - t0 >= seconds)
			break;
		one_seed(t.last, &t, false);
		if ((t.last - first + 1) % 500 == 0)
			fprintf(stderr, "# altjit_fuzz: %llu seeds, %.0f s\n", t.last - first + 1, now() - t0);
	}

	/* put back what was there */
	write_text(JIT_ENABLE, jit0);
	write_text(HARDEN, harden0);
	{
		char names[MAX_SCHEMES][NAME_LEN];
		int cur;

		parse_modes(mode0, names, &cur);
		if (cur >= 0)
			write_text(MODE_PATH, names[cur]);
	}

	rate = t.sets ? 100.0 * (double)t.rejected / (double)(t.sets) : 100.0;
	printf("# kernel %d.%d: seeds %llu..%llu (+%ld regression seeds) in %.1f s: %ld sets, %ld programs\n",
	       kmajor, kminor, first, t.last - 1, t.regress, now() - t0, t.sets, t.programs);
	point(t.sets > 0 && rate < MAX_REJECT_RATE,
	      "%ld program sets (%ld programs) generated; %ld rejected by the verifier (%.2f%%, under %.0f%%)",
	      t.sets, t.programs, t.rejected, rate, MAX_REJECT_RATE);
	for (s = 0; s < S_NR; s++)
		if (s == S_STOCK && t.runs[S_INTERP])
			point(scheme_ok[s] && t.runs[s] > 0 && !t.mismatches[s] && !t.mode_failed[s] &&
			      !t.new_div,
			      "stock: ran %ld sets (%ld skipped, %ld could not select it); %ld differ from the interpreter: %ld documented kernel divergences, %ld unexplained",
			      t.runs[s], t.skipped[s], t.mode_failed[s], t.divergences, t.known_div,
			      t.new_div);
		else if (only && !strstr(only, scheme_names[s]))
			skip("not asked for (-S)", "%s", scheme_names[s]);
		else
			point(scheme_ok[s] && t.runs[s] > 0 && !t.mismatches[s] && !t.mode_failed[s],
			      "%s: %ld mismatches in %ld runs (%ld sets skipped, %ld could not select it)",
			      scheme_names[s], t.mismatches[s], t.runs[s], t.skipped[s], t.mode_failed[s]);
	point(!t.interp_jited, "interpreter runs were not JIT'ed (%ld were)", t.interp_jited);
	if (scheme_ok[S_STOCK] && t.runs[S_STOCK])
		point(!t.wrong_jit[S_STOCK], "stock runs were compiled by the stock JIT (%ld sets were not)",
		      t.wrong_jit[S_STOCK]);
	for (s = S_LEGACY; s <= S_OPT; s++)
		if (scheme_ok[s] && t.runs[s])
			point(!t.handed_back[s], "%s: every set was compiled by altjit (%ld sets had programs handed to the stock JIT)",
			      scheme_names[s], t.handed_back[s]);
	if (t.interp_stack_bug)
		printf("# %ld sets skipped the interpreter: tail calls into larger stacks (6.9+ interpreter stack bug)\n",
		       t.interp_stack_bug);
	point(t.sets && t.mem_written * 2 >= t.sets && t.nretvals >= (t.sets < 64 ? t.sets / 2 : 32) &&
	      (t.sets < 50 || (t.pkt_written && t.lookup_sets && t.hardened)),
	      "the programs did something: %ld/%ld sets stored into the map value's first %d bytes, %d%s distinct return values; %ld sets with tail calls, %ld with bpf2bpf calls, %ld with helper calls, %ld with packet access (%ld wrote the packet), %ld with map lookups; %ld run with bpf_jit_harden=2",
	      t.mem_written, t.sets, MEM_SIZE, t.nretvals, t.nretvals == 64 ? "+" : "", t.tail_sets,
	      t.call_sets, t.helper_sets, t.pkt_sets, t.pkt_written, t.lookup_sets, t.hardened);
	if (scheme_ok[S_LEGACY] && scheme_ok[S_OPT])
		point(read_stat("legacy_jited") > legacy0 && read_stat("optimized_jited") > opt0,
		      "altjit compiled them: legacy_jited +%lld, optimized_jited +%lld",
		      read_stat("legacy_jited") - legacy0, read_stat("optimized_jited") - opt0);
	if (seedfile)
		point(!t.regress_mismatch, "regression seeds: %ld replayed, %ld mismatch", t.regress,
		      t.regress_mismatch);
	return tap_finish();
}
