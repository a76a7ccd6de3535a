// SPDX-License-Identifier: GPL-2.0
/*
 * The per-call cost of a tail call: a chain of 33 tail calls (the kernel's limit) through 34
 * programs that keep nothing in R6-R9 and have no stack, each jumping to the next with a constant
 * index (a direct tail call, patched by the kernel). What is left is the frame's tail-call path.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define CHAIN_SLOTS 34
#include "tail_maps.h"

#define HOP(n) \
SEC("tc") int hop##n(struct __sk_buff *skb) { bpf_tail_call(skb, &chain, n + 1); return n; }

HOP(0) HOP(1) HOP(2) HOP(3) HOP(4) HOP(5) HOP(6) HOP(7) HOP(8) HOP(9)
HOP(10) HOP(11) HOP(12) HOP(13) HOP(14) HOP(15) HOP(16) HOP(17) HOP(18) HOP(19)
HOP(20) HOP(21) HOP(22) HOP(23) HOP(24) HOP(25) HOP(26) HOP(27) HOP(28) HOP(29)
HOP(30) HOP(31) HOP(32)

/* The 34th program: 33 tail calls got here, the end of the chain. */
SEC("tc") int hop33(struct __sk_buff *skb) { return 33; }

char _license[] SEC("license") = "GPL";
