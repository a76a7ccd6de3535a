/* SPDX-License-Identifier: GPL-2.0 */
/* What altjit-bench.c and native.c (altjit-bench --native) share; native.h is --native's own. */
#ifndef _ALTJIT_BENCH_H
#define _ALTJIT_BENCH_H

/* The 64-byte Ethernet/IPv4/UDP frame every program runs on. */
extern unsigned char pkt[64];

/* Bytes of frame setup at the start of an x86-64 image, of teardown at the end of a function. */
unsigned int prologue_bytes(const unsigned char *b, unsigned int len);
unsigned int epilogue_bytes(const unsigned char *b, unsigned int len);

/* Trials per measurement: at most MAX_TRIALS; min, median and max of their ns per run. */
#define MAX_TRIALS	101
void trial_stats(const double *ns, int trials, double *min, double *median, double *max);

/* The prog-array slot a program goes into: the trailing number of its name, or -1. */
int name_slot(const char *name);

struct native_spec {
	const char *path;	/* BPF object */
	const char *prog;	/* entry program; empty: the object's first */
	const char *label;	/* row label; empty: the entry program's name */
};

/*
 * altjit-bench --native: compile each program with altjit's code generator in userspace (legacy and
 * optimized frames), check it against the reference interpreter, and time it on this CPU. Returns
 * the exit status.
 */
int native_bench(const struct native_spec *specs, int n, unsigned int repeat, int trials,
		 int placements, const char *format, const char *outdir);

#endif /* _ALTJIT_BENCH_H */
