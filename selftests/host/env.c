// SPDX-License-Identifier: GPL-2.0
/*
 * The code generator's userspace side (see env.h): the same module/jit_core.c, jit_insn.c and
 * frame.c the kernel module builds, with this file where the kernel has jit_kernel.c.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "env.h"
#include "../fuzz/gen.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

#define ARENA_SIZE	(32u << 20)
#define THUNK_SIZE	32

static uint8_t *arena;
static size_t arena_used, arena_base_used;
static uint64_t thunk_array, return_thunk;
uint64_t host_its_thunks, host_bhb_loop;
#define ITS_STANDIN_SIZE	64

/* ---- executable memory near the binary ---- */

static bool near(const void *a, const void *b)
{
	int64_t d = (int64_t)((uintptr_t)a - (uintptr_t)b);

	return d > -(1LL << 30) && d < (1LL << 30);
}

int host_init(void)
{
	uintptr_t text = (uintptr_t)&host_init & ~((uintptr_t)(1 << 21) - 1);
	struct aj_buf b;
	int k, r;

	if (arena)
		return 0;
	for (k = 1; k <= 16 && !arena; k++) {
		uintptr_t hint = k & 1 ? text + (uintptr_t)(k / 2 + 1) * (64u << 20)
				       : text - (uintptr_t)(k / 2) * (64u << 20);
		void *p = mmap((void *)hint, ARENA_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p == MAP_FAILED)
			continue;
		if (!near(p, (void *)text) || !near((uint8_t *)p + ARENA_SIZE, (void *)text)) {
			munmap(p, ARENA_SIZE);
			continue;
		}
		arena = p;
	}
	if (!arena)
		return -1;
	memset(arena, 0xcc, ARENA_SIZE);

	/* retpoline stand-ins: thunk r is "jmp *r" at thunk_array + r * THUNK_SIZE; a return thunk */
	thunk_array = (uint64_t)(uintptr_t)arena;
	for (r = 0; r < 16; r++) {
		b = (struct aj_buf){ arena + r * THUNK_SIZE, 0 };
		x86_jmp_reg(&b, r);
	}
	return_thunk = thunk_array + 16 * THUNK_SIZE;
	b = (struct aj_buf){ arena + 16 * THUNK_SIZE, 0 };
	x86_ret(&b);
	/* ITS stand-ins: "jmp *r" at its_thunks + r * 64, as the kernel lays its ITS thunks out */
	host_its_thunks = thunk_array + 17 * THUNK_SIZE;
	for (r = 0; r < 16; r++) {
		b = (struct aj_buf){ arena + 17 * THUNK_SIZE + r * ITS_STANDIN_SIZE, 0 };
		x86_jmp_reg(&b, r);
	}
	/* the BHB loop stand-in clobbers what clear_bhb_loop clobbers: rax and rcx */
	host_bhb_loop = host_its_thunks + 16 * ITS_STANDIN_SIZE;
	b = (struct aj_buf){ arena + 17 * THUNK_SIZE + 16 * ITS_STANDIN_SIZE, 0 };
	x86_mov_ri64(&b, X_RAX, 0x5a5a5a5a5a5a5a5aULL);
	x86_mov_ri64(&b, X_RCX, 0xa5a5a5a5a5a5a5a5ULL);
	x86_ret(&b);
	arena_base_used = arena_used = 17 * THUNK_SIZE + 16 * ITS_STANDIN_SIZE + 64;
	return 0;
}

void host_reset(void)
{
	memset(arena + arena_base_used, 0xcc, arena_used - arena_base_used);
	arena_used = arena_base_used;
}

size_t host_exec_shift;

void *host_exec_alloc(size_t n)
{
	void *p;

	arena_used = ((arena_used + 63) & ~(size_t)63) + host_exec_shift;
	if (!arena || arena_used + n > ARENA_SIZE)
		return NULL;
	p = arena + arena_used;
	arena_used += n;
	return p;
}

/* ---- targets ---- */

void host_target(struct aj_target *t, unsigned hv)
{
	memset(t, 0, sizeof(*t));
	t->ibt = hv & HV_IBT;
	t->tc_cnt_ptr = hv & HV_TC_PTR;
	t->tc_nop_len = hv & HV_NOP3 ? 3 : 2;
	t->sls_jmp = t->sls_ret = hv & HV_SLS;
	t->max_tail_calls = 33;
	/* the stock JIT's tail-call entry: [endbr] nop5, counter slot, push rbp, mov rbp,rsp, [endbr] */
	t->stock_tc_entry = (t->ibt ? 4 : 0) + 5 + t->tc_nop_len + 1 + 3;
	t->array_max_entries_off = HOST_ARRAY_MAX_ENTRIES_OFF;
	t->array_ptrs_off = HOST_ARRAY_PTRS_OFF;
	t->prog_bpf_func_off = HOST_PROG_BPF_FUNC_OFF;
	if (hv & HV_RETPOLINE) {
		t->indirect_thunks = thunk_array;
		t->thunk_size = THUNK_SIZE;
	}
	t->lfence_retpoline = hv & HV_LFENCE;
	t->return_thunk = hv & HV_RETHUNK ? return_thunk : 0;
	t->probe_mem_limit = HOST_PROBE_LIMIT;
	if (hv & HV_ITS) {
		t->its_thunks = host_its_thunks;
		t->its_thunk_size = ITS_STANDIN_SIZE;
	}
	if (hv & HV_BHB) {
		t->bhb_loop = host_bhb_loop;
		t->bhb_ibhf = true;
	}
	t->call_depth = hv & HV_CALLDEPTH;
	t->interp_tc_late = hv & HV_TC_LATE;
}

const char *host_variant_name(unsigned hv)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "ibt=%d tc_ptr=%d nop=%d%s%s%s%s%s%s%s%s", !!(hv & HV_IBT),
		 !!(hv & HV_TC_PTR), hv & HV_NOP3 ? 3 : 2, hv & HV_SLS ? " sls" : "",
		 hv & HV_RETPOLINE ? " retpoline" : "", hv & HV_LFENCE ? " lfence" : "",
		 hv & HV_RETHUNK ? " rethunk" : "", hv & HV_ITS ? " its" : "",
		 hv & HV_BHB ? " bhb" : "", hv & HV_CALLDEPTH ? " calldepth" : "",
		 hv & HV_TC_LATE ? " tc_late" : "");
	return buf;
}

/* ---- helpers ---- */

#define HELPER __attribute__((force_align_arg_pointer))

static HELPER uint64_t h_const(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	(void)a, (void)b, (void)c, (void)d, (void)e;
	return 0x1234abcd5678ef90ULL;
}

static HELPER uint64_t h_lin(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	(void)c, (void)d, (void)e;
	return a * 3 + b;
}

static HELPER uint64_t h_mix5(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	uint64_t x = a ^ (b << 1) ^ (c << 2) ^ (d << 3) ^ (e << 4);

	return x ^ (x >> 29) ^ 0x9e3779b97f4a7c15ULL;
}

static HELPER uint64_t h_not(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	(void)b, (void)c, (void)d, (void)e;
	return ~a ^ (a >> 7);
}

/* Helper 5 as the interpreter sees it; the images call the assembly version below. */
static uint64_t h_clobber_ref(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	(void)d, (void)e;
	return a - b + 2 * c;
}

/* rax = rdi - rsi + 2 * rdx, then every other caller-saved register gets garbage. */
uint64_t host_h_clobber(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
__asm__(
	"	.text\n"
	"	.globl host_h_clobber\n"
	"	.type host_h_clobber, @function\n"
	"host_h_clobber:\n"
	"	mov %rdi, %rax\n"
	"	sub %rsi, %rax\n"
	"	add %rdx, %rax\n"
	"	add %rdx, %rax\n"
	"	movabs $0x5ca1ab1e5ca1ab1e, %rcx\n"
	"	mov %rcx, %rdx\n"
	"	mov %rcx, %rsi\n"
	"	mov %rcx, %rdi\n"
	"	mov %rcx, %r8\n"
	"	mov %rcx, %r9\n"
	"	mov %rcx, %r10\n"
	"	mov %rcx, %r11\n"
	"	ret\n"
	"	.size host_h_clobber, .-host_h_clobber\n");

host_helper_fn const host_helpers[HOST_NR_HELPERS] = {
	NULL, h_const, h_lin, h_mix5, h_not, h_clobber_ref,
};
const uint8_t host_helper_nargs[HOST_NR_HELPERS] = { 0, 0, 2, 5, 1, 3 };
static host_helper_fn const jit_helpers[HOST_NR_HELPERS] = {
	NULL, h_const, h_lin, h_mix5, h_not, host_h_clobber,
};

/* ---- the environment the code generator calls back ---- */

int aj_env_call_addr(struct aj_ctx *ctx, int i, u64 *addr)
{
	const struct bpf_insn *insn = &ctx->fn->insns[i];
	struct host_jit *j = ctx->env;

	j->nr_call_addr++;
	if (insn->src_reg == BPF_PSEUDO_CALL && j->funcs) {
		/* as the kernel: a placeholder until the extra pass, the callee's image then */
		if (insn->imm < 0 || (uint32_t)insn->imm >= j->nr_funcs)
			return -EINVAL;
		*addr = ctx->extra_pass ? (u64)(uintptr_t)j->funcs[insn->imm].image : 0;
		return 0;
	}
	if (insn->src_reg)
		return -EOPNOTSUPP;	/* bpf2bpf calls outside host_compile_funcs */
	if (j->helpers) {
		if (insn->imm <= 0 || (uint32_t)insn->imm >= j->nr_helpers || !j->helpers[insn->imm])
			return -EINVAL;
		*addr = (u64)(uintptr_t)j->helpers[insn->imm];
		return 0;
	}
	if (insn->imm <= 0 || insn->imm >= HOST_NR_HELPERS)
		return -EINVAL;
	*addr = (u64)(uintptr_t)jit_helpers[insn->imm];
	return 0;
}

bool aj_env_tail_call_is_direct(struct aj_ctx *ctx, int i)
{
	return ctx->fn->insns[i].imm > 0;
}

/*
 * As the kernel with tailpoke's redirect live (host_tc_managed, the default): the frame's own
 * jumps are followed (host_link); false: as a kernel where it could not be installed.
 */
bool host_tc_managed = true;

bool aj_env_tail_call_managed(struct aj_ctx *ctx)
{
	(void)ctx;
	return host_tc_managed;
}

int aj_env_tail_call_direct(struct aj_ctx *ctx, int i, u32 site, u32 bypass, u32 adj_off, u32 hot)
{
	struct host_jit *j = ctx->env;
	s32 n = ctx->fn->insns[i].imm - 1;

	if (n < 0 || (u32)n >= j->nr_pokes)
		return -EINVAL;
	if (!ctx->b.image)
		return 0;
	j->pokes[n].site = site;
	j->pokes[n].bypass = bypass;
	j->pokes[n].adj_off = adj_off;
	j->pokes[n].hot = hot;
	j->pokes[n].emitted = true;
	return 0;
}

void aj_env_call_accounting(struct aj_ctx *ctx, u64 target)
{
	static const u8 mark[] = { HOST_CD_MARK };

	(void)target;
	if (ctx->t->call_depth)
		aj_emit_bytes(&ctx->b, mark, sizeof(mark));
}

int aj_env_probe_mem(struct aj_ctx *ctx, int i, u32 insn_off, u32 len, int dst)
{
	struct host_jit *j = ctx->env;

	(void)i, (void)insn_off, (void)len, (void)dst;
	if (ctx->b.image)
		j->nr_probe++;
	return 0;
}

/* ---- the verifier's rewrites ---- */

/* One instruction, for the rewrites here and in altjit-bench --native. */
struct bpf_insn host_insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i;

	memset(&i, 0, sizeof(i));
	i.code = code;
	i.dst_reg = dst;
	i.src_reg = src;
	i.off = off;
	i.imm = imm;
	return i;
}

static bool is_jump(const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);

	return (cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL && op != BPF_EXIT &&
	       op != BPF_TAIL_CALL;
}

static int32_t jump_target(const struct bpf_insn *in, uint32_t i)
{
	if (in->code == (BPF_JMP32 | BPF_JA))
		return (int32_t)i + 1 + in->imm;
	return (int32_t)i + 1 + in->off;
}

/* How insn i expands; writes the expansion at out (when not NULL). */
static uint32_t expand(const struct bpf_insn *in, const struct bpf_insn *prev, bool prev_is_target,
		       const struct host_fixup_opts *o, struct bpf_insn *out,
		       struct host_poke *pokes, uint32_t *nr_pokes)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	struct bpf_insn tmp[8];
	uint32_t n = 0;

	if ((cls == BPF_ALU || cls == BPF_ALU64) && (op == BPF_DIV || op == BPF_MOD)) {
		uint8_t j = cls == BPF_ALU64 ? BPF_JMP : BPF_JMP32;
		struct bpf_insn zero = op == BPF_DIV ? host_insn(BPF_ALU | BPF_XOR | BPF_X, in->dst_reg, in->dst_reg, 0, 0)
						     : host_insn(cls | BPF_MOV | BPF_X, in->dst_reg, in->dst_reg, 0, 0);
		struct bpf_insn m1 = op == BPF_DIV ? host_insn(cls | BPF_NEG | BPF_K, in->dst_reg, 0, 0, 0)
						   : host_insn(BPF_ALU | BPF_MOV | BPF_K, in->dst_reg, 0, 0, 0);

		if (BPF_SRC(in->code) == BPF_K) {
			tmp[n++] = in->off == 1 && in->imm == -1 ? m1 : *in;
		} else if (!in->off) {
			tmp[n++] = host_insn(j | BPF_JEQ | BPF_K, in->src_reg, 0, 2, 0);
			tmp[n++] = *in;
			tmp[n++] = host_insn(BPF_JMP | BPF_JA, 0, 0, 1, 0);
			tmp[n++] = zero;
		} else {
			tmp[n++] = host_insn(j | BPF_JEQ | BPF_K, in->src_reg, 0, 3, 0);
			tmp[n++] = host_insn(j | BPF_JEQ | BPF_K, in->src_reg, 0, 4, -1);
			tmp[n++] = *in;
			tmp[n++] = host_insn(BPF_JMP | BPF_JA, 0, 0, 3, 0);
			tmp[n++] = zero;
			tmp[n++] = host_insn(BPF_JMP | BPF_JA, 0, 0, 1, 0);
			tmp[n++] = m1;
		}
	} else if (in->code == (BPF_LD | BPF_DW | BPF_IMM)) {
		tmp[n++] = in[0];
		tmp[n++] = in[1];
		if (in->src_reg == BPF_PSEUDO_MAP_FD) {
			uint64_t a = (uint64_t)(uintptr_t)o->map;

			if (in->imm != HOST_MAP_FD)
				return 0;
			tmp[0].src_reg = 0;
			tmp[0].imm = (int32_t)(uint32_t)a;
			tmp[1].imm = (int32_t)(uint32_t)(a >> 32);
		}
	} else if (in->code == (BPF_JMP | BPF_CALL) && !in->src_reg && in->imm == AJF_FUNC_TAIL_CALL) {
		uint32_t max = o->map ? *(uint32_t *)((uint8_t *)o->map + HOST_ARRAY_MAX_ENTRIES_OFF) : 0;
		int32_t imm = 0;
		uint64_t key = ~0ULL;

		/* a constant index: "r3 = K" right before, and nothing jumps in between */
		if (prev && !prev_is_target && prev->dst_reg == BPF_REG_3) {
			if (prev->code == (BPF_ALU | BPF_MOV | BPF_K))
				key = (uint32_t)prev->imm;
			else if (prev->code == (BPF_ALU64 | BPF_MOV | BPF_K))
				key = (uint64_t)(int64_t)prev->imm;
		}
		if (o->direct_tail_calls && key < max && *nr_pokes < HOST_MAX_POKES) {
			if (out)
				pokes[*nr_pokes] = (struct host_poke){ .key = (uint32_t)key };
			imm = (int32_t)++*nr_pokes;
		}
		tmp[n++] = host_insn(BPF_JMP | BPF_TAIL_CALL, 0, 0, 0, imm);
	} else {
		tmp[n++] = *in;
	}
	if (out)
		memcpy(out, tmp, n * sizeof(*out));
	return n;
}

int host_fixup(const struct bpf_insn *in, uint32_t len, struct bpf_insn *out, uint32_t cap,
	       const struct host_fixup_opts *o, struct host_poke *pokes, uint32_t *nr_pokes,
	       bool *direct)
{
	uint32_t *at = calloc(len + 1, sizeof(*at));
	bool *target = calloc(len + 1, sizeof(*target));
	uint32_t i, n = 0, np = 0, step;
	int ret = -1;

	if (!at || !target)
		goto out;
	for (i = 0; i < len; i++)
		if (is_jump(&in[i])) {
			int32_t t = jump_target(&in[i], i);

			if (t < 0 || (uint32_t)t > len)
				goto out;
			target[t] = true;
		}
	/* sizes first, then the instructions with their jumps moved */
	for (i = 0; i < len; i += step) {
		bool ld = in[i].code == (BPF_LD | BPF_DW | BPF_IMM);
		uint32_t k = expand(&in[i], i ? &in[i - 1] : NULL, target[i], o, NULL, pokes, &np);

		step = ld ? 2 : 1;
		if (!k || (ld && i + 1 >= len))
			goto out;
		at[i] = n;
		if (ld)
			at[i + 1] = n + 1;
		n += k;
	}
	at[len] = n;
	if (n > cap)
		goto out;
	np = 0;
	for (i = 0; i < len; i += step) {
		step = in[i].code == (BPF_LD | BPF_DW | BPF_IMM) ? 2 : 1;
		expand(&in[i], i ? &in[i - 1] : NULL, target[i], o, out + at[i], pokes, &np);
		if (direct)
			direct[i] = out[at[i]].code == (BPF_JMP | BPF_TAIL_CALL) && out[at[i]].imm > 0;
		if (is_jump(&in[i])) {
			int32_t d = (int32_t)at[jump_target(&in[i], i)] - (int32_t)at[i] - 1;

			if (in[i].code == (BPF_JMP32 | BPF_JA))
				out[at[i]].imm = d;
			else
				out[at[i]].off = (int16_t)d;
		}
	}
	*nr_pokes = np;
	ret = (int)n;
out:
	free(at);
	free(target);
	return ret;
}

/* ---- compiling ---- */

static int host_image_alloc(struct aj_ctx *ctx, u32 size, u8 **rw, u64 *ip)
{
	u8 *p = host_exec_alloc(size);

	(void)ctx;
	if (!p)
		return -ENOMEM;
	*rw = p;
	*ip = (u64)(uintptr_t)p;
	return 0;
}

static const struct aj_image_ops host_image_ops = { .alloc = host_image_alloc };

static struct aj_frame counting_frame;

static void counting_prologue(struct aj_ctx *ctx)
{
	((struct host_jit *)ctx->env)->passes++;
	aj_frame_optimized.prologue(ctx);
}

int host_compile(struct host_jit *j, const struct aj_target *t, const struct aj_frame *frame,
		 uint32_t stack_depth, bool count_passes)
{
	bool tc = false;
	uint32_t i;
	int err;

	for (i = 0; i < j->len; i++)
		if (j->insns[i].code == (BPF_JMP | BPF_TAIL_CALL))
			tc = true;
	free(j->addrs);
	j->addrs = calloc(j->len + 1, sizeof(*j->addrs));
	if (!j->addrs)
		return -ENOMEM;
	if (!j->obj)
		j->obj = calloc(1, HOST_PROG_OBJ_SIZE);
	j->fn = (struct aj_func){
		.insns = j->insns,
		.len = j->len,
		.stack_depth = stack_depth,
		.is_subprog = j->is_subprog,
		.has_subprogs = j->nr_funcs > 1,
		.tail_call_reachable = tc || j->tail_call_reachable,
		.has_tail_call = tc,
		.bhb_barrier = j->bhb_barrier,
	};
	if (count_passes && frame == &aj_frame_optimized) {
		counting_frame = aj_frame_optimized;
		counting_frame.prologue = counting_prologue;
		frame = &counting_frame;
	}
	j->ctx = (struct aj_ctx){
		.t = t,
		.frame = frame,
		.fn = &j->fn,
		.addrs = j->addrs,
		.env = j,
	};
	j->passes = j->nr_call_addr = j->nr_probe = 0;
	for (i = 0; i < j->nr_pokes; i++)
		j->pokes[i].emitted = false;
	err = aj_compile(&j->ctx, &host_image_ops);
	if (err)
		return err;
	j->image = j->ctx.b.image;
	j->size = j->ctx.b.len;
	memcpy(j->obj + HOST_PROG_BPF_FUNC_OFF, &j->image, sizeof(j->image));
	return 0;
}

int host_compile_prog(struct host_jit *j, struct bpf_insn *in, uint32_t n, unsigned hv,
		      const struct aj_frame *frame, bool bhb)
{
	static struct aj_target t;

	host_target(&t, hv);
	host_reset();
	memset(j, 0, sizeof(*j));
	j->insns = in;
	j->len = n;
	j->bhb_barrier = bhb;
	return host_compile(j, &t, frame, 0, false);
}

int host_compile_funcs(struct host_jit *funcs, uint32_t n, const struct aj_target *t,
		       const struct aj_frame *frame, const uint32_t *stack_depth)
{
	uint32_t k;
	int err;

	for (k = 0; k < n; k++) {
		funcs[k].funcs = funcs;
		funcs[k].nr_funcs = n;
		funcs[k].is_subprog = k != 0;
		err = host_compile(&funcs[k], t, frame, stack_depth[k], false);
		if (err)
			return err;
	}
	/* the extra pass: same layout, call targets filled in (aj_compile checks the size) */
	for (k = 0; k < n; k++) {
		struct host_jit *j = &funcs[k];

		j->ctx.extra_pass = true;
		j->ctx.b.image = j->image;
		j->ctx.b.len = j->size;
		err = aj_compile(&j->ctx, &host_image_ops);
		j->ctx.extra_pass = false;
		if (err)
			return err;
	}
	return 0;
}

void host_jit_free(struct host_jit *j)
{
	free(j->addrs);
	free(j->obj);
	j->addrs = NULL;
	j->obj = NULL;
}

/* ---- prog arrays ---- */

void *host_array_new(uint32_t max_entries)
{
	uint8_t *a = calloc(1, HOST_ARRAY_PTRS_OFF +
			       8 * (max_entries > HOST_MAX_ENTRIES ? max_entries : HOST_MAX_ENTRIES));

	if (a)
		memcpy(a + HOST_ARRAY_MAX_ENTRIES_OFF, &max_entries, 4);
	return a;
}

void host_array_set(void *array, uint32_t idx, struct host_jit *j)
{
	void *p = j ? j->obj : NULL;

	memcpy((uint8_t *)array + HOST_ARRAY_PTRS_OFF + 8 * idx, &p, sizeof(p));
}

void host_link(struct host_jit *j, void *array)
{
	uint32_t max, i;

	memcpy(&max, (uint8_t *)array + HOST_ARRAY_MAX_ENTRIES_OFF, 4);
	for (i = 0; i < j->nr_pokes; i++) {
		struct host_poke *p = &j->pokes[i];
		uint8_t *obj = NULL, *func;
		int32_t rel;

		if (!p->emitted || p->key >= max)
			continue;
		memcpy(&obj, (uint8_t *)array + HOST_ARRAY_PTRS_OFF + 8 * p->key, sizeof(obj));
		if (!obj)
			continue;
		memcpy(&func, obj + HOST_PROG_BPF_FUNC_OFF, sizeof(func));
		/* the site becomes jmp target + adj_off, the bypass jump a 5-byte nop */
		rel = (int32_t)((intptr_t)(func + p->adj_off) - (intptr_t)(j->image + p->site + 5));
		j->image[p->site] = 0xe9;
		memcpy(j->image + p->site + 1, &rel, 4);
		memcpy(j->image + p->bypass, "\x0f\x1f\x44\x00\x00", 5);
		/* tailpoke: the frame's own jump to the target's entry for it, else its next insn */
		if (p->hot) {
			uint32_t off = j->ctx.frame->tc_direct_entry(j->ctx.t, func);
			uint8_t *dest = off ? func + off : j->image + p->hot + 5;

			rel = (int32_t)((intptr_t)dest - (intptr_t)(j->image + p->hot + 5));
			memcpy(j->image + p->hot + 1, &rel, 4);
		}
	}
}

/* ---- the call gate ---- */

uint64_t host_saved_rsp;

__asm__(
	"	.text\n"
	"	.globl host_call\n"
	"	.type host_call, @function\n"
	"host_call:\n"
	"	push %rbp\n"
	"	push %rbx\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	push %rdx\n"
	"	mov %rsp, host_saved_rsp(%rip)\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	movabs $0x1111111111111111, %rbx\n"
	"	movabs $0x2222222222222222, %rbp\n"
	"	movabs $0x3333333333333333, %r12\n"
	"	movabs $0x4444444444444444, %r13\n"
	"	movabs $0x5555555555555555, %r14\n"
	"	movabs $0x6666666666666666, %r15\n"
	"	call *%rax\n"
	"	xor %ecx, %ecx\n"
	"	movabs $0x1111111111111111, %r11\n"
	"	cmp %r11, %rbx\n"
	"	je 1f\n"
	"	or $1, %ecx\n"
	"1:	movabs $0x2222222222222222, %r11\n"
	"	cmp %r11, %rbp\n"
	"	je 1f\n"
	"	or $2, %ecx\n"
	"1:	movabs $0x3333333333333333, %r11\n"
	"	cmp %r11, %r12\n"
	"	je 1f\n"
	"	or $4, %ecx\n"
	"1:	movabs $0x4444444444444444, %r11\n"
	"	cmp %r11, %r13\n"
	"	je 1f\n"
	"	or $8, %ecx\n"
	"1:	movabs $0x5555555555555555, %r11\n"
	"	cmp %r11, %r14\n"
	"	je 1f\n"
	"	or $16, %ecx\n"
	"1:	movabs $0x6666666666666666, %r11\n"
	"	cmp %r11, %r15\n"
	"	je 1f\n"
	"	or $32, %ecx\n"
	"1:	cmp host_saved_rsp(%rip), %rsp\n"
	"	je 1f\n"
	"	or $64, %ecx\n"
	"1:	mov host_saved_rsp(%rip), %rsp\n"
	"	pop %rdx\n"
	"	mov %rcx, (%rdx)\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbx\n"
	"	pop %rbp\n"
	"	ret\n"
	"	.size host_call, .-host_call\n");
