// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel functions altjit calls that the kernel does not export: found at load (a kprobe finds
 * kallsyms_lookup_name, which finds the rest) and called through static calls, never through a
 * function pointer. A static call is a direct call (or a direct jmp in its trampoline) that the
 * kernel patches to the target; an indirect call would need an ENDBR64 at the target under IBT,
 * and objtool seals the ENDBR of every function the kernel itself only calls directly (the JIT's
 * internals, the pack allocator, bpf_int_jit_compile itself): an indirect call there raises #CP.
 * A direct call also reaches kallsyms_lookup_name at the address its kprobe reports, which on IBT
 * kernels lies just past the ENDBR. KVM's vendor modules call into each other the same way.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/sysfs.h>
#include "altjit.h"
#include "compat.h"

struct altjit_syms aj_syms;

AJ_KSYMS(AJ_KSYM_DEFINE)

/* What each static call was pointed at (/sys/kernel/altjit/ksyms, for the tests and debugging). */
static const char *const aj_ksym_names[] = { AJ_KSYMS(AJ_KSYM_NAME) };
#define AJ_KSYM_TRAMP(sym, req)		STATIC_CALL_TRAMP_ADDR(aj_##sym),
static const void *const aj_ksym_tramps[] = { AJ_KSYMS(AJ_KSYM_TRAMP) };
static unsigned long aj_ksym_addrs[ARRAY_SIZE(aj_ksym_names)];

/*
 * Does the static call's trampoline now jump straight to target (jmp rel32, the form x86 gives
 * every updated trampoline; call sites inlined into this module are patched from it)?
 */
static bool aj_tramp_direct(int i)
{
	const u8 *tramp = aj_ksym_tramps[i];
	s32 rel;

	if (tramp[0] != 0xe9)
		return false;
	memcpy(&rel, tramp + 1, sizeof(rel));
	return (unsigned long)(tramp + 5) + rel == aj_ksym_addrs[i];
}

unsigned long aj_lookup(const char *name)
{
	return static_call(aj_kallsyms_lookup_name)(name);
}

int altjit_resolve_symbols(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long addr;
	int err, n = 0;

	err = register_kprobe(&kp);
	if (err) {
		pr_err("cannot resolve kallsyms_lookup_name through a kprobe (%d); not loading\n", err);
		return err;
	}
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	static_call_update(aj_kallsyms_lookup_name, (typeof(&kallsyms_lookup_name))addr);
	aj_ksym_addrs[n++] = addr;

#define AJ_KSYM_RESOLVE(sym, req)						\
	do {									\
		addr = aj_lookup(#sym);						\
		if (!addr && (req)) {						\
			pr_err("kernel symbol %s not found; not loading\n", #sym); \
			return -ENOENT;						\
		}								\
		if (addr)							\
			static_call_update(aj_##sym, (typeof(&sym))addr);	\
		aj_ksym_addrs[n++] = addr;					\
	} while (0);
	AJ_KSYMS_REST(AJ_KSYM_RESOLVE)
#undef AJ_KSYM_RESOLVE
	for (n = 0; n < AJ_NR_KSYMS; n++) {
		if (aj_ksym_addrs[n] && !aj_tramp_direct(n)) {
			pr_err("the static call to %s is not a direct jump; not loading (an indirect call could fault under IBT)\n",
			       aj_ksym_names[n]);
			return -EINVAL;
		}
	}
#if !AJ_HAVE_PROG_PACK
	aj_syms.ex_handler_bpf = aj_lookup("ex_handler_bpf");
	if (!aj_syms.ex_handler_bpf) {
		pr_err("kernel symbol ex_handler_bpf not found; not loading\n");
		return -ENOENT;
	}
#endif
	return 0;
}

bool aj_ksym_present(int idx)
{
	return aj_ksym_addrs[idx];
}

/* "name address direct|absent" per line: where each of altjit's static calls goes. */
int aj_ksym_targets_show(char *buf)
{
	int i, n = 0;

	for (i = 0; i < AJ_NR_KSYMS; i++)
		n += sysfs_emit_at(buf, n, "%s %lx %s\n", aj_ksym_names[i], aj_ksym_addrs[i],
				   !aj_ksym_addrs[i] ? "absent" : aj_tramp_direct(i) ? "direct" : "INDIRECT");
	return n;
}
