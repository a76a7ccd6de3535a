// SPDX-License-Identifier: GPL-2.0
/*
 * test_frame: where a function's exits go, for both frames and the target variants that change
 * the epilogue (IBT, SLS, return thunks). No exit pays a jump to reach the epilogue: each exit
 * before the last instruction holds its own copy of it, the same instructions as the one after
 * the last instruction, except under the Spectre-BHB barrier (too big to copy: those exits jump). The ORC
 * frame-pointer range ends at the first leave, as the stock JIT's does. Every path runs natively.
 *
 * Then bpf2bpf calls with tail calls from a subprogram, natively, under both frames: a main function
 * calls a subprogram twice, which counts a run and tail-calls the program again (direct and
 * indirect), so the runs counted say how the chain's budget was kept: per frame by value (5.10,
 * 6.1) or one counter per chain (6.12+). Entered directly, and through a program without bpf2bpf
 * calls that tail-calls into it first (legacy: its reuse entry, whose stub rebuilds the frame).
 *
 * Then optimized's keep-frame mode (programs with an indirect tail call): the marker after the
 * patch site and the prologue's end at the keep entry, decoded; which entry its indirect tail call
 * takes, run natively against hand-made targets (marker: the keep entry, frame kept; the stock
 * JIT's bytes: X86_TAIL_CALL_OFFSET with the count in rax as the kernel's JIT hands it on); and
 * which images carry the marker (keep mode only). Mutant 32 runs here.
 */
#include <stdlib.h>
#include <string.h>
#include "env.h"
#include "tap.h"

#define I(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static const struct aj_frame *const frames[] = { &aj_frame_optimized, &aj_frame_legacy };
static const unsigned variants[] = { 0, HV_IBT | HV_NOP3, HV_SLS, HV_RETHUNK, HV_IBT | HV_SLS | HV_RETHUNK };

/*
 * r0 = ctx[0]; r6 = 7 (a callee-saved register: pops in both frames);
 * if r0 == 1: return 11 (exit at insn 4); if r0 == 2: return 22 (exit at insn 7); return r6 + 30.
 */
static struct bpf_insn prog[] = {
	I(BPF_LDX | BPF_MEM | BPF_B, 0, 1, 0, 0),
	I(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 7),
	I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 1),
	I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 11),
	I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 2),
	I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 22),
	I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 6, 0, 0),
	I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 30),
	I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
};
#define PROG_LEN	(sizeof(prog) / sizeof(prog[0]))
static const int early_exits[] = { 4, 7 };

/*
 * Whether the instructions in [from, to) hold a jump (jcc or jmp) into the image; a jmp out of it
 * (the return thunk) is a return.
 */
static bool has_jump(const struct host_jit *j, uint32_t from, uint32_t to)
{
	char text[64][HOST_DIS_TEXT];
	uint32_t len[64];
	int n = host_dis(j->image + from, to - from, (uint64_t)(uintptr_t)(j->image + from), text, len, 64);
	int k;

	for (k = 0; k < n; k++) {
		const char *hex = strstr(text[k], "0x");
		uintptr_t a;

		if (text[k][0] != 'j')
			continue;
		if (strncmp(text[k], "jmp ", 4) || !hex)
			return true;
		a = (uintptr_t)strtoull(hex, NULL, 16);
		if (a >= (uintptr_t)j->image && a < (uintptr_t)j->image + j->size)
			return true;
	}
	return false;
}

/* Whether [a, a + n) and [b, b + n) decode to the same instructions (rel32 targets compared absolute). */
static bool same_code(const struct host_jit *j, uint32_t a, uint32_t b, uint32_t n)
{
	char ta[32][HOST_DIS_TEXT], tb[32][HOST_DIS_TEXT];
	uint32_t la[32], lb[32];
	int na = host_dis(j->image + a, n, (uint64_t)(uintptr_t)(j->image + a), ta, la, 32);
	int nb = host_dis(j->image + b, n, (uint64_t)(uintptr_t)(j->image + b), tb, lb, 32);
	int k;

	if (na != nb || na <= 0)
		return false;
	for (k = 0; k < na; k++)
		if (la[k] != lb[k] || strcmp(ta[k], tb[k]))
			return false;
	return true;
}

static void test_exits(const struct aj_frame *frame, unsigned hv)
{
	const char *v = host_variant_name(hv);
	struct host_jit j;
	uint32_t epi, epi_len, first_leave = 0;
	bool ok = true, same = true;
	size_t e;

	if (!tap(!host_compile_prog(&j, prog, PROG_LEN, hv, frame, false),
		 "%s %s: the three-exit program compiles", frame->name, v))
		return;
	/* the epilogue after the last instruction: from where insn 10 (the last exit) ends */
	epi = j.addrs[PROG_LEN];
	epi_len = j.size - epi;
	for (e = 0; e < sizeof(early_exits) / sizeof(early_exits[0]); e++) {
		int i = early_exits[e];
		uint32_t from = j.addrs[i], to = j.addrs[i + 1];

		same &= to - from == epi_len && same_code(&j, from, epi, epi_len);
		ok &= !has_jump(&j, from, to);
		if (!first_leave)
			first_leave = from;
	}
	tap(same, "%s %s: each early exit holds the epilogue itself (%u bytes, the same instructions as after the last one)",
	    frame->name, v, epi_len);
	tap(ok, "%s %s: no early exit jumps anywhere in the image", frame->name, v);
	/* the first copy's leave is its last byte before the return (ret or jmp to the thunk) */
	tap(j.ctx.fp_end > first_leave && j.ctx.fp_end < j.addrs[early_exits[0] + 1] &&
	    j.image[j.ctx.fp_end - 1] == 0xc9,
	    "%s %s: the frame-pointer range ends at the first exit's leave (offset %u)", frame->name, v,
	    j.ctx.fp_end);
	for (e = 0; e < 3; e++) {
		uint8_t ctx[64] = { (uint8_t)(e + 1) };
		static const uint64_t want[] = { 11, 22, 37 };
		uint64_t bad = 0, r0 = host_call(j.image, ctx, &bad);

		tap(r0 == want[e] && !bad, "%s %s: exit %zu returns %llu (got %llu) with the callee-saved registers kept",
		    frame->name, v, e + 1, (unsigned long long)want[e], (unsigned long long)r0);
	}
	host_jit_free(&j);
}

/* Under the BHB barrier the epilogue stays single: early exits jump to it. */
static void test_bhb_exits(const struct aj_frame *frame)
{
	struct host_jit j;
	size_t e;
	bool ok;

	ok = !host_compile_prog(&j, prog, PROG_LEN, HV_BHB, frame, true);
	for (e = 0; ok && e < sizeof(early_exits) / sizeof(early_exits[0]); e++)
		ok = has_jump(&j, j.addrs[early_exits[e]], j.addrs[early_exits[e] + 1]);
	tap(ok, "%s bhb: with the Spectre-BHB barrier, early exits jump to the one epilogue", frame->name);
	if (ok) {
		uint8_t ctx[64] = { 2 };
		uint64_t bad = 0;

		tap(host_call(j.image, ctx, &bad) == 22 && !bad, "%s bhb: exit 2 runs natively", frame->name);
	}
	host_jit_free(&j);
}

/* ---- bpf2bpf calls and tail calls ---- */

#define HIER_CAP	200
#define TCALL(k)	I(BPF_JMP | BPF_CALL, 0, 0, 0, 12), I(0, 0, 0, 0, 0)
#define LD_MAP(r)	I(BPF_LD | BPF_DW | BPF_IMM, r, 1, 0, HOST_MAP_FD), I(0, 0, 0, 0, 0)

/* main: calls sub twice, returns 1 */
static const struct bpf_insn hier_main[] = {
	I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
	I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1),
	I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
	I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1),
	I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),
	I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
};

/* sub: ctx[0] += 1; below the cap, tail-call slot 0 (the program again); returns 0 */
static const struct bpf_insn hier_sub[] = {
	I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
	I(BPF_LDX | BPF_MEM | BPF_DW, 0, 6, 0, 0),
	I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 1),
	I(BPF_STX | BPF_MEM | BPF_DW, 6, 0, 0, 0),
	I(BPF_JMP | BPF_JGE | BPF_K, 0, 0, 5, HIER_CAP),
	I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
	LD_MAP(2),
	I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0),
	I(BPF_JMP | BPF_CALL, 0, 0, 0, 12),
	I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
	I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
};

/* a program without bpf2bpf calls: ctx[1] += 1, tail-calls slot 0, else returns 99 */
static const struct bpf_insn plain_tc[] = {
	I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
	I(BPF_LDX | BPF_MEM | BPF_DW, 0, 6, 0, 8),
	I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 1),
	I(BPF_STX | BPF_MEM | BPF_DW, 6, 0, 8, 0),
	I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
	LD_MAP(2),
	I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0),
	I(BPF_JMP | BPF_CALL, 0, 0, 0, 12),
	I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 99),
	I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
};

/* The kernel's counting: per frame by value (5.10, 6.1), one counter per chain (6.12+). */
static long model_count, model_shared;
static bool model_ptr;
static unsigned model_limit;

static void model_main(unsigned tcc);

static void model_sub(unsigned tcc)
{
	if (++model_count >= HIER_CAP)
		return;
	if (model_ptr) {
		if (model_shared >= model_limit)
			return;
		model_shared++;
		model_main(0);
	} else if (tcc < model_limit) {
		model_main(tcc + 1);
	}
}

static void model_main(unsigned tcc)
{
	model_sub(tcc);
	model_sub(tcc);
}

static struct bpf_insn hfix[3][32];
static struct host_jit hj[2], pj;

static void test_subprog_tail_calls(const struct aj_frame *frame, unsigned hv, bool direct,
				    bool via_plain)
{
	struct host_fixup_opts fo = { .direct_tail_calls = direct };
	const struct bpf_insn *src[2] = { hier_main, hier_sub };
	uint32_t len[2] = { sizeof(hier_main) / sizeof(hier_main[0]),
			    sizeof(hier_sub) / sizeof(hier_sub[0]) };
	uint32_t depth[2] = { 16, 8 }, k;
	uint64_t ctx[8] = { 0 }, bad = 0, r0;
	struct aj_target t;
	void *array;
	int n, err = 0;

	host_target(&t, hv);
	host_reset();
	array = host_array_new(1);
	fo.map = array;
	memset(hj, 0, sizeof(hj));
	memset(&pj, 0, sizeof(pj));
	for (k = 0; k < 2 && !err; k++) {
		n = host_fixup(src[k], len[k], hfix[k], 32, &fo, hj[k].pokes, &hj[k].nr_pokes, NULL);
		err = n < 0;
		hj[k].insns = hfix[k];
		hj[k].len = (uint32_t)n;
		hj[k].tail_call_reachable = true;	/* as the verifier marks callers */
	}
	if (!err)
		err = host_compile_funcs(hj, 2, &t, frame, depth);
	if (!err) {
		n = host_fixup(plain_tc, sizeof(plain_tc) / sizeof(plain_tc[0]), hfix[2], 32, &fo,
			       pj.pokes, &pj.nr_pokes, NULL);
		pj.insns = hfix[2];
		pj.len = (uint32_t)n;
		err = n < 0 || host_compile(&pj, &t, frame, 8, false);
	}
	if (!tap(!err, "%s %s%s: a program with a subprogram that tail-calls compiles", frame->name,
		 host_variant_name(hv), direct ? " direct" : ""))
		goto out;
	host_array_set(array, 0, &hj[0]);
	host_link(&hj[0], array);
	host_link(&hj[1], array);
	host_link(&pj, array);
	model_ptr = hv & HV_TC_PTR;
	model_limit = t.max_tail_calls;
	model_count = 0;
	model_shared = via_plain;
	if (via_plain && model_ptr)
		model_main(0);
	else
		model_main(via_plain);
	r0 = host_call(via_plain ? pj.image : hj[0].image, ctx, &bad);
	tap(r0 == 1 && !bad && ctx[0] == (uint64_t)model_count && ctx[1] == via_plain,
	    "%s %s%s: %stail calls from a subprogram called twice: %ld runs (%s), registers and rsp kept (got r0 %llu, %llu runs, bad %#llx)",
	    frame->name, host_variant_name(hv), direct ? " direct" : "",
	    via_plain ? "entered from a program without bpf2bpf calls, " : "", model_count,
	    model_ptr ? "one counter per chain" : "per frame, by value", (unsigned long long)r0,
	    (unsigned long long)ctx[0], (unsigned long long)bad);
out:
	host_jit_free(&hj[0]);
	host_jit_free(&hj[1]);
	host_jit_free(&pj);
	free(array);
}


/* ---- optimized's keep-frame mode: which entry an indirect tail call takes ---- */

/*
 * The keep entry as the layout in frame.c's header has it: the stock entry, [endbr], the count's
 * conversion (5.10/6.1: shr, sub), sub rsp,512, four pushes, the counter slots. Computed here, not asked of
 * frame.c, so the test holds the code to the layout it documents.
 */
static uint32_t keep_entry_off(const struct aj_target *t)
{
	return t->stock_tc_entry + (t->ibt ? 4 : 0) + (t->tc_cnt_ptr ? 0 : 8) + 7 + 7 +
	       (t->tc_cnt_ptr ? 14 : 1);
}

/*
 * A hand-made target: the stock prologue up to X86_TAIL_CALL_OFFSET, with the keep marker (33 c0)
 * or the stock JIT's own counter init (31 c0) after the patch site. Its stock entry returns rax as
 * it came (the count as the caller handed it on, stock ABI: rsp == rbp); its keep entry unwinds
 * a kept frame (counter slots, r15, r14, r13, rbx, leave) and returns 0x6b, so a caller that took
 * the wrong entry returns the wrong value or corrupts what host_call checks.
 */
/*
 * 6.10+ legacy: the reuse entry past X86_TAIL_CALL_OFFSET's endbr, the marker (7), sub rsp (7),
 * four pushes (7), the counter slots (14). Computed here, as keep_entry_off().
 */
static uint32_t legacy_reuse_off(const struct aj_target *t)
{
	return t->stock_tc_entry + (t->ibt ? 4 : 0) + 7 + 7 + 7 + 14;
}

/*
 * legacy: a legacy-shaped target instead: the legacy marker (0f 1f 80 47 4c 4a 41) right after
 * X86_TAIL_CALL_OFFSET's endbr, or the JITs' own 7-byte NOP there (0f 1f 80 00 00 00 00: the
 * closest a stock image comes to it), and the kept-frame entry at legacy's reuse entry.
 */
static uint8_t *probe_target_as(const struct aj_target *t, bool marker, uint8_t *obj, bool legacy)
{
	static const uint8_t lmark[] = { 0x0f, 0x1f, 0x80, 0x47, 0x4c, 0x4a, 0x41 };
	static const uint8_t nop7[] = { 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 };
	uint8_t *img = host_exec_alloc(256);
	struct aj_buf b = { img, 0 };

	if (!img)
		return NULL;
	if (t->ibt)
		x86_endbr64(&b);
	x86_nop5(&b);
	if (t->tc_nop_len == 3)
		aj_emit1(&b, 0x48);
	aj_emit2(&b, marker && !legacy ? 0x33 : 0x31, 0xc0);
	x86_push(&b, X_RBP);
	x86_mov_rr(&b, true, X_RBP, X_RSP);
	if (t->ibt)
		x86_endbr64(&b);
	if (legacy) {
		memcpy(img + b.len, marker ? lmark : nop7, 7);
		b.len += 7;
	}
	x86_leave(&b);
	x86_ret(&b);
	while (b.len < (legacy ? legacy_reuse_off(t) : keep_entry_off(t)))
		x86_int3(&b);
	if (t->ibt)
		x86_endbr64(&b);
	x86_pop(&b, X_RCX);
	if (t->tc_cnt_ptr)
		x86_pop(&b, X_RCX);
	x86_pop(&b, X_R15);
	x86_pop(&b, X_R14);
	x86_pop(&b, X_R13);
	x86_pop(&b, X_RBX);
	x86_mov_ri32(&b, false, X_RAX, 0x6b);
	x86_leave(&b);
	x86_ret(&b);
	memcpy(obj + HOST_PROG_BPF_FUNC_OFF, &img, sizeof(img));
	return img;
}

/*
 * A probe target (marker or not) in slot 0 of array, j's direct tail calls linked to it when
 * link, then one run of j: *r0, *bad as host_call reports them. Returns the target's image (NULL:
 * none could be made, nothing ran).
 */
static bool probe_legacy;	/* probe_run makes legacy-shaped targets (probe_target_as) */

static uint8_t *probe_run(const struct aj_target *t, bool marker, uint8_t *obj, void *array,
			  struct host_jit *j, bool link, uint64_t *ctx, uint64_t *r0, uint64_t *bad)
{
	uint8_t *img = probe_target_as(t, marker, obj, probe_legacy);

	*r0 = 0;
	if (!img)
		return NULL;
	memcpy((uint8_t *)array + HOST_ARRAY_PTRS_OFF, (void *[]){ obj }, sizeof(void *));
	if (link)
		host_link(j, array);
	*bad = 0;
	*r0 = host_call(j->image, ctx, bad);
	return img;
}

/* keep_caller: tail-calls slot ctx[0] (not a constant: indirect), else returns 99 */
static const struct bpf_insn keep_caller[] = {
	I(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 5),
	I(BPF_LDX | BPF_MEM | BPF_B, 3, 1, 0, 0),
	LD_MAP(2),
	I(BPF_JMP | BPF_CALL, 0, 0, 0, 12),
	I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 6, 0, 0),
	I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 94),
	I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
};

/* the same with a constant slot (direct when the harness makes it so) and one without a tail call */
static const struct bpf_insn direct_caller[] = {
	LD_MAP(2),
	I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0),
	I(BPF_JMP | BPF_CALL, 0, 0, 0, 12),
	I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 99),
	I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
};

static const struct bpf_insn no_tail_call[] = {
	I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 99),
	I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
};

static int compile_with(struct host_jit *j, const struct bpf_insn *in, uint32_t len, void *array,
			bool direct, const struct aj_target *t, const struct aj_frame *frame)
{
	struct host_fixup_opts fo = { .map = array, .direct_tail_calls = direct };
	int n;

	memset(j, 0, sizeof(*j));
	n = host_fixup(in, len, hfix[0], 32, &fo, j->pokes, &j->nr_pokes, NULL);
	if (n < 0)
		return -1;
	j->insns = hfix[0];
	j->len = (uint32_t)n;
	return host_compile(j, t, frame, 8, false);
}

/* The 4 bytes after the patch site: the keep marker, or what every other image has there. */
static bool has_marker(const struct host_jit *j, const struct aj_target *t)
{
	static const uint8_t m2[] = { 0x33, 0xc0, 0x55, 0x48 }, m3[] = { 0x48, 0x33, 0xc0, 0x55 };

	return !memcmp(j->image + (t->ibt ? 4 : 0) + 5, t->tc_nop_len == 3 ? m3 : m2, 4);
}

/*
 * Both kinds of probe target (marked, not) for j's indirect and, when direct_ok, o's direct tail
 * call (its own jump decoded): a marked target is entered at entry_off with the frame kept (r0
 * 0x6b), any other with the stock ABI (r0 stock_r0: the counter as the caller hands it on).
 */
static void probe_entries(const struct aj_target *t, const char *vn, const char *who,
			  struct host_jit *j, struct host_jit *o, int direct_ok, void *array,
			  uint32_t entry_off, uint64_t stock_r0, const char *marked, const char *unmarked,
			  const char *entry)
{
	uint8_t obj[HOST_PROG_OBJ_SIZE] = { 0 };
	uint64_t ctx[8] = { 0 }, bad, r0;
	int direct, marker;

	for (direct = 0; direct < 1 + direct_ok; direct++)
		for (marker = 0; marker < 2; marker++) {
			uint8_t *img = probe_run(t, marker, obj, array, direct ? o : j, direct, ctx,
						 &r0, &bad), *dest = NULL;
			uint32_t hot = direct ? o->pokes[0].hot : 0;
			int32_t rel;

			if (direct) {
				memcpy(&rel, o->image + hot + 1, 4);
				dest = o->image + hot + 5 + rel;
			}
			tap(img && (!direct || (o->image[hot] == 0xe9 &&
						dest == (marker ? img + entry_off : o->image + hot + 5))) &&
			    r0 == (marker ? 0x6b : stock_r0) && !bad,
			    "%s %s: %s, a target %s is entered %s (r0 %#llx, want %#llx; callee-saved/rsp bad %#llx)",
			    who, vn, direct ? "direct" : "indirect", marker ? marked : unmarked,
			    marker ? entry :
				     direct ? "through its own jump's next instruction: the stock exit and the site" :
					      "at X86_TAIL_CALL_OFFSET with the stock ABI",
			    (unsigned long long)r0, (unsigned long long)(marker ? 0x6b : stock_r0),
			    (unsigned long long)bad);
		}
}

static void test_keep_entry(unsigned hv)
{
	struct host_jit j, o;
	struct aj_target t;
	uint64_t ctx[8] = { 0 }, bad, r0, stock_r0;
	const char *vn;
	void *array;
	int direct_ok;

	host_target(&t, hv);
	vn = host_variant_name(hv);
	host_reset();
	array = host_array_new(4);
	if (!tap(array && !compile_with(&j, keep_caller, sizeof(keep_caller) / sizeof(keep_caller[0]),
					array, false, &t, &aj_frame_optimized),
		 "keep %s: a program with an indirect tail call compiles (optimized)", vn))
		goto out;
	/* the prologue ends at the keep entry (+ its endbr); the marker sits after the patch site */
	tap(has_marker(&j, &t) && j.ctx.frame_mode && j.addrs[0] == keep_entry_off(&t) + (t.ibt ? 4 : 0),
	    "keep %s: the keep-frame mode: marker after the patch site, prologue ends at the keep entry %u (+endbr)",
	    vn, keep_entry_off(&t));
	/* stock ABI when the target is not such an image: 5.10/6.1 count in rax's upper half */
	stock_r0 = hv & HV_TC_PTR ? 1 : 1ULL << 32;
	/*
	 * The same program with a direct tail call (tailpoke following it): keep mode, and its own
	 * jump, once linked, goes to a marked target's keep entry, else to its next instruction (the
	 * stock exit and the kernel's site, at X86_TAIL_CALL_OFFSET).
	 */
	direct_ok = tap(!compile_with(&o, direct_caller, sizeof(direct_caller) / sizeof(direct_caller[0]),
				      array, true, &t, &aj_frame_optimized) && o.nr_pokes == 1 &&
			o.pokes[0].hot && has_marker(&o, &t) && o.ctx.frame_mode,
			"keep %s: a program with a direct tail call that tailpoke follows: keep mode, marker, its own jump",
			vn);
	probe_entries(&t, vn, "keep", &j, &o, direct_ok, array, keep_entry_off(&t), stock_r0,
		      "with the marker", "with the stock JIT's bytes (31 c0)",
		      "at its keep entry, frame kept");
	/* an empty slot: no jump at all */
	memset((uint8_t *)array + HOST_ARRAY_PTRS_OFF, 0, 8);
	bad = 0;
	r0 = host_call(j.image, ctx, &bad);
	tap(r0 == 99 && !bad, "keep %s: an empty slot falls through (r0 %llu)", vn, (unsigned long long)r0);
	host_jit_free(&j);
	host_jit_free(&o);
	/* who carries the marker: only keep-mode images; without tailpoke, direct ones stay lean */
	host_tc_managed = false;
	tap(!compile_with(&o, direct_caller, sizeof(direct_caller) / sizeof(direct_caller[0]), array,
			  true, &t, &aj_frame_optimized) && o.nr_pokes == 1 && !o.pokes[0].hot &&
	    !has_marker(&o, &t) && !o.ctx.frame_mode,
	    "keep %s: a program with direct tail calls only, nobody following them: the lean frame, no marker, no own jump", vn);
	host_tc_managed = true;
	host_jit_free(&o);
	tap(!compile_with(&o, no_tail_call, 2, array, false, &t, &aj_frame_optimized) &&
	    !has_marker(&o, &t) && !o.ctx.frame_mode,
	    "keep %s: a program without tail calls keeps the lean frame, no marker", vn);
	host_jit_free(&o);
	tap(!compile_with(&o, keep_caller, sizeof(keep_caller) / sizeof(keep_caller[0]), array, false,
			  &t, &aj_frame_legacy) && !has_marker(&o, &t),
	    "keep %s: a legacy image has no marker", vn);
	host_jit_free(&o);
out:
	free(array);
}

/*
 * 6.10+ (the counter by pointer): legacy's tail calls without bpf2bpf calls keep the frame for a
 * legacy target only. Indirect: a target with legacy's marker is entered at its reuse entry (r0
 * 0x6b from the kept frame), one with the JITs' 7-byte NOP there at X86_TAIL_CALL_OFFSET with
 * the stock ABI (r0: the counter, 1). Direct (tailpoke following it): its own jump goes to the
 * reuse entry, else to its next instruction (the stock exit, then the site).
 */
static void test_legacy_entry(unsigned hv)
{
	struct host_jit j, o;
	struct aj_target t;
	const char *vn;
	void *array;
	int direct_ok;

	host_target(&t, hv);
	vn = host_variant_name(hv);
	host_reset();
	array = host_array_new(4);
	if (!tap(array && !compile_with(&j, keep_caller, sizeof(keep_caller) / sizeof(keep_caller[0]),
					array, false, &t, &aj_frame_legacy),
		 "legacy %s: a program with an indirect tail call compiles", vn))
		goto out;
	direct_ok = tap(!compile_with(&o, direct_caller, sizeof(direct_caller) / sizeof(direct_caller[0]),
				      array, true, &t, &aj_frame_legacy) && o.nr_pokes == 1 && o.pokes[0].hot,
			"legacy %s: a program with a direct tail call that tailpoke follows: its own jump", vn);
	probe_legacy = true;
	probe_entries(&t, vn, "legacy", &j, &o, direct_ok, array, legacy_reuse_off(&t), 1,
		      "with legacy's marker", "with the JITs' 7-byte NOP there",
		      "at its reuse entry, frame kept");
	probe_legacy = false;
	host_jit_free(&j);
	host_jit_free(&o);
out:
	free(array);
}

int main(void)
{
	size_t f, v;

	if (host_init()) {
		tap(false, "executable memory within rel32 reach of the helpers");
		return tap_done();
	}
	for (f = 0; f < 2; f++) {
		for (v = 0; v < sizeof(variants) / sizeof(variants[0]); v++)
			test_exits(frames[f], variants[v]);
		test_bhb_exits(frames[f]);
	}
	{
		static const unsigned kv[] = {
			0, HV_IBT | HV_NOP3, HV_TC_PTR | HV_NOP3, HV_IBT | HV_TC_PTR | HV_NOP3,
			HV_IBT | HV_TC_PTR | HV_NOP3 | HV_TC_LATE, HV_RETPOLINE, HV_LFENCE | HV_SLS,
			HV_IBT | HV_TC_PTR | HV_NOP3 | HV_ITS | HV_RETPOLINE | HV_SLS | HV_RETHUNK,
		};

		for (v = 0; v < sizeof(kv) / sizeof(kv[0]); v++) {
			test_keep_entry(kv[v]);
			if (kv[v] & HV_TC_PTR)
				test_legacy_entry(kv[v]);
		}
	}
	for (f = 0; f < 2; f++) {
		static const unsigned tv[] = { 0, HV_IBT | HV_TC_PTR | HV_NOP3,
					       HV_IBT | HV_TC_PTR | HV_NOP3 | HV_TC_LATE };

		for (v = 0; v < sizeof(tv) / sizeof(tv[0]); v++) {
			test_subprog_tail_calls(frames[f], tv[v], false, false);
			test_subprog_tail_calls(frames[f], tv[v], true, false);
			test_subprog_tail_calls(frames[f], tv[v], false, true);
			test_subprog_tail_calls(frames[f], tv[v], true, true);
		}
	}
	return tap_done();
}
