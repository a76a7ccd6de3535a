// SPDX-License-Identifier: GPL-2.0
/*
 * aj_klp: a livepatch of bpf_int_jit_compile, for altjit's conflict test (selftests/guest/
 * 80-conflicts.sh). Livepatch redirects the function with an ftrace IPMODIFY ops, as altjit does:
 * the two must never be active at once, and whichever comes second must fail cleanly. The
 * replacement hands every program back unchanged (the interpreter runs it), which also makes the
 * patch visible: programs loaded while it is enabled are not JIT'ed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/filter.h>
#include <linux/livepatch.h>
#include <linux/module.h>

/* bpf_int_jit_compile(prog) up to 6.x, (env, prog) on 7.3: hand back whichever is the program. */
static struct bpf_prog *aj_klp_jit_compile(void *a, struct bpf_prog *b)
{
	if (__builtin_types_compatible_p(typeof(bpf_int_jit_compile),
					 struct bpf_prog *(struct bpf_prog *)))
		return a;
	return b;
}

static struct klp_func aj_klp_funcs[] = {
	{ .old_name = "bpf_int_jit_compile", .new_func = aj_klp_jit_compile },
	{ }
};

static struct klp_object aj_klp_objs[] = {
	{ .funcs = aj_klp_funcs },	/* name NULL: vmlinux */
	{ }
};

static struct klp_patch aj_klp_patch = {
	.mod = THIS_MODULE,
	.objs = aj_klp_objs,
};

static int __init aj_klp_init(void)
{
	return klp_enable_patch(&aj_klp_patch);
}

static void __exit aj_klp_exit(void)
{
}

module_init(aj_klp_init);
module_exit(aj_klp_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("altjit test: a livepatch of bpf_int_jit_compile");
