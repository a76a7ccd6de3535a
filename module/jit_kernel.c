// SPDX-License-Identifier: GPL-2.0
/*
 * The code generator's kernel side: turns a struct bpf_prog into what jit_core.c compiles, owns
 * the image (allocated, finalized and freed the way the running kernel's own bpf_jit_free()
 * expects), fills the exception table, keeps state between the two passes of programs with
 * subprograms, and describes the running kernel (struct aj_target).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/moduleparam.h>
#include <linux/user_namespace.h>
#include <linux/extable.h>
#include <linux/filter.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <asm/cpufeature.h>
#include <asm/nops.h>
#include <asm/nospec-branch.h>
#include <asm/percpu.h>
#include <asm/ptrace.h>
#include "altjit.h"
#include "compat.h"
#include "compat_prog.h"
#include "jit.h"

struct aj_target aj_target;

/*
 * prog->aux->jit_data of a subprogram between its first and its extra pass. Only altjit reads it:
 * the extra pass comes back to altjit (it is in aj_pending), and a program freed between its
 * passes (a failed load) is freed by altjit_pending_release() before the kernel's own
 * bpf_jit_free() runs, so no layout needs to match the kernel's struct x64_jit_data (which differs
 * between versions: 5.10 has no rw_header). The entry holds a module reference: altjit cannot be
 * unloaded between a program's first and last pass.
 */
struct aj_jit_data {
	struct hlist_node node;		/* in aj_pending, keyed by prog */
	struct bpf_prog *prog;
	const struct aj_frame *frame;
	struct bpf_binary_header *rw_header;
	struct bpf_binary_header *header;
	u32 *addrs;
	u8 *image;
	int proglen;
	struct aj_ctx ctx;
	struct aj_func fn;
	u8 *rw_image;
};

static DEFINE_SPINLOCK(aj_pending_lock);
static DEFINE_HASHTABLE(aj_pending, 6);

/* prog's pending entry, if prog has one and it still is prog's jit_data; under aj_pending_lock. */
static struct aj_jit_data *pending_find(const struct bpf_prog *prog)
{
	struct aj_jit_data *jd;

	hash_for_each_possible(aj_pending, jd, node, (unsigned long)prog)
		if (jd->prog == prog && prog->aux->jit_data == jd)
			return jd;
	return NULL;
}

static void pending_add(struct bpf_prog *prog, struct aj_jit_data *jd)
{
	__module_get(THIS_MODULE);	/* the caller holds one: see main.c */
	jd->prog = prog;
	spin_lock(&aj_pending_lock);
	hash_add(aj_pending, &jd->node, (unsigned long)prog);
	spin_unlock(&aj_pending_lock);
	aj_stat_inc(AJ_STAT_subprog_pending);
}

static void pending_del(struct aj_jit_data *jd)
{
	spin_lock(&aj_pending_lock);
	hash_del(&jd->node);
	spin_unlock(&aj_pending_lock);
	atomic64_dec(&altjit_stats[AJ_STAT_subprog_pending]);
	module_put(THIS_MODULE);
}

int altjit_pending_scheme(const struct bpf_prog *prog)
{
	struct aj_jit_data *jd;
	int scheme = -1, i;

	spin_lock(&aj_pending_lock);
	jd = pending_find(prog);
	for (i = 0; jd && i < ALTJIT_NR_SCHEMES; i++)
		if (aj_frames[i] == jd->frame)
			scheme = i;
	spin_unlock(&aj_pending_lock);
	return scheme;
}

/* ---- images ---- */

static void aj_fill_hole(void *area, unsigned int size)
{
	memset(area, 0xcc, size);	/* int3 */
}

struct aj_alloc {
	struct bpf_prog *prog;
	struct bpf_binary_header *header, *rw_header;
	u8 *image, *rw_image;
	u32 proglen;
	u32 ex_used;		/* exception-table entries filled so far */
	bool tc_managed;	/* tailpoke follows direct tail calls (read once per compile) */
	u32 *tc_hot;		/* by poke descriptor: the frame's own jump (tc_direct_entry), 0: none */
};

static int aj_image_alloc(struct aj_ctx *ctx, u32 size, u8 **rw, u64 *ip)
{
	struct aj_alloc *a = ctx->env;
	u32 align = __alignof__(struct exception_table_entry);
	u32 extable = a->prog->aux->num_exentries * sizeof(struct exception_table_entry);
	u32 total = roundup(size, align) + extable;

#if AJ_HAVE_PROG_PACK
	a->header = aj_pack_alloc(a->prog, total, &a->image, align, &a->rw_header, &a->rw_image,
				  aj_fill_hole);
#else
	a->header = aj_call(bpf_jit_binary_alloc)(total, &a->image, align, aj_fill_hole);
	a->rw_header = a->header;
	a->rw_image = a->image;
#endif
	if (!a->header)
		return -ENOMEM;
	a->proglen = size;
	a->prog->aux->extable = extable ? (void *)a->image + roundup(size, align) : NULL;
	*rw = a->rw_image;
	*ip = (u64)(unsigned long)a->image;
	return 0;
}

static const struct aj_image_ops aj_image_ops = {
	.alloc = aj_image_alloc,
};

static void aj_image_free(struct aj_alloc *a)
{
	if (!a->header)
		return;
#if AJ_HAVE_PROG_PACK
	aj_call(bpf_arch_text_copy)(&a->header->size, &a->rw_header->size, sizeof(a->rw_header->size));
	aj_call(bpf_jit_binary_pack_free)(a->header, a->rw_header);
#else
	aj_call(bpf_jit_binary_free)(a->header);
#endif
	a->header = NULL;
}

/* Make the image executable: copy RW -> RX (6.x prog pack), or set the pages RO+X (5.10). */
static int aj_image_finalize(struct aj_alloc *a)
{
#if AJ_HAVE_PROG_PACK
	return aj_pack_finalize(a->prog, a->header, a->rw_header);
#else
	struct vm_struct *vm = aj_call(find_vm_area)(a->header);

	if (vm)
		vm->flags |= VM_FLUSH_RESET_PERMS;
	aj_call(set_memory_ro)((unsigned long)a->header, a->header->pages);
	aj_call(set_memory_x)((unsigned long)a->header, a->header->pages);
	return 0;
#endif
}

/* test_fail=finalize: fail as the kernel's finalize does, which frees the image it was given. */
static int aj_image_finalize_failed(struct aj_alloc *a)
{
	aj_image_free(a);
	return -EFAULT;
}

/*
 * The kernel frees prog between its two passes (jit_subprogs() failed half-way, or its extra
 * pass failed for another subprogram): free what altjit holds for prog and leave prog as if it
 * had never been JIT'ed, for the kernel's bpf_jit_free() to free the rest. False when prog holds
 * nothing of altjit's.
 */
bool altjit_pending_release(struct bpf_prog *prog)
{
	struct aj_alloc a = { .prog = prog };
	struct aj_jit_data *jd;

	spin_lock(&aj_pending_lock);
	jd = pending_find(prog);
	spin_unlock(&aj_pending_lock);
	if (!jd)
		return false;
	a.header = jd->header;
	a.rw_header = jd->rw_header;
	aj_image_free(&a);
	kvfree(jd->addrs);
	prog->aux->jit_data = NULL;
	prog->bpf_func = NULL;
	prog->jited = 0;
	prog->jited_len = 0;
	pending_del(jd);
	kfree(jd);
	return true;
}

/* ---- the environment the code generator calls back ---- */

static struct bpf_prog *ctx_prog(struct aj_ctx *ctx)
{
	return ((struct aj_alloc *)ctx->env)->prog;
}

int aj_env_call_addr(struct aj_ctx *ctx, int i, u64 *addr)
{
	const struct bpf_insn *insn = &ctx->fn->insns[i];

	if (insn->src_reg == BPF_PSEUDO_CALL && !ctx->extra_pass) {
		*addr = 0;	/* placeholder until the extra pass: rel32 either way */
		return 0;
	}
	*addr = (u64)(unsigned long)__bpf_call_base + insn->imm;
	return 0;
}

/*
 * Direct tail calls: patched by the kernel's poke code (map updates) and, right after the image is
 * final, by aj_tail_call_fixup(). Both need the kernel's __bpf_arch_text_poke(); where it cannot be
 * found, constant-index tail calls are compiled like the others.
 */
static bool aj_have_text_poke;

bool aj_env_tail_call_is_direct(struct aj_ctx *ctx, int i)
{
	struct bpf_prog *prog = ctx_prog(ctx);
	s32 imm = ctx->fn->insns[i].imm;

	return aj_have_text_poke && imm > 0 && imm <= prog->aux->size_poke_tab;
}

/* Constant-index tail calls are compiled as patchable direct jumps (after altjit_target_init()). */
bool altjit_direct_tail_calls(void)
{
	return aj_have_text_poke;
}

bool aj_env_tail_call_managed(struct aj_ctx *ctx)
{
	return ((struct aj_alloc *)ctx->env)->tc_managed;
}

int aj_env_tail_call_direct(struct aj_ctx *ctx, int i, u32 site, u32 bypass, u32 adj_off, u32 hot)
{
	struct bpf_jit_poke_descriptor *poke;
	struct aj_alloc *a = ctx->env;
	u32 n = ctx->fn->insns[i].imm - 1;

	if (!ctx->b.image)
		return 0;
	if (hot) {
		if (!a->tc_hot)
			a->tc_hot = kcalloc(a->prog->aux->size_poke_tab, sizeof(*a->tc_hot),
					    GFP_KERNEL);
		if (!a->tc_hot)
			return -ENOMEM;
		a->tc_hot[n] = hot;
	}
	poke = &ctx_prog(ctx)->aux->poke_tab[n];
	poke->tailcall_target = (void *)(unsigned long)(ctx->image_ip + site);
	poke->tailcall_bypass = (void *)(unsigned long)(ctx->image_ip + bypass);
	poke->bypass_addr = (u8 *)poke->tailcall_target + X86_JMP32_LEN;
	poke->adj_off = adj_off;
	return 0;
}

/*
 * Point the direct tail calls of a finished image at what their slots hold now, and hand the
 * frame's own jumps (a->tc_hot) to tailpoke, which follows the slots from then on.
 */
static void aj_tail_call_fixup(struct bpf_prog *prog, const struct aj_frame *frame,
			       const struct aj_alloc *a)
{
	int i;

	for (i = 0; aj_have_text_poke && i < prog->aux->size_poke_tab; i++) {
		struct bpf_jit_poke_descriptor *poke = &prog->aux->poke_tab[i];
		struct bpf_array *array;
		struct bpf_prog *target;

		if (poke->aux && poke->aux != prog->aux)
			continue;
		if (poke->reason != BPF_POKE_REASON_TAIL_CALL || !poke->tailcall_target)
			continue;
		array = container_of(poke->tail_call.map, struct bpf_array, map);
		mutex_lock(&array->aux->poke_mutex);
		target = array->ptrs[poke->tail_call.key];
		if (target) {
			BUG_ON(aj_text_poke(poke->tailcall_target, BPF_MOD_JUMP, NULL,
					    (u8 *)target->bpf_func + poke->adj_off) < 0);
			BUG_ON(aj_text_poke(poke->tailcall_bypass, BPF_MOD_JUMP, poke->bypass_addr,
					    NULL) < 0);
		}
		if (a->tc_hot && a->tc_hot[i])
			altjit_tailpoke_add(prog, frame, poke->tail_call.map, poke->tail_call.key,
					    a->image + a->tc_hot[i], target);
		WRITE_ONCE(poke->tailcall_target_stable, true);
		mutex_unlock(&array->aux->poke_mutex);
	}
}

/* The kernel's ex_handler_bpf() clears a pt_regs slot and skips the faulting load. */
static const u8 aj_pt_regs_off[16] = {
	[X_RAX] = offsetof(struct pt_regs, ax), [X_RCX] = offsetof(struct pt_regs, cx),
	[X_RDX] = offsetof(struct pt_regs, dx), [X_RBX] = offsetof(struct pt_regs, bx),
	[X_RSP] = offsetof(struct pt_regs, sp), [X_RBP] = offsetof(struct pt_regs, bp),
	[X_RSI] = offsetof(struct pt_regs, si), [X_RDI] = offsetof(struct pt_regs, di),
	[X_R8] = offsetof(struct pt_regs, r8), [X_R9] = offsetof(struct pt_regs, r9),
	[X_R10] = offsetof(struct pt_regs, r10), [X_R11] = offsetof(struct pt_regs, r11),
	[X_R12] = offsetof(struct pt_regs, r12), [X_R13] = offsetof(struct pt_regs, r13),
	[X_R14] = offsetof(struct pt_regs, r14), [X_R15] = offsetof(struct pt_regs, r15),
};

int aj_env_probe_mem(struct aj_ctx *ctx, int i, u32 insn_off, u32 len, int dst)
{
	struct bpf_prog *prog = ctx_prog(ctx);
	struct aj_alloc *a = ctx->env;
	struct exception_table_entry *ex, *rw_ex;
	s64 delta;
	u32 n;

	if (!ctx->b.image)
		return 0;
	n = a->ex_used++;
	if (!prog->aux->extable || n >= prog->aux->num_exentries)
		return -EFAULT;
	ex = &prog->aux->extable[n];
	rw_ex = (void *)ex - (void *)a->image + (void *)a->rw_image;
	delta = (s64)(ctx->image_ip + insn_off) - (s64)(unsigned long)&ex->insn;
	if (!aj_is_imm32(delta))
		return -ERANGE;
	rw_ex->insn = delta;
	rw_ex->fixup = len | (aj_pt_regs_off[dst] << 8);
	aj_extable_set_handler(ex, rw_ex);
	return 0;
}

/* ---- describing the running kernel ---- */

/*
 * Test-only: make altjit emit a mitigation's sequence although the CPU does not ask for it (TCG
 * cannot turn on eIBRS-dependent ones): a comma-separated list of its, bhb_loop, ibhf. The thunks
 * called are the kernel's own, present whether or not the mitigation is on. Never on a host.
 */
static char *test_mitigations = "";
module_param(test_mitigations, charp, 0444);
MODULE_PARM_DESC(test_mitigations, "test only: emit these mitigations anyway (its,bhb_loop,ibhf)");

static bool aj_forced(const char *name)
{
	const char *p = test_mitigations;
	size_t n = strlen(name);

	while (p && *p) {
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/* A kernel address the emitted code jumps or calls to: must be there when the mitigation is on. */
static int aj_need(const char *what, const char *sym, u64 *addr)
{
	*addr = aj_lookup(sym);
	if (!*addr)
		pr_err("%s is on but %s was not found; not loading\n", what, sym);
	return *addr ? 0 : -ENOENT;
}

/* The mitigations that change what a JIT emits (module/mitigations.h lists how each is met). */
static int aj_mitigations_init(struct aj_target *t)
{
	int err = 0;

	if (*test_mitigations)
		pr_warn("test_mitigations=%s: emitting these whatever the CPU needs (test only)\n",
			test_mitigations);
#ifdef ITS_THUNK_SIZE
	if (cpu_feature_enabled(X86_FEATURE_INDIRECT_THUNK_ITS) || aj_forced("its")) {
		err = aj_need("ITS", "__x86_indirect_its_thunk_array", &t->its_thunks);
		t->its_thunk_size = ITS_THUNK_SIZE;
	}
#endif
#ifdef X86_FEATURE_CLEAR_BHB_LOOP
	if (!err && (cpu_feature_enabled(X86_FEATURE_CLEAR_BHB_LOOP) || aj_forced("bhb_loop")))
		err = aj_need("the Spectre-BHB clearing loop", "clear_bhb_loop", &t->bhb_loop);
	t->bhb_ibhf = cpu_feature_enabled(X86_FEATURE_CLEAR_BHB_LOOP) &&
		      cpu_feature_enabled(X86_FEATURE_HYPERVISOR);
#endif
#ifdef X86_FEATURE_CLEAR_BHB_HW
	t->bhb_ibhf |= cpu_feature_enabled(X86_FEATURE_CLEAR_BHB_HW);
#endif
	t->bhb_ibhf |= aj_forced("ibhf");
#ifdef X86_FEATURE_CALL_DEPTH
	if (!err && cpu_feature_enabled(X86_FEATURE_CALL_DEPTH)) {
		if (!aj_ksym_present(AJ_KSYM_x86_call_depth_emit_accounting)) {
			pr_err("call depth tracking is on but x86_call_depth_emit_accounting was not found; not loading\n");
			return -ENOENT;
		}
		t->call_depth = true;
		if (t->indirect_thunks)
			err = aj_need("call depth tracking", "__x86_indirect_jump_thunk_array",
				      &t->indirect_thunks);
	}
#endif
	return err;
}

void aj_env_call_accounting(struct aj_ctx *ctx, u64 target)
{
#ifdef X86_FEATURE_CALL_DEPTH
	u8 buf[64], *p = buf;

	if (!ctx->t->call_depth)
		return;
	aj_call(x86_call_depth_emit_accounting)(&p, (void *)(unsigned long)target,
					       (void *)(unsigned long)(ctx->image_ip + ctx->b.len));
	aj_emit_bytes(&ctx->b, buf, p - buf);
#endif
}

int altjit_target_init(void)
{
	struct aj_target *t = &aj_target;
	bool no_direct = false;

	t->ibt = AJ_IBT;
	t->tc_cnt_ptr = AJ_TC_CNT_PTR;
	t->tc_nop_len = AJ_TC_CNT_PTR ? 3 : 2;
	t->stock_tc_entry = AJ_X86_TAIL_CALL_OFFSET;
	t->max_tail_calls = AJ_TAIL_CALL_LIMIT;
	t->interp_tc_late = AJ_INTERP_TC_COUNT_LATE;
	t->array_max_entries_off = offsetof(struct bpf_array, map.max_entries);
	t->array_ptrs_off = offsetof(struct bpf_array, ptrs);
	t->prog_bpf_func_off = offsetof(struct bpf_prog, bpf_func);
	t->probe_mem_limit = TASK_SIZE_MAX + PAGE_SIZE;
#ifdef CONFIG_SMP
	/* per-CPU address moves (the verifier emits them from 6.7 on, to inline per-CPU lookups) */
	t->this_cpu_off = (u32)(unsigned long)&this_cpu_off;
#endif
#ifdef NOP_ATOMIC5
	{
		/*
		 * 5.10: patch sites hold ideal_nops[NOP_ATOMIC5], chosen at boot (aj_emit_patch_nop()),
		 * and the kernel's poke code BUG()s when a tail-call site holds another NOP. Without
		 * the table, no direct tail calls (a prologue NOP that differs only makes an fentry
		 * attach fail with EBUSY).
		 */
		const unsigned char * const **nops = (void *)aj_lookup("ideal_nops");

		if (aj_fault(AJ_FAULT_ideal_nops, NULL))
			nops = NULL;
		if (nops && *nops) {
			memcpy(t->patch_nop, (*nops)[NOP_ATOMIC5], sizeof(t->patch_nop));
		} else {
			pr_warn("ideal_nops not found: constant-index tail calls are compiled as indirect ones\n");
			no_direct = true;
		}
	}
#endif
	aj_have_text_poke = aj_ksym_present(AJ_KSYM___bpf_arch_text_poke) && !no_direct;
	if (!aj_ksym_present(AJ_KSYM___bpf_arch_text_poke))
		pr_info("__bpf_arch_text_poke not found: constant-index tail calls are compiled as indirect ones\n");
	t->sls_jmp = AJ_SLS_JMP;
	t->sls_ret = AJ_SLS_RET;
	t->thunk_size = RETPOLINE_THUNK_SIZE;
	if (cpu_feature_enabled(X86_FEATURE_RETPOLINE_LFENCE)) {
		t->lfence_retpoline = true;
	} else if (cpu_feature_enabled(X86_FEATURE_RETPOLINE)) {
		t->indirect_thunks = aj_lookup("__x86_indirect_thunk_array");
		if (!t->indirect_thunks) {
			pr_err("retpolines are on but __x86_indirect_thunk_array was not found; not loading\n");
			return -ENOENT;
		}
	}
	if (aj_wants_rethunk()) {
		unsigned long p = aj_lookup("x86_return_thunk");

		if (!p) {
			pr_err("return thunks are on but x86_return_thunk was not found; not loading\n");
			return -ENOENT;
		}
		t->return_thunk = (u64)*(unsigned long *)p;
	}
	return aj_mitigations_init(t);
}

static bool has_tail_call(const struct bpf_prog *prog)
{
	u32 i;

	for (i = 0; i < prog->len; i++)
		if (prog->insnsi[i].code == (BPF_JMP | BPF_TAIL_CALL))
			return true;
	return false;
}

/* Why a program cannot be compiled by altjit at all on this kernel, or NULL. */
static const char *aj_unsupported(struct bpf_verifier_env *env, struct bpf_prog *prog,
				  const struct aj_frame *frame)
{
	const char *why = aj_kernel_unsupported(env, prog);

	if (why)
		return why;
	/*
	 * The 5.10 and 6.1 verifiers mark only the callers of a subprogram that tail-calls, not the
	 * subprogram itself nor a main program's own tail call: look at the instructions too. The
	 * first subprogram decides for the whole program (main.c).
	 */
	if (frame->unsupported)
		return frame->unsupported(&aj_target, prog->is_func,
					  prog->aux->tail_call_reachable || has_tail_call(prog));
	return NULL;
}

/*
 * Compile prog (one whole program, or one subprogram in either of its two passes) with frame.
 * Returns the program to hand back to the kernel; *err is 0 on success, -EOPNOTSUPP (with *why)
 * when altjit does not compile it (nothing changed: the caller hands it to the stock JIT), or
 * another error when compilation failed.
 */
struct bpf_prog *altjit_compile(struct bpf_verifier_env *env, struct bpf_prog *prog,
				const struct aj_frame *frame, int *err, const char **why)
{
	struct bpf_prog *orig_prog = prog, *tmp;
	struct aj_jit_data *jd;
	struct aj_alloc a = {};
	bool blinded = false, extra_pass = false;
	u32 *addrs = NULL;

	*err = 0;
	*why = NULL;
	jd = prog->aux->jit_data;
	if (!jd || !jd->addrs) {
		*why = aj_unsupported(env, prog, frame);
		if (*why) {
			*err = -EOPNOTSUPP;
			return prog;
		}
	}

	if (!jd && aj_fault(AJ_FAULT_blind, prog))
		return orig_prog;	/* as when blinding fails: left to the interpreter */
	tmp = aj_jit_blind(prog);	/* 7.3: the core blinded it already, when due */
	if (IS_ERR(tmp))
		return orig_prog;	/* as the stock JIT: blinding failed, use the interpreter */
	if (tmp != prog) {
		blinded = true;
		prog = tmp;
	}

	jd = prog->aux->jit_data;
	if (!jd) {
		jd = aj_fault(AJ_FAULT_jit_data, prog) ? NULL : kzalloc(sizeof(*jd), GFP_KERNEL);
		if (!jd) {
			*err = -ENOMEM;
			prog = orig_prog;
			goto out;
		}
		prog->aux->jit_data = jd;
	}
	a.prog = prog;
	a.tc_managed = aj_have_text_poke && altjit_tailpoke_ready();
	if (jd->addrs) {
		extra_pass = true;
		addrs = jd->addrs;
		a.header = jd->header;
		a.rw_header = jd->rw_header;
		a.image = jd->image;
		a.rw_image = jd->rw_image;
		a.proglen = jd->proglen;
		jd->ctx.env = &a;
		jd->ctx.extra_pass = true;
		jd->ctx.b.image = a.rw_image;
		jd->ctx.b.len = a.proglen;
		jd->fn.insns = prog->insnsi;
	} else {
		bool tc;

		addrs = kvmalloc_array(prog->len + 1, sizeof(*addrs), GFP_KERNEL);
		if (!addrs) {
			*err = -ENOMEM;
			prog = orig_prog;
			goto out_free;
		}
		tc = has_tail_call(prog);
		jd->fn = (struct aj_func){
			.insns = prog->insnsi,
			.len = prog->len,
			.stack_depth = prog->aux->stack_depth,
			.is_subprog = prog->aux->func_idx != 0,
			.has_subprogs = prog->is_func,
			/* a tail call of its own makes one reachable (no verifier ran for test_bpf's) */
			.tail_call_reachable = prog->aux->tail_call_reachable || tc,
			.from_cbpf = bpf_prog_was_classic(prog),
			.has_tail_call = tc,
			/* as the stock JIT decides it: who loads the program, at compile time */
			.bhb_barrier = bpf_prog_was_classic(prog) &&
				       (aj_target.bhb_loop || aj_target.bhb_ibhf) &&
				       !ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN),
		};
		jd->ctx = (struct aj_ctx){
			.t = &aj_target,
			.frame = frame,
			.fn = &jd->fn,
			.addrs = addrs,
			.env = &a,
		};
	}

	*err = aj_compile(&jd->ctx, &aj_image_ops);
	if (*err) {
		aj_image_free(&a);
		prog = orig_prog;
		if (extra_pass) {
			prog->bpf_func = NULL;
			prog->jited = 0;
			prog->jited_len = 0;
		}
		goto out_free;
	}

	if (!prog->is_func || extra_pass) {
		*err = aj_fault(AJ_FAULT_finalize, prog) ? aj_image_finalize_failed(&a) :
							       aj_image_finalize(&a);
		if (*err) {
			pr_err_ratelimited("program %s: making its image executable failed (%d)\n",
					   prog->aux->name, *err);
			a.header = NULL;	/* finalize freed it */
			prog = orig_prog;
			if (extra_pass) {	/* bpf_func was set in the first pass */
				prog->bpf_func = NULL;
				prog->jited = 0;
				prog->jited_len = 0;
			}
			goto out_free;
		}
		aj_tail_call_fixup(prog, frame, &a);
		if (frame->pins_module)
			aj_image_pin();
	} else {
		jd->addrs = addrs;
		jd->header = a.header;
		jd->rw_header = a.rw_header;
		jd->image = a.image;
		jd->rw_image = a.rw_image;
		jd->proglen = a.proglen;
		jd->frame = frame;
		pending_add(prog, jd);
	}
	prog->bpf_func = (void *)a.image;
	prog->jited = 1;
	prog->jited_len = a.proglen;
	aj_set_fp_range(prog, addrs[0], jd->ctx.fp_end);
	if (prog->is_func && !extra_pass)
		goto out;
	aj_call(bpf_prog_fill_jited_linfo)(prog, addrs + 1);

out_free:
	if (extra_pass)
		pending_del(jd);
	kvfree(addrs);
	kfree(prog->aux->jit_data);
	prog->aux->jit_data = NULL;
out:
	kfree(a.tc_hot);
	if (blinded)
		aj_jit_release_other(prog, prog == orig_prog ? tmp : orig_prog);
	return prog;
}
