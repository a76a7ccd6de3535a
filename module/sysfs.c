// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/altjit/: the run-time knob and the counters.
 *   mode   "[stock] legacy optimized", the current scheme in brackets (like
 *          /sys/block/<dev>/queue/scheduler). Root writes a scheme's name to switch; anything else
 *          is -EINVAL and changes nothing. The switch applies to programs compiled afterwards.
 *   stats  "name value" lines (include/altjit.h: ALTJIT_STATS).
 *   test_last_cbpf  (root; only with test_capture=1) the JIT image of the last classic BPF program
 *          compiled, by whichever JIT: the tests compare the stock JIT's Spectre-BHB barrier with
 *          altjit's on socket filters loaded without privileges (no BPF id to dump them by).
 *   ksyms  (root) "symbol address direct" for each unexported kernel function altjit calls: all
 *          through static calls, i.e. direct jumps, which IBT does not check (module/ksyms.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/kernfs.h>
#include <linux/filter.h>
#include <linux/kobject.h>
#include <linux/moduleparam.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include "altjit.h"

static ssize_t mode_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	int cur = READ_ONCE(altjit_mode), i, n = 0;

	for (i = 0; i < ALTJIT_NR_SCHEMES; i++)
		n += sysfs_emit_at(buf, n, i == cur ? "%s[%s]" : "%s%s", i ? " " : "",
				   altjit_scheme_names[i]);
	n += sysfs_emit_at(buf, n, "\n");
	return n;
}

static ssize_t mode_store(struct kobject *kobj, struct kobj_attribute *attr, const char *buf,
			  size_t count)
{
	int scheme;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	scheme = sysfs_match_string(altjit_scheme_names, buf);
	if (scheme < 0)
		return -EINVAL;
	if (!altjit_scheme_available(scheme)) {
		pr_warn_ratelimited("mode %s is not available in this build; mode stays %s\n",
				    altjit_scheme_names[scheme],
				    altjit_scheme_names[READ_ONCE(altjit_mode)]);
		return -EOPNOTSUPP;
	}
	WRITE_ONCE(altjit_mode, scheme);
	return count;
}

static ssize_t stats_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	static const char *const names[] = {
#define AJ_STAT_NAME(name, desc) #name,
		ALTJIT_STATS(AJ_STAT_NAME)
#undef AJ_STAT_NAME
	};
	int i, n = 0;

	for (i = 0; i < AJ_NR_STATS; i++)
		n += sysfs_emit_at(buf, n, "%s %lld\n", names[i], atomic64_read(&altjit_stats[i]));
	return n;
}

/* Where altjit's calls into unexported kernel functions go, and that each is a direct jump. */
static ssize_t ksyms_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return aj_ksym_targets_show(buf);
}

static bool test_capture;
module_param(test_capture, bool, 0444);
MODULE_PARM_DESC(test_capture, "test only: keep the image of the last classic BPF program for /sys/kernel/altjit/test_last_cbpf");

static DEFINE_SPINLOCK(aj_capture_lock);
static u8 aj_capture[PAGE_SIZE];
static size_t aj_capture_len;

void altjit_test_capture(const struct bpf_prog *prog)
{
	if (!test_capture || !prog->jited || !bpf_prog_was_classic(prog))
		return;
	spin_lock(&aj_capture_lock);
	aj_capture_len = min_t(size_t, prog->jited_len, sizeof(aj_capture));
	memcpy(aj_capture, prog->bpf_func, aj_capture_len);
	spin_unlock(&aj_capture_lock);
}

static ssize_t last_cbpf_read(struct file *f, struct kobject *kobj, aj_bin_attr_t *attr,
			      char *buf, loff_t off, size_t count)
{
	ssize_t n = 0;

	spin_lock(&aj_capture_lock);
	if (off < aj_capture_len) {
		n = min_t(size_t, count, aj_capture_len - off);
		memcpy(buf, aj_capture + off, n);
	}
	spin_unlock(&aj_capture_lock);
	return n;
}

static struct bin_attribute last_cbpf_attr = {
	.attr = { .name = "test_last_cbpf", .mode = 0400 },
	.size = PAGE_SIZE,
	.read = last_cbpf_read,
};

static struct kobj_attribute mode_attr = __ATTR(mode, 0644, mode_show, mode_store);
static struct kobj_attribute ksyms_attr = __ATTR(ksyms, 0400, ksyms_show, NULL);
static struct kobj_attribute stats_attr = __ATTR_RO(stats);

static struct attribute *aj_attrs[] = {
	&mode_attr.attr,
	&stats_attr.attr,
	&ksyms_attr.attr,
	NULL,
};

static const struct attribute_group aj_group = {
	.attrs = aj_attrs,
};

static struct kobject *aj_kobj;

/*
 * Is /sys/kernel/altjit there already: another altjit instance, under any module name? (ftrace
 * refuses a second IPMODIFY user of a function on 6.x, but 5.10 was seen to accept one.)
 */
bool altjit_sysfs_taken(void)
{
	struct kernfs_node *kn = kernfs_find_and_get(kernel_kobj->sd, "altjit");

	kernfs_put(kn);
	return kn;
}

int altjit_sysfs_init(void)
{
	int err;

	aj_kobj = kobject_create_and_add("altjit", kernel_kobj);
	if (!aj_kobj) {
		pr_err("cannot create /sys/kernel/altjit; not loading\n");
		return -ENOMEM;
	}
	err = sysfs_create_group(aj_kobj, &aj_group);
	if (!err && test_capture)
		err = sysfs_create_bin_file(aj_kobj, &last_cbpf_attr);
	if (err) {
		pr_err("cannot create /sys/kernel/altjit files (%d); not loading\n", err);
		kobject_put(aj_kobj);
	}
	return err;
}

void altjit_sysfs_exit(void)
{
	kobject_put(aj_kobj);
}
