// SPDX-License-Identifier: GPL-2.0
/*
 * altjit_fuzz: differential fuzzing in the guest (issue 4, point 7).
 *
 *   altjit_fuzz [-s FIRST_SEED] [-n COUNT | -t SECONDS] [-R SEEDFILE] [-S SCHEME,...] [-x] [-H] [-v] [-d]
 *
 * For each seed, selftests/fuzz/gen.c makes a set of one to three SCHED_CLS programs (ALU, JMP,
 * bounded loops, stack and map-value memory, atomics, helper calls, bpf2bpf calls, tail calls
 * through a real prog array that also holds the set's programs, direct packet access through
 * skb->data/data_end, loads of __sk_buff fields, bpf_map_lookup_elem and accesses through the
 * pointer it returns). One seed in four (5.17+; SET_CLS before) is such a set whose programs
 * also call bpf_loop(nr, callback, ctx, 0): a callback function after the subprograms, its
 * address a BPF_LD_IMM64 / BPF_PSEUDO_FUNC, called from the main function, its body and its
 * subprograms, working on its own stack, the map value and its caller's stack, returning 0 or
 * 1. One seed in eight is one fentry program on bpf_fentry_test7(NULL) or bpf_fentry_test8(&arg)
 * (arg->a NULL): loads through arg and arg->a are PROBE_MEM loads (the last from NULL, 0), run
 * by a tracing test run, which calls those functions (fuzz_set.c). The set is loaded and run
 * (BPF_PROG_TEST_RUN, once, on a fixed packet)
 * under the kernel's interpreter (bpf_jit_enable=0), the stock JIT, altjit's legacy and
 * optimized schemes (/sys/kernel/altjit/mode), each time with a fresh prog array and memory map;
 * one seed in HARDEN_EVERY is loaded with net.core.bpf_jit_harden=2 (constant blinding) under
 * every JIT. What a run leaves is compared: the return value, the whole map value (the 64 bytes
 * the programs load from, store and update atomically, read back after the run; then each
 * function's register dump and final R0, a fold of every register, stack slot and of those 64
 * bytes) and the packet. A scheme that cannot be selected for a set fails its point.
 *
 * The reference is the interpreter where it can run the set (it cannot run programs with both
 * bpf2bpf calls and tail calls, nor callbacks: those are compared with the stock JIT); the stock JIT is
 * compared with it too, and any difference fails but the one documented kernel divergence
 * (known_divergence()). Sets with both bpf2bpf calls and tail calls run under legacy too, compared
 * with the stock JIT: on 6.12 legacy counts a tail call into an empty slot as the interpreter does
 * (the stock JIT does not), so there the same documented divergence is accepted for legacy, and
 * counted; any other difference fails. A program the verifier refuses under the first scheme is a generator bug:
 * counted, its log's tail printed, not run.
 *
 * Seeds of SEEDFILE (first word of each line, '#' comments) run first and count as regression
 * seeds. On a mismatch: the seed, the scheme, expected and got, the programs (ajf_dump) and the
 * entry program's JIT image (hex, for objdump -D -b binary -mi386:x86-64) under both schemes.
 * TAP: programs and verifier rejections (rate under 2%), then one point per scheme (0
 * mismatches), the callback and fentry sets made, loaded and run per scheme (failing when none
 * ran; bpf_loop SKIPs before 5.17), then altjit's counters showing it compiled. Exit 0 iff every
 * point passed. -H: leave net.core.bpf_jit_harden alone (no hardened seeds).
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
#include "fuzz.h"

#include "ajtest.h"

#define MAX_REJECT_RATE	2.0	/* percent */

/* ---- the campaign ---- */

struct tally {
	long programs, sets, rejected, runs[S_NR], mismatches[S_NR], vs_stock[S_NR], skipped[S_NR];
	long interp_jited, interp_stack_bug, divergences, regress, regress_mismatch, mem_written, tail_sets, call_sets, helper_sets;
	long handed_back[S_NR];		/* sets with a program altjit gave to the stock JIT */
	long mode_failed[S_NR];		/* sets not run: the scheme could not be selected */
	long known_div, new_div;	/* stock vs interpreter: documented kernel divergences, others */
	long legacy_known_div;		/* legacy vs stock, no interpreter: the same divergence (6.12) */
	long legacy_mixed;		/* legacy runs of sets with bpf2bpf calls and tail calls */
	long legacy_mixed_back;		/* 6.10+: of those, sets with programs handed to stock */
	long pkt_sets, lookup_sets, hardened, pkt_written;
	long wrong_jit[S_NR];		/* stock runs compiled by altjit */
	/* bpf_loop callback sets: made, refused by the verifier, run per scheme; bpf_loop calls;
	   programs whose bpf2bpf subprograms call bpf_loop too; callback seeds made SET_CLS */
	long cb_sets, cb_rejected, cb_runs[S_NR], cb_calls, cb_helper_calls, cb_sub_callers, cb_unavailable;
	/* fentry sets: made (on bpf_fentry_test7, 8), refused, run per scheme, PROBE_MEM loads,
	   reference runs that left the map value as it was (the program did not run) */
	long fe_sets, fe_test[2], fe_rejected, fe_runs[S_NR], fe_probe_loads, fe_unrun;
	long cls_sets;			/* SET_CLS sets (the return values below are theirs) */
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

static const char *const set_kind_names[] = { "SCHED_CLS", "bpf_loop callbacks", "fentry" };

/* What a set holds, for the tallies (before the verifier's word). */
static void count_shape(const struct progset *ps, struct tally *t)
{
	uint32_t k, i;

	t->cb_unavailable += ps->cb_wanted;
	t->cls_sets += ps->kind != SET_FENTRY;
	if (ps->kind == SET_FENTRY) {
		t->fe_sets++;
		t->fe_test[ps->fentry == 8]++;
		t->fe_probe_loads += ps->info[0].nr_probe_loads;
	}
	if (ps->kind != SET_CALLBACK)
		return;
	t->cb_sets++;
	for (k = 0; k < ps->nprogs; k++) {
		const struct ajf_info *in = &ps->info[k];
		bool sub = false;

		t->cb_calls += in->nr_loop_calls;
		t->cb_helper_calls += in->nr_loop_calls_helper;
		/* a call of bpf_loop in a subprogram (between the main function and the callback) */
		for (i = in->nr_funcs > 2 ? in->func_start[1] : in->len;
		     i < in->func_start[in->nr_funcs - 1]; i++)
			sub |= ps->insns[k][i].code == (BPF_JMP | BPF_CALL) &&
			       !ps->insns[k][i].src_reg && ps->insns[k][i].imm == AJF_FUNC_LOOP;
		t->cb_sub_callers += sub;
	}
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
	count_shape(ps, t);
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
				printf("# seed %llu: program %u (%s) rejected by the verifier (%s); log tail:\n",
				       (unsigned long long)seed, k, set_kind_names[ps->kind],
				       strerror(errno));
				print_log_tail(12);
				if (verbose)
					dump_set(ps);
			}
		} else {
			close(fd);
		}
	}
	if (reject) {
		t->cb_rejected += ps->kind == SET_CALLBACK;
		t->fe_rejected += ps->kind == SET_FENTRY;
		return false;
	}
	for (s = 0; s < S_NR; s++) {
		res[s].ran = false;
		for (k = 0; k < MAX_SET; k++)
			res[s].fds[k] = -1;
		if (s == S_INTERP && ps->interp_stack_bug)
			t->interp_stack_bug++;
		/* the interpreter cannot run callbacks (the verifier refuses them without a JIT) */
		if (!scheme_ok[s] ||
		    (s == S_INTERP && (ps->calls_and_tail || ps->interp_stack_bug ||
				       ps->kind == SET_CALLBACK))) {
			t->skipped[s]++;
			continue;
		}
		if (set_scheme(s) || (!no_harden && write_text(HARDEN, ps->harden ? "2" : "0"))) {
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
			long long hb0 = handed_back_total(), he0 = read_stat("handed_back_error");
			long long alt0 = read_stat("legacy_jited") + read_stat("optimized_jited");

			run_set(ps, &res[s]);
			if (s == S_LEGACY && ps->calls_and_tail && kernel_at_least(6, 10) &&
			    handed_back_total() != hb0 && read_stat("handed_back_error") == he0) {
				/*
				 * 6.10+: legacy hands programs with bpf2bpf calls and tail calls
				 * to the stock JIT (module/frame_legacy.c); the set's others are
				 * legacy's, in the same prog array (one tail-call ABI there).
				 */
				t->legacy_mixed_back++;
			} else if ((s == S_LEGACY || s == S_OPT) && handed_back_total() != hb0) {
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
		t->legacy_mixed += s == S_LEGACY && ps->calls_and_tail;
		if (res[s].ran) {
			t->cb_runs[s] += ps->kind == SET_CALLBACK;
			t->fe_runs[s] += ps->kind == SET_FENTRY;
		}
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
		if (i == t->nretvals && i < 64 && ps->kind != SET_FENTRY)
			t->retvals[t->nretvals++] = res[ref].retval;
		/* an fentry program always dumps its registers: an unchanged dump means it never ran */
		if (ps->kind == SET_FENTRY &&
		    !memcmp(res[ref].mem + DUMP_OFF, ps->mem_init + DUMP_OFF, VAL_SIZE - DUMP_OFF)) {
			t->fe_unrun++;
			bad = true;
			printf("# seed %llu: %s: the fentry program on bpf_fentry_test%d did not run\n",
			       (unsigned long long)seed, scheme_names[ref], ps->fentry);
		}
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
		/*
		 * Without the interpreter (bpf2bpf calls and tail calls) legacy is compared with the
		 * stock JIT: on 6.12 it counts empty-slot tail calls as the interpreter does there,
		 * which the stock JIT does not (known_divergence(); 7.3's interpreter and JIT agree).
		 */
		if (s == S_LEGACY && d && ref == S_STOCK && kmajor == 6 && known_divergence(ps)) {
			t->legacy_known_div++;
			printf("# legacy counts empty-slot tail calls as 6.12's interpreter (documented), seed %llu: legacy vs stock JIT: %s\n",
			       (unsigned long long)seed, d);
			d = NULL;
		}
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
	if (!no_harden)
		write_text(HARDEN, "0");
	t->hardened += ps->harden;
	for (s = 0; s < S_NR; s++)
		close_result(&res[s]);
	return bad;
}

/*
 * The callback and fentry shapes: how many were made, loaded and run per scheme. A run in which
 * no such set ran under a scheme asked for fails (a shape that never runs tests nothing), as
 * does a verifier rejection rate over MAX_REJECT_RATE within the shape.
 */
static bool shape_ran(const long runs[S_NR], bool interp)
{
	int s;

	for (s = interp ? S_INTERP : S_STOCK; s < S_NR; s++)
		if (scheme_ok[s] && !runs[s])
			return false;
	return true;
}

static void shape_points(const struct tally *t)
{
	double cb_rate = t->cb_sets ? 100.0 * (double)t->cb_rejected / (double)t->cb_sets : 0;
	double fe_rate = t->fe_sets ? 100.0 * (double)t->fe_rejected / (double)t->fe_sets : 0;

	if (!HAVE_BPF_LOOP())
		skip("bpf_loop and BPF_PSEUDO_FUNC came in 5.17", "bpf_loop callbacks on %d.%d: %ld callback seeds made plain sets",
		     kmajor, kminor, t->cb_unavailable);
	else
		point(t->cb_sets > t->cb_rejected && cb_rate < MAX_REJECT_RATE &&
		      t->cb_helper_calls && shape_ran(t->cb_runs, false),
		      "bpf_loop callbacks: %ld sets (%ld bpf_loop calls, %ld not inlined, %ld programs calling it from a subprogram too), %ld loaded, %ld rejected (%.2f%%); ran stock %ld, legacy %ld, optimized %ld (the interpreter cannot)",
		      t->cb_sets, t->cb_calls, t->cb_helper_calls, t->cb_sub_callers, t->cb_sets - t->cb_rejected,
		      t->cb_rejected, cb_rate, t->cb_runs[S_STOCK], t->cb_runs[S_LEGACY],
		      t->cb_runs[S_OPT]);
	point(t->fe_sets > t->fe_rejected && fe_rate < MAX_REJECT_RATE && !t->fe_unrun &&
	      t->fe_probe_loads && shape_ran(t->fe_runs, true),
	      "PROBE_MEM: %ld fentry sets (bpf_fentry_test7 %ld, test8 %ld; %ld loads through BTF pointers), %ld loaded, %ld rejected (%.2f%%), %ld did not run; ran interpreter %ld, stock %ld, legacy %ld, optimized %ld",
	      t->fe_sets, t->fe_test[0], t->fe_test[1], t->fe_probe_loads,
	      t->fe_sets - t->fe_rejected, t->fe_rejected, fe_rate, t->fe_unrun,
	      t->fe_runs[S_INTERP], t->fe_runs[S_STOCK], t->fe_runs[S_LEGACY], t->fe_runs[S_OPT]);
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

	while ((c = getopt(argc, argv, "s:n:t:R:S:vdxH")) != -1) {
		switch (c) {
		case 's': first = strtoull(optarg, NULL, 0); break;
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 't': seconds = atof(optarg); break;
		case 'R': seedfile = optarg; break;
		case 'v': verbose = true; break;
		case 'd': dump_all = true; break;
		case 'x': no_v4 = true; break;
		case 'H': no_harden = true; break;
		case 'S': only = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-s FIRST_SEED] [-n COUNT | -t SECONDS] [-R SEEDFILE] [-S SCHEME,...] [-x] [-H] [-v] [-d]\n",
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
	if (!no_harden)
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
		else if (s == S_LEGACY)
			/* the sets with bpf2bpf calls and tail calls must have run too (one in ~8) */
			point(scheme_ok[s] && t.runs[s] > 0 && !t.mismatches[s] && !t.mode_failed[s] &&
			      (t.legacy_mixed > 0 || t.sets < 100) &&
			      (!kernel_at_least(6, 10) || !t.legacy_mixed || t.legacy_mixed_back > 0),
			      "%s: %ld mismatches in %ld runs (%ld with bpf2bpf calls and tail calls, %ld of those with 6.12's documented empty-slot count, %ld with those programs handed to the stock JIT as 6.10+ does; %ld sets skipped, %ld could not select it)",
			      scheme_names[s], t.mismatches[s], t.runs[s], t.legacy_mixed,
			      t.legacy_known_div, t.legacy_mixed_back, t.skipped[s], t.mode_failed[s]);
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
	point(t.sets && t.mem_written * 2 >= t.sets &&
	      t.nretvals >= (t.cls_sets < 64 ? t.cls_sets / 2 : 32) &&
	      (t.sets < 50 || (t.pkt_written && t.lookup_sets && (t.hardened || no_harden))),
	      "the programs did something: %ld/%ld sets stored into the map value's first %d bytes, %d%s distinct return values; %ld sets with tail calls, %ld with bpf2bpf calls, %ld with helper calls, %ld with packet access (%ld wrote the packet), %ld with map lookups; %ld run with bpf_jit_harden=2",
	      t.mem_written, t.sets, MEM_SIZE, t.nretvals, t.nretvals == 64 ? "+" : "", t.tail_sets,
	      t.call_sets, t.helper_sets, t.pkt_sets, t.pkt_written, t.lookup_sets, t.hardened);
	shape_points(&t);
	if (scheme_ok[S_LEGACY] && scheme_ok[S_OPT])
		point(read_stat("legacy_jited") > legacy0 && read_stat("optimized_jited") > opt0,
		      "altjit compiled them: legacy_jited +%lld, optimized_jited +%lld",
		      read_stat("legacy_jited") - legacy0, read_stat("optimized_jited") - opt0);
	if (seedfile)
		point(!t.regress_mismatch, "regression seeds: %ld replayed, %ld mismatch", t.regress,
		      t.regress_mismatch);
	return tap_finish();
}
