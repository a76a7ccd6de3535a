// SPDX-License-Identifier: GPL-2.0
/*
 * Tail-call ABI isolation. A tail call jumps into the target at an offset fixed by the caller's
 * frame scheme (struct aj_frame's tc_abi, per kernel): on 5.10 and 6.1 the legacy scheme past
 * the target's whole prologue or at its resize entry with legacy's counter convention, stock and
 * optimized programs past their rbp/rsp setup with the stock one. A prog array must therefore
 * never hold, or be called from, programs of two ABIs there. Each prog array gets an owner ABI
 * the first time a JIT'ed program is inserted into it or loaded with a tail call into it; a
 * program of another ABI is then refused with -EINVAL, a dmesg line naming both, and a counter.
 * Where every scheme takes the stock ABI (6.10+: legacy too, frame_legacy.c) nothing is checked
 * or recorded: prog arrays are the kernel's alone, as under the stock JIT.
 *
 * A program's ABI is read from its image (a frame with its own ABI marks its prologues:
 * aj_image_frame()), so it is known for every program, also those JIT'ed before altjit was loaded.
 *
 * The checks live in this module, so the module stays loaded while images that rely on them exist:
 * each finished image of a frame that pins the module (legacy) holds a module reference, dropped
 * when the kernel frees the image (bpf_jit_free). rmmod meanwhile fails with EBUSY;
 * /sys/kernel/altjit/stats shows them as legacy_live.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/bpf.h>
#include <linux/hashtable.h>
#include <linux/rcupdate.h>
#include <linux/rcupdate_trace.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include "altjit.h"
#include "compat.h"
#include "jit.h"

struct aj_map_owner {
	struct hlist_node node;
	const struct bpf_map *map;
	u32 id;			/* a freed map's pointer may come back with another id */
	int abi;		/* the owner's tail-call ABI; -1: not decided yet (reserved by a load) */
};

static DEFINE_SPINLOCK(aj_owner_lock);
static DEFINE_HASHTABLE(aj_owners, 6);

/* The frame of a finished altjit image that marks its images, else NULL (stock, optimized). */
static const struct aj_frame *prog_frame(const struct bpf_prog *fp)
{
	return fp->jited && fp->bpf_func ? aj_image_frame(&aj_target, (const u8 *)fp->bpf_func) : NULL;
}

/* A frame's tail-call ABI on this kernel (NULL: stock, for programs no frame marks). */
static int frame_abi(const struct aj_frame *f)
{
	return f && f->tc_abi ? f->tc_abi(&aj_target) : AJ_TC_ABI_STOCK;
}

static int prog_abi(const struct bpf_prog *fp)
{
	return frame_abi(prog_frame(fp));
}

/* Does any scheme have a tail-call ABI of its own on this kernel? Else there is nothing to check. */
static bool isolation_needed(void)
{
	int i;

	for (i = 0; i < ALTJIT_NR_SCHEMES; i++)
		if (aj_frames[i] && frame_abi(aj_frames[i]) != AJ_TC_ABI_STOCK)
			return true;
	return false;
}

/* The schemes of an ABI, for messages: "stock/optimized", "legacy". */
static const char *abi_name(int abi, char *buf, size_t size)
{
	size_t n = 0;
	int i;

	buf[0] = 0;
	if (abi == AJ_TC_ABI_STOCK)
		n = scnprintf(buf, size, "stock");
	for (i = 0; i < ALTJIT_NR_SCHEMES; i++)
		if (aj_frames[i] && frame_abi(aj_frames[i]) == abi)
			n += scnprintf(buf + n, size - n, "%s%s", n ? "/" : "", aj_frames[i]->name);
	return buf;
}

/*
 * The ABI of the programs a prog array already holds, if any: -1 when it is empty. Entries are
 * freed after an RCU grace period (a tasks-trace one for sleepable programs) once deleted: read
 * them, and their images, inside both read-side sections.
 */
static int array_abi(struct bpf_map *map)
{
	struct bpf_array *array = container_of(map, struct bpf_array, map);
	int abi = -1;
	u32 i;

	rcu_read_lock_trace();
	rcu_read_lock();
	for (i = 0; i < map->max_entries && abi < 0; i++) {
		struct bpf_prog *p = READ_ONCE(array->ptrs[i]);

		if (p)
			abi = prog_abi(p);
	}
	rcu_read_unlock();
	rcu_read_unlock_trace();
	return abi;
}

static struct aj_map_owner *owner_find(const struct bpf_map *map)
{
	struct aj_map_owner *o;

	hash_for_each_possible(aj_owners, o, node, (unsigned long)map)
		if (o->map == map)
			return o;
	return NULL;
}

/*
 * The ABI that owns prog array map: recorded the first time altjit sees the map (from what it
 * holds then, else from fp, which is about to use it), then fixed. A load reserves the records of
 * its prog arrays before the kernel checks them (owner_reserve(), where it may sleep); prog array
 * updates, under RCU, allocate theirs with GFP_ATOMIC. -ENOMEM when there is no record: the
 * caller refuses rather than let an unrecorded array take either ABI.
 */
static int map_owner(struct bpf_map *map, int mine)
{
	struct aj_map_owner *o, *n = NULL;
	int abi;

	spin_lock(&aj_owner_lock);
	o = owner_find(map);
	abi = o && o->id == map->id ? o->abi : -1;
	spin_unlock(&aj_owner_lock);
	if (abi >= 0)
		return abi;

	/* Not decided yet, or a new map at a freed one's address: scan it once. */
	abi = array_abi(map);
	if (abi < 0)
		abi = mine;
	if (!o && !aj_fault(AJ_FAULT_owner, NULL))
		n = kmalloc(sizeof(*n), GFP_ATOMIC);
	spin_lock(&aj_owner_lock);
	o = owner_find(map);
	if (o && o->id == map->id && o->abi >= 0) {
		abi = o->abi;	/* decided meanwhile */
	} else if (o) {
		o->id = map->id;
		o->abi = abi;
	} else if (n) {
		n->map = map;
		n->id = map->id;
		n->abi = abi;
		hash_add(aj_owners, &n->node, (unsigned long)map);
		n = NULL;
	} else {
		abi = -ENOMEM;
	}
	spin_unlock(&aj_owner_lock);
	kfree(n);
	return abi;
}

/* A record for a prog array a program being loaded uses (GFP_KERNEL); -ENOMEM refuses the load. */
static int owner_reserve(struct bpf_map *map)
{
	struct aj_map_owner *o, *n;

	if (map->map_type != BPF_MAP_TYPE_PROG_ARRAY)
		return 0;
	spin_lock(&aj_owner_lock);
	o = owner_find(map);
	spin_unlock(&aj_owner_lock);
	if (o)
		return 0;	/* a record for this address: map_owner() fixes it up */
	n = aj_fault(AJ_FAULT_owner, NULL) ? NULL : kmalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	n->map = map;
	n->id = map->id;
	n->abi = -1;
	spin_lock(&aj_owner_lock);
	if (owner_find(map)) {
		spin_unlock(&aj_owner_lock);
		kfree(n);
		return 0;
	}
	hash_add(aj_owners, &n->node, (unsigned long)map);
	spin_unlock(&aj_owner_lock);
	return 0;
}

/* 0 when fp may share the prog array map with its other users; -EINVAL or -ENOMEM when not. */
static int map_abi_check(struct bpf_map *map, const struct bpf_prog *fp, const char *what)
{
	char mine_name[32], abi_name_buf[32];
	int mine, abi;

	if (map->map_type != BPF_MAP_TYPE_PROG_ARRAY || !fp->jited)
		return 0;
	mine = prog_abi(fp);
	abi = map_owner(map, mine);
	if (abi == mine)
		return 0;
	aj_stat_inc(AJ_STAT_isolation_refused);
	if (abi < 0) {
		pr_warn_ratelimited("refusing %s: program %s: out of memory recording the tail-call ABI of prog array %u\n",
				    what, fp->aux->name, map->id);
		return abi;
	}
	pr_warn_ratelimited("refusing %s: program %s has a %s frame, prog array %u is %s; their tail-call entries differ\n",
			    what, fp->aux->name, abi_name(mine, mine_name, sizeof(mine_name)), map->id,
			    abi_name(abi, abi_name_buf, sizeof(abi_name_buf)));
	return -EINVAL;
}

struct bpf_prog *aj_select_runtime(struct bpf_verifier_env *env, struct bpf_prog *fp, int *err)
{
	struct bpf_prog_aux *aux = fp->aux;
	u32 i;

	if (!isolation_needed())
		return altjit_orig_select_runtime(env, fp, err);
	/* The kernel's own tail-call check (6.1) may reach aj_map_compatible() first. */
	mutex_lock(&aux->used_maps_mutex);
	for (i = 0; i < aux->used_map_cnt && !*err; i++)
		*err = owner_reserve(aux->used_maps[i]);
	mutex_unlock(&aux->used_maps_mutex);
	if (*err) {
		aj_stat_inc(AJ_STAT_isolation_refused);
		pr_warn_ratelimited("refusing load: program %s: out of memory recording the tail-call ABI of its prog arrays\n",
				    aux->name);
		return fp;
	}
	fp = altjit_orig_select_runtime(env, fp, err);
	if (*err || !fp->jited)
		return fp;
	aux = fp->aux;
	mutex_lock(&aux->used_maps_mutex);
	for (i = 0; i < aux->used_map_cnt && !*err; i++)
		*err = map_abi_check(aux->used_maps[i], fp, "load");
	mutex_unlock(&aux->used_maps_mutex);
	return fp;
}

bool aj_map_compatible(void *arg, const struct bpf_prog *fp)
{
	if (!altjit_orig_map_compatible(arg, fp))
		return false;
	return !isolation_needed() || !map_abi_check(aj_compat_map(arg), fp, "prog array update");
}

void aj_image_pin(void)
{
	__module_get(THIS_MODULE);
	aj_stat_inc(AJ_STAT_legacy_live);
}

void aj_jit_free(struct bpf_prog *prog)
{
	const struct aj_frame *f;
	bool pinned;

	altjit_jit_free_pending(prog);
	/* finished images only: no jit_data left between subprogram passes */
	f = !prog->aux->jit_data ? prog_frame(prog) : NULL;
	pinned = f && f->pins_module;
	if (prog->aux->size_poke_tab)
		altjit_tailpoke_forget(prog);
	altjit_orig_jit_free(prog);
	if (pinned) {
		atomic64_dec(&altjit_stats[AJ_STAT_legacy_live]);
		module_put(THIS_MODULE);
	}
}

void altjit_isolation_exit(void)
{
	struct aj_map_owner *o;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(aj_owners, bkt, tmp, o, node) {
		hash_del(&o->node);
		kfree(o);
	}
}
