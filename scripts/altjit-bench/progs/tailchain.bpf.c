// SPDX-License-Identifier: GPL-2.0
/*
 * The seed thread's worst case (Cilium-like): a chain of 6 tail calls in which every program keeps
 * values in all of R6-R9 across a helper call, so every frame pushes all four registers.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "tail_maps.h"

/* The next program's slot: a constant, so each tail call is direct (tailind.bpf.c: not one). */
#ifndef NEXT
#define NEXT(skb, n) ((n) + 1)
#endif

/* Four values live across a helper call: the compiler keeps them in R6-R9. */
static __always_inline int step(struct __sk_buff *skb, __u32 n)
{
	__u64 a = skb->len, b = skb->protocol, c = skb->mark + n, d = skb->priority ^ n;
	__u32 key = n;
	__u64 *v = bpf_map_lookup_elem(&acc, &key);

	if (v)
		*v += a * 3 + b * 5 + c * 7 + d;
	bpf_tail_call(skb, &chain, NEXT(skb, n));
	return (int)(a + b + c + d);
}

#define LINK(n) \
SEC("tc") int link##n(struct __sk_buff *skb) { return step(skb, n); }

LINK(0)
LINK(1)
LINK(2)
LINK(3)
LINK(4)
LINK(5)
LINK(6)

char _license[] SEC("license") = "GPL";
