/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What test_exec's files share: exec_harness.c runs a program set through the code generator and
 * the reference interpreter and compares them (compare), on every target variant; test_exec.c
 * holds the hand-made programs and main; exec_random.c the seeded random programs.
 */
#ifndef _ALTJIT_HOST_EXEC_H
#define _ALTJIT_HOST_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "env.h"

#define CTX_SIZE	64
#define MAX_INSNS	4096

extern bool verbose;
/* What compare() and the random-program runs count, for their summary lines. */
extern uint64_t stat_tail_calls, stat_steps, stat_runs, stat_direct, stat_insns;

struct variant {
	const struct aj_frame *frame;
	unsigned hv;
};

/* Every frame with the target variants it is run on. */
extern const struct variant variants[];
extern const size_t nr_variants;

struct progset {
	const struct bpf_insn *insns[HOST_MAX_ENTRIES];
	uint32_t len[HOST_MAX_ENTRIES];
	uint32_t stack[HOST_MAX_ENTRIES];
	uint32_t nprogs;
	int slot[HOST_MAX_ENTRIES];		/* prog in array slot i (-1: empty) */
	const struct aj_frame *frame[HOST_MAX_ENTRIES];	/* prog's own frame (NULL: the variant's) */
	uint32_t max_entries;
};

/* The images compare() builds, one per program of the set (tests compiling one program use [0]). */
extern struct host_jit jits[HOST_MAX_ENTRIES];
/* r0 of compare()'s last run through the interpreter (the images returned the same when it passed). */
extern uint64_t compare_r0;

/* Catch the signals an image may die of (run_image turns them into a return value). */
void setup_signals(void);
/* Run an image; 0, or the signal that stopped it (SIGALRM: it hung). */
int run_image(const void *image, void *ctx, uint64_t *r0, uint64_t *bad);
/*
 * Run a JIT'ed image on jctx and compare with the reference interpreter's result (want_r0, rctx):
 * 0 when they agree, else -1 with why saying how they differ.
 */
int check_image(const void *image, uint8_t *jctx, const uint8_t *rctx, uint64_t want_r0,
		char *why, size_t size);
/*
 * Compile ps under v, run it on ctx_init through the images and the interpreter, compare r0, the
 * ctx and the C callee-saved registers. Returns 0 when equal; otherwise returns -1 and, for the
 * first two mismatches (*reported counts them), prints why.
 */
int compare(const struct progset *ps, const struct variant *v, bool direct,
	    const uint8_t *ctx_init, const char *what, int *reported);
/* CTX_SIZE bytes of seeded noise. */
void fill_ctx(uint8_t *ctx, uint64_t seed);

/* exec_random.c: every variant on seeds first.., without and with bpf2bpf calls */
void test_random(uint64_t first, unsigned nseeds);
void test_random_calls(uint64_t first, unsigned nseeds);

#endif /* _ALTJIT_HOST_EXEC_H */
