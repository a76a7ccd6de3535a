// SPDX-License-Identifier: GPL-2.0
/*
 * The redirects: ftrace_ops with IPMODIFY on kernel functions, each sending every call into a
 * function of altjit's. Calls made from inside this module (to reach the original) pass through.
 *   bpf_int_jit_compile       -> altjit_jit_compile()     every JIT request
 *   bpf_prog_select_runtime   -> aj_select_runtime()      program loads: tail-call ABI check
 *   (__bpf_prog_select_runtime where the verifier calls it: 7.3)
 *   bpf_prog_map_compatible   -> aj_map_compatible()      prog array insertions: same check
 *   (bpf_prog_array_compatible on 5.10)
 *   bpf_jit_free              -> aj_jit_free()            a legacy image's module reference
 *   prog_array_map_poke_run   -> aj_poke_run()            direct tail calls altjit follows
 *                                                         (optional: without it, none are)
 *
 * Unload: a task can be redirected and then be anywhere in altjit's code when the ops go away.
 * Every redirected call is counted in aj_inflight from its first instruction to its return; after
 * unregistering, synchronize_rcu_tasks() makes sure no task still sits between the ftrace
 * trampoline and that first increment (the window holds no voluntary context switch), the unload
 * waits for the counter to drain, and a second synchronize_rcu_tasks() lets the last task leave
 * the few instructions after its decrement.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include "altjit.h"
#include "compat.h"

static atomic_t aj_inflight = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(aj_inflight_wq);

void altjit_enter(void)
{
	atomic_inc(&aj_inflight);
}

void altjit_leave(void)
{
	if (atomic_dec_and_test(&aj_inflight))
		wake_up(&aj_inflight_wq);
}

static struct bpf_prog *aj_jit_target(AJ_JIT_PARAMS)
{
	struct bpf_prog *ret;

	altjit_enter();
	ret = altjit_jit_compile(AJ_JIT_ENV, prog);
	altjit_leave();
	return ret;
}

static struct bpf_prog *aj_select_runtime_target(AJ_SELECT_PARAMS)
{
	struct bpf_prog *ret;

	altjit_enter();
	ret = aj_select_runtime(AJ_SELECT_ENV, fp, err);
	altjit_leave();
	return ret;
}

static bool aj_compatible_target(void *map, const struct bpf_prog *fp)
{
	bool ret;

	altjit_enter();
	ret = aj_map_compatible(map, fp);
	altjit_leave();
	return ret;
}

static void aj_jit_free_target(struct bpf_prog *prog)
{
	altjit_enter();
	aj_jit_free(prog);
	altjit_leave();
}

static void aj_poke_run_target(struct bpf_map *map, u32 key, struct bpf_prog *old,
			       struct bpf_prog *new)
{
	altjit_enter();
	aj_poke_run(map, key, old, new);
	altjit_leave();
}

struct aj_redirect {
	const char *name;
	void *target;
	bool optional;			/* altjit loads without it (and says what it lacks) */
	unsigned long ip;
	bool registered;
	struct ftrace_ops ops;
};

static void notrace aj_ftrace_cb(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *ops, aj_ftrace_regs_t *regs)
{
	struct aj_redirect *r = container_of(ops, struct aj_redirect, ops);

	if (!within_module(parent_ip, THIS_MODULE))
		aj_ftrace_set_ip(regs, (unsigned long)r->target);
}

/*
 * Installed in this order, removed in the reverse one: the JIT redirect is live only while the
 * isolation checks and the free path that every altjit image relies on are.
 */
static struct aj_redirect aj_redirects[] = {
	{ .name = AJ_SELECT_RUNTIME_FN, .target = aj_select_runtime_target },
	{ .name = AJ_MAP_COMPATIBLE_FN, .target = aj_compatible_target },
	{ .name = "bpf_jit_free", .target = aj_jit_free_target },
	{ .name = "prog_array_map_poke_run", .target = aj_poke_run_target, .optional = true },
	{ .name = "bpf_int_jit_compile", .target = aj_jit_target },
};

static void redirect_remove(struct aj_redirect *r)
{
	if (!r->registered)
		return;
	unregister_ftrace_function(&r->ops);
	ftrace_set_filter_ip(&r->ops, r->ip, 1, 0);
	r->registered = false;
}

static int redirect_install(struct aj_redirect *r)
{
	int err;

	r->ip = aj_lookup(r->name);
	if (!r->ip) {
		pr_err("kernel symbol %s not found; not loading\n", r->name);
		return -ENOENT;
	}
	r->ops.func = aj_ftrace_cb;
	r->ops.flags = AJ_FTRACE_OPS_FLAGS;
	err = ftrace_set_filter_ip(&r->ops, r->ip, 0, 0);
	if (err) {
		if (!r->optional)
			pr_err("cannot trace %s (ftrace_set_filter_ip: %d); not loading\n", r->name, err);
		return err;
	}
	err = register_ftrace_function(&r->ops);
	if (err && r->optional) {
		ftrace_set_filter_ip(&r->ops, r->ip, 1, 0);
		return err;	/* the caller says what is lost */
	}
	if (err) {
		if (err == -EBUSY)
			pr_err("%s is already redirected by another ftrace IPMODIFY user (livepatch or another JIT module); not loading\n",
			       r->name);
		else
			pr_err("cannot redirect %s (register_ftrace_function: %d); not loading\n",
			       r->name, err);
		ftrace_set_filter_ip(&r->ops, r->ip, 1, 0);
		return err;
	}
	r->registered = true;
	return 0;
}

int altjit_hook_install(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(aj_redirects); i++) {
		struct aj_redirect *r = &aj_redirects[i];

		/* the one optional redirect: only when constant-index tail calls are direct jumps */
		if (r->optional && !altjit_direct_tail_calls())
			continue;
		if (r->optional && !aj_ksym_present(AJ_KSYM_prog_array_map_poke_run)) {
			pr_info("%s not found: direct tail calls take the stock exit\n", r->name);
			continue;
		}
		err = redirect_install(r);
		if (err && r->optional) {
			pr_warn("direct tail calls take the stock exit (%s not redirected: %d)\n",
				r->name, err);
			continue;
		}
		if (err) {
			altjit_hook_remove();
			return err;
		}
		if (r->target == aj_poke_run_target)
			altjit_tailpoke_hooked(true);
	}
	return 0;
}

void altjit_hook_remove(void)
{
	int i;

	/* the images' own jumps back to the stock exit while the redirect still follows the slots */
	altjit_tailpoke_retire();
	for (i = ARRAY_SIZE(aj_redirects) - 1; i >= 0; i--)
		redirect_remove(&aj_redirects[i]);
	altjit_tailpoke_hooked(false);
	synchronize_rcu_tasks();
	wait_event(aj_inflight_wq, atomic_read(&aj_inflight) == 0);
	/* The last one out may still be on its way back through altjit_leave()'s return. */
	synchronize_rcu_tasks();
}

/*
 * The originals, through static calls (ksyms.c): direct calls from this module, which the
 * redirects let through because the return address lies inside it. Real calls, never sibling-call
 * jumps.
 */
struct bpf_prog *altjit_stock_jit(struct bpf_verifier_env *env, struct bpf_prog *prog)
{
	struct bpf_prog *ret = aj_orig_jit_compile(env, prog);

	barrier();
	return ret;
}

struct bpf_prog *altjit_orig_select_runtime(struct bpf_verifier_env *env, struct bpf_prog *fp,
					    int *err)
{
	struct bpf_prog *ret = aj_orig_select_runtime(env, fp, err);

	barrier();
	return ret;
}

bool altjit_orig_map_compatible(void *map, const struct bpf_prog *fp)
{
	bool ret = aj_orig_map_compatible(map, fp);

	barrier();
	return ret;
}

void altjit_orig_jit_free(struct bpf_prog *prog)
{
	aj_call(bpf_jit_free)(prog);
	barrier();
}

void altjit_orig_poke_run(struct bpf_map *map, u32 key, struct bpf_prog *old, struct bpf_prog *new)
{
	aj_call(prog_array_map_poke_run)(map, key, old, new);
	barrier();
}
