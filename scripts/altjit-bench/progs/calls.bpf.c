// SPDX-License-Identifier: GPL-2.0
/* Dominated by bpf2bpf calls: small non-inlined functions called from a bounded loop. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __noinline __u64 mix(__u64 x, __u64 y)
{
	return (x ^ (y << 7)) + (y >> 3);
}

static __noinline __u64 fold(__u64 x, __u64 y, __u64 z)
{
	return mix(x, y) + mix(y, z) + mix(z, x);
}

SEC("tc")
int calls(struct __sk_buff *skb)
{
	__u64 h = skb->len;
	int i;

	for (i = 0; i < 16; i++)
		h = fold(h, i, skb->protocol);
	return h & 1;
}

char _license[] SEC("license") = "GPL";
