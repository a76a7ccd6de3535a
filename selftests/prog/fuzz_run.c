// SPDX-License-Identifier: GPL-2.0
/*
 * altjit_fuzz: loading a program set (func info BTF for bpf2bpf functions and callbacks, the
 * fentry target's BTF id), attaching (fentry), running it once (BPF_PROG_TEST_RUN: on a packet,
 * or a tracing test run, which calls bpf_fentry_test1..8), and comparing what runs left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "fuzz.h"
#include "ajtest.h"

/* ---- loading and running ---- */

static int btf_fd = -1;
static __u32 btf_func_ids[AJF_MAX_FUNCS];

/* "int f(void *)" for every function: bpf2bpf calls with tail calls need func info. */
int make_btf(void)
{
	char name[AJF_MAX_FUNCS][16];
	const char *names[AJF_MAX_FUNCS];
	struct btf *btf;
	int k;

	for (k = 0; k < AJF_MAX_FUNCS; k++) {
		snprintf(name[k], sizeof(name[k]), "ajf_f%d", k);
		names[k] = name[k];
	}
	btf = func_btf_load(names, AJF_MAX_FUNCS, btf_func_ids);
	if (!btf)
		return -1;
	/* keep the fd, drop the rest */
	btf_fd = dup(btf__fd(btf));
	btf__free(btf);
	return btf_fd < 0 ? -1 : 0;
}

/* The BTF ids of bpf_fentry_test7 and 8 in vmlinux (libbpf reads /sys/kernel/btf/vmlinux once). */
int fentry_btf_id(int n)
{
	static int ids[16];
	static struct btf *vmlinux;
	char name[32];

	if (n < 0 || n >= 16)
		return -EINVAL;
	if (ids[n])
		return ids[n];
	if (!vmlinux) {
		vmlinux = btf__load_vmlinux_btf();
		if (!vmlinux)
			return -errno;
	}
	snprintf(name, sizeof(name), "bpf_fentry_test%d", n);
	ids[n] = btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC);
	return ids[n];
}

static char vlog[1 << 20];

int load_prog(const struct progset *ps, uint32_t k, bool with_log)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	struct bpf_func_info fi[AJF_MAX_FUNCS];
	const struct ajf_info *in = &ps->info[k];
	enum bpf_prog_type type = BPF_PROG_TYPE_SCHED_CLS;
	uint32_t f;
	int id;

	if (in->nr_funcs > 1) {
		for (f = 0; f < in->nr_funcs; f++)
			fi[f] = (struct bpf_func_info){ .insn_off = in->func_start[f],
							.type_id = btf_func_ids[f] };
		opts.prog_btf_fd = btf_fd;
		opts.func_info = fi;
		opts.func_info_cnt = in->nr_funcs;
		opts.func_info_rec_size = sizeof(fi[0]);
	}
	if (with_log) {
		vlog[0] = 0;
		opts.log_buf = vlog;
		opts.log_size = sizeof(vlog);
		opts.log_level = 1;
	}
	if (ps->kind == SET_FENTRY) {
		id = fentry_btf_id(ps->fentry);
		if (id < 0) {
			errno = -id;
			return -1;
		}
		type = BPF_PROG_TYPE_TRACING;
		opts.expected_attach_type = BPF_TRACE_FENTRY;
		opts.attach_btf_id = (__u32)id;
	}
	return bpf_prog_load(type, "ajf", "GPL", ps->insns[k], ps->len[k], &opts);
}

void print_log_tail(int lines)
{
	char *p = vlog + strlen(vlog);
	int n = 0;

	while (p > vlog && n <= lines)
		if (*--p == '\n')
			n++;
	if (*p == '\n')
		p++;
	while (*p) {
		char *e = strchr(p, '\n');

		if (!e)
			e = p + strlen(p);
		printf("#   | %.*s\n", (int)(e - p), p);
		p = *e ? e + 1 : e;
	}
}

int fresh_maps(void)
{
	int m = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ajf_mem", 4, VAL_SIZE, 1, NULL);
	int p = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "ajf_pa", 4, 4, NSLOTS, NULL);
	int ret = 0;

	if (m < 0 || p < 0 || dup2(m, MEM_FD) < 0 || dup2(p, PA_FD) < 0)
		ret = -1;
	if (m >= 0)
		close(m);
	if (p >= 0)
		close(p);
	return ret;
}

static bool prog_jited(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(fd, &info, &len) && info.jited_prog_len > 0;
}

/* Load every program of ps, fill the prog array, run the entry; fds stay open in r. */
void run_set(const struct progset *ps, struct result *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, t);
	__u32 key = 0, k;
	int fd;

	memset(r, 0, sizeof(*r));
	for (k = 0; k < MAX_SET; k++)
		r->fds[k] = -1;
	r->link = -1;
	if (fresh_maps()) {
		r->err = errno;
		r->what = "map create";
		return;
	}
	for (k = 0; k < ps->nprogs; k++) {
		fd = load_prog(ps, k, false);
		if (fd < 0) {
			r->err = errno;
			r->what = "load";
			return;
		}
		r->fds[k] = fd;
		r->jited[k] = prog_jited(fd);
	}
	for (k = 0; k < NSLOTS; k++) {
		if (ps->slot[k] < 0)
			continue;
		fd = r->fds[ps->slot[k]];
		if (bpf_map_update_elem(PA_FD, &k, &fd, BPF_ANY)) {
			r->err = errno;
			r->what = "prog array update";
			return;
		}
	}
	if (bpf_map_update_elem(MEM_FD, &key, ps->mem_init, BPF_ANY)) {
		r->err = errno;
		r->what = "memory map update";
		return;
	}
	if (ps->kind == SET_FENTRY) {
		/* a test run of a tracing program calls bpf_fentry_test1..8: ours runs once */
		r->link = bpf_raw_tracepoint_open(NULL, r->fds[0]);
		if (r->link < 0) {
			r->err = errno;
			r->what = "fentry attach";
			return;
		}
	} else {
		t.data_in = ps->pkt;
		t.data_size_in = PKT_SIZE;
		t.data_out = r->pkt;
		t.data_size_out = sizeof(r->pkt);
		t.repeat = 1;
	}
	if (bpf_prog_test_run_opts(r->fds[0], &t)) {
		r->err = errno;
		r->what = "test run";
		return;
	}
	r->retval = t.retval;
	r->pkt_len = t.data_size_out;
	if (bpf_map_lookup_elem(MEM_FD, &key, r->mem)) {
		r->err = errno;
		r->what = "memory map lookup";
		return;
	}
	r->ran = true;
}

void close_result(struct result *r)
{
	int k;

	for (k = 0; k < MAX_SET; k++)
		if (r->fds[k] >= 0)
			close(r->fds[k]);
	for (k = 0; k < MAX_SET; k++)
		r->fds[k] = -1;
	if (r->link >= 0)
		close(r->link);
	r->link = -1;
}

/* NULL when a and b agree, else what differs (in buf). */
const char *differ(const struct result *want, const struct result *got, char *buf, size_t len)
{
	uint32_t k;

	if (!got->ran) {
		snprintf(buf, len, "%s failed: %s", got->what, strerror(got->err));
		return buf;
	}
	if (got->retval != want->retval) {
		snprintf(buf, len, "retval: expected 0x%08x, got 0x%08x", want->retval, got->retval);
		return buf;
	}
	for (k = 0; k < VAL_SIZE; k++)
		if (got->mem[k] != want->mem[k]) {
			uint64_t a, b;

			memcpy(&a, want->mem + (k & ~7u), 8);
			memcpy(&b, got->mem + (k & ~7u), 8);
			snprintf(buf, len, "map value byte %u: u64 at %u expected 0x%016llx, got 0x%016llx",
				 k, k & ~7u, (unsigned long long)a, (unsigned long long)b);
			return buf;
		}
	if (got->pkt_len != want->pkt_len || memcmp(got->pkt, want->pkt, got->pkt_len)) {
		snprintf(buf, len, "packet differs (length %u vs %u)", want->pkt_len, got->pkt_len);
		return buf;
	}
	return NULL;
}

void dump_image(const char *label, int fd)
{
	struct jit_image im = { 0 };
	__u32 n, i;

	if (fd < 0 || jit_image_get(fd, &im) || !im.len) {
		printf("# image (%s): not JIT'ed\n", label);
		jit_image_free(&im);
		return;
	}
	n = im.len;
	printf("# image of the entry (%s, %u bytes; xxd -r -p | objdump -D -b binary -mi386:x86-64):\n",
	       label, n);
	for (i = 0; i < n; i++)
		printf("%s%02x%s", i % 32 ? "" : "#   ", im.bytes[i],
		       (i % 32 == 31 || i == n - 1) ? "\n" : "");
	jit_image_free(&im);
}

