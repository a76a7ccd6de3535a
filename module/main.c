// SPDX-License-Identifier: GPL-2.0
/*
 * altjit: an alternate eBPF JIT for stock x86-64 kernels.
 *
 * Load: resolve the kernel symbols altjit needs, create /sys/kernel/altjit, then redirect the
 * kernel's functions, bpf_int_jit_compile() to altjit_jit_compile() last (hook.c). Every step
 * that fails undoes the ones before it and says why in one dmesg line. Unload undoes them in
 * reverse: the JIT redirect goes first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/kprobes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include "altjit.h"
#include "compat.h"
#include "jit.h"

const char *const altjit_scheme_names[ALTJIT_NR_SCHEMES] = ALTJIT_SCHEME_NAMES;
int altjit_mode = ALTJIT_STOCK;
atomic64_t altjit_stats[AJ_NR_STATS];

static char *mode = "stock";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "initial scheme: stock, legacy or optimized (switch later in /sys/kernel/altjit/mode)");

/* include/altjit.h lists one "<scheme>_jited" counter per altjit scheme, in scheme order. */
static enum altjit_stat jited_stat(int scheme)
{
	BUILD_BUG_ON(AJ_STAT_legacy_jited - ALTJIT_LEGACY != AJ_STAT_optimized_jited - ALTJIT_OPTIMIZED);
	BUILD_BUG_ON(AJ_STAT_legacy_jited + ALTJIT_NR_SCHEMES - ALTJIT_LEGACY != AJ_STAT_handed_back_mode);
	return AJ_STAT_legacy_jited + scheme - ALTJIT_LEGACY;
}

bool altjit_scheme_available(int scheme)
{
	return scheme == ALTJIT_STOCK || aj_frames[scheme];
}

/*
 * Programs with subprograms reach the JIT once per subprogram, then once more per subprogram (the
 * extra pass, once every subprogram has an address). All of them must be compiled under one
 * scheme, decided at the first one, whatever the mode does meanwhile. The task compiling a
 * program's subprograms remembers the scheme of its subprogram 0 here; each subprogram altjit
 * compiled is found again at its extra pass through its pending state (jit_kernel.c), which
 * nothing else can carry: a subprogram whose first pass went to the stock JIT goes there again.
 */
struct aj_route {
	struct hlist_node node;
	const struct task_struct *task;
	int scheme;
};

static DEFINE_SPINLOCK(aj_route_lock);
static DEFINE_HASHTABLE(aj_routes, 6);

static struct aj_route *route_find(const struct task_struct *task)
{
	struct aj_route *r;

	hash_for_each_possible(aj_routes, r, node, (unsigned long)task)
		if (r->task == task)
			return r;
	return NULL;
}

/* Remember the current task's scheme (replacing what was there); false when out of memory. */
static bool route_set(int scheme, const struct bpf_prog *prog)
{
	struct aj_route *r, *n = NULL;

	if (!aj_fault(AJ_FAULT_route, prog))
		n = kmalloc(sizeof(*n), GFP_KERNEL);
	spin_lock(&aj_route_lock);
	r = route_find(current);
	if (r) {
		r->scheme = scheme;
	} else if (n) {
		n->task = current;
		n->scheme = scheme;
		hash_add(aj_routes, &n->node, (unsigned long)current);
		r = n;
		n = NULL;
	}
	spin_unlock(&aj_route_lock);
	kfree(n);
	return r;
}

/* The current task's scheme, or -1; take removes the record. */
static int route_get(bool take)
{
	struct aj_route *r;
	int scheme = -1;

	spin_lock(&aj_route_lock);
	r = route_find(current);
	if (r) {
		scheme = r->scheme;
		if (take)
			hash_del(&r->node);
	}
	spin_unlock(&aj_route_lock);
	if (take)
		kfree(r);
	return scheme;
}

static void routes_free(void)
{
	struct aj_route *r;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(aj_routes, bkt, tmp, r, node) {
		hash_del(&r->node);
		kfree(r);
	}
}

/*
 * bpf_jit_free() redirect (isolation.c): a subprogram freed between its passes (a failed load)
 * gives back what altjit holds for it; subprogram 0 freed by the task that was compiling it ends
 * that task's record too (loads free their subprograms in the loading task, finished programs are
 * freed from a workqueue).
 */
void altjit_jit_free_pending(struct bpf_prog *prog)
{
	altjit_pending_release(prog);
	if (prog->is_func && !prog->aux->func_idx && in_task())
		route_get(true);
}

static struct bpf_prog *to_stock(struct bpf_verifier_env *env, struct bpf_prog *prog,
				 enum altjit_stat why)
{
	struct bpf_prog *ret;

	aj_stat_inc(why);
	ret = altjit_stock_jit(env, prog);
	aj_stat_inc(ret->jited ? AJ_STAT_stock_jited : AJ_STAT_stock_not_jited);
	return ret;
}

static struct bpf_prog *jit_compile(struct bpf_verifier_env *env, struct bpf_prog *prog)
{
	bool extra_pass = prog->is_func && prog->aux->func;
	struct bpf_prog *ret;
	const char *why;
	int scheme, err;

	aj_stat_inc(AJ_STAT_requests);
	if (extra_pass) {
		scheme = altjit_pending_scheme(prog);	/* -1: its first pass was not altjit's */
		if (prog->aux->func_idx == prog->aux->func_cnt - 1)
			route_get(true);	/* the program's last subprogram */
	} else if (prog->is_func && prog->aux->func_idx) {
		scheme = route_get(false);
	} else {
		scheme = READ_ONCE(altjit_mode);
		if (prog->is_func && !route_set(scheme, prog))
			scheme = ALTJIT_STOCK;	/* and so the rest of it (no record) */
	}
	if (scheme < 0)
		scheme = ALTJIT_STOCK;
	if (scheme == ALTJIT_STOCK || !prog->jit_requested)
		return to_stock(env, prog, AJ_STAT_handed_back_mode);
	/*
	 * Every altjit compile holds a module reference (legacy images and subprograms between
	 * their passes take their own from it): a compile that finds altjit being unloaded leaves
	 * the program to the stock JIT. An extra pass cannot: its first pass holds a reference.
	 */
	if (!try_module_get(THIS_MODULE))
		return to_stock(env, prog, AJ_STAT_handed_back_mode);
	ret = altjit_compile(env, prog, aj_frames[scheme], &err, &why);
	module_put(THIS_MODULE);
	if (!err) {
		if (ret->jited)
			aj_stat_inc(jited_stat(scheme));
		else
			aj_stat_inc(AJ_STAT_stock_not_jited);	/* blinding failed: interpreter */
		return ret;
	}
	if (extra_pass) {
		/* The image is already in use as a call target: fail as the stock JIT would. */
		aj_stat_inc(AJ_STAT_handed_back_error);
		pr_err_ratelimited("extra pass of %s failed (%d)\n", prog->aux->name, err);
		return ret;
	}
	/* A program whose first subprogram goes to the stock JIT goes there whole. */
	if (prog->is_func && !prog->aux->func_idx)
		route_set(ALTJIT_STOCK, prog);	/* its record exists: cannot fail */
	if (err == -EOPNOTSUPP) {
		pr_info_ratelimited("program %s: %s; compiled by the stock JIT\n", prog->aux->name,
				    why ? why : "instruction not supported");
		return to_stock(env, ret, AJ_STAT_handed_back_unsupported);
	}
	pr_warn_ratelimited("program %s: %s scheme failed (%d); compiled by the stock JIT\n",
			    prog->aux->name, altjit_scheme_names[scheme], err);
	return to_stock(env, ret, AJ_STAT_handed_back_error);
}

struct bpf_prog *altjit_jit_compile(struct bpf_verifier_env *env, struct bpf_prog *prog)
{
	struct bpf_prog *ret = jit_compile(env, prog);

	altjit_test_capture(ret);
	return ret;
}

static int __init altjit_init(void)
{
	int err, scheme;

	scheme = match_string(altjit_scheme_names, ALTJIT_NR_SCHEMES, mode);
	if (scheme < 0) {
		pr_err("mode=%s: unknown scheme (stock, legacy, optimized); not loading\n", mode);
		return -EINVAL;
	}
	if (!altjit_scheme_available(scheme)) {
		pr_err("mode=%s is not available in this build; not loading\n", mode);
		return -EOPNOTSUPP;
	}
	altjit_mode = scheme;

	err = altjit_resolve_symbols();
	if (err)
		return err;
	err = altjit_target_init();
	if (err)
		return err;
	/*
	 * A second altjit (under another module name) or any other IPMODIFY user of the functions
	 * altjit redirects (a livepatch of bpf_int_jit_compile) is refused with one clear line,
	 * before anything is created under a name they may share.
	 */
	if (altjit_sysfs_taken()) {
		pr_err("bpf_int_jit_compile is already redirected by another altjit instance (/sys/kernel/altjit exists); not loading\n");
		return -EBUSY;
	}
	/* Nothing can fail once the JIT redirect (installed last) is live. */
	err = altjit_sysfs_init();
	if (err)
		return err;
	err = altjit_hook_install();
	if (err) {
		altjit_sysfs_exit();
		return err;
	}
	pr_info("loaded, mode %s\n", altjit_scheme_names[altjit_mode]);
	return 0;
}

static void __exit altjit_exit(void)
{
	altjit_hook_remove();
	altjit_sysfs_exit();
	routes_free();
	altjit_isolation_exit();
	pr_info("unloaded\n");
}

module_init(altjit_init);
module_exit(altjit_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Alternate eBPF JIT for x86-64 with a callee-save-aware frame");
MODULE_VERSION("0.1");
