// SPDX-License-Identifier: GPL-2.0
/*
 * test_mitig: the mitigation sequences altjit emits, byte for byte against what the kernel's
 * arch/x86/net/bpf_jit_comp.c emits (6.1.0-57, 6.12.117: emit_spectre_bhb_barrier,
 * emit_indirect_jump, x86_call_depth_emit_accounting before emit_call), for both frames, and run
 * natively: the Spectre-BHB barrier keeps r0 although its loop clobbers rax and rcx.
 */
#include <stdlib.h>
#include <string.h>
#include "env.h"
#include "tap.h"
#include "../fuzz/gen.h"

#define I(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static const struct aj_frame *const frames[] = { &aj_frame_optimized, &aj_frame_legacy };

/* Find needle in the image; returns its offset or -1. */
static long find(const struct host_jit *j, const uint8_t *needle, size_t n)
{
	size_t k;

	for (k = 0; k + n <= j->size; k++)
		if (!memcmp(j->image + k, needle, n))
			return (long)k;
	return -1;
}

/* Where the rel32 of a call/jmp at off points. */
static uint64_t rel_target(const struct host_jit *j, long off)
{
	int32_t rel;

	memcpy(&rel, j->image + off + 1, 4);
	return (uint64_t)(uintptr_t)(j->image + off + 5) + rel;
}

/*
 * Unprivileged cBPF under the BHB loop in a guest: "push rax; push rcx; call clear_bhb_loop;
 * pop rcx; pop rax" then "ibhf" (f3 48 0f 1e f8), right where the exit starts: before the frame's
 * pops and leave. Privileged or eBPF programs: none of it.
 */
static void test_bhb(void)
{
	struct bpf_insn in[] = {
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 42),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 1),	/* R6: a pop in both frames */
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	static const uint8_t seq[] = { 0x50, 0x51 };
	static const uint8_t mark_seq[] = { 0x50, 0x51, HOST_CD_MARK, 0xe8 };
	static const uint8_t tail[] = { 0x59, 0x58, 0xf3, 0x48, 0x0f, 0x1e, 0xf8 };
	static const uint8_t ibhf[] = { 0xf3, 0x48, 0x0f, 0x1e, 0xf8 };
	struct host_jit j;
	size_t f;

	for (f = 0; f < 2; f++) {
		long t;
		uint64_t r0, bad = 0;
		uint8_t ctx[64] = { 0 };
		bool ok;

		ok = !host_compile_prog(&j, in, 3, HV_BHB | HV_CALLDEPTH, frames[f], true);
		/* call-depth accounting sits between the pushes and the call, as on 6.12 */
		t = ok ? find(&j, mark_seq, sizeof(mark_seq)) : -1;
		ok = t >= 0 && rel_target(&j, t + 10) == host_bhb_loop &&
		     !memcmp(j.image + t + 15, tail, sizeof(tail)) &&
		     /* then the frame's own exit: optimized pops rbx, legacy the counter into rcx */
		     j.image[t + 15 + sizeof(tail)] == (f == 0 ? 0x5b : 0x59) &&
		     find(&j, seq, 2) == t;	/* once */
		tap(ok, "BHB barrier at the exit of unprivileged cBPF (%s): push rax, rcx; accounting; call clear_bhb_loop; pop rcx, rax; ibhf; then the frame's pops",
		    frames[f]->name);
		r0 = host_call(j.image, ctx, &bad);
		tap(r0 == 42 && !bad, "BHB barrier (%s) runs natively and keeps r0 (42, got %llu) and the callee-saved registers",
		    frames[f]->name, (unsigned long long)r0);
		host_jit_free(&j);

		ok = !host_compile_prog(&j, in, 3, HV_BHB, frames[f], false) && find(&j, ibhf, sizeof(ibhf)) < 0 &&
		     find(&j, seq, sizeof(seq)) < 0;
		tap(ok, "no BHB barrier when the loader has CAP_SYS_ADMIN or the program is eBPF (%s)",
		    frames[f]->name);
		host_jit_free(&j);
	}
}

/* A tail call under ITS leaves through the ITS thunk of its register: array + reg * 64. */
static void test_its(void)
{
	struct bpf_insn in[] = {
		I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_MAP_FD, 0, HOST_MAP_FD), I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 1, 0, 0),	/* index not constant: indirect */
		I(BPF_JMP | BPF_CALL, 0, 0, 0, AJF_FUNC_TAIL_CALL),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 7),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	struct bpf_insn fixed[64];
	struct host_fixup_opts fo = { .map = host_array_new(4) };
	struct host_poke pokes[HOST_MAX_POKES];
	uint32_t nr_pokes = 0;
	struct host_jit j;
	size_t f;
	int n = host_fixup(in, 6, fixed, 64, &fo, pokes, &nr_pokes, NULL);

	for (f = 0; f < 2; f++) {
		/* optimized's keep-frame mode leaves through two jumps: to a keep entry, to a stock one */
		long k, found = 0, other = 0, want = frames[f] == &aj_frame_optimized ? 2 : 1;

		if (n < 0 || host_compile_prog(&j, fixed, n, HV_ITS | HV_RETPOLINE, frames[f], false)) {
			tap(false, "ITS: compile a tail call (%s)", frames[f]->name);
			continue;
		}
		for (k = 0; k + 5 <= (long)j.size; k++) {
			uint64_t to;

			if (j.image[k] != 0xe9)
				continue;
			to = rel_target(&j, k);
			if (to == host_its_thunks + 1 * 64)	/* rcx: the kernel's tail-call register */
				found++;
			else if (to >= host_its_thunks && to < host_its_thunks + 16 * 64)
				other++;
		}
		tap(found == want && !other && find(&j, (const uint8_t[]){ 0xff, 0xe1 }, 2) < 0,
		    "ITS: the tail call jumps to __x86_indirect_its_thunk_array + rcx * 64 (%ld of %ld jumps), never jmp *rcx nor the retpoline (%s)",
		    found, want, frames[f]->name);
		host_jit_free(&j);
	}
}

/* Call-depth accounting right before every call the image makes (helpers here), none elsewhere. */
static void test_call_depth(void)
{
	struct bpf_insn in[] = {
		I(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 3),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, 1),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, 2),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	static const uint8_t mark[] = { HOST_CD_MARK };
	struct host_jit j;
	size_t f;

	for (f = 0; f < 2; f++) {
		long k, calls = 0, marked = 0, marks = 0;

		if (host_compile_prog(&j, in, 4, HV_CALLDEPTH, frames[f], false)) {
			tap(false, "call depth: compile (%s)", frames[f]->name);
			continue;
		}
		for (k = 0; k + 8 <= (long)j.size; k++)
			if (!memcmp(j.image + k, mark, 8)) {
				marks++;
				if (j.image[k + 8] == 0xe8)
					marked++;
			}
		for (k = 0; k + 5 <= (long)j.size; k++)
			if (j.image[k] == 0xe8 && (rel_target(&j, k) == (uint64_t)(uintptr_t)host_helpers[1] ||
						   rel_target(&j, k) == (uint64_t)(uintptr_t)host_helpers[2]))
				calls++;
		tap(calls == 2 && marked == 2 && marks == 2,
		    "call depth: the accounting right before each of the 2 helper calls (%s: %ld calls, %ld marked, %ld marks)",
		    frames[f]->name, calls, marked, marks);
		host_jit_free(&j);
	}
}

int main(void)
{
	if (host_init()) {
		tap(false, "executable memory within rel32 reach of the helpers");
		return tap_done();
	}
	test_bhb();
	test_its();
	test_call_depth();
	return tap_done();
}
