// SPDX-License-Identifier: GPL-2.0
/*
 * The direct tail calls altjit follows: a frame with a jump of its own between the kernel's bypass
 * and site (struct aj_frame's tc_direct_entry; frame.c draws the layout) registers each such jump
 * when its image is fixed up, and every update of the slot re-points it before the kernel's poke
 * code runs: prog_array_map_poke_run(map, key, old, new) is redirected here (hook.c), on every
 * kernel, with the array's poke_mutex held by its caller and the slot already holding new.
 *
 * The kernel's bypass and site stay the kernel's: the poke descriptor names them, its poke code
 * patches them as for any image (the site jumps to the target's stock entry), and the hot jump
 * either enters a target of its own kind past its prologue (optimized's keep mode: a keep-mode
 * image's keep entry; legacy, 6.10+: a legacy image's reuse entry) or falls to its next
 * instruction, the stock exit and the kernel's site. Both are right at any moment the slot
 * holds the target, so the order is simple: on an update to a program, the hot jump first (the
 * kernel then opens the bypass, or moves the site); on an update to empty, nothing: the kernel closes the bypass and
 * waits for the programs already past it before it empties the site, and the hot jump is not
 * reached again until the slot is filled, which re-points it first.
 *
 * Unload: altjit_tailpoke_retire() points every hot jump at its next instruction and forgets the
 * sites (registrations after it are refused): the images then need nothing of the module.
 *
 * Lock order: the array's poke_mutex, aj_sites_lock, text_mutex (in the poke); aj_jit_free and
 * the retire take aj_sites_lock alone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include "altjit.h"
#include "compat.h"
#include "jit.h"

struct aj_site {
	struct hlist_node node;		/* in aj_sites, by map */
	const struct bpf_prog *prog;	/* whose image holds the jump */
	const struct aj_frame *frame;
	const struct bpf_map *map;
	u32 key;
	u8 *hot;			/* the jump (jmp rel32) */
	u8 *dest;			/* where it goes now */
	bool at_keep;			/* dest is a keep entry (stats: tc_sites_keep) */
};

static DEFINE_MUTEX(aj_sites_lock);
static DEFINE_HASHTABLE(aj_sites, 6);
static bool aj_sites_retired;
static bool aj_tailpoke_hooked;

/* Set by hook.c once the redirect of prog_array_map_poke_run is live. */
void altjit_tailpoke_hooked(bool on)
{
	WRITE_ONCE(aj_tailpoke_hooked, on);
}

bool altjit_tailpoke_ready(void)
{
	return READ_ONCE(aj_tailpoke_hooked) && !READ_ONCE(aj_sites_retired);
}

static u8 *site_next(const struct aj_site *s)
{
	return s->hot + X86_JMP32_LEN;
}

static void site_point(struct aj_site *s, u8 *dest)
{
	bool keep = dest != site_next(s);
	int err;

	if (dest == s->dest)
		return;
	err = aj_text_poke(s->hot, BPF_MOD_JUMP, s->dest, dest);
	if (err < 0) {
		/*
		 * The bytes are not what altjit wrote (or the target is out of rel32 reach): the
		 * jump would keep entering the slot's previous program after the kernel frees it.
		 * The kernel's own poke code stops here too (BUG_ON) for its sites.
		 */
		pr_emerg("direct tail call of %s: its jump at %pS is not as altjit left it (%d)\n",
			 s->prog->aux->name, s->hot, err);
		BUG();
	}
	s->dest = dest;
	if (keep != s->at_keep) {
		if (keep)
			aj_stat_inc(AJ_STAT_tc_sites_keep);
		else
			atomic64_dec(&altjit_stats[AJ_STAT_tc_sites_keep]);
		s->at_keep = keep;
	}
}

/* An entry leaves the registry: its gauges with it. */
static void site_del(struct aj_site *s)
{
	hash_del(&s->node);
	if (s->at_keep)
		atomic64_dec(&altjit_stats[AJ_STAT_tc_sites_keep]);
	atomic64_dec(&altjit_stats[AJ_STAT_tc_sites]);
	kfree(s);
}

/* Where the jump goes for target (the slot's program): its keep entry, or the stock exit. */
static u8 *site_dest(const struct aj_site *s, const struct bpf_prog *target)
{
	u32 off = s->frame->tc_direct_entry(&aj_target, (const u8 *)target->bpf_func);

	return off ? (u8 *)target->bpf_func + off : site_next(s);
}

/*
 * prog's image is final; hot is its jump for the poke descriptor of (map, key), which the slot's
 * program target (or NULL) fills now. Under the array's poke_mutex, before the descriptor is
 * marked stable. Without an entry (refused after the retire, or no memory) the jump stays at its
 * next instruction: the stock ABI, always right.
 */
void altjit_tailpoke_add(const struct bpf_prog *prog, const struct aj_frame *frame,
			 const struct bpf_map *map, u32 key, u8 *hot, const struct bpf_prog *target)
{
	struct aj_site *s;

	mutex_lock(&aj_sites_lock);
	if (aj_sites_retired)
		goto out;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s) {
		pr_warn_ratelimited("program %s: no memory to follow a direct tail call; it takes the stock exit\n",
				    prog->aux->name);
		goto out;
	}
	*s = (struct aj_site){ .prog = prog, .frame = frame, .map = map, .key = key, .hot = hot };
	s->dest = site_next(s);
	hash_add(aj_sites, &s->node, (unsigned long)map);
	aj_stat_inc(AJ_STAT_tc_sites);
	if (target)
		site_point(s, site_dest(s, target));
out:
	mutex_unlock(&aj_sites_lock);
}

/* The slot (map, key) now holds new (NULL: emptied); the kernel's poke code runs next. */
static void tailpoke_update(const struct bpf_map *map, u32 key, const struct bpf_prog *new)
{
	struct aj_site *s;

	if (!new)
		return;
	mutex_lock(&aj_sites_lock);
	hash_for_each_possible(aj_sites, s, node, (unsigned long)map)
		if (s->map == map && s->key == key)
			site_point(s, site_dest(s, new));
	mutex_unlock(&aj_sites_lock);
}

void aj_poke_run(struct bpf_map *map, u32 key, struct bpf_prog *old, struct bpf_prog *new)
{
	tailpoke_update(map, key, new);
	altjit_orig_poke_run(map, key, old, new);
}

/*
 * prog's image is about to be freed. Its maps were untracked before, but the registry matches by
 * (map, key): an update of that slot may still re-point its jump until here, harmlessly (the image
 * is alive and no longer runs); aj_sites_lock orders it before the free.
 */
void altjit_tailpoke_forget(const struct bpf_prog *prog)
{
	struct hlist_node *tmp;
	struct aj_site *s;
	int bkt;

	mutex_lock(&aj_sites_lock);
	hash_for_each_safe(aj_sites, bkt, tmp, s, node) {
		if (s->prog == prog)
			site_del(s);
	}
	mutex_unlock(&aj_sites_lock);
}

/* Before unloading: every jump to its stock exit, every site forgotten, none taken after. */
void altjit_tailpoke_retire(void)
{
	struct hlist_node *tmp;
	struct aj_site *s;
	int bkt;

	mutex_lock(&aj_sites_lock);
	WRITE_ONCE(aj_sites_retired, true);
	hash_for_each_safe(aj_sites, bkt, tmp, s, node) {
		site_point(s, site_next(s));
		site_del(s);
	}
	mutex_unlock(&aj_sites_lock);
}
