// SPDX-License-Identifier: GPL-2.0
/*
 * altjit-bench --native: the world a program runs in (native.h). Userspace maps (array, per-CPU
 * array with one CPU, hash) behind the helpers the images and the reference interpreter call, and
 * the stand-in for the kernel's context, reset before every run as BPF_PROG_TEST_RUN would.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include "native.h"

/* ---- helpers (userspace implementations, called by the images and by the interpreter) ---- */

static struct nmap *nmap_of(uint64_t obj)
{
	struct nmap *m;

	memcpy(&m, (void *)(uintptr_t)obj, sizeof(m));
	return m;
}

#define HELPER __attribute__((force_align_arg_pointer))

static uint32_t key_hash(const uint8_t *k, uint32_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *k++) * 16777619u;
	return h;
}

/* A hash slot: [used u64][key rounded to 8][value rounded to 8]. */
static uint8_t *hash_slot(struct nmap *m, const void *key, bool insert)
{
	uint32_t i, h = key_hash(key, m->key_size);

	for (i = 0; i < m->nslots; i++) {
		uint8_t *s = m->data + (size_t)((h + i) & (m->nslots - 1)) * m->stride;
		uint64_t used;

		memcpy(&used, s, 8);
		if (used == 1 && !memcmp(s + 8, key, m->key_size))
			return s;
		if (used != 1 && insert) {
			used = 1;
			memcpy(s, &used, 8);
			memcpy(s + 8, key, m->key_size);
			return s;
		}
		if (!used)
			return NULL;
	}
	return NULL;
}

static uint8_t *hash_value(struct nmap *m, uint8_t *slot)
{
	return slot + 8 + ((m->key_size + 7) & ~7u);
}

static uint32_t hash_count(struct nmap *m)
{
	uint32_t i, n = 0;
	uint64_t used;

	for (i = 0; i < m->nslots; i++) {
		memcpy(&used, m->data + (size_t)i * m->stride, 8);
		n += used == 1;
	}
	return n;
}

static HELPER uint64_t h_map_lookup_elem(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	struct nmap *m = nmap_of(a);
	uint32_t idx;
	uint8_t *s;

	(void)c, (void)d, (void)e;
	switch (m->type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		memcpy(&idx, (void *)(uintptr_t)b, 4);
		return idx < m->max_entries ? (uint64_t)(uintptr_t)(m->data + (size_t)idx * m->stride) : 0;
	case BPF_MAP_TYPE_HASH:
		s = hash_slot(m, (void *)(uintptr_t)b, false);
		return s ? (uint64_t)(uintptr_t)hash_value(m, s) : 0;
	}
	return 0;
}

static HELPER uint64_t h_map_update_elem(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	struct nmap *m = nmap_of(a);
	uint32_t idx;
	uint8_t *s;

	(void)d, (void)e;
	switch (m->type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		memcpy(&idx, (void *)(uintptr_t)b, 4);
		if (idx >= m->max_entries)
			return (uint64_t)-E2BIG;
		memcpy(m->data + (size_t)idx * m->stride, (void *)(uintptr_t)c, m->value_size);
		return 0;
	case BPF_MAP_TYPE_HASH:
		s = hash_slot(m, (void *)(uintptr_t)b, false);
		if (!s) {
			if (hash_count(m) >= m->max_entries)
				return (uint64_t)-E2BIG;
			s = hash_slot(m, (void *)(uintptr_t)b, true);
		}
		if (!s)
			return (uint64_t)-E2BIG;
		memcpy(hash_value(m, s), (void *)(uintptr_t)c, m->value_size);
		return 0;
	}
	return (uint64_t)-EINVAL;
}

static HELPER uint64_t h_map_delete_elem(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	struct nmap *m = nmap_of(a);
	uint64_t tomb = 2;
	uint8_t *s;

	(void)c, (void)d, (void)e;
	if (m->type != BPF_MAP_TYPE_HASH)
		return (uint64_t)-EINVAL;
	s = hash_slot(m, (void *)(uintptr_t)b, false);
	if (!s)
		return (uint64_t)-ENOENT;
	memcpy(s, &tomb, 8);
	return 0;
}

/* bpf_skb_load_bytes(ctx, offset, to, len) from the packet the context points at. */
static HELPER uint64_t h_skb_load_bytes(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	const struct nctx *x = (const struct nctx *)(uintptr_t)a;
	uint32_t off = (uint32_t)b, len = (uint32_t)d;
	size_t have = (size_t)((uint8_t *)x->data_end - (uint8_t *)x->data);

	(void)e;
	if (off > 0xffff || !len || off + len > have) {
		memset((void *)(uintptr_t)c, 0, len);
		return (uint64_t)-EFAULT;
	}
	memcpy((void *)(uintptr_t)c, (uint8_t *)x->data + off, len);
	return 0;
}

host_helper_fn helpers[NR_HELPERS];

void helpers_init(void)
{
	helpers[BPF_FUNC_map_lookup_elem] = h_map_lookup_elem;
	helpers[BPF_FUNC_map_update_elem] = h_map_update_elem;
	helpers[BPF_FUNC_map_delete_elem] = h_map_delete_elem;
	helpers[BPF_FUNC_skb_load_bytes] = h_skb_load_bytes;
}

/* ---- the context: what the verifier's convert_ctx_access() makes of each field ---- */

#define FA(u, uf, k, w) \
	{ offsetof(u, uf), sizeof(((u *)0)->uf), offsetof(struct nctx, k), sizeof(((struct nctx *)0)->k), w }
#define F(u, k, w) FA(u, k, k, w)

static const struct ctx_field xdp_fields[] = {
	F(struct xdp_md, data, false), F(struct xdp_md, data_end, false),
	F(struct xdp_md, data_meta, false), F(struct xdp_md, ingress_ifindex, false),
	F(struct xdp_md, rx_queue_index, false), F(struct xdp_md, egress_ifindex, false),
	{ 0, 0, 0, 0, false },
};

static const struct ctx_field skb_fields[] = {
	F(struct __sk_buff, len, false), F(struct __sk_buff, mark, true),
	F(struct __sk_buff, queue_mapping, true), F(struct __sk_buff, protocol, false),
	F(struct __sk_buff, priority, true), F(struct __sk_buff, ingress_ifindex, false),
	F(struct __sk_buff, ifindex, false), F(struct __sk_buff, tc_index, true),
	FA(struct __sk_buff, cb[0], cb[0], true), FA(struct __sk_buff, cb[1], cb[1], true),
	FA(struct __sk_buff, cb[2], cb[2], true), FA(struct __sk_buff, cb[3], cb[3], true),
	FA(struct __sk_buff, cb[4], cb[4], true), F(struct __sk_buff, hash, true),
	F(struct __sk_buff, tc_classid, true), F(struct __sk_buff, data, false),
	F(struct __sk_buff, data_end, false), F(struct __sk_buff, data_meta, false),
	{ 0, 0, 0, 0, false },
};

static const struct ctx_field flow_fields[] = {
	F(struct __sk_buff, data, false), F(struct __sk_buff, data_end, false),
	F(struct __sk_buff, flow_keys, false),
	{ 0, 0, 0, 0, false },
};

const struct ctx_field *ctx_fields(enum bpf_prog_type t)
{
	switch (t) {
	case BPF_PROG_TYPE_XDP: return xdp_fields;
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT: return skb_fields;
	case BPF_PROG_TYPE_FLOW_DISSECTOR: return flow_fields;
	default: return NULL;
	}
}

/* The context and packet before every run (BPF_PROG_TEST_RUN's setup for a 64-byte frame). */
static void reset_ctx(struct nbench *b)
{
	struct nctx *x = &b->ctx;

	memcpy(b->packet, pkt, sizeof(pkt));
	memset(x, 0, sizeof(*x));
	x->data = x->data_meta = b->packet;
	x->data_end = b->packet + sizeof(b->packet);
	x->len = sizeof(b->packet);
	x->protocol = htons(0x0800);
	x->ingress_ifindex = x->ifindex = 1;
	x->flow_keys = &b->keys;
}

/* The flow dissector's keys, reset before every run as the kernel's bpf_flow_dissect() does. */
void reset_keys(struct nbench *b)
{
	memset(&b->keys, 0, sizeof(b->keys));
	memcpy(&b->keys.n_proto, b->packet + 12, 2);
	b->keys.nhoff = b->keys.thoff = 14;
}

void reset_world(struct nbench *b)
{
	uint32_t k;

	reset_ctx(b);
	reset_keys(b);
	for (k = 0; k < b->nmaps; k++) {
		struct nmap *m = &b->maps[k];

		if (!m->data)
			continue;
		memset(m->data, 0, m->size);
		if (m->init)
			memcpy(m->data, m->init, m->value_size);
	}
}

/* Everything a run may change, in one buffer (the ctx, then every region). */
size_t state_size(const struct nbench *b)
{
	size_t n = sizeof(b->ctx);
	uint32_t k;

	for (k = 0; k < b->nregions; k++)
		n += b->regions[k].size;
	return n;
}

void save_state(const struct nbench *b, uint8_t *out)
{
	uint32_t k;

	memcpy(out, &b->ctx, sizeof(b->ctx));
	out += sizeof(b->ctx);
	for (k = 0; k < b->nregions; k++) {
		memcpy(out, b->regions[k].p, b->regions[k].size);
		out += b->regions[k].size;
	}
}
