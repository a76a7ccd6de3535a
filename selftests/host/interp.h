/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reference eBPF interpreter for the host tests, written from the instruction-set document: it
 * runs programs in the form userspace loads them (helper calls by id, bpf_tail_call() as helper 12
 * with a BPF_PSEUDO_MAP_FD map, division and modulo without the verifier's guards) and checks every
 * memory access against the stack, the ctx and the regions the world lists; bpf2bpf calls when the
 * world allows them (each call gets a stack frame of its own, up to INTERP_MAX_CALL_DEPTH).
 */
#ifndef _ALTJIT_HOST_INTERP_H
#define _ALTJIT_HOST_INTERP_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/bpf.h>

#define INTERP_MAX_CALL_DEPTH	8

struct interp_prog {
	const struct bpf_insn *insns;
	uint32_t len;
	const bool *direct;			/* direct[i]: the tail call at i is a direct one (or NULL) */
};

struct interp_region {
	void *p;
	uint64_t size;
};

struct interp_world {
	uint8_t *ctx;				/* the ctx buffer R1 points to at entry */
	uint32_t ctx_size;
	/* helpers: fn(id) or NULL when there is no such helper */
	uint64_t (*const *helpers)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
	uint32_t nr_helpers;
	/* the prog array behind map_fd */
	int32_t map_fd;
	const struct interp_prog *slots;	/* slots[i].insns NULL: empty */
	uint32_t max_entries;
	uint32_t max_tail_calls;
	bool count_after_null;			/* count a tail call only when the slot holds a program */
	bool count_after_null_direct;		/* ... for direct tail calls */
	uint64_t max_steps;
	/* more memory programs may touch (packet, map values, ...), besides the stack and the ctx */
	const struct interp_region *regions;
	uint32_t nr_regions;
	bool pseudo_calls;			/* run bpf2bpf calls (BPF_PSEUDO_CALL, imm relative) */
};

struct interp_result {
	uint64_t r0;
	uint32_t tail_calls;
	uint64_t steps;
	char err[160];				/* empty: ran to completion */
};

/* Run prog (the entry) to its exit; returns 0, or -1 with res->err set. */
int interp_run(const struct interp_world *w, const struct interp_prog *prog, struct interp_result *res);

#endif /* _ALTJIT_HOST_INTERP_H */
