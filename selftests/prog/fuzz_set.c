// SPDX-License-Identifier: GPL-2.0
/*
 * altjit_fuzz: the program set of a seed. selftests/fuzz/gen.c makes each program; this picks
 * the set's shape (how many programs, their options, the prog array's slots, the memory and the
 * packet) from the seed and the running kernel.
 */
#include <stdio.h>
#include <string.h>
#include "fuzz.h"

const char *const scheme_names[S_NR] = { "interpreter", "stock", "legacy", "optimized" };
bool verbose, dump_all, no_v4, no_harden;
int kmajor, kminor;

uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}


/* Helpers a SCHED_CLS program may call whose results do not change from run to run. */
static const struct ajf_helper helpers[] = {
	{ BPF_FUNC_get_smp_processor_id, 0, 0, 0 },
	{ BPF_FUNC_get_numa_node_id, 0, 0, 0 },
	{ BPF_FUNC_csum_diff, 5, 0, 0x0f },		/* (NULL, 0, NULL, 0, seed) */
	{ BPF_FUNC_get_cgroup_classid, 1, 0x01, 0 },	/* (skb) */
	{ BPF_FUNC_get_route_realm, 1, 0x01, 0 },	/* (skb) */
	{ BPF_FUNC_get_hash_recalc, 1, 0x01, 0 },	/* (skb) */
};


/* ... and an fentry program may call (bpf_tracing_func_proto). */
static const struct ajf_helper tracing_helpers[] = {
	{ BPF_FUNC_get_smp_processor_id, 0, 0, 0 },
	{ BPF_FUNC_get_numa_node_id, 0, 0, 0 },
};

/*
 * The shape of a seed, from a stream of its own (the programs of SET_CLS seeds are what they
 * were before the other shapes existed): one in CB_EVERY a callback set (SET_CLS where the
 * kernel has no bpf_loop), one in FENTRY_EVERY an fentry set.
 */
#define SHAPE_EVERY	8
#define CB_SHAPES	2	/* of SHAPE_EVERY */
#define FENTRY_SHAPES	1

static void set_shape(uint64_t seed, struct progset *ps, uint64_t *y)
{
	uint64_t s = seed ^ 0xcb5ea7c0fffcULL;	/* the regression seeds stay SET_CLS */
	uint32_t shape;

	mix(&s);
	shape = (uint32_t)(mix(&s) % SHAPE_EVERY);
	*y = mix(&s);
	ps->kind = SET_CLS;
	if (shape < CB_SHAPES) {
		if (HAVE_BPF_LOOP())
			ps->kind = SET_CALLBACK;
		else
			ps->cb_wanted = true;
	} else if (shape < CB_SHAPES + FENTRY_SHAPES) {
		ps->kind = SET_FENTRY;
		ps->fentry = 7 + (int)(*y % 2);
	}
}

/* A bpf_loop callback for program k (program 0 always, others one in two). */
static void callback_opts(struct ajf_opts *o, uint64_t y, uint32_t k)
{
	static const uint32_t ctx_sizes[] = { 0, 8, 16, 32 };
	static const uint32_t cb_stacks[] = { 0, 8, 16, 32 };
	static const uint32_t masks[] = { 1, 3, 7, 15, 0xffff };

	y ^= (uint64_t)k * 0x9e3779b97f4a7c15ULL;
	if (k && (y >> 60) % 2)
		return;
	o->classes |= AJF_LOOP_CB;
	o->classes &= ~AJF_TAIL_CALL;	/* a callback program is one with bpf2bpf calls */
	o->cb_len = 8 + (uint32_t)((y >> 8) % 48);
	o->cb_stack_size = cb_stacks[(y >> 16) % 4];
	o->cb_ctx_size = ctx_sizes[(y >> 20) % 4];
	o->cb_max_nr = 1 + (uint32_t)((y >> 24) % 8);
	o->cb_break_mask = masks[(y >> 28) % 5];
	/* the caller hands its stack to the callback; the frames stay well under 512 bytes */
	if (o->stack_size > 128)
		o->stack_size = 128;
	if (o->stack_size < o->cb_ctx_size)
		o->stack_size = o->cb_ctx_size;
}

/*
 * The fentry program: no packet, skb fields, tail calls or bpf2bpf calls; returns 0. No early
 * exits either: its return value says nothing, so every run must reach the register dump (the
 * sign that it ran: 70 of 658 sets on 6.1 took an early exit and left the dump untouched).
 */
static void fentry_opts(struct ajf_opts *o)
{
	o->classes &= ~(AJF_PKT | AJF_CTX_LOAD | AJF_TAIL_CALL | AJF_EXIT);
	o->classes |= AJF_PROBE;
	o->nr_subprogs = 0;
	o->exit_zero = true;
	o->helpers = tracing_helpers;
	o->nr_helpers = sizeof(tracing_helpers) / sizeof(tracing_helpers[0]);
	if (o->stack_size < 8)
		o->stack_size = 8;
	/*
	 * 6.13+ gives a tracing program whose stack (rounded up to 16) is 64 bytes or more a private
	 * stack, which altjit leaves to the stock JIT: 265 of 658 sets on 7.3 compared stock with
	 * stock. Under 64 there, every scheme compiles it.
	 */
	if (kernel_at_least(6, 13) && o->stack_size > 48)
		o->stack_size = 48;
}

bool make_set(uint64_t seed, struct progset *ps)
{
	static const uint32_t stacks[] = { 0, 8, 64, 512, 24, 128 };
	static const uint32_t small_stacks[] = { 0, 8, 24, 64 };
	static const uint32_t sub_stacks[] = { 0, 8, 16, 32 };
	uint64_t r = seed ^ 0x5eed5eed5eedULL, y;
	uint32_t k;

	memset(ps, 0, offsetof(struct progset, insns));
	ps->seed = seed;
	set_shape(seed, ps, &y);
	ps->nprogs = 1 + (uint32_t)(mix(&r) % MAX_SET);
	if (ps->kind == SET_FENTRY)
		ps->nprogs = 1;	/* nothing to tail-call: the prog array stays empty */
	for (k = 0; k < NSLOTS; k++)
		ps->slot[k] = k < ps->nprogs && ps->kind != SET_FENTRY ? (int)k : -1;
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
		if (kernel_at_least(6, 6) && !no_v4)
			o.classes |= AJF_V4;
		if (x % 5 == 0)
			o.classes &= ~(AJF_CALL | AJF_TAIL_CALL);
		if ((x >> 3) % 7 == 0)
			o.classes &= ~AJF_TAIL_CALL;
		o.len = 16 + (uint32_t)((x >> 8) % 160);
		o.nr_subprogs = (x >> 16) % 3 == 0 ? 1 + (uint32_t)((x >> 20) % AJF_MAX_SUBPROGS) : 0;
		if (o.nr_subprogs) {
			/* bpf2bpf + tail calls: no interpreter (6.12+: legacy hands them to stock); not too often */
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
		o.atomic_add_only = !kernel_at_least(5, 12);
		o.store_r0 = true;
		o.dump_off = DUMP_OFF;
		o.pkt_size = PKT_SIZE;
		/* before 6.10 (tail_call_cnt_ptr), stock too counts tail calls by value */
		o.tail_call_main_only = !kernel_at_least(6, 10);
		o.helpers = helpers;
		o.nr_helpers = sizeof(helpers) / sizeof(helpers[0]);
		o.tail_call_map_fd = PA_FD;
		o.tail_call_max_index = NSLOTS + 1;
		if (ps->kind == SET_CALLBACK)
			callback_opts(&o, y, k);
		else if (ps->kind == SET_FENTRY)
			fentry_opts(&o);
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
	if (kernel_at_least(6, 9)) {
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
	ps->harden = !no_harden && seed % HARDEN_EVERY == HARDEN_EVERY - 1;
	/* Ethernet, IPv4 ethertype, then noise */
	for (k = 0; k < PKT_SIZE; k++)
		ps->pkt[k] = (uint8_t)mix(&r);
	ps->pkt[0] &= 0xfe;
	ps->pkt[12] = 0x08;
	ps->pkt[13] = 0x00;
	ps->pkt[14] = 0x45;
	return true;
}

void dump_set(const struct progset *ps)
{
	uint32_t k;

	printf("# seed %llu: %u program(s); prog array slots:", (unsigned long long)ps->seed,
	       ps->nprogs);
	for (k = 0; k < NSLOTS; k++)
		printf(" %d", ps->slot[k]);
	printf(" (map fds: memory %d, prog array %d)%s", MEM_FD, PA_FD,
	       ps->harden ? "; bpf_jit_harden=2" : "");
	if (ps->kind == SET_FENTRY)
		printf("; fentry on bpf_fentry_test%d\n", ps->fentry);
	else
		printf("%s\n", ps->kind == SET_CALLBACK ? "; bpf_loop callbacks" : "");
	for (k = 0; k < ps->nprogs; k++) {
		uint32_t f;

		printf("# program %u (%u insns%s%s%s%s%s%s%s), functions at", k, ps->len[k],
		       ps->info[k].has_pkt ? ", packet access" : "",
		       ps->info[k].has_lookup ? ", map lookups" : "",
		       ps->info[k].has_call ? ", helper calls" : "",
		       ps->info[k].has_pseudo_call ? ", bpf2bpf calls" : "",
		       ps->info[k].has_tail_call ? ", tail calls" : "",
		       ps->info[k].nr_loop_calls ? ", bpf_loop calls (callback: the last function)" : "",
		       ps->info[k].nr_probe_loads ? ", PROBE_MEM loads" : "");
		for (f = 0; f < ps->info[k].nr_funcs; f++)
			printf(" %u", ps->info[k].func_start[f]);
		printf(":\n");
		fflush(stdout);
		ajf_dump(stdout, ps->insns[k], ps->len[k]);
		fflush(stdout);
	}
}
