// SPDX-License-Identifier: GPL-2.0
/*
 * altjit: an alternate eBPF JIT for stock x86-64 kernels.
 *
 * Load: resolve the kernel symbols altjit needs, create /sys/kernel/altjit, then redirect the
 * kernel's bpf_int_jit_compile() to altjit_jit_compile(). Every step that fails undoes the ones
 * before it and says why in one dmesg line. Unload undoes them in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include "altjit.h"

const char *const altjit_scheme_names[ALTJIT_NR_SCHEMES] = ALTJIT_SCHEME_NAMES;
int altjit_mode = ALTJIT_STOCK;
atomic64_t altjit_stats[AJ_NR_STATS];
struct altjit_syms aj_syms;

static char *mode = "stock";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "initial scheme: stock, legacy or optimized (switch later in /sys/kernel/altjit/mode)");

bool altjit_scheme_available(int scheme)
{
	return scheme == ALTJIT_STOCK;
}

struct bpf_prog *altjit_jit_compile(struct bpf_prog *prog)
{
	struct bpf_prog *ret;

	aj_stat_inc(AJ_STAT_requests);
	aj_stat_inc(AJ_STAT_handed_back_mode);
	ret = altjit_stock_jit(prog);
	aj_stat_inc(ret->jited ? AJ_STAT_stock_jited : AJ_STAT_stock_not_jited);
	return ret;
}

/*
 * kallsyms_lookup_name() is not exported since 5.7; a kprobe resolves its address from inside the
 * kernel (registering one looks the name up), and it resolves the rest.
 */
static int resolve_symbols(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int err;

	err = register_kprobe(&kp);
	if (err) {
		pr_err("cannot resolve kallsyms_lookup_name through a kprobe (%d); not loading\n", err);
		return err;
	}
	aj_syms.kallsyms_lookup_name = (void *)kp.addr;
	unregister_kprobe(&kp);

#define AJ_RESOLVE(sym)								\
	do {									\
		aj_syms.sym = (void *)aj_syms.kallsyms_lookup_name(#sym);	\
		if (!aj_syms.sym) {						\
			pr_err("kernel symbol %s not found; not loading\n", #sym); \
			return -ENOENT;						\
		}								\
	} while (0)
	AJ_RESOLVE(bpf_int_jit_compile);
#undef AJ_RESOLVE
	return 0;
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

	err = resolve_symbols();
	if (err)
		return err;
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
	pr_info("unloaded\n");
}

module_init(altjit_init);
module_exit(altjit_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Alternate eBPF JIT for x86-64 with a callee-save-aware frame");
MODULE_VERSION("0.1");
