// SPDX-License-Identifier: GPL-2.0
/*
 * The program altjit_attach hooks fentry/fexit programs onto: a tc classifier whose return value
 * is computed from the packet, partly in a non-inlined subprogram (a bpf2bpf call). It keeps values
 * in callee-saved registers and on its stack across the call, so a trampoline that clobbers either
 * shows up as a wrong return value.
 *
 * With a packet of at least 64 bytes p[0..len-1]:
 *   at_hash(skb) = h, where h = 17 and then h = h * 31 + p[i] for i = 0..63 (u32 arithmetic)
 *   at_main(skb) = ((h ^ (h >> 15)) & 0xffff) + len + p[len - 1]
 * altjit_attach.c computes the same; keep the two in step.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define AT_HASH_LEN	64

static __noinline __u32 at_hash(struct __sk_buff *skb)
{
	const __u8 *data = (const void *)(long)skb->data;
	const __u8 *end = (const void *)(long)skb->data_end;
	__u32 h = 17;
	int i;

	if (data + AT_HASH_LEN > end)
		return 0;
#pragma unroll
	for (i = 0; i < AT_HASH_LEN; i++)
		h = h * 31 + data[i];
	return h;
}

SEC("tc")
int at_main(struct __sk_buff *skb)
{
	__u32 len = skb->len;
	__u8 tail[4] = {};
	__u32 h;

	if (len < AT_HASH_LEN)
		return 1;
	if (bpf_skb_load_bytes(skb, len - 4, tail, sizeof(tail)))
		return 2;
	h = at_hash(skb);
	return ((h ^ (h >> 15)) & 0xffff) + len + tail[3];
}

char _license[] SEC("license") = "GPL";
