/* SPDX-License-Identifier: GPL-2.0 */
/*
 * altjit_fuzz's parts: fuzz_set.c turns a seed into a program set (selftests/fuzz/gen.c does the
 * programs), fuzz_run.c loads, attaches, runs and compares a set, altjit_fuzz.c runs the
 * campaign (schemes, tallies, TAP).
 */
#ifndef _ALTJIT_FUZZ_H
#define _ALTJIT_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include "gen.h"		/* selftests/fuzz (the Makefile's FUZZ) */

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

enum scheme { S_INTERP, S_STOCK, S_LEGACY, S_OPT, S_NR };
extern const char *const scheme_names[S_NR];

extern bool verbose, dump_all, no_v4, no_harden;
extern int kmajor, kminor;

static inline bool kernel_at_least(int major, int minor)
{
	return kmajor > major || (kmajor == major && kminor >= minor);
}

/* bpf_loop() and BPF_PSEUDO_FUNC: 5.17. */
#define HAVE_BPF_LOOP()	kernel_at_least(5, 17)

/*
 * What a seed makes: SCHED_CLS sets (test-run on a packet, through a prog array), the same
 * with bpf_loop callbacks, or one fentry program on bpf_fentry_test7/8 (PROBE_MEM loads) that
 * a test run of it reaches when the kernel calls those functions.
 */
enum set_kind { SET_CLS, SET_CALLBACK, SET_FENTRY };

struct progset {
	uint64_t seed;
	enum set_kind kind;
	bool cb_wanted;			/* a callback seed on a kernel without bpf_loop: made SET_CLS */
	int fentry;			/* SET_FENTRY: 7 or 8, bpf_fentry_test<N> */
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

struct result {
	bool ran;
	int err;		/* load/run errno (0: ran) */
	const char *what;	/* where it failed */
	__u32 retval;
	uint8_t mem[VAL_SIZE];
	uint8_t pkt[256];
	__u32 pkt_len;
	int fds[MAX_SET];
	int link;		/* SET_FENTRY: the attachment */
	bool jited[MAX_SET];
};

/* fuzz_set.c */
uint64_t mix(uint64_t *s);
bool make_set(uint64_t seed, struct progset *ps);
void dump_set(const struct progset *ps);

/* fuzz_run.c */
int make_btf(void);
int fentry_btf_id(int n);		/* BTF id of bpf_fentry_test<n> in vmlinux, or -errno */
int load_prog(const struct progset *ps, uint32_t k, bool with_log);
void print_log_tail(int lines);
int fresh_maps(void);
void run_set(const struct progset *ps, struct result *r);
void close_result(struct result *r);
const char *differ(const struct result *want, const struct result *got, char *buf, size_t len);
void dump_image(const char *label, int fd);

#endif /* _ALTJIT_FUZZ_H */
