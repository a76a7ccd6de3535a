/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the pieces of altjit-bench --native share (private to them; bench.h is what altjit-bench.c
 * sees): native_world.c, the userspace maps, helpers and context; native_analyse.c, the verifier's
 * view of a program; native.c, reading objects, compiling, checking and timing; native_report.c,
 * the table, CSV and JSON.
 */
#ifndef _ALTJIT_NATIVE_H
#define _ALTJIT_NATIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/bpf.h>
#include "bench.h"
#include "env.h"
#include "interp.h"

#define N_SCHEMES	3
#define MAX_NPROGS	40		/* programs used from one object (tail33: 34) */
#define MAX_FUNCS	32		/* functions of one program */
#define MAX_FN_INSNS	8192		/* instructions of one function after host_fixup */
#define NR_HELPERS	212
#define FUNC_TAIL_CALL	12

/* The schemes compiled, in the order of each result's r[] (native.c). */
extern const struct aj_frame *const frames[N_SCHEMES];
/* optimized with the stock 5.10/6.1 JIT's tail-call counter sequence (native_stock.c) */
extern struct aj_frame native_stock_frame;
extern const char *const scheme_names[N_SCHEMES];

/* ---- userspace maps and the kernel context stand-in ---- */

struct nmap {
	uint32_t type, key_size, value_size, max_entries;
	uint32_t stride;		/* bytes per element (array: value rounded to 8; hash: a slot) */
	uint32_t nslots;		/* hash: slots (a power of two) */
	uint8_t *obj;			/* what programs get: this struct's address, then the data */
	uint8_t *data;			/* obj + NMAP_VALUE_OFF */
	size_t size;
	uint8_t *init;			/* initial contents (global data), or NULL */
	void *prog_array[N_SCHEMES];	/* BPF_MAP_TYPE_PROG_ARRAY: selftests/host's fake array per scheme */
};

/* A map as programs see it: a pointer to its struct nmap, and the elements at a fixed offset
 * (where the verifier's inlined array lookups find them, as in struct bpf_array). */
#define NMAP_VALUE_OFF	HOST_ARRAY_PTRS_OFF	/* 0x110, as offsetof(struct bpf_array, value) */

/* What the verifier turns xdp_md / __sk_buff accesses into loads and stores of: one field each. */
struct nctx {
	void *data, *data_end, *data_meta;
	void *flow_keys;
	void *skb;			/* the flow dissector's skb: NULL, as in BPF_PROG_TEST_RUN */
	uint32_t len;			/* disp8, as in struct sk_buff; the fields below at disp32, too */
	uint8_t pad[128];
	uint32_t mark, priority, ingress_ifindex, ifindex, hash, rx_queue_index, egress_ifindex;
	uint32_t cb[5];
	uint16_t protocol, queue_mapping, tc_index, tc_classid;
};

/* ---- one benchmark ---- */

struct nfunc {
	uint32_t start, len, depth;
};

struct nprog {
	char name[64];
	struct bpf_insn *insns;		/* the interpreter's form: relocated, ctx converted */
	uint32_t len;
	int slot;			/* prog array slot, or -1 */
	struct nfunc funcs[MAX_FUNCS];
	uint32_t nfuncs;
	bool has_tail_call;
	bool *direct;			/* per instruction: a direct tail call (from host_fixup) */
	uint32_t *map_of;		/* per instruction: 1 + the map an ld_imm64 loads, or 0 */
	struct host_jit *jit[N_SCHEMES];	/* [nfuncs] each */
	struct bpf_insn *fixed[N_SCHEMES];	/* host_fixup output, MAX_FN_INSNS per function */
};

struct nresult {
	char why[160];			/* not compiled / wrong: the reason (row says so) */
	bool failed;			/* a failure (wrong result, crash), not just unsupported */
	unsigned image, prologue, epilogue;
	double ns[MAX_TRIALS];
	double median, min, max;
};

struct nbench {
	const struct native_spec *spec;
	char label[64];
	char why[160];			/* unsupported natively, for both schemes */
	enum bpf_prog_type type;
	struct nmap maps[32];
	uint32_t nmaps;
	int prog_array;			/* index in maps, or -1 */
	struct nprog progs[MAX_NPROGS];
	uint32_t nprogs;		/* progs[0] is the entry */
	struct nctx ctx;
	uint8_t packet[sizeof(pkt)];
	struct bpf_flow_keys keys;
	struct interp_region regions[40];
	uint32_t nregions;
	uint64_t ref_r0;
	uint8_t *ref_state;
	size_t state_size;
	struct nresult r[N_SCHEMES];
};

static inline bool is_ldimm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_DW | BPF_IMM);
}

/* Both the program and scheme s compiled and checked: a number to report. */
static inline bool usable(const struct nbench *b, int s)
{
	return !b->why[0] && !b->r[s].why[0];
}

/* ---- native_world.c: helpers, the context, the state a run may change ---- */

/* The helpers (userspace implementations) the images and the interpreter call. */
extern host_helper_fn helpers[NR_HELPERS];
void helpers_init(void);

struct ctx_field {
	uint16_t uoff;			/* offset in xdp_md / __sk_buff */
	uint8_t usize;			/* its size there (the only access size modelled) */
	uint16_t koff;			/* offset in struct nctx */
	uint8_t ksize;			/* load/store size there */
	bool writable;
};

/* The fields of a program type's context (ending with a zero entry), or NULL: not modelled. */
const struct ctx_field *ctx_fields(enum bpf_prog_type t);

/* Before every run: the context, the packet, the flow keys and the maps as first set up. */
void reset_world(struct nbench *b);
/* The flow dissector's keys alone (before each timed run of one). */
void reset_keys(struct nbench *b);
/* Everything a run may change (the ctx, then every region), and a copy of it in out. */
size_t state_size(const struct nbench *b);
void save_state(const struct nbench *b, uint8_t *out);

/* ---- native_analyse.c ---- */

/*
 * The verifier's view of p: ctx accesses converted in place (or refused), functions split with
 * their stack depths, array-map lookups inlined. -1 with b->why set when not modelled.
 */
int analyse(struct nbench *b, struct nprog *p);

/* ---- native_report.c ---- */

/* The results on stdout as format (table, csv, json); with outdir, the CSV and the images there. */
void report(struct nbench *bs, int n, unsigned int repeat, int trials, int placements,
	    const char *format, const char *outdir);

#endif /* _ALTJIT_NATIVE_H */
