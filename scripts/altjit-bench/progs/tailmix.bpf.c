// SPDX-License-Identifier: GPL-2.0
/*
 * A Cilium-like chain of 6 tail calls whose programs differ: BPF stacks of 0 to 512 bytes and 0 to 4
 * of R6-R9 live across a helper call, so no two neighbours have the same frame.
 *
 *   program  mix0  mix1  mix2  mix3  mix4  mix5  mix6
 *   stack       0    64   504     8   256     8   128   (bytes; 512 with the compiler's own slot
 *                                                     would be over the limit)
 *   R6-R9       0     1     4     2     3     4     0      (the context is one: tail calls need it)
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "tail_maps.h"

/*
 * An N-byte stack buffer whose first word is the map key: its address goes to the helper, so the
 * compiler keeps all N bytes and buf[0], their deepest word, makes the verifier's stack depth N.
 */
#define STACK(N, n)							\
	__u64 buf[(N) / 8];						\
	buf[0] = n;							\
	v = bpf_map_lookup_elem(&acc, buf)

static __always_inline __u64 *slot(__u32 n)
{
	__u32 key = n;

	return bpf_map_lookup_elem(&acc, &key);
}

SEC("tc") int mix0(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &chain, 1);
	return 0;
}

SEC("tc") int mix1(struct __sk_buff *skb)
{
	__u64 *v;
	STACK(64, 1);
	if (v)
		*v += 1;
	bpf_tail_call(skb, &chain, 2);
	return 1;
}

SEC("tc") int mix2(struct __sk_buff *skb)
{
	__u64 a = skb->len, b = skb->protocol, c = skb->priority;
	__u64 *v;
	STACK(504, 2);
	if (v)
		*v += a * 3 + b * 5 + c;
	bpf_tail_call(skb, &chain, 3);
	return (int)(a + b + c);
}

SEC("tc") int mix3(struct __sk_buff *skb)
{
	__u64 a = skb->len;
	__u64 *v = slot(3);

	if (v)
		*v += a * 3;
	bpf_tail_call(skb, &chain, 4);
	return (int)a;
}

SEC("tc") int mix4(struct __sk_buff *skb)
{
	__u64 a = skb->len, b = skb->protocol;
	__u64 *v;
	STACK(256, 4);
	if (v)
		*v += a + b;
	bpf_tail_call(skb, &chain, 5);
	return (int)(a + b);
}

SEC("tc") int mix5(struct __sk_buff *skb)
{
	__u64 a = skb->len, b = skb->protocol, c = skb->priority;
	__u64 *v;
	STACK(8, 5);
	if (v)
		*v += a * 3 + b * 5 + c;
	bpf_tail_call(skb, &chain, 6);
	return (int)(a + b + c);
}

SEC("tc") int mix6(struct __sk_buff *skb)
{
	__u64 *v;
	STACK(128, 6);
	if (v)
		*v += 1;
	return 6;
}

char _license[] SEC("license") = "GPL";
