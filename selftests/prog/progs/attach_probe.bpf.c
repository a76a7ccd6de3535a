// SPDX-License-Identifier: GPL-2.0
/*
 * fentry/fexit programs for altjit_attach: they hook attach_target.bpf.o's main program (at_main)
 * and its subprogram (at_hash). The section names carry those functions' names; altjit_attach still
 * sets the target program and function with bpf_program__set_attach_target() before loading.
 *
 * Every hook counts its calls in recs[AP_*]; fentry hooks also record the packet length they see
 * through their skb argument, fexit hooks the return value of the function they hook (the last one
 * and the sum over all calls).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Indices into recs; altjit_attach.c has the same. */
enum { AP_FENTRY_MAIN, AP_FEXIT_MAIN, AP_FENTRY_HASH, AP_FEXIT_HASH, AP_NR };

struct ap_rec {
	__u64 count;	/* calls */
	__u64 last;	/* fentry: skb->len; fexit: return value (as u32) */
	__u64 sum;	/* the sum of all "last" values */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AP_NR);
	__type(key, __u32);
	__type(value, struct ap_rec);
} recs SEC(".maps");

/* The hooked functions take a struct __sk_buff *; the kernel passes hooks the real sk_buff. */
struct sk_buff {
	unsigned int len;
} __attribute__((preserve_access_index));

static __always_inline void record(__u32 idx, __u32 val)
{
	struct ap_rec *r = bpf_map_lookup_elem(&recs, &idx);

	if (!r)
		return;
	__sync_fetch_and_add(&r->count, 1);
	__sync_fetch_and_add(&r->sum, val);
	r->last = val;
}

SEC("fentry/at_main")
int BPF_PROG(ap_fentry_main, struct sk_buff *skb)
{
	record(AP_FENTRY_MAIN, skb->len);
	return 0;
}

SEC("fexit/at_main")
int BPF_PROG(ap_fexit_main, struct sk_buff *skb, int ret)
{
	record(AP_FEXIT_MAIN, ret);
	return 0;
}

SEC("fentry/at_hash")
int BPF_PROG(ap_fentry_hash, struct sk_buff *skb)
{
	record(AP_FENTRY_HASH, skb->len);
	return 0;
}

SEC("fexit/at_hash")
int BPF_PROG(ap_fexit_hash, struct sk_buff *skb, __u32 ret)
{
	record(AP_FEXIT_HASH, ret);
	return 0;
}

char _license[] SEC("license") = "GPL";
