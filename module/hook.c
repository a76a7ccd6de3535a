// SPDX-License-Identifier: GPL-2.0
/*
 * The redirect: an ftrace_ops with IPMODIFY on the kernel's bpf_int_jit_compile() that sends every
 * call into altjit_jit_compile(). Calls made from inside this module (altjit_stock_jit(), to reach
 * the kernel's own JIT) pass through untouched.
 *
 * Unload: a task can be redirected and then be anywhere in altjit's code when the ops goes away.
 * Every redirected call is counted in aj_inflight from its first instruction to its return; after
 * unregistering, synchronize_rcu_tasks() makes sure no task still sits between the ftrace
 * trampoline and that first increment (the window holds no voluntary context switch), and the
 * unload waits for the counter to drain.
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

static struct bpf_prog *aj_redirect_target(struct bpf_prog *prog)
{
	struct bpf_prog *ret;

	atomic_inc(&aj_inflight);
	ret = altjit_jit_compile(prog);
	if (atomic_dec_and_test(&aj_inflight))
		wake_up(&aj_inflight_wq);
	return ret;
}

static void notrace aj_ftrace_cb(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *ops, aj_ftrace_regs_t *regs)
{
	if (!within_module(parent_ip, THIS_MODULE))
		aj_ftrace_set_ip(regs, (unsigned long)aj_redirect_target);
}

static struct ftrace_ops aj_ops = {
	.func = aj_ftrace_cb,
	.flags = AJ_FTRACE_OPS_FLAGS,
};

struct bpf_prog *altjit_stock_jit(struct bpf_prog *prog)
{
	struct bpf_prog *ret;

	/*
	 * A real call, never a sibling-call jump: the redirect lets the call through only because its
	 * return address lies inside this module.
	 */
	ret = aj_syms.bpf_int_jit_compile(prog);
	barrier();
	return ret;
}

int altjit_hook_install(void)
{
	unsigned long ip = (unsigned long)aj_syms.bpf_int_jit_compile;
	int err;

	err = ftrace_set_filter_ip(&aj_ops, ip, 0, 0);
	if (err) {
		pr_err("cannot trace bpf_int_jit_compile at %pS (ftrace_set_filter_ip: %d); not loading\n",
		       (void *)ip, err);
		return err;
	}
	err = register_ftrace_function(&aj_ops);
	if (err) {
		if (err == -EBUSY)
			pr_err("bpf_int_jit_compile is already redirected by another ftrace IPMODIFY user (livepatch or another JIT module); not loading\n");
		else
			pr_err("cannot redirect bpf_int_jit_compile (register_ftrace_function: %d); not loading\n",
			       err);
		ftrace_set_filter_ip(&aj_ops, ip, 1, 0);
		return err;
	}
	return 0;
}

void altjit_hook_remove(void)
{
	unregister_ftrace_function(&aj_ops);
	ftrace_set_filter_ip(&aj_ops, (unsigned long)aj_syms.bpf_int_jit_compile, 1, 0);
	synchronize_rcu_tasks();
	wait_event(aj_inflight_wq, atomic_read(&aj_inflight) == 0);
}
