// SPDX-License-Identifier: GPL-2.0
/*
 * tailcall6_r6-r9 with an index the verifier cannot see: each of the 6 tail calls goes through the
 * indirect path (bounds check, counter, slot load, NULL check, jump through a register; a retpoline
 * or ITS thunk where the kernel uses one). skb->mark is 0 in a test run, so the chain is the same.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 8);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} chain SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 8);
} acc SEC(".maps");

/* Four values live across a helper call, as in tailchain.bpf.c: the compiler keeps them in R6-R9. */
static __always_inline int step(struct __sk_buff *skb, __u32 n)
{
	__u64 a = skb->len, b = skb->protocol, c = skb->mark + n, d = skb->priority ^ n;
	__u32 key = n;
	__u64 *v = bpf_map_lookup_elem(&acc, &key);

	if (v)
		*v += a * 3 + b * 5 + c * 7 + d;
	bpf_tail_call(skb, &chain, skb->mark + n + 1);
	return (int)(a + b + c + d);
}

#define LINK(n) \
SEC("tc") int ind##n(struct __sk_buff *skb) { return step(skb, n); }

LINK(0)
LINK(1)
LINK(2)
LINK(3)
LINK(4)
LINK(5)
LINK(6)

char _license[] SEC("license") = "GPL";
