/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A seeded generator of random eBPF programs that terminate and pass the kernel's verifier as a
 * privileged program: seed in, struct bpf_insn array out. Used by selftests/host (native execution
 * of the code generator against a reference interpreter) and meant for differential fuzzing in the
 * guest (the kernel's interpreter against its JIT), so the programs are in the form userspace loads:
 *
 *   - helper calls are plain BPF_CALLs with the helper's id; a tail call is bpf_tail_call(ctx,
 *     map, index) with the map loaded by BPF_LD_IMM64 / BPF_PSEUDO_MAP_FD of opts.tail_call_map_fd;
 *   - division and modulo by a register are left as they are (the verifier adds its own guards:
 *     x / 0 = 0, x % 0 = x);
 *   - control flow is structured: forward jumps over blocks (if, if/else, an early exit at the end
 *     of an if body) and loops counted down from a small constant in a callee-saved register, so
 *     no instruction is unreachable and every program terminates;
 *   - every register is written before it is read (the prologue initialises R0-R9; R1-R5 are
 *     written again after each call); pointers live only in R10 and in one of R6-R9 (the ctx
 *     copy), and a pointer copy made for a load or store is overwritten right after it;
 *   - memory accesses are aligned and in bounds: the stack [-stack_size, 0) is fully written by
 *     the prologue before any load; the ctx is read (and written, when allowed) in [0, ctx_size);
 *   - the epilogue folds every scalar register (and, when the ctx is writable, stores them there),
 *     so a wrong value anywhere shows in R0 or the ctx;
 *   - bpf2bpf calls (opts.nr_subprogs) go from a function only to later ones (no recursion), and
 *     the main function calls every subprogram it did not call in its body before its epilogue,
 *     so each is reachable; each function has the same prologue and epilogue as the main one,
 *     keeps the arguments R2-R5 it was given (R1 too without a ctx) and gets the ctx in R1.
 */
#ifndef _ALTJIT_FUZZ_GEN_H
#define _ALTJIT_FUZZ_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/bpf.h>

/* Newer than some UAPI headers the generator may be built with. */
#ifndef BPF_MEMSX
#define BPF_MEMSX	0x80
#endif
#ifndef BPF_JMP32
#define BPF_JMP32	0x06
#endif

/* Instruction classes to use (ajf_opts.classes). */
#define AJF_ALU32	(1u << 0)	/* BPF_ALU: add..arsh, neg, mov, end (le/be) */
#define AJF_ALU64	(1u << 1)	/* BPF_ALU64 */
#define AJF_MULDIV	(1u << 2)	/* mul, div, mod (with the ALU classes above) */
#define AJF_JMP		(1u << 3)	/* BPF_JMP conditional jumps */
#define AJF_JMP32	(1u << 4)	/* BPF_JMP32 conditional jumps */
#define AJF_LDX		(1u << 5)	/* loads */
#define AJF_STX		(1u << 6)	/* stores from registers */
#define AJF_ST		(1u << 7)	/* stores of immediates */
#define AJF_ATOMIC	(1u << 8)	/* BPF_ATOMIC: add/and/or/xor (+fetch), xchg, cmpxchg */
#define AJF_LD_IMM64	(1u << 9)	/* 64-bit constants */
#define AJF_LOOP	(1u << 10)	/* bounded loops (back edges; kernels >= 5.3) */
#define AJF_CALL	(1u << 11)	/* helper calls from opts.helpers */
#define AJF_TAIL_CALL	(1u << 12)	/* bpf_tail_call() through opts.tail_call_map_fd */
#define AJF_EXIT	(1u << 13)	/* early exits */
#define AJF_PTR		(1u << 14)	/* loads/stores through a pointer copy in any register */
#define AJF_V4		(1u << 15)	/* cpu v4 (kernels >= 6.6): sdiv/smod, movsx, ldsx, bswap, gotol */
#define AJF_ALL		((1u << 16) - 1)
/* For loading into a kernel as SCHED_CLS (not in AJF_ALL: the host's stand-in has no skb). */
#define AJF_PKT		(1u << 16)	/* direct packet access: skb->data/data_end from the ctx,
					   a bounds check, a load or store in [0, pkt_size) */
#define AJF_CTX_LOAD	(1u << 17)	/* u32 loads of __sk_buff fields (len, mark, cb[]...) */
#define AJF_LOOKUP	(1u << 18)	/* bpf_map_lookup_elem(mem_map_fd, key on the stack): a load,
					   store or atomic through the returned pointer, NULL checked */
#define AJF_LOOP_CB	(1u << 19)	/* bpf_loop(nr, callback, ctx, 0) (kernels >= 5.17): one callback
					   function after the subprograms, its address a BPF_LD_IMM64 /
					   BPF_PSEUDO_FUNC; the main function calls it at least once */
#define AJF_PROBE	(1u << 20)	/* as an fentry program on bpf_fentry_test7/8(struct
					   bpf_fentry_test_t *arg): arg from the ctx, arg->a and
					   arg->a->a (PROBE_MEM loads, of NULL in the end) stored to the
					   memory region; needs ctx_write and memory */
#define AJF_DEFAULT	(AJF_ALL & ~(AJF_CALL | AJF_TAIL_CALL | AJF_V4))

/*
 * A helper the generator may call: id and how many of R1-R5 it takes; scalars, except the
 * arguments in ctx_args (bit a-1 for Ra: the ctx pointer) and zero_args (the constant 0).
 */
struct ajf_helper {
	int32_t id;
	uint8_t nargs;
	uint8_t ctx_args;
	uint8_t zero_args;
};

/* bpf2bpf calls: functions after the main one (ajf_opts.nr_subprogs). */
#define AJF_MAX_SUBPROGS	3
/* Functions of a program: main, the subprograms, a bpf_loop callback (AJF_LOOP_CB). */
#define AJF_MAX_FUNCS		(AJF_MAX_SUBPROGS + 2)


struct ajf_opts {
	uint32_t classes;		/* AJF_* */
	uint32_t len;			/* body size to aim for, in instructions (prologue/epilogue extra) */
	uint32_t stack_size;		/* bytes of stack used, multiple of 8, <= 512 (0: none) */
	uint32_t ctx_size;		/* bytes of ctx the program may read, multiple of 8 (0: none) */
	bool ctx_write;			/* ... and write (stores, and the epilogue's register dump) */
	bool ctx_atomic;		/* ... and use atomics on (the verifier refuses these on ctx) */
	uint32_t max_depth;		/* nesting of ifs and loops */
	uint32_t loop_max;		/* iterations of one loop, >= 1 */
	const struct ajf_helper *helpers;	/* AJF_CALL */
	uint32_t nr_helpers;
	int32_t tail_call_map_fd;	/* AJF_TAIL_CALL: the prog array */
	uint32_t tail_call_max_index;	/* indexes 0..this are tried (beyond max_entries too) */
	/*
	 * For loading into a kernel (all off by default). With mem_map, the memory region the
	 * fields ctx_* describe is the value of the array map mem_map_fd, reached through
	 * BPF_LD_IMM64 / BPF_PSEUDO_MAP_VALUE in a callee-saved register of its own, and the ctx is
	 * only passed on (tail calls, helpers' ctx_args, bpf2bpf calls).
	 */
	bool mem_map;
	int32_t mem_map_fd;
	bool atomic_add_only;		/* kernels < 5.12 (BPF_XADD): add only, no fetching forms */
	bool store_r0;			/* the epilogue stores the final R0 at region offset 0 too */
	uint32_t nr_subprogs;		/* bpf2bpf: functions after the main one, <= AJF_MAX_SUBPROGS */
	uint32_t sub_len;		/* body size of each of them (0: len / 2) */
	uint32_t sub_stack_size;	/* bytes of stack each of them uses, multiple of 8 */
	/*
	 * The epilogue's register dump (and store_r0's R0) at region offset dump_off instead of 0:
	 * R0-R9 at dump_off + 8 * r, R0 last at dump_off + 80, so it never overwrites what the body
	 * stored in [0, ctx_size) (which the epilogue then folds into R0 as it does the stack). The
	 * region must have dump_off + 88 bytes. 0: the old dump over [0, ctx_size).
	 */
	uint32_t dump_off;
	uint32_t pkt_size;		/* AJF_PKT: bytes of packet the bounds check asks for */
	bool tail_call_main_only;	/* tail calls only in the main function (kernels whose counter is
					   passed by value into subprograms: a subprogram's tail-call
					   chain starts again at each call, exponentially) */
	/*
	 * AJF_LOOP_CB: the callback (function 1 + nr_subprogs) gets the loop index in R1 and
	 * the caller's stack [-cb_ctx_size, 0) in R2 (NULL when 0; the main function's stack must
	 * be that large, a subprogram with less stack does not call bpf_loop). It keeps R1, works
	 * on its own stack, the memory region and through R2, folds and dumps like the others and
	 * returns 1 (stop) when R0 & cb_break_mask is 0, else 0. nr: 0..cb_max_nr, a constant or a
	 * register modulo cb_max_nr + 1; the main function's first call a constant 1..cb_max_nr.
	 */
	uint32_t cb_len;		/* body size (0: sub_len) */
	uint32_t cb_stack_size;		/* its own stack, multiple of 8 */
	uint32_t cb_ctx_size;		/* bytes of the caller's stack it gets, multiple of 8 */
	uint32_t cb_max_nr;		/* iterations of one bpf_loop, at most */
	uint32_t cb_break_mask;		/* stop when R0 & this is 0 */
	bool exit_zero;			/* every exit returns 0 (fentry programs) */
};

/* What came out, besides the instructions. */
struct ajf_info {
	uint32_t len;			/* instructions */
	uint32_t stack_depth;		/* bytes of stack the program uses */
	bool has_call;			/* helper calls */
	bool has_tail_call;		/* tail calls */
	bool has_loop;			/* back edges */
	bool has_pseudo_call;		/* bpf2bpf calls */
	bool has_pkt;			/* AJF_PKT accesses */
	bool has_lookup;		/* AJF_LOOKUP map lookups */
	uint32_t nr_loop_calls;		/* AJF_LOOP_CB: bpf_loop calls (the callback: the last function) */
	uint32_t nr_loop_calls_helper;	/* ... of them with flags the verifier cannot see are 0 (not inlined) */
	uint32_t nr_probe_loads;	/* AJF_PROBE: loads through a BTF pointer */
	uint32_t nr_funcs;		/* functions: 1 + opts.nr_subprogs (+ 1: the callback) */
	uint32_t func_start[AJF_MAX_FUNCS];	/* first instruction of each */
};

/* BPF_FUNC_tail_call, as the generator emits it (the verifier rewrites it into BPF_TAIL_CALL). */
#define AJF_FUNC_TAIL_CALL	12
/* BPF_FUNC_loop (5.17+; older UAPI headers lack it). */
#define AJF_FUNC_LOOP		181

/* Fills o with defaults: AJF_DEFAULT, 48 instructions, 64 bytes of stack, no ctx. */
void ajf_opts_default(struct ajf_opts *o);

/*
 * Generate the program of seed under o into out (cap instructions). Returns the length, or -1 when
 * cap is too small or o is inconsistent. The same seed and opts always give the same program.
 */
int ajf_generate(uint64_t seed, const struct ajf_opts *o, struct bpf_insn *out, uint32_t cap,
		 struct ajf_info *info);

/* A buffer large enough for any program of opts o. */
uint32_t ajf_max_len(const struct ajf_opts *o);

/* Print a program, one instruction a line, in a compact assembler-like form. */
void ajf_dump(FILE *f, const struct bpf_insn *insns, uint32_t len);

#endif /* _ALTJIT_FUZZ_GEN_H */
