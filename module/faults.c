// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only fault injection. Debian's kernels have neither CONFIG_FAULT_INJECTION (failslab,
 * fail_function) nor KASAN, so the failure paths of the glue are reached on purpose through one
 * module parameter, writable at run time:
 *
 *   /sys/module/altjit/parameters/test_fail = "POINT[@K][,POINT[@K]...]" (empty: none)
 *
 * POINT is one of the names below; @K limits a program-related point to subprogram K of programs
 * with bpf2bpf calls (func_idx K), without it the point fails for every program. Each injected
 * failure prints one dmesg line "test_fail: POINT ...", so a test can tell that the path it
 * meant to take was taken. Never set on a host.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/filter.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include "altjit.h"

static const char *const aj_fault_names[AJ_NR_FAULTS] = {
#define AJ_FAULT_NAME(name, desc) #name,
	AJ_FAULTS(AJ_FAULT_NAME)
#undef AJ_FAULT_NAME
};

static unsigned long aj_fault_mask;
static int aj_fault_idx[AJ_NR_FAULTS];	/* -1: any program */
static char aj_fault_text[128];

static int test_fail_set(const char *val, const struct kernel_param *kp)
{
	char text[sizeof(aj_fault_text)], buf[sizeof(aj_fault_text)], *p = buf, *tok;
	int idx[AJ_NR_FAULTS];
	unsigned long mask = 0;

	if (strscpy(text, val, sizeof(text)) < 0)
		return -E2BIG;
	strscpy(buf, strim(text), sizeof(buf));
	while ((tok = strsep(&p, ",")) != NULL) {
		char *at = strchr(tok, '@');
		int f, k = -1;

		if (!*tok)
			continue;
		if (at) {
			*at++ = 0;
			if (kstrtoint(at, 10, &k) || k < 0)
				return -EINVAL;
		}
		f = match_string(aj_fault_names, AJ_NR_FAULTS, tok);
		if (f < 0) {
			pr_err("test_fail: unknown point '%s'\n", tok);
			return -EINVAL;
		}
		mask |= BIT(f);
		idx[f] = k;
	}
	memcpy(aj_fault_idx, idx, sizeof(idx));
	WRITE_ONCE(aj_fault_mask, mask);
	strscpy(aj_fault_text, strim(text), sizeof(aj_fault_text));
	if (mask)
		pr_warn("test_fail=%s: failing these on purpose (test only)\n", aj_fault_text);
	return 0;
}

static int test_fail_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", aj_fault_text);
}

static const struct kernel_param_ops test_fail_ops = {
	.set = test_fail_set,
	.get = test_fail_get,
};
module_param_cb(test_fail, &test_fail_ops, NULL, 0600);
MODULE_PARM_DESC(test_fail, "test only: fail these points on purpose (module/faults.c)");

bool aj_fault(enum aj_fault f, const struct bpf_prog *prog)
{
	int k;

	if (!(READ_ONCE(aj_fault_mask) & BIT(f)))
		return false;
	k = READ_ONCE(aj_fault_idx[f]);
	if (k >= 0 && (!prog || !prog->is_func || prog->aux->func_idx != k))
		return false;
	pr_info("test_fail: %s (program %s, subprogram %d)\n", aj_fault_names[f],
		prog ? prog->aux->name : "-", prog && prog->is_func ? prog->aux->func_idx : -1);
	return true;
}
