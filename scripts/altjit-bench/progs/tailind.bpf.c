// SPDX-License-Identifier: GPL-2.0
/*
 * tailcall6_r6-r9 (tailchain.bpf.c) with an index the verifier cannot see: each of the 6 tail calls
 * goes through the indirect path (bounds check, counter, slot load, NULL check, jump through a
 * register, or a retpoline or ITS thunk where the kernel uses one). skb->mark is 0 in a test run, so
 * the chain is the same: link0 to link6.
 */
#define NEXT(skb, n) ((skb)->mark + (n) + 1)
#include "tailchain.bpf.c"
