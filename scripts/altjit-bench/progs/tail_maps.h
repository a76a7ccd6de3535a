/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps of the tail-call programs: "chain", the prog array the bench fills by the number at the
 * end of each program's name (CHAIN_SLOTS slots, 8 unless the program says), and "acc", eight
 * 64-bit counters the programs update through a helper call.
 */
#ifndef CHAIN_SLOTS
#define CHAIN_SLOTS 8
#endif

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, CHAIN_SLOTS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} chain SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 8);
} acc SEC(".maps");
