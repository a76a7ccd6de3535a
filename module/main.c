// SPDX-License-Identifier: GPL-2.0
/*
 * altjit: an alternate eBPF JIT for stock x86-64 kernels.
 *
 * Load: resolve the kernel symbols altjit needs, redirect the kernel's bpf_int_jit_compile() to
 * altjit_jit_compile(), then create /sys/kernel/altjit. Every step that fails undoes the ones
 * before it and says why in one dmesg line. Unload undoes them in reverse.
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

static const struct aj_frame *const aj_frames[ALTJIT_NR_SCHEMES] = {
	[ALTJIT_LEGACY] = &aj_frame_legacy,
	[ALTJIT_OPTIMIZED] = &aj_frame_optimized,
};

bool altjit_scheme_available(int scheme)
{
	return scheme == ALTJIT_STOCK || aj_frames[scheme];
}

/*
 * Programs with subprograms reach the JIT once per subprogram, then once more per subprogram (the
 * extra pass, once every subprogram has an address). All of them must be compiled under one
 * scheme, decided at the first one, whatever the mode does meanwhile. Two small records carry that:
 * the task that is compiling a program's subprograms remembers the scheme of its subprogram 0, and
 * each compiled subprogram remembers who compiled it, for its extra pass.
 */
struct aj_route {
	struct hlist_node node;
	const void *key;	/* the compiling task, or the subprogram */
	int scheme;
};

static DEFINE_SPINLOCK(aj_route_lock);
static DEFINE_HASHTABLE(aj_routes, 6);

static struct aj_route *route_find(const void *key)
{
	struct aj_route *r;

	hash_for_each_possible(aj_routes, r, node, (unsigned long)key)
		if (r->key == key)
			return r;
	return NULL;
}

/* Remember scheme for key (replacing what was there); returns false when out of memory. */
static bool route_set(const void *key, int scheme)
{
	struct aj_route *r, *n = kmalloc(sizeof(*n), GFP_KERNEL);

	spin_lock(&aj_route_lock);
	r = route_find(key);
	if (r) {
		r->scheme = scheme;
		kfree(n);
	} else if (n) {
		n->key = key;
		n->scheme = scheme;
		hash_add(aj_routes, &n->node, (unsigned long)key);
	}
	spin_unlock(&aj_route_lock);
	return r || n;
}

/* The scheme remembered for key, or -1; take removes the record. */
static int route_get(const void *key, bool take)
{
	struct aj_route *r;
	int scheme = -1;

	spin_lock(&aj_route_lock);
	r = route_find(key);
	if (r) {
		scheme = r->scheme;
		if (take) {
			hash_del(&r->node);
			kfree(r);
		}
	}
	spin_unlock(&aj_route_lock);
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

static struct bpf_prog *to_stock(struct bpf_prog *prog, enum altjit_stat why)
{
	struct bpf_prog *ret;

	aj_stat_inc(why);
	ret = altjit_stock_jit(prog);
	aj_stat_inc(ret->jited ? AJ_STAT_stock_jited : AJ_STAT_stock_not_jited);
	return ret;
}

static struct bpf_prog *jit_compile(struct bpf_prog *prog)
{
	bool extra_pass = prog->is_func && prog->aux->func;
	struct bpf_prog *ret;
	const char *why;
	int scheme, err;

	aj_stat_inc(AJ_STAT_requests);
	if (extra_pass) {
		scheme = route_get(prog, true);
		if (prog->aux->func_idx == prog->aux->func_cnt - 1)
			route_get(current, true);	/* the program's last subprogram */
	} else if (prog->is_func && prog->aux->func_idx) {
		scheme = route_get(current, false);
	} else {
		scheme = READ_ONCE(altjit_mode);
		if (prog->is_func && !route_set(current, scheme))
			scheme = ALTJIT_STOCK;
	}
	if (scheme < 0)
		scheme = ALTJIT_STOCK;	/* first pass happened before altjit was loaded */
	if (scheme == ALTJIT_STOCK || !prog->jit_requested)
		return to_stock(prog, AJ_STAT_handed_back_mode);

	ret = altjit_compile(prog, aj_frames[scheme], &err, &why);
	if (!err) {
		if (ret->jited)
			aj_stat_inc(scheme == ALTJIT_LEGACY ? AJ_STAT_legacy_jited :
				    AJ_STAT_optimized_jited);
		else
			aj_stat_inc(AJ_STAT_stock_not_jited);	/* blinding failed: interpreter */
		if (prog->is_func && !extra_pass && ret->jited && !route_set(ret, scheme))
			err = -ENOMEM;
		if (!err)
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
		route_set(current, ALTJIT_STOCK);
	if (err == -EOPNOTSUPP) {
		pr_info_ratelimited("program %s: %s; compiled by the stock JIT\n", prog->aux->name,
				    why ? why : "instruction not supported");
		return to_stock(ret, AJ_STAT_handed_back_unsupported);
	}
	pr_warn_ratelimited("program %s: %s scheme failed (%d); compiled by the stock JIT\n",
			    prog->aux->name, altjit_scheme_names[scheme], err);
	return to_stock(ret, AJ_STAT_handed_back_error);
}

struct bpf_prog *altjit_jit_compile(struct bpf_prog *prog)
{
	struct bpf_prog *ret = jit_compile(prog);

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
	err = altjit_hook_install();
	if (err)
		return err;
	err = altjit_sysfs_init();
	if (err) {
		altjit_hook_remove();
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
