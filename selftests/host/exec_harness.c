// SPDX-License-Identifier: GPL-2.0
/*
 * test_exec's harness (exec.h): images run safely (signals, a timer), and compare(), which
 * compiles a program set with the real code generator, links its prog array, runs it natively and
 * through the reference interpreter, and says how they differ; the target variants.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include "exec.h"
#include "interp.h"
#include "../fuzz/gen.h"

bool verbose;
uint64_t stat_tail_calls, stat_steps, stat_runs, stat_direct, stat_insns;

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

void setup_signals(void)
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

int run_image(const void *image, void *ctx, uint64_t *r0, uint64_t *bad)
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

int check_image(const void *image, uint8_t *jctx, const uint8_t *rctx, uint64_t want_r0,
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

struct host_jit jits[HOST_MAX_ENTRIES];
uint64_t compare_r0;
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

int compare(const struct progset *ps, const struct variant *v, bool direct,
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
		err = host_compile(j, &t, ps->frame[k] ? ps->frame[k] : v->frame, ps->stack[k], false);
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
	compare_r0 = res.r0;
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

const struct variant variants[] = {
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
const size_t nr_variants = sizeof(variants) / sizeof(variants[0]);

void fill_ctx(uint8_t *ctx, uint64_t seed)
{
	uint32_t k;

	for (k = 0; k < CTX_SIZE; k++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		ctx[k] = (uint8_t)(seed >> 56);
	}
}
